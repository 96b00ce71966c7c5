module sameids

go 1.24

require github.com/annoy-rs/annoy/bindings/go v0.0.0

replace github.com/annoy-rs/annoy/bindings/go => ../../go

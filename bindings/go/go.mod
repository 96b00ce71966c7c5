module github.com/annoy-rs/annoy/bindings/go

go 1.24

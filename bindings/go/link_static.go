//go:build annoy_checkout && !annoy_shared

package annoy

// With `-tags annoy_checkout`: build inside a source checkout instead, against its
// include/annoy.h and the static library from `cargo build --release --lib`, so a Go binary
// needs no shared object beside it. The Rust standard library inside it needs libm, libdl
// and libpthread (and libgcc_s for unwinding, which the C toolchain links by default).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libannoy.a -lm -ldl -lpthread
*/
import "C"

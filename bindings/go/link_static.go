//go:build !annoy_shared

package annoy

// Default: link the static library built by `cargo build --release --lib`, so a Go binary
// needs no shared object beside it. The Rust standard library inside it needs libm, libdl
// and libpthread (and libgcc_s for unwinding, which the C toolchain links by default).

/*
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libannoy.a -lm -ldl -lpthread
*/
import "C"

//go:build !annoy_checkout

package annoy

// Default: the installed library, found through pkg-config (annoy.pc from `cmake --install`):
// its Cflags give the directory of annoy.h and its Libs link libannoy.so. Nothing points into
// a source checkout, so the package builds from the module cache or a vendor directory. For a
// non-system prefix set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig (and, at run time,
// LD_LIBRARY_PATH=<prefix>/lib, or link with -Wl,-rpath through CGO_LDFLAGS).

/*
#cgo pkg-config: annoy
*/
import "C"

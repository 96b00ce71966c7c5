//go:build annoy_checkout && annoy_shared

package annoy

// With `-tags annoy_checkout,annoy_shared`: the checkout's include/annoy.h and libannoy.so
// from target/release. Its SONAME is libannoy.so.0, so at run time the loader looks for that
// name: put a libannoy.so.0 symlink on LD_LIBRARY_PATH (run_tests.sh does).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lannoy -Wl,-rpath,${SRCDIR}/../../target/release -lm -ldl -lpthread
*/
import "C"

//go:build annoy_shared

package annoy

// With `-tags annoy_shared`: link libannoy.so from target/release instead. Its SONAME is
// libannoy.so.0, so at run time the loader looks for that name: install the library, or put
// a libannoy.so.0 symlink on LD_LIBRARY_PATH (run_tests.sh does the latter).

/*
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lannoy -Wl,-rpath,${SRCDIR}/../../target/release -lm -ldl -lpthread
*/
import "C"

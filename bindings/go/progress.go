package annoy

/*
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include "annoy.h"
extern int32_t annoyGoProgress(size_t done, size_t wanted, void *data);
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"unsafe"
)

// buildWatch is what the library's progress callback sees: the caller's context and report.
type buildWatch struct {
	ctx    context.Context
	report func(treesDone, treesWanted int)
}

//export annoyGoProgress
func annoyGoProgress(done, wanted C.size_t, data unsafe.Pointer) C.int32_t {
	w := (*(*cgo.Handle)(data)).Value().(*buildWatch)
	if w.report != nil {
		w.report(int(done), int(wanted))
	}
	if w.ctx.Err() != nil {
		return 1
	}
	return 0
}

// BuildContext is Build, stopped when ctx is done: the library asks at every finished tree
// and at least every 20 ms, and the build threads stop within a node split. A stopped build
// returns an error matching both ErrCancelled and ctx.Err() (errors.Is), with the index as it
// was before the call: unbuilt, its items intact, buildable again. progress, if not nil, is
// called on the calling goroutine's thread with the trees done and wanted (0 wanted: the
// automatic count, AutoTrees).
func (idx *Index) BuildContext(ctx context.Context, trees, threads int, progress func(treesDone, treesWanted int)) error {
	t, err := int32Arg("trees", trees)
	if err != nil {
		return err
	}
	j, err := int32Arg("threads", threads)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &Error{Code: CodeCancelled, Message: "the build was cancelled before it began", wrapped: err}
	}
	handle := cgo.NewHandle(&buildWatch{ctx: ctx, report: progress})
	defer handle.Delete()
	// The handle's address goes to C; C keeps it only for the call.
	data := C.malloc(C.size_t(unsafe.Sizeof(handle)))
	defer C.free(data)
	*(*cgo.Handle)(data) = handle
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		err := check(C.annoy_build_with_progress(h, t, j, C.annoy_progress_fn(C.annoyGoProgress), data, &cerr), cerr)
		if e, ok := err.(*Error); ok && e.Code == CodeCancelled && ctx.Err() != nil {
			e.wrapped = ctx.Err()
		}
		return err
	})
}

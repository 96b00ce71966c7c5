package annoy

/*
#include <stdlib.h>
#include "annoy.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// OpenNative opens a native index file (written by SaveNative, annoy_save_as or
// `annoy build --format native`) with no metric or dimension given: both come from the file.
// An Annoy file records neither, so it is refused (ErrCorrupt): use Open for it.
func OpenNative(path string, opts ...LoadOption) (*Index, error) {
	cpath, err := cString(path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var h *C.annoy_index
	var cerr *C.annoy_error
	if err := check(C.annoy_open(cpath, prefault(opts), &h, &cerr), cerr); err != nil {
		return nil, err
	}
	var dim C.size_t
	var metric C.int32_t
	C.annoy_dim(h, &dim, nil)
	C.annoy_metric(h, &metric, nil)
	liveHandles.Add(1)
	idx := &Index{h: h, dim: int(dim), metric: Metric(metric)}
	runtime.SetFinalizer(idx, (*Index).Close)
	return idx, nil
}

// SaveNative is Save in the native format: self-describing (OpenNative needs no metric or
// dimension) and checksummed (Verify finds any changed byte).
func (idx *Index) SaveNative(path string, opts ...LoadOption) error {
	return idx.saveAs(path, C.ANNOY_FORMAT_NATIVE, opts)
}

// Verify checks the index: every checksum of a native file, the structure of an Annoy file
// (which has no checksums). Damage is an error with CodeCorrupt.
func (idx *Index) Verify() error {
	return idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_verify(h, &cerr), cerr)
	})
}

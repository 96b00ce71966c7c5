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

// ValueType is how native files store the item vectors (see SetValueType).
type ValueType int32

// The value types. F16 halves the items' size; split planes, queries and distances stay
// float32.
const (
	F32 ValueType = C.ANNOY_VALUE_TYPE_F32
	F16 ValueType = C.ANNOY_VALUE_TYPE_F16
)

// SetValueType chooses how SaveNative (and the native buffers) store the item vectors: F32
// (the default) or F16, rounded to nearest. OpenNative of an F16 file sets F16, so saving it
// again keeps it; Save (Annoy's format) always writes float32. Hamming refuses F16
// (ErrInvalidArgument); a later save fails with ErrInvalidArgument if a value is beyond
// float16's range (±65504).
func (idx *Index) SetValueType(valueType ValueType) error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_set_value_type(h, C.int32_t(valueType), &cerr), cerr)
	})
}

// ValueType is the value type native saves write (see SetValueType).
func (idx *Index) ValueType() (ValueType, error) {
	var v C.int32_t
	err := idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_value_type(h, &v, &cerr), cerr)
	})
	return ValueType(v), err
}

// StoredValueType is how the index holds its item vectors now: F16 when it serves a native
// file of F16 items.
func (idx *Index) StoredValueType() (ValueType, error) {
	var v C.int32_t
	err := idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_stored_value_type(h, &v, &cerr), cerr)
	})
	return ValueType(v), err
}

// Verify checks the index: every checksum of a native file, the structure of an Annoy file
// (which has no checksums). Damage is an error with CodeCorrupt.
func (idx *Index) Verify() error {
	return idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_verify(h, &cerr), cerr)
	})
}

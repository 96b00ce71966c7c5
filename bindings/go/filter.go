package annoy

/*
#include <stdint.h>
#include "annoy.h"
extern int32_t annoyGoFilter(uint32_t id, void *data);
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// UnlimitedSearchK as a query's searchK walks every tree to the end (so does any negative
// value but DefaultSearchK).
const UnlimitedSearchK = -2

// Filter restricts a query to some items. The library returns the best n allowed items as the
// unfiltered search ranks them, widening its search as the filter rejects (or scanning the
// allowed items when an allow-list is small); see the C header's annoy_query_options.
type Filter struct {
	// Allow is a bitset over item ids: bit id%64 of Allow[id/64] allows item id; ids past its
	// end are not allowed. Nil: no allow-list.
	Allow []uint64
	// Func, if not nil, is asked about items (possibly more than once per id, from the
	// querying goroutine's thread); true allows the item. At most one of Allow and Func.
	Func func(id int) bool
}

// AllowIDs builds the Allow bitset of exactly ids.
func AllowIDs(ids []int) []uint64 {
	var words []uint64
	for _, id := range ids {
		w := id / 64
		for len(words) <= w {
			words = append(words, 0)
		}
		words[w] |= 1 << (uint(id) % 64)
	}
	return words
}

//export annoyGoFilter
func annoyGoFilter(id C.uint32_t, data unsafe.Pointer) C.int32_t {
	f := (*(*cgo.Handle)(data)).Value().(func(int) bool)
	if f(int(id)) {
		return 1
	}
	return 0
}

// withOptions fills C options for n, searchK, filter and the QueryOptions and runs call
// with them.
func withOptions(n, searchK int, filter Filter, more []QueryOption, call func(opts *C.annoy_query_options)) {
	var opts C.annoy_query_options
	C.annoy_query_options_init(&opts, C.size_t(unsafe.Sizeof(opts)), nil)
	opts.n = C.size_t(n)
	opts.search_k = C.int64_t(searchK)
	opts.ef = C.int64_t(collectQueryOptions(more).ef)
	var pinner runtime.Pinner
	defer pinner.Unpin()
	if len(filter.Allow) > 0 {
		pinner.Pin(&filter.Allow[0])
		opts.allow = (*C.uint64_t)(unsafe.Pointer(&filter.Allow[0]))
		opts.allow_words = C.size_t(len(filter.Allow))
	} else if filter.Allow != nil {
		// An empty, non-nil allow-list allows nothing: one zero word says so.
		zero := new(uint64)
		pinner.Pin(zero)
		opts.allow = (*C.uint64_t)(unsafe.Pointer(zero))
		opts.allow_words = 1
	}
	var handle *cgo.Handle
	if filter.Func != nil {
		handle = new(cgo.Handle)
		*handle = cgo.NewHandle(filter.Func)
		defer handle.Delete()
		pinner.Pin(handle)
		opts.filter = C.annoy_filter_fn(C.annoyGoFilter)
		opts.filter_data = unsafe.Pointer(handle)
	}
	call(&opts)
}

// QueryVectorFiltered is QueryVector among the items filter allows.
func (idx *Index) QueryVectorFiltered(vector []float32, n, searchK int, filter Filter, opts ...QueryOption) ([]Result, error) {
	if n < 0 {
		return nil, errInvalid(fmt.Sprintf("n must not be negative, got %d", n))
	}
	var out []Result
	err := idx.read(func(h *C.annoy_index) error {
		room := capacity(h, n)
		ids, dists := make([]uint32, room), make([]float32, room)
		var got C.size_t
		var cerr *C.annoy_error
		var st C.enum_annoy_status
		withOptions(n, searchK, filter, opts, func(copts *C.annoy_query_options) {
			st = C.annoy_query_with_options(h, nil, copts, floatPtr(vector),
				C.size_t(len(vector)), uintPtr(ids), floatPtr(dists), C.size_t(room), &got, &cerr)
		})
		runtime.KeepAlive(vector)
		runtime.KeepAlive(ids)
		runtime.KeepAlive(dists)
		if err := check(st, cerr); err != nil {
			return err
		}
		out = results(ids, dists, int(got))
		return nil
	})
	return out, err
}

// QueryItemFiltered is QueryItem among the items filter allows. The query item itself is
// returned only if filter allows it.
func (idx *Index) QueryItemFiltered(id, n, searchK int, filter Filter, opts ...QueryOption) ([]Result, error) {
	if n < 0 {
		return nil, errInvalid(fmt.Sprintf("n must not be negative, got %d", n))
	}
	cid, err := itemID(id)
	if err != nil {
		return nil, err
	}
	var out []Result
	err = idx.read(func(h *C.annoy_index) error {
		room := capacity(h, n)
		ids, dists := make([]uint32, room), make([]float32, room)
		var got C.size_t
		var cerr *C.annoy_error
		var st C.enum_annoy_status
		withOptions(n, searchK, filter, opts, func(copts *C.annoy_query_options) {
			st = C.annoy_query_by_item_with_options(h, nil, copts, cid,
				uintPtr(ids), floatPtr(dists), C.size_t(room), &got, &cerr)
		})
		runtime.KeepAlive(ids)
		runtime.KeepAlive(dists)
		if err := check(st, cerr); err != nil {
			return err
		}
		out = results(ids, dists, int(got))
		return nil
	})
	return out, err
}

// EstimateRecall measures recall@k of queries at searchK (or, with a graph, at the opts'
// WithEf) under filter against brute force on sample stored items drawn with seed, and the
// single-thread queries per second.
func (idx *Index) EstimateRecall(k, searchK int, filter Filter, sample int, seed uint64, opts ...QueryOption) (recall, qps float64, err error) {
	if k < 0 || sample < 0 {
		return 0, 0, errInvalid("k and sample must not be negative")
	}
	err = idx.read(func(h *C.annoy_index) error {
		var r, q C.double
		var cerr *C.annoy_error
		var st C.enum_annoy_status
		withOptions(k, searchK, filter, opts, func(copts *C.annoy_query_options) {
			st = C.annoy_estimate_recall(h, copts, nil, 0, C.size_t(sample), C.uint64_t(seed), &r, &q, &cerr)
		})
		recall, qps = float64(r), float64(q)
		return check(st, cerr)
	})
	return recall, qps, err
}

// Tune returns the smallest search effort whose recall@k under filter reaches target on
// sample stored items, with its recall: a searchK (UnlimitedSearchK when only an unlimited
// search does, or none: then recall is below target) or, on an index with a graph, the beam
// width ef (the widest tried when none does).
func (idx *Index) Tune(k int, target float64, filter Filter, sample int, seed uint64) (effort int, recall float64, err error) {
	if k < 0 || sample < 0 {
		return 0, 0, errInvalid("k and sample must not be negative")
	}
	err = idx.read(func(h *C.annoy_index) error {
		var e C.int64_t
		var r C.double
		var cerr *C.annoy_error
		var st C.enum_annoy_status
		withOptions(k, DefaultSearchK, filter, nil, func(copts *C.annoy_query_options) {
			st = C.annoy_tune(h, copts, C.double(target), nil, 0, C.size_t(sample), C.uint64_t(seed), &e, &r, nil, &cerr)
		})
		effort, recall = int(e), float64(r)
		return check(st, cerr)
	})
	return effort, recall, err
}

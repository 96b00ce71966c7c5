// Package annoy is a Go binding of annoy-rs, a Rust reimplementation of Spotify's Annoy
// (approximate nearest neighbours) that reads and writes Annoy's .ann files.
//
// An Index is built in memory (Add, Build, Save) or loaded from a file (Load, Open). A
// loaded file is memory-mapped read-only and shared, so many processes serving one file
// hold a single copy of it in memory.
//
// Concurrency: all methods are safe to call from any goroutine. Queries (QueryVector,
// QueryItem, QueryBatch, ItemVector, Distance and the counts) run concurrently with each
// other; calls that change the index (Add, Build, Load, Unload, Close, ...) wait for running
// queries and block new ones while they run.
//
// Memory: the index lives in C memory owned by the library. Close releases it; a finalizer
// does the same for an Index dropped without Close, but Close is cheaper and immediate.
package annoy

/*
#include <stdlib.h>
#include "annoy.h"

// The library's test hook: exported, not declared by the header (it is not API).
enum annoy_status annoy_selftest_panic(annoy_error **err);
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Metric is the distance an index uses.
type Metric int32

// The metrics, numbered as the C API's ANNOY_METRIC_*.
const (
	Angular   Metric = C.ANNOY_METRIC_ANGULAR   // sqrt(2 - 2·cos), as Annoy's "angular"
	Euclidean Metric = C.ANNOY_METRIC_EUCLIDEAN // L2
	Manhattan Metric = C.ANNOY_METRIC_MANHATTAN // L1
	Dot       Metric = C.ANNOY_METRIC_DOT       // inner product; larger is nearer
	Hamming   Metric = C.ANNOY_METRIC_HAMMING   // differing bits; vectors hold 0/1 per bit
)

var metricNames = [...]string{"angular", "euclidean", "manhattan", "dot", "hamming"}

// String returns Annoy's name of the metric ("angular", "euclidean", ...).
func (m Metric) String() string {
	if m >= 0 && int(m) < len(metricNames) {
		return metricNames[m]
	}
	return fmt.Sprintf("Metric(%d)", int32(m))
}

// ParseMetric turns Annoy's metric names ("angular", "euclidean", "manhattan", "dot",
// "hamming") into a Metric.
func ParseMetric(name string) (Metric, error) {
	for i, n := range metricNames {
		if strings.EqualFold(n, name) {
			return Metric(i), nil
		}
	}
	return 0, &Error{Code: CodeUnknownMetric, Message: fmt.Sprintf("unknown metric %q", name)}
}

// DotLayout selects how a Dot index is laid out in its file (see SetDotLayout).
type DotLayout int32

// Dot-metric file layouts.
const (
	DotLayoutAnnoy117  DotLayout = C.ANNOY_DOT_LAYOUT_ANNOY_1_17 // Annoy 1.17.3 (PyPI); the default
	DotLayoutAnnoyMain DotLayout = C.ANNOY_DOT_LAYOUT_ANNOY_MAIN // Annoy's main branch
)

// DefaultSearchK as a query's searchK looks at n × NTrees() candidates, as Annoy does.
// Any other negative searchK means no limit (every candidate), also as in Annoy.
const DefaultSearchK = -1

// AutoTrees as Build's trees lets the library choose the number of trees; AllCores as its
// threads (or QueryBatch's) uses one thread per core.
const (
	AutoTrees = -1
	AllCores  = -1
)

// Result is one neighbour: an item id and its distance to the query in the metric's units
// (for Dot, the inner product).
type Result struct {
	ID       int
	Distance float32
}

// Version returns the C library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.annoy_version()) }

// liveHandles counts C handles not yet freed (read by the tests).
var liveHandles atomic.Int64

// Index is an Annoy index. Create one with New (or NewAngular, ...) or Open; release it with
// Close. The zero value is not usable.
type Index struct {
	mu     sync.RWMutex
	h      *C.annoy_index // nil once closed
	dim    int
	metric Metric
}

// New creates an empty index of dim-dimensional vectors (for Hamming, dim counts bits).
func New(dim int, metric Metric) (*Index, error) {
	if dim < 0 {
		return nil, errInvalid(fmt.Sprintf("dimension must not be negative, got %d", dim))
	}
	var h *C.annoy_index
	var cerr *C.annoy_error
	if err := check(C.annoy_new(C.int32_t(metric), C.size_t(dim), &h, &cerr), cerr); err != nil {
		return nil, err
	}
	liveHandles.Add(1)
	idx := &Index{h: h, dim: dim, metric: metric}
	runtime.SetFinalizer(idx, (*Index).Close)
	return idx, nil
}

// NewAngular creates an empty index with the Angular metric.
func NewAngular(dim int) (*Index, error) { return New(dim, Angular) }

// NewEuclidean creates an empty index with the Euclidean metric.
func NewEuclidean(dim int) (*Index, error) { return New(dim, Euclidean) }

// NewManhattan creates an empty index with the Manhattan metric.
func NewManhattan(dim int) (*Index, error) { return New(dim, Manhattan) }

// NewDot creates an empty index with the Dot (inner product) metric.
func NewDot(dim int) (*Index, error) { return New(dim, Dot) }

// NewHamming creates an empty index of dim-bit vectors with the Hamming metric.
func NewHamming(dim int) (*Index, error) { return New(dim, Hamming) }

// Open creates an index and loads the file at path into it (see Load). The file must have
// been built with this metric and dimension.
func Open(path string, dim int, metric Metric, opts ...LoadOption) (*Index, error) {
	idx, err := New(dim, metric)
	if err != nil {
		return nil, err
	}
	if err := idx.Load(path, opts...); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// Close frees the index and unmaps its file. Calling it again, or on a nil *Index, does
// nothing. It waits for running queries; later calls fail with ErrClosed. Always nil.
func (idx *Index) Close() error {
	if idx == nil {
		return nil
	}
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if idx.h != nil {
		C.annoy_free(idx.h)
		idx.h = nil
		liveHandles.Add(-1)
		runtime.SetFinalizer(idx, nil)
	}
	return nil
}

// read runs a query-like call under the shared lock.
func (idx *Index) read(call func(h *C.annoy_index) error) error {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	if idx.h == nil {
		return errClosed()
	}
	err := call(idx.h)
	runtime.KeepAlive(idx)
	return err
}

// write runs a mutating call under the exclusive lock.
func (idx *Index) write(call func(h *C.annoy_index) error) error {
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if idx.h == nil {
		return errClosed()
	}
	err := call(idx.h)
	runtime.KeepAlive(idx)
	return err
}

// Dim returns the dimension given to New (bits for Hamming).
func (idx *Index) Dim() int { return idx.dim }

// Metric returns the index's metric.
func (idx *Index) Metric() Metric { return idx.metric }

// NItems returns the number of items: the largest id added plus one (holes included);
// 0 once closed.
func (idx *Index) NItems() int {
	var n C.size_t
	if idx.read(func(h *C.annoy_index) error {
		return check(C.annoy_n_items(h, &n, nil), nil)
	}) != nil {
		return 0
	}
	return int(n)
}

// NTrees returns the number of trees (0 before Build, or once closed).
func (idx *Index) NTrees() int {
	var n C.size_t
	if idx.read(func(h *C.annoy_index) error {
		return check(C.annoy_n_trees(h, &n, nil), nil)
	}) != nil {
		return 0
	}
	return int(n)
}

// SetSeed seeds the next Build (tree t draws from a generator seeded from seed and t), for
// reproducible indexes.
func (idx *Index) SetSeed(seed uint64) error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_set_seed(h, C.uint64_t(seed), &cerr), cerr)
	})
}

// SetDotLayout fixes the file layout of a Dot index, before anything is added or loaded.
// Without it the index writes Annoy 1.17.3's layout and detects the layout on load.
func (idx *Index) SetDotLayout(layout DotLayout) error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_set_dot_layout(h, C.int32_t(layout), &cerr), cerr)
	})
}

// Add copies vector in as item id (0 ≤ id < 2³²). len(vector) must equal Dim(). Ids may
// leave holes; adding an id again replaces its vector. Not allowed after Build (call
// Unbuild first) or on a loaded index.
func (idx *Index) Add(id int, vector []float32) error {
	cid, err := itemID(id)
	if err != nil {
		return err
	}
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		st := C.annoy_add(h, cid, floatPtr(vector), C.size_t(len(vector)), &cerr)
		runtime.KeepAlive(vector)
		return check(st, cerr)
	})
}

// OnDiskBuild makes the coming Build write the index straight into the file at path
// (created or truncated) instead of memory. Call it on an empty index, before Add.
func (idx *Index) OnDiskBuild(path string) error {
	cpath, err := cString(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_on_disk_build(h, cpath, &cerr), cerr)
	})
}

// Build builds trees trees (AutoTrees: the library chooses) on threads threads (AllCores:
// one per core). The index is the same for every thread count.
func (idx *Index) Build(trees, threads int) error {
	t, err := int32Arg("trees", trees)
	if err != nil {
		return err
	}
	j, err := int32Arg("threads", threads)
	if err != nil {
		return err
	}
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_build(h, t, j, &cerr), cerr)
	})
}

// Unbuild drops the trees so that more items can be added.
func (idx *Index) Unbuild() error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_unbuild(h, &cerr), cerr)
	})
}

// LoadOption changes how Load, Open and Save map the index file.
type LoadOption func(*loadOptions)

type loadOptions struct{ prefault bool }

// WithPrefault reads the whole file into memory while loading, instead of page by page on
// first use: slower to load, no page faults while querying.
func WithPrefault() LoadOption { return func(o *loadOptions) { o.prefault = true } }

func prefault(opts []LoadOption) C.bool {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	return C.bool(o.prefault)
}

// Save writes the built index to path (atomically: a temporary file renamed into place) in
// Annoy's file format, then serves it from that file, read-only, as Load would.
func (idx *Index) Save(path string, opts ...LoadOption) error {
	return idx.saveAs(path, C.ANNOY_FORMAT_ANNOY, opts)
}

// saveAs is Save in the file format format (ANNOY_FORMAT_*).
func (idx *Index) saveAs(path string, format C.int32_t, opts []LoadOption) error {
	cpath, err := cString(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	pf := prefault(opts)
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_save_as(h, cpath, format, pf, &cerr), cerr)
	})
}

// Load maps the index file at path (written by Save or by Annoy) read-only and shared:
// processes loading one file share one copy of it in memory. The file must have been built
// with this index's metric and dimension. Load replaces what the index held; on error the
// index is unchanged.
func (idx *Index) Load(path string, opts ...LoadOption) error {
	cpath, err := cString(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	pf := prefault(opts)
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_load(h, cpath, pf, &cerr), cerr)
	})
}

// Unload empties the index, unmapping any file; metric, dimension and seed stay.
func (idx *Index) Unload() error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_unload(h, &cerr), cerr)
	})
}

// QueryVector returns the n nearest items to vector (len(vector) == Dim()), nearest first,
// looking at searchK candidates (DefaultSearchK: n × NTrees(); more is slower and more
// accurate; any other negative value: no limit). Fewer than n results come back when the
// index holds fewer items. An index with a graph (BuildGraph) searches it instead, with the
// beam width of WithEf (searchK is then unused).
func (idx *Index) QueryVector(vector []float32, n, searchK int, opts ...QueryOption) ([]Result, error) {
	return idx.QueryVectorFiltered(vector, n, searchK, Filter{}, opts...)
}

// QueryItem returns the n nearest items to stored item id, as QueryVector does.
func (idx *Index) QueryItem(id, n, searchK int, opts ...QueryOption) ([]Result, error) {
	return idx.QueryItemFiltered(id, n, searchK, Filter{}, opts...)
}

// QueryBatch answers many QueryVector calls at once on threads threads inside the library
// (AllCores: one per core). Result i belongs to vectors[i]. All vectors are checked before
// any query runs.
func (idx *Index) QueryBatch(vectors [][]float32, n, searchK, threads int, opts ...QueryOption) ([][]Result, error) {
	if n < 0 {
		return nil, errInvalid(fmt.Sprintf("n must not be negative, got %d", n))
	}
	j, err := int32Arg("threads", threads)
	if err != nil {
		return nil, err
	}
	flat := make([]float32, 0, len(vectors)*idx.dim)
	for i, v := range vectors {
		if len(v) != idx.dim {
			return nil, &Error{Code: CodeDimension, Message: fmt.Sprintf(
				"query %d has %d values, index dimension is %d", i, len(v), idx.dim)}
		}
		flat = append(flat, v...)
	}
	var out [][]Result
	err = idx.read(func(h *C.annoy_index) error {
		room := capacity(h, n)
		nq := len(vectors)
		ids, dists := make([]uint32, nq*room), make([]float32, nq*room)
		counts := make([]C.size_t, nq)
		var cerr *C.annoy_error
		var st C.enum_annoy_status
		withOptions(n, searchK, Filter{}, opts, func(copts *C.annoy_query_options) {
			st = C.annoy_query_batch_with_options(h, copts, floatPtr(flat), C.size_t(nq),
				C.size_t(idx.dim), j, uintPtr(ids), floatPtr(dists), C.size_t(room),
				sizePtr(counts), &cerr)
		})
		runtime.KeepAlive(flat)
		runtime.KeepAlive(ids)
		runtime.KeepAlive(dists)
		runtime.KeepAlive(counts)
		if err := check(st, cerr); err != nil {
			return err
		}
		out = make([][]Result, nq)
		for q := range out {
			out[q] = results(ids[q*room:(q+1)*room], dists[q*room:(q+1)*room], int(counts[q]))
		}
		return nil
	})
	return out, err
}

// ItemVector returns a copy of item id's vector (for Hamming, 0 or 1 per bit). An id never
// added reads as zeros, as in Annoy.
func (idx *Index) ItemVector(id int) ([]float32, error) {
	cid, err := itemID(id)
	if err != nil {
		return nil, err
	}
	v := make([]float32, idx.dim)
	err = idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		st := C.annoy_get_item(h, cid, floatPtr(v), C.size_t(len(v)), &cerr)
		runtime.KeepAlive(v)
		return check(st, cerr)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Distance returns the distance between items i and j in the metric's units.
func (idx *Index) Distance(i, j int) (float32, error) {
	ci, err := itemID(i)
	if err != nil {
		return 0, err
	}
	cj, err := itemID(j)
	if err != nil {
		return 0, err
	}
	var d C.float
	err = idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_distance(h, ci, cj, &d, &cerr), cerr)
	})
	return float32(d), err
}

// fitQuery sizes a query's result buffers: the library needs room for n results, but never
// returns more than NItems(), so a large n is cut to NItems() with the default search_k it
// implied (n × NTrees()) made explicit; the answer is the same. Negative searchK other than
// DefaultSearchK becomes "no limit".
// capacity is the result buffer a query for n needs: min(n, n_items), the header's rule.
// n and searchK themselves go to the library as given.
func capacity(h *C.annoy_index, n int) int {
	var items C.size_t
	if C.annoy_n_items(h, &items, nil) == C.ANNOY_OK && uint64(n) > uint64(items) {
		return int(items)
	}
	return n
}

func results(ids []uint32, dists []float32, n int) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i] = Result{ID: int(ids[i]), Distance: dists[i]}
	}
	return out
}

func itemID(id int) (C.uint32_t, error) {
	if id < 0 || uint64(id) > math.MaxUint32 {
		return 0, errInvalid(fmt.Sprintf("item id %d is outside 0..%d", id, uint32(math.MaxUint32)))
	}
	return C.uint32_t(id), nil
}

func int32Arg(what string, v int) (C.int32_t, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, errInvalid(fmt.Sprintf("%s %d does not fit in 32 bits", what, v))
	}
	return C.int32_t(v), nil
}

// cString copies path into C memory; the caller frees it.
func cString(path string) (*C.char, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, errInvalid("path contains a NUL byte")
	}
	return C.CString(path), nil
}

// The pointer helpers hand C the data of a Go slice for the duration of one call (the
// library copies what it reads and keeps no pointer). An empty slice gives NULL.

func floatPtr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

func uintPtr(s []uint32) *C.uint32_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint32_t)(unsafe.Pointer(&s[0]))
}

func sizePtr(s []C.size_t) *C.size_t {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// selftestPanic makes the library panic inside and returns what its boundary made of it.
func selftestPanic() error {
	var cerr *C.annoy_error
	return check(C.annoy_selftest_panic(&cerr), cerr)
}

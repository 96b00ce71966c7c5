package annoy

import (
	"math"
	"unsafe"

	annoyrs "github.com/annoy-rs/annoy/bindings/go"
)

// AnnoyIndex is the method set every index shares (the SWIG module's base class).
//
// None of these methods returns an error, as in SWIG; where Annoy would report one (a file
// that cannot be opened) or crash (an unknown item, a vector of the wrong length), the call
// fails in the way its signature allows: Save, Load and OnDiskBuild return false, AddItem and
// Build leave the index as it was, queries and GetItem leave their result vectors empty,
// GetDistance returns NaN. Extras.Native gives the same index with errors.
type AnnoyIndex interface {
	Swigcptr() uintptr
	SwigIsAnnoyIndex()
	// AddItem stores w as item `item` (ids from 0; an id leaves holes below it). Only the
	// first f values of a longer w are used, as in SWIG. A shorter w, a negative id, or an
	// index already built or loaded adds nothing.
	AddItem(item int, w []float32)
	// Build builds q trees (-1: as many as Annoy would choose) on one thread, as Annoy's Go
	// module does. It builds nothing on an index already built or loaded, or for q of 0 or
	// below -1.
	Build(q int)
	// Save(filename string[, prefault bool]) writes the built index to filename and serves it
	// from there; prefault defaults to true, as in SWIG. False when it fails.
	Save(a ...interface{}) bool
	// Unload empties the index, unmapping its file.
	Unload()
	// Load(filename string[, prefault bool]) maps the index file (prefault defaults to true,
	// as in SWIG). False when the file cannot be read or was not built with this metric and
	// dimension.
	Load(a ...interface{}) bool
	// GetDistance returns the distance between items i and j; NaN when either is unknown.
	GetDistance(i, j int) float32
	// GetNnsByItem(item, n, searchK int, result AnnoyVectorInt[, distances AnnoyVectorFloat])
	// fills result with the n nearest items to item (searchK -1: n × trees), nearest first,
	// and distances with their distances. Both are left empty for an unknown item, a negative
	// n, or an index with nothing built.
	GetNnsByItem(a ...interface{})
	// GetNnsByVector(w []float32, n, searchK int, result[, distances]) is GetNnsByItem for a
	// query vector (its first f values, as AddItem); a w shorter than f finds nothing.
	GetNnsByVector(a ...interface{})
	// GetNItems returns the number of items (the largest id plus one).
	GetNItems() int
	// Verbose is accepted and does nothing: the library prints nothing.
	Verbose(v bool)
	// GetItem fills v with item's vector; v is left empty for an unknown item. A v not made
	// by NewAnnoyVectorFloat (nil, say) panics.
	GetItem(item int, v X_RawAnnoyVectorFloat)
	// OnDiskBuild builds the index in filename instead of in memory (call before AddItem).
	// False when the file cannot be created.
	OnDiskBuild(filename string) bool
}

// Extras are the methods this package adds to SWIG's. Every index has them; reach them with
// a type assertion, idx.(annoy.Extras), since SWIG's interfaces (which programs may
// implement themselves) stay as they are.
type Extras interface {
	// GetNTrees returns the number of trees (0 before Build).
	GetNTrees() int
	// SetSeed seeds the next Build (a negative seed wraps to 64 bits, as in C).
	SetSeed(seed int)
	// Native returns the index as the annoy-rs Go binding's *Index, whose methods return
	// errors; nil when the index could not be created (see NewAnnoyIndexAngular).
	Native() *annoyrs.Index
}

// AnnoyIndexAngular is an index with Annoy's angular distance.
type AnnoyIndexAngular interface {
	AnnoyIndex
	SwigIsAnnoyIndexAngular()
	SwigGetAnnoyIndex() AnnoyIndex
}

// AnnoyIndexEuclidean is an index with the Euclidean (L2) distance.
type AnnoyIndexEuclidean interface {
	AnnoyIndex
	SwigIsAnnoyIndexEuclidean()
	SwigGetAnnoyIndex() AnnoyIndex
}

// AnnoyIndexManhattan is an index with the Manhattan (L1) distance.
type AnnoyIndexManhattan interface {
	AnnoyIndex
	SwigIsAnnoyIndexManhattan()
	SwigGetAnnoyIndex() AnnoyIndex
}

// AnnoyIndexDotProduct is an index with the inner product (larger is nearer; GetDistance
// returns the product).
type AnnoyIndexDotProduct interface {
	AnnoyIndex
	SwigIsAnnoyIndexDotProduct()
	SwigGetAnnoyIndex() AnnoyIndex
}

// AnnoyIndexHamming is an index of bit vectors (not in Annoy's Go module): f counts bits,
// and a vector holds one float32 per bit, 1 for a set bit (above 0.5) and 0 otherwise.
type AnnoyIndexHamming interface {
	AnnoyIndex
	SwigIsAnnoyIndexHamming()
	SwigGetAnnoyIndex() AnnoyIndex
}

// NewAnnoyIndexAngular returns an empty angular index of f-dimensional vectors. When f is
// not a dimension the library accepts (1 to 2^20) the index is unusable: every call fails
// as its signature allows (see AnnoyIndex) and Native returns nil.
func NewAnnoyIndexAngular(f int) AnnoyIndexAngular {
	return angularIndex{newIndex(f, annoyrs.Angular)}
}

// NewAnnoyIndexEuclidean returns an empty Euclidean index (see NewAnnoyIndexAngular).
func NewAnnoyIndexEuclidean(f int) AnnoyIndexEuclidean {
	return euclideanIndex{newIndex(f, annoyrs.Euclidean)}
}

// NewAnnoyIndexManhattan returns an empty Manhattan index (see NewAnnoyIndexAngular).
func NewAnnoyIndexManhattan(f int) AnnoyIndexManhattan {
	return manhattanIndex{newIndex(f, annoyrs.Manhattan)}
}

// NewAnnoyIndexDotProduct returns an empty dot-product index (see NewAnnoyIndexAngular).
// Its files have the layout of Annoy's main branch, which Annoy's Go module is built from
// (Annoy 1.17.3's layout differs; Load reads both).
func NewAnnoyIndexDotProduct(f int) AnnoyIndexDotProduct {
	p := newIndex(f, annoyrs.Dot)
	if p.idx != nil {
		_ = p.idx.SetDotLayout(annoyrs.DotLayoutAnnoyMain) // cannot fail on a new Dot index
	}
	return dotIndex{p}
}

// NewAnnoyIndexHamming returns an empty index of f-bit vectors (see AnnoyIndexHamming).
func NewAnnoyIndexHamming(f int) AnnoyIndexHamming {
	return hammingIndex{newIndex(f, annoyrs.Hamming)}
}

// DeleteAnnoyIndex frees the index at once (and unmaps its file). Later calls on it fail as
// on an unusable index; deleting twice does nothing.
func DeleteAnnoyIndex(idx AnnoyIndex) { free(idx) }

// DeleteAnnoyIndexAngular frees the index (see DeleteAnnoyIndex).
func DeleteAnnoyIndexAngular(idx AnnoyIndexAngular) { free(idx) }

// DeleteAnnoyIndexEuclidean frees the index (see DeleteAnnoyIndex).
func DeleteAnnoyIndexEuclidean(idx AnnoyIndexEuclidean) { free(idx) }

// DeleteAnnoyIndexManhattan frees the index (see DeleteAnnoyIndex).
func DeleteAnnoyIndexManhattan(idx AnnoyIndexManhattan) { free(idx) }

// DeleteAnnoyIndexDotProduct frees the index (see DeleteAnnoyIndex).
func DeleteAnnoyIndexDotProduct(idx AnnoyIndexDotProduct) { free(idx) }

// DeleteAnnoyIndexHamming frees the index (see DeleteAnnoyIndex).
func DeleteAnnoyIndexHamming(idx AnnoyIndexHamming) { free(idx) }

func free(idx interface{}) {
	if p, ok := idx.(interface{ native() *index }); ok && p.native() != nil && p.native().idx != nil {
		_ = p.native().idx.Close()
	}
}

// index translates SWIG's calls onto one annoy-rs index. idx is nil when New failed; a
// closed idx fails every call itself.
type index struct {
	idx *annoyrs.Index
}

func newIndex(f int, metric annoyrs.Metric) *index {
	idx, err := annoyrs.New(f, metric)
	if err != nil {
		return &index{}
	}
	return &index{idx: idx}
}

// The metric types differ only in SWIG's marker methods, so that a type assertion to
// another metric's interface fails as it does with SWIG.
type (
	angularIndex   struct{ *index }
	euclideanIndex struct{ *index }
	manhattanIndex struct{ *index }
	dotIndex       struct{ *index }
	hammingIndex   struct{ *index }
)

func (angularIndex) SwigIsAnnoyIndexAngular()        {}
func (p angularIndex) SwigGetAnnoyIndex() AnnoyIndex { return p }

func (euclideanIndex) SwigIsAnnoyIndexEuclidean()      {}
func (p euclideanIndex) SwigGetAnnoyIndex() AnnoyIndex { return p }

func (manhattanIndex) SwigIsAnnoyIndexManhattan()      {}
func (p manhattanIndex) SwigGetAnnoyIndex() AnnoyIndex { return p }

func (dotIndex) SwigIsAnnoyIndexDotProduct()     {}
func (p dotIndex) SwigGetAnnoyIndex() AnnoyIndex { return p }

func (hammingIndex) SwigIsAnnoyIndexHamming()        {}
func (p hammingIndex) SwigGetAnnoyIndex() AnnoyIndex { return p }

func (p *index) native() *index { return p }

// Swigcptr identifies the index (SWIG: the address of the C++ object). Nothing here takes it
// back as a pointer.
func (p *index) Swigcptr() uintptr {
	return uintptr(unsafe.Pointer(p))
}

func (p *index) SwigIsAnnoyIndex() {}

func (p *index) Native() *annoyrs.Index { return p.idx }

func (p *index) AddItem(item int, w []float32) {
	// SWIG's ids are C ints, and results come back as int32.
	if p.idx != nil && item <= math.MaxInt32 {
		_ = p.idx.Add(item, p.firstF(w))
	}
}

// firstF is w cut to the dimension: Annoy's module reads the first f values of a longer
// vector, and programs may rely on that. A shorter w stays short and is refused.
func (p *index) firstF(w []float32) []float32 {
	if f := p.idx.Dim(); len(w) > f {
		return w[:f]
	}
	return w
}

func (p *index) Build(q int) {
	if p.idx != nil {
		_ = p.idx.Build(q, 1)
	}
}

func (p *index) Save(a ...interface{}) bool {
	path, prefault := fileArgs(a)
	return p.idx != nil && p.idx.Save(path, prefault...) == nil
}

func (p *index) Load(a ...interface{}) bool {
	path, prefault := fileArgs(a)
	return p.idx != nil && p.idx.Load(path, prefault...) == nil
}

func (p *index) Unload() {
	if p.idx != nil {
		_ = p.idx.Unload()
	}
}

func (p *index) OnDiskBuild(filename string) bool {
	return p.idx != nil && p.idx.OnDiskBuild(filename) == nil
}

func (p *index) GetDistance(i, j int) float32 {
	if p.idx == nil {
		return float32(math.NaN())
	}
	d, err := p.idx.Distance(i, j)
	if err != nil {
		return float32(math.NaN())
	}
	return d
}

func (p *index) GetNnsByItem(a ...interface{}) {
	item, n, searchK, ids, dists := queryArgs[int](a)
	p.fill(ids, dists, func(idx *annoyrs.Index) ([]annoyrs.Result, error) {
		return idx.QueryItem(item, n, searchK)
	})
}

func (p *index) GetNnsByVector(a ...interface{}) {
	w, n, searchK, ids, dists := queryArgs[[]float32](a)
	p.fill(ids, dists, func(idx *annoyrs.Index) ([]annoyrs.Result, error) {
		return idx.QueryVector(p.firstF(w), n, searchK)
	})
}

// fill runs a query and puts its ids (and distances, when dists is not nil) into the result
// vectors, which a failed query leaves empty.
func (p *index) fill(ids *vectorInt, dists *vectorFloat, query func(*annoyrs.Index) ([]annoyrs.Result, error)) {
	var res []annoyrs.Result
	if p.idx != nil {
		res, _ = query(p.idx)
	}
	ids.data = make([]int32, len(res))
	for i, r := range res {
		ids.data[i] = int32(r.ID) // AddItem keeps ids within int32
	}
	if dists != nil {
		dists.data = make([]float32, len(res))
		for i, r := range res {
			dists.data[i] = r.Distance
		}
	}
}

func (p *index) GetNItems() int {
	if p.idx == nil {
		return 0
	}
	return p.idx.NItems()
}

func (p *index) GetNTrees() int {
	if p.idx == nil {
		return 0
	}
	return p.idx.NTrees()
}

func (p *index) SetSeed(seed int) {
	if p.idx != nil {
		_ = p.idx.SetSeed(uint64(seed))
	}
}

func (p *index) Verbose(bool) {}

func (p *index) GetItem(item int, v X_RawAnnoyVectorFloat) {
	out, ok := v.(*vectorFloat)
	if !ok || out == nil { // SWIG's module dereferences the nil pointer
		panic("GetItem: the vector must come from NewAnnoyVectorFloat")
	}
	out.data = nil
	if p.idx == nil {
		return
	}
	if vec, err := p.idx.ItemVector(item); err == nil {
		out.data = vec
	}
}

// noMatch is SWIG's panic for arguments that fit none of a method's overloads: a program
// error, found on the first call.
const noMatch = "No match for overloaded function call"

// fileArgs takes Save's and Load's (filename string[, prefault bool]); prefault defaults
// to true, as in SWIG.
func fileArgs(a []interface{}) (string, []annoyrs.LoadOption) {
	if len(a) < 1 || len(a) > 2 {
		panic(noMatch)
	}
	path, ok := a[0].(string)
	prefault := true
	if len(a) == 2 {
		prefault, ok = a[1].(bool)
	}
	if !ok {
		panic(noMatch)
	}
	if prefault {
		return path, []annoyrs.LoadOption{annoyrs.WithPrefault()}
	}
	return path, nil
}

// queryArgs takes the GetNnsBy… arguments (query Q, n, searchK int, result[, distances]).
func queryArgs[Q any](a []interface{}) (q Q, n, searchK int, ids *vectorInt, dists *vectorFloat) {
	if len(a) != 4 && len(a) != 5 {
		panic(noMatch)
	}
	var ok [3]bool
	q, ok[0] = a[0].(Q)
	n, ok[1] = a[1].(int)
	searchK, ok[2] = a[2].(int)
	if !ok[0] || !ok[1] || !ok[2] {
		panic(noMatch)
	}
	ids = intVector(a[3])
	if len(a) == 5 {
		dists = floatVector(a[4])
	}
	return q, n, searchK, ids, dists
}

// intVector is the vector behind a result argument; only this package's vectors can be
// filled.
func intVector(v interface{}) *vectorInt {
	p, ok := v.(*vectorInt)
	if !ok || p == nil {
		panic(noMatch + ": the result vector must come from NewAnnoyVectorInt")
	}
	return p
}

func floatVector(v interface{}) *vectorFloat {
	p, ok := v.(*vectorFloat)
	if !ok || p == nil {
		panic(noMatch + ": the vector must come from NewAnnoyVectorFloat")
	}
	return p
}

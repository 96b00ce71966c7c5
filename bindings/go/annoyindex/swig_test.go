package annoy_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	annoyrs "github.com/annoy-rs/annoy/bindings/go"
	annoy "github.com/annoy-rs/annoy/bindings/go/annoyindex"
)

// swigIndex is the method set SWIG generates for Annoy's AnnoyIndexAngular (swig -go
// -intgosize 64 on src/annoygomodule.i), written out here so that a change to this package's
// signatures fails to compile.
type swigIndex interface {
	Swigcptr() uintptr
	SwigIsAnnoyIndexAngular()
	SwigIsAnnoyIndex()
	SwigGetAnnoyIndex() annoy.AnnoyIndex
	AddItem(arg2 int, arg3 []float32)
	Build(arg2 int)
	Save(a ...interface{}) bool
	Unload()
	Load(a ...interface{}) bool
	GetDistance(arg2 int, arg3 int) float32
	GetNnsByItem(a ...interface{})
	GetNnsByVector(a ...interface{})
	GetNItems() int
	Verbose(arg2 bool)
	GetItem(arg2 int, arg3 annoy.X_RawAnnoyVectorFloat)
	OnDiskBuild(arg2 string) bool
}

type swigVectorInt interface {
	Swigcptr() uintptr
	SwigIsX_RawAnnoyVectorInt()
	ArrayPtr() *int32
	Len() int
	Get(arg2 int) int32
	ToSlice() []int32
	Copy(in *[]int32)
	InnerArray() []int32
	Free()
}

var (
	_ swigIndex                        = annoy.NewAnnoyIndexAngular(1)
	_ swigVectorInt                    = annoy.NewAnnoyVectorInt()
	_ func(annoy.AnnoyIndexAngular)    = annoy.DeleteAnnoyIndexAngular
	_ func(annoy.AnnoyIndexEuclidean)  = annoy.DeleteAnnoyIndexEuclidean
	_ func(annoy.AnnoyIndexManhattan)  = annoy.DeleteAnnoyIndexManhattan
	_ func(annoy.AnnoyIndexDotProduct) = annoy.DeleteAnnoyIndexDotProduct
)

func angular3(t *testing.T, items ...[]float32) annoy.AnnoyIndexAngular {
	t.Helper()
	index := annoy.NewAnnoyIndexAngular(3)
	t.Cleanup(func() { annoy.DeleteAnnoyIndexAngular(index) })
	for i, v := range items {
		index.AddItem(i, v)
	}
	index.Build(10)
	return index
}

var axes = [][]float32{{0, 0, 1}, {0, 1, 0}, {1, 0, 0}}

func nnsByVector(index annoy.AnnoyIndex, v []float32, n int) []int32 {
	result := annoy.NewAnnoyVectorInt()
	defer result.Free()
	index.GetNnsByVector(v, n, -1, result)
	return result.ToSlice()
}

// ---- Annoy's test/annoy_test.go ----

func TestFileHandlingWithAndWithoutPrefault(t *testing.T) {
	dir := t.TempDir()
	index := angular3(t, axes...)
	want := nnsByVector(index, []float32{3, 2, 1}, 3)
	for i, args := range [][]interface{}{{}, {false}, {true}} {
		path := filepath.Join(dir, "go_test.ann")
		if !index.Save(append([]interface{}{path}, args...)...) {
			t.Fatalf("save %d failed", i)
		}
		if info, err := os.Stat(path); err != nil || info.Size() == 0 {
			t.Fatalf("save %d wrote no file: %v", i, err)
		}
		annoy.DeleteAnnoyIndexAngular(index)
		index = annoy.NewAnnoyIndexAngular(3)
		if !index.Load(append([]interface{}{path}, args...)...) {
			t.Fatalf("load %d failed", i)
		}
		if got := nnsByVector(index, []float32{3, 2, 1}, 3); !slices.Equal(got, want) {
			t.Fatalf("load %d: %v, want %v", i, got, want)
		}
		_ = os.Remove(path)
		path += ".2"
		if !index.Save(path) {
			t.Fatalf("saving loaded index %d failed", i)
		}
	}
	annoy.DeleteAnnoyIndexAngular(index)
}

func TestOnDiskBuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go_test.ann")
	index := annoy.NewAnnoyIndexAngular(3)
	defer annoy.DeleteAnnoyIndexAngular(index)
	if !index.OnDiskBuild(path) {
		t.Fatal("OnDiskBuild failed")
	}
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		t.Fatalf("no file after OnDiskBuild: %v", err)
	}
	for i, v := range axes {
		index.AddItem(i, v)
	}
	index.Build(10)
	index.Unload()
	if !index.Load(path) {
		t.Fatal("load failed")
	}
	checkAxes(t, index)
}

func checkAxes(t *testing.T, index annoy.AnnoyIndex) {
	t.Helper()
	for _, c := range []struct {
		q    []float32
		want []int32
	}{{[]float32{3, 2, 1}, []int32{2, 1, 0}}, {[]float32{1, 2, 3}, []int32{0, 1, 2}}, {[]float32{2, 0, 1}, []int32{2, 0, 1}}} {
		if got := nnsByVector(index, c.q, 3); !slices.Equal(got, c.want) {
			t.Errorf("GetNnsByVector(%v) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestGetNnsByVector(t *testing.T) {
	index := angular3(t, axes...)
	checkAxes(t, index)

	result := annoy.NewAnnoyVectorInt()
	defer result.Free()
	index.GetNnsByVector([]float32{3, 2, 1}, 3, -1, result)
	want := []int32{2, 1, 0}

	var notAllocated []int32
	result.Copy(&notAllocated)
	overwritten := []int32{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	result.Copy(&overwritten)
	emptyCap := make([]int32, 0)
	result.Copy(&emptyCap)
	for _, got := range [][]int32{notAllocated, overwritten, emptyCap, result.InnerArray(), result.ToSlice()} {
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	if cap(overwritten) != 10 {
		t.Errorf("Copy reallocated a slice with room: cap %d", cap(overwritten))
	}
	if result.Len() != 3 || *result.ArrayPtr() != 2 || result.Get(1) != 1 || result.Get(3) != 0 || result.Get(-1) != 0 {
		t.Errorf("raw accessors: len %d, get %d %d %d", result.Len(), result.Get(1), result.Get(3), result.Get(-1))
	}
}

func TestGetNnsByItemAndGetItem(t *testing.T) {
	items := [][]float32{{2, 1, 0}, {1, 2, 0}, {0, 0, 1}}
	index := angular3(t, items...)
	result := annoy.NewAnnoyVectorInt()
	defer result.Free()
	index.GetNnsByItem(0, 3, -1, result)
	if got := result.ToSlice(); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Errorf("item 0: %v", got)
	}
	index.GetNnsByItem(1, 3, -1, result)
	if got := result.ToSlice(); !slices.Equal(got, []int32{1, 0, 2}) {
		t.Errorf("item 1: %v", got)
	}

	vec := annoy.NewAnnoyVectorFloat()
	defer vec.Free()
	for i, want := range items {
		index.GetItem(i, vec)
		if got := vec.ToSlice(); !slices.Equal(got, want) {
			t.Errorf("GetItem(%d) = %v, want %v", i, got, want)
		}
	}
}

func TestGetDistance(t *testing.T) {
	index := annoy.NewAnnoyIndexAngular(2)
	defer annoy.DeleteAnnoyIndexAngular(index)
	index.AddItem(0, []float32{0, 1})
	index.AddItem(1, []float32{1, 1})
	index.Build(10)
	if got, want := float64(index.GetDistance(0, 1)), math.Sqrt(2*(1-math.Pow(2, -0.5))); math.Abs(got-want) > 1e-6 {
		t.Errorf("angular distance %v, want %v", got, want)
	}

	dot := annoy.NewAnnoyIndexDotProduct(2)
	defer annoy.DeleteAnnoyIndexDotProduct(dot)
	dot.AddItem(0, []float32{0, 1})
	dot.AddItem(1, []float32{1, 1})
	dot.Build(10)
	if got := dot.GetDistance(0, 1); math.Abs(1-float64(got)) > 1e-5 {
		t.Errorf("dot distance %v, want 1", got)
	}
}

// Pairs of near-identical points, each pair far from the others: each point's two nearest
// are itself and its twin.
func TestLargeEuclideanIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	index := annoy.NewAnnoyIndexEuclidean(10)
	defer annoy.DeleteAnnoyIndexEuclidean(index)
	for j := 0; j < 10000; j += 2 {
		var x, y [10]float32
		for i := range x {
			p := rng.Float32()
			x[i] = 1 + p + rng.Float32()*1e-2
			y[i] = 1 + p + rng.Float32()*1e-2
		}
		index.AddItem(j, x[:])
		index.AddItem(j+1, y[:])
	}
	index.Build(10)
	result := annoy.NewAnnoyVectorInt()
	defer result.Free()
	for j := 0; j < 10000; j += 2 {
		index.GetNnsByItem(j, 2, -1, result)
		if got := result.ToSlice(); !slices.Equal(got, []int32{int32(j), int32(j + 1)}) {
			t.Fatalf("item %d: %v", j, got)
		}
		index.GetNnsByItem(j+1, 2, -1, result)
		if got := result.ToSlice(); !slices.Equal(got, []int32{int32(j + 1), int32(j)}) {
			t.Fatalf("item %d: %v", j+1, got)
		}
	}
}

// ---- beyond Annoy's tests ----

// A translation, not a second index: answers, distances, counts and files are those of the
// annoy-rs binding's Index with the same seed.
func TestAnswersAreNativeAnswers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	compat := annoy.NewAnnoyIndexManhattan(8)
	defer annoy.DeleteAnnoyIndexManhattan(compat)
	native, err := annoyrs.New(8, annoyrs.Manhattan)
	if err != nil {
		t.Fatal(err)
	}
	defer native.Close()
	compat.(annoy.Extras).SetSeed(77)
	_ = native.SetSeed(77)
	vecs := make([][]float32, 500)
	for i := range vecs {
		vecs[i] = make([]float32, 8)
		for j := range vecs[i] {
			vecs[i][j] = float32(rng.NormFloat64())
		}
		compat.AddItem(i, vecs[i])
		_ = native.Add(i, vecs[i])
	}
	compat.Build(7)
	_ = native.Build(7, 1)
	if compat.GetNItems() != 500 || compat.(annoy.Extras).GetNTrees() != 7 {
		t.Fatalf("n_items %d, n_trees %d", compat.GetNItems(), compat.(annoy.Extras).GetNTrees())
	}
	ids, dists := annoy.NewAnnoyVectorInt(), annoy.NewAnnoyVectorFloat()
	for _, q := range []int{0, 99, 499} {
		want, _ := native.QueryItem(q, 20, 100)
		compat.GetNnsByItem(q, 20, 100, ids, dists)
		if ids.Len() != len(want) || dists.Len() != len(want) {
			t.Fatalf("item %d: %d/%d results, want %d", q, ids.Len(), dists.Len(), len(want))
		}
		for i, r := range want {
			if int(ids.Get(i)) != r.ID || dists.Get(i) != r.Distance {
				t.Fatalf("item %d result %d: (%d, %v), want %+v", q, i, ids.Get(i), dists.Get(i), r)
			}
		}
		want, _ = native.QueryVector(vecs[q], 5, -1)
		compat.GetNnsByVector(vecs[q], 5, -1, ids, dists)
		for i, r := range want {
			if int(ids.Get(i)) != r.ID || dists.Get(i) != r.Distance {
				t.Fatalf("vector %d result %d: (%d, %v), want %+v", q, i, ids.Get(i), dists.Get(i), r)
			}
		}
		if d, _ := native.Distance(q, 1); compat.GetDistance(q, 1) != d {
			t.Fatalf("distance %d-1: %v, want %v", q, compat.GetDistance(q, 1), d)
		}
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "compat.ann"), filepath.Join(dir, "native.ann")
	if !compat.Save(a) || native.Save(b) != nil {
		t.Fatal("save failed")
	}
	fa, _ := os.ReadFile(a)
	fb, _ := os.ReadFile(b)
	if len(fa) == 0 || !slices.Equal(fa, fb) {
		t.Fatalf("files differ: %d and %d bytes", len(fa), len(fb))
	}
	if compat.(annoy.Extras).Native() == nil {
		t.Fatal("Native() is nil")
	}
}

// Where Annoy's C++ would read out of bounds or abort, each call fails as its signature
// allows, and the index stays usable.
func TestBadInputFailsWithoutCrashing(t *testing.T) {
	index := annoy.NewAnnoyIndexAngular(3)
	index.AddItem(0, []float32{1, 0, 0})
	index.AddItem(1, []float32{1, 2})                  // short: not added
	index.AddItem(-1, []float32{1, 0, 0})              // negative id: not added
	index.AddItem(math.MaxInt32+1, []float32{1, 0, 0}) // beyond int32: not added
	index.AddItem(2, []float32{float32(math.NaN()), 0, 0})
	if n := index.GetNItems(); n != 1 {
		t.Fatalf("n_items %d after bad adds, want 1", n)
	}
	ids, dists, vec := annoy.NewAnnoyVectorInt(), annoy.NewAnnoyVectorFloat(), annoy.NewAnnoyVectorFloat()
	index.GetNnsByItem(0, 3, -1, ids, dists) // nothing built yet
	if ids.Len() != 0 || dists.Len() != 0 {
		t.Fatalf("query before build: %v %v", ids.ToSlice(), dists.ToSlice())
	}
	index.AddItem(1, []float32{0, 1, 0})
	index.Build(0)
	index.Build(-2)
	if n := index.(annoy.Extras).GetNTrees(); n != 0 {
		t.Fatalf("Build(0) and Build(-2) built %d trees", n)
	}
	index.Build(5)
	index.Build(5) // already built: nothing happens
	if n := index.(annoy.Extras).GetNTrees(); n != 5 {
		t.Fatalf("%d trees after Build(5) twice", n)
	}
	index.AddItem(2, []float32{0, 0, 1})
	if index.GetNItems() != 2 {
		t.Fatalf("item added after build")
	}
	for _, q := range []func(){
		func() { index.GetNnsByItem(7, 3, -1, ids, dists) },
		func() { index.GetNnsByItem(-1, 3, -1, ids, dists) },
		func() { index.GetNnsByItem(0, -1, -1, ids, dists) },
		func() { index.GetNnsByVector([]float32{1, 0}, 3, -1, ids, dists) },
	} {
		index.GetNnsByItem(0, 2, -1, ids, dists)
		q()
		if ids.Len() != 0 || dists.Len() != 0 {
			t.Fatalf("bad query left results %v %v", ids.ToSlice(), dists.ToSlice())
		}
	}
	index.GetItem(0, vec)
	index.GetItem(9, vec)
	if vec.Len() != 0 {
		t.Fatalf("GetItem of an unknown item left %v", vec.ToSlice())
	}
	if d := index.GetDistance(0, 9); !math.IsNaN(float64(d)) {
		t.Fatalf("GetDistance to an unknown item = %v, want NaN", d)
	}
	dir := t.TempDir()
	if index.Load(filepath.Join(dir, "missing.ann")) || index.Save(filepath.Join(dir, "no", "x.ann")) ||
		index.OnDiskBuild(filepath.Join(dir, "no", "x.ann")) {
		t.Fatal("a file call on a missing path succeeded")
	}
	good := filepath.Join(dir, "good.ann")
	if !index.Save(good) {
		t.Fatal("save failed")
	}
	other := annoy.NewAnnoyIndexAngular(4)
	if other.Load(good) {
		t.Fatal("loaded a 3-dimensional file into a 4-dimensional index")
	}
	checkNative(t, index, annoyrs.ErrState, func(n *annoyrs.Index) error { return n.Add(5, []float32{1, 1, 1}) })

	annoy.DeleteAnnoyIndexAngular(index)
	annoy.DeleteAnnoyIndexAngular(index) // twice: nothing happens
	index.AddItem(0, []float32{1, 0, 0})
	index.GetNnsByItem(0, 1, -1, ids)
	if ids.Len() != 0 || index.GetNItems() != 0 || index.Save(good) || !math.IsNaN(float64(index.GetDistance(0, 0))) {
		t.Fatal("a deleted index still answers")
	}
}

func checkNative(t *testing.T, index annoy.AnnoyIndex, want error, call func(*annoyrs.Index) error) {
	t.Helper()
	if err := call(index.(annoy.Extras).Native()); !errors.Is(err, want) {
		t.Fatalf("native call: %v, want %v", err, want)
	}
}

func TestUnusableDimension(t *testing.T) {
	for _, f := range []int{0, -3, 1 << 40} {
		index := annoy.NewAnnoyIndexEuclidean(f)
		index.AddItem(0, []float32{})
		index.Build(1)
		ids := annoy.NewAnnoyVectorInt()
		index.GetNnsByItem(0, 1, -1, ids)
		if index.GetNItems() != 0 || ids.Len() != 0 || index.Save(filepath.Join(t.TempDir(), "x")) ||
			index.(annoy.Extras).Native() != nil {
			t.Fatalf("f=%d: an index with an impossible dimension works", f)
		}
		annoy.DeleteAnnoyIndexEuclidean(index)
	}
}

func TestOverloadMismatchPanicsAsSwig(t *testing.T) {
	index := angular3(t, axes...)
	ids := annoy.NewAnnoyVectorInt()
	for name, call := range map[string]func(){
		"save no args":     func() { index.Save() },
		"save int":         func() { index.Save(3) },
		"load 3 args":      func() { index.Load("a", true, 1) },
		"nns 3 args":       func() { index.GetNnsByItem(0, 1, -1) },
		"nns int32 item":   func() { index.GetNnsByItem(int32(0), 1, -1, ids) },
		"nns nil result":   func() { index.GetNnsByVector([]float32{1, 0, 0}, 1, -1, nil) },
		"nns float result": func() { index.GetNnsByItem(0, 1, -1, annoy.NewAnnoyVectorFloat()) },
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); len(r) < 37 || r[:37] != "No match for overloaded function call" {
					t.Errorf("%s: recovered %q", name, r)
				}
			}()
			call()
		}()
	}
}

func TestGetItemNeedsOneOfOurVectors(t *testing.T) {
	index := angular3(t, axes...)
	defer func() {
		if r, _ := recover().(string); r != "GetItem: the vector must come from NewAnnoyVectorFloat" {
			t.Errorf("recovered %q", r)
		}
	}()
	index.GetItem(0, nil)
}

func TestMetricTypesAreDistinct(t *testing.T) {
	var idx interface{} = annoy.NewAnnoyIndexAngular(2)
	if _, ok := idx.(annoy.AnnoyIndexEuclidean); ok {
		t.Fatal("an angular index passes for a Euclidean one")
	}
	base := idx.(annoy.AnnoyIndexAngular).SwigGetAnnoyIndex()
	if _, ok := base.(annoy.AnnoyIndexAngular); !ok {
		t.Fatal("SwigGetAnnoyIndex lost the metric")
	}
	annoy.DeleteAnnoyIndex(base)
	if base.GetNItems() != 0 || base.(annoy.Extras).Native().NItems() != 0 {
		t.Fatal("DeleteAnnoyIndex left the index open")
	}
}

func TestHammingIndex(t *testing.T) {
	index := annoy.NewAnnoyIndexHamming(70)
	defer annoy.DeleteAnnoyIndexHamming(index)
	a, b := make([]float32, 70), make([]float32, 70)
	for i := range a {
		a[i] = float32(i % 2)
		b[i] = float32(i % 2)
	}
	b[0], b[69] = 1, 0 // two bits differ
	index.AddItem(0, a)
	index.AddItem(1, b)
	index.Build(3)
	if d := index.GetDistance(0, 1); d != 2 {
		t.Fatalf("hamming distance %v, want 2", d)
	}
	vec := annoy.NewAnnoyVectorFloat()
	index.GetItem(1, vec)
	if !slices.Equal(vec.ToSlice(), b) {
		t.Fatalf("GetItem = %v", vec.ToSlice())
	}
}

func TestVectorsFreeAndReuse(t *testing.T) {
	index := angular3(t, axes...)
	ids := annoy.NewAnnoyVectorInt()
	index.GetNnsByVector([]float32{3, 2, 1}, 3, -1, ids)
	inner := ids.InnerArray()
	index.GetNnsByVector([]float32{1, 2, 3}, 3, -1, ids)
	if !slices.Equal(inner, []int32{2, 1, 0}) || !slices.Equal(ids.InnerArray(), []int32{0, 1, 2}) {
		t.Fatalf("InnerArray %v then %v", inner, ids.InnerArray())
	}
	ids.Free()
	if ids.Len() != 0 || ids.ToSlice() != nil || ids.ArrayPtr() != nil {
		t.Fatal("Free left contents")
	}
	index.GetNnsByVector([]float32{3, 2, 1}, 1, -1, ids)
	if !slices.Equal(ids.ToSlice(), []int32{2}) {
		t.Fatalf("a freed vector is not reusable: %v", ids.ToSlice())
	}
	annoy.DeleteX_RawAnnoyVectorInt(ids)
	raw := annoy.NewX_RawAnnoyVectorFloat()
	annoy.DeleteX_RawAnnoyVectorFloat(raw)
	if ids.Len() != 0 || raw.Len() != 0 || annoy.NewX_RawAnnoyVectorInt().Len() != 0 {
		t.Fatal("raw vectors")
	}
}

// Goroutines querying one index at once, each into its own vectors (run with -race).
func TestConcurrentQueries(t *testing.T) {
	index := angular3(t, axes...)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := annoy.NewAnnoyVectorInt()
			defer ids.Free()
			for i := 0; i < 200; i++ {
				index.GetNnsByVector([]float32{3, 2, 1}, 3, -1, ids)
				if !slices.Equal(ids.ToSlice(), []int32{2, 1, 0}) {
					t.Errorf("got %v", ids.ToSlice())
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Annoy's Go module is built from Annoy's main branch, whose dot files differ from Annoy
// 1.17.3's: the package writes main's, byte for byte as the binding does with that layout.
func TestDotFilesHaveAnnoyMainLayout(t *testing.T) {
	dir := t.TempDir()
	vecs := [][]float32{{1, 0, 2}, {0, 1, 1}, {2, 2, 0}, {-1, 0, 1}}
	compat := annoy.NewAnnoyIndexDotProduct(3)
	defer annoy.DeleteAnnoyIndexDotProduct(compat)
	compat.(annoy.Extras).SetSeed(3)
	for i, v := range vecs {
		compat.AddItem(i, v)
	}
	compat.Build(2)
	got := filepath.Join(dir, "compat.ann")
	if !compat.Save(got) {
		t.Fatal("save failed")
	}
	write := func(layout annoyrs.DotLayout) []byte {
		native, err := annoyrs.New(3, annoyrs.Dot)
		if err != nil {
			t.Fatal(err)
		}
		defer native.Close()
		if err := native.SetDotLayout(layout); err != nil {
			t.Fatal(err)
		}
		_ = native.SetSeed(3)
		for i, v := range vecs {
			_ = native.Add(i, v)
		}
		_ = native.Build(2, 1)
		path := filepath.Join(dir, "native.ann")
		if err := native.Save(path); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		return b
	}
	have, _ := os.ReadFile(got)
	if main, old := write(annoyrs.DotLayoutAnnoyMain), write(annoyrs.DotLayoutAnnoy117); !slices.Equal(have, main) || slices.Equal(have, old) {
		t.Fatalf("file of %d bytes; main's layout %d, 1.17.3's %d", len(have), len(main), len(old))
	}
	loaded := annoy.NewAnnoyIndexDotProduct(3)
	defer annoy.DeleteAnnoyIndexDotProduct(loaded)
	if !loaded.Load(got) || loaded.GetDistance(0, 2) != 2 {
		t.Fatalf("reloaded: distance %v", loaded.GetDistance(0, 2))
	}
}

// Annoy's module reads the first f values of a longer vector, and so does this package.
func TestLongerVectorsUseTheirFirstFValues(t *testing.T) {
	index := annoy.NewAnnoyIndexEuclidean(2)
	defer annoy.DeleteAnnoyIndexEuclidean(index)
	index.AddItem(0, []float32{0, 0, 9, 9})
	index.AddItem(1, []float32{3, 4, -1})
	index.Build(2)
	vec := annoy.NewAnnoyVectorFloat()
	index.GetItem(1, vec)
	if index.GetNItems() != 2 || !slices.Equal(vec.ToSlice(), []float32{3, 4}) {
		t.Fatalf("n_items %d, item 1 %v", index.GetNItems(), vec.ToSlice())
	}
	ids, dists := annoy.NewAnnoyVectorInt(), annoy.NewAnnoyVectorFloat()
	index.GetNnsByVector([]float32{3, 4, 100, 100}, 2, -1, ids, dists)
	if !slices.Equal(ids.ToSlice(), []int32{1, 0}) || !slices.Equal(dists.ToSlice(), []float32{0, 5}) {
		t.Fatalf("query with a longer vector: %v %v", ids.ToSlice(), dists.ToSlice())
	}
}

package annoy_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func TestVersionIsSemver(t *testing.T) {
	v := annoy.Version()
	if parts := strings.Split(v, "."); len(parts) != 3 {
		t.Fatalf("Version() = %q", v)
	}
}

func TestMetricNamesRoundTrip(t *testing.T) {
	for _, m := range allMetrics {
		got, err := annoy.ParseMetric(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMetric(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := annoy.ParseMetric("cosine"); !errors.Is(err, annoy.ErrUnknownMetric) {
		t.Errorf("ParseMetric(cosine) error = %v", err)
	}
}

func TestEveryMetricRecallVsBruteForce(t *testing.T) {
	for _, metric := range allMetrics {
		t.Run(metric.String(), func(t *testing.T) {
			dim := 24
			if metric == annoy.Hamming {
				dim = 64
			}
			rng := rand.New(rand.NewPCG(1, uint64(metric)))
			data := randomVectors(rng, metric, 2000, dim)
			idx := built(t, metric, data, 10)
			if idx.NItems() != 2000 || idx.NTrees() != 10 || idx.Dim() != dim || idx.Metric() != metric {
				t.Fatalf("counts: items %d trees %d dim %d metric %v", idx.NItems(), idx.NTrees(), idx.Dim(), idx.Metric())
			}
			queries := randomVectors(rng, metric, 50, dim)
			var exhaustive, byDefault float64
			for _, q := range queries {
				all := must(idx.QueryVector(q, 10, -2)) // any negative but -1: no limit
				def := must(idx.QueryVector(q, 10, annoy.DefaultSearchK))
				if len(all) != 10 || len(def) != 10 {
					t.Fatalf("got %d and %d results, want 10", len(all), len(def))
				}
				exhaustive += recall(t, metric, data, q, all, 10) / float64(len(queries))
				byDefault += recall(t, metric, data, q, def, 10) / float64(len(queries))
			}
			t.Logf("%v: recall@10 %.3f with no search_k limit, %.3f with the default", metric, exhaustive, byDefault)
			if exhaustive < 0.999 {
				t.Errorf("recall with an unlimited search_k is %.3f, want 1", exhaustive)
			}
			if byDefault < 0.25 {
				t.Errorf("recall with the default search_k is %.3f", byDefault)
			}
			// Item queries: with no limit the item itself comes first (not so for dot).
			for id := 0; id < 2000; id += 97 {
				res := must(idx.QueryItem(id, 5, -2))
				if metric != annoy.Dot && (res[0].ID != id || res[0].Distance != 0) {
					t.Errorf("QueryItem(%d) starts with %+v", id, res[0])
				}
				d := must(idx.Distance(id, res[1].ID))
				if d != res[1].Distance {
					t.Errorf("Distance(%d, %d) = %v, query said %v", id, res[1].ID, d, res[1].Distance)
				}
			}
			v := must(idx.ItemVector(7))
			if metric != annoy.Angular && !reflect.DeepEqual(v, data[7]) {
				t.Errorf("ItemVector(7) = %v, added %v", v, data[7])
			}
		})
	}
}

func TestSaveAndLoadGiveTheSameAnswers(t *testing.T) {
	for _, metric := range allMetrics {
		t.Run(metric.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, uint64(metric)))
			data := randomVectors(rng, metric, 500, 16)
			idx := built(t, metric, data, 5)
			queries := randomVectors(rng, metric, 20, 16)
			before := must(idx.QueryBatch(queries, 10, annoy.DefaultSearchK, 1))

			path := filepath.Join(t.TempDir(), "index.ann")
			if err := idx.Save(path); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil || st.Size() == 0 {
				t.Fatalf("saved file: %v", err)
			}
			afterSave := must(idx.QueryBatch(queries, 10, annoy.DefaultSearchK, 1))

			loaded := must(annoy.Open(path, 16, metric))
			defer loaded.Close()
			prefaulted := must(annoy.Open(path, 16, metric, annoy.WithPrefault()))
			defer prefaulted.Close()
			for name, other := range map[string]*annoy.Index{"loaded": loaded, "prefaulted": prefaulted} {
				if other.NItems() != 500 || other.NTrees() != 5 {
					t.Errorf("%s: %d items, %d trees", name, other.NItems(), other.NTrees())
				}
				got := must(other.QueryBatch(queries, 10, annoy.DefaultSearchK, 2))
				if !reflect.DeepEqual(got, before) {
					t.Errorf("%s answers differ from the in-memory index", name)
				}
				v := must(other.ItemVector(3))
				w := must(idx.ItemVector(3))
				if !reflect.DeepEqual(v, w) {
					t.Errorf("%s: item 3 is %v, was %v", name, v, w)
				}
			}
			if !reflect.DeepEqual(afterSave, before) {
				t.Error("answers changed after Save")
			}
		})
	}
}

func TestLoadReplacesContentAndUnloadEmpties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	small := built(t, annoy.Euclidean, randomVectors(rng, annoy.Euclidean, 50, 8), 3)
	path := filepath.Join(t.TempDir(), "small.ann")
	if err := small.Save(path, annoy.WithPrefault()); err != nil {
		t.Fatal(err)
	}
	big := built(t, annoy.Euclidean, randomVectors(rng, annoy.Euclidean, 300, 8), 4)
	if err := big.Load(path); err != nil {
		t.Fatal(err)
	}
	if big.NItems() != 50 || big.NTrees() != 3 {
		t.Fatalf("after Load: %d items, %d trees", big.NItems(), big.NTrees())
	}
	if err := big.Unload(); err != nil {
		t.Fatal(err)
	}
	if big.NItems() != 0 || big.NTrees() != 0 || big.Dim() != 8 {
		t.Fatalf("after Unload: %d items, %d trees, dim %d", big.NItems(), big.NTrees(), big.Dim())
	}
	if _, err := big.QueryItem(0, 1, -1); !errors.Is(err, annoy.ErrState) && !errors.Is(err, annoy.ErrUnknownItem) {
		t.Errorf("query after Unload: %v", err)
	}
	// The emptied index takes new items.
	if err := big.Add(0, make([]float32, 8)); err != nil {
		t.Fatal(err)
	}
}

func TestOnDiskBuildMatchesInMemoryBuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	data := randomVectors(rng, annoy.Angular, 800, 12)
	mem := built(t, annoy.Angular, data, 6)

	path := filepath.Join(t.TempDir(), "ondisk.ann")
	disk := must(annoy.NewAngular(12))
	defer disk.Close()
	if err := disk.OnDiskBuild(path); err != nil {
		t.Fatal(err)
	}
	if err := disk.SetSeed(42); err != nil {
		t.Fatal(err)
	}
	for i, v := range data {
		if err := disk.Add(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := disk.Build(6, annoy.AllCores); err != nil {
		t.Fatal(err)
	}
	queries := randomVectors(rng, annoy.Angular, 20, 12)
	want := must(mem.QueryBatch(queries, 10, -1, 1))
	if got := must(disk.QueryBatch(queries, 10, -1, 1)); !reflect.DeepEqual(got, want) {
		t.Error("on-disk build answers differ from in-memory build")
	}
	reopened := must(annoy.Open(path, 12, annoy.Angular))
	defer reopened.Close()
	if got := must(reopened.QueryBatch(queries, 10, -1, 1)); !reflect.DeepEqual(got, want) {
		t.Error("reopened on-disk file answers differ")
	}
}

func TestBuildIsTheSameForEveryThreadCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	data := randomVectors(rng, annoy.Euclidean, 1500, 10)
	queries := randomVectors(rng, annoy.Euclidean, 30, 10)
	var first [][]annoy.Result
	for _, threads := range []int{1, 2, 3, annoy.AllCores} {
		idx := must(annoy.NewEuclidean(10))
		idx.SetSeed(7)
		for i, v := range data {
			idx.Add(i, v)
		}
		if err := idx.Build(8, threads); err != nil {
			t.Fatal(err)
		}
		got := must(idx.QueryBatch(queries, 10, -1, 1))
		idx.Close()
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Errorf("build on %d threads answers differently", threads)
		}
	}
}

func TestUnbuildThenAddMore(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	idx := built(t, annoy.Manhattan, randomVectors(rng, annoy.Manhattan, 100, 4), 3)
	if err := idx.Add(100, []float32{1, 2, 3, 4}); !errors.Is(err, annoy.ErrState) {
		t.Fatalf("Add after Build: %v", err)
	}
	if err := idx.Unbuild(); err != nil {
		t.Fatal(err)
	}
	if idx.NTrees() != 0 {
		t.Errorf("%d trees after Unbuild", idx.NTrees())
	}
	if err := idx.Add(150, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Build(4, 1); err != nil {
		t.Fatal(err)
	}
	if idx.NItems() != 151 || idx.NTrees() != 4 {
		t.Fatalf("%d items, %d trees", idx.NItems(), idx.NTrees())
	}
	// Ids 100..149 are holes: they read as zeros.
	if v := must(idx.ItemVector(120)); !reflect.DeepEqual(v, make([]float32, 4)) {
		t.Errorf("hole reads %v", v)
	}
	res := must(idx.QueryVector([]float32{1, 2, 3, 4}, 1, -1))
	if len(res) != 1 || res[0].ID != 150 || res[0].Distance != 0 {
		t.Errorf("nearest to item 150's vector: %+v", res)
	}
}

func TestQueryBatchMatchesSingleQueries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	idx := built(t, annoy.Dot, randomVectors(rng, annoy.Dot, 1000, 20), 8)
	queries := randomVectors(rng, annoy.Dot, 64, 20)
	for _, threads := range []int{1, 4, annoy.AllCores} {
		batch := must(idx.QueryBatch(queries, 7, 200, threads))
		for i, q := range queries {
			single := must(idx.QueryVector(q, 7, 200))
			if !reflect.DeepEqual(batch[i], single) {
				t.Fatalf("threads %d, query %d: batch %v, single %v", threads, i, batch[i], single)
			}
		}
	}
	if got := must(idx.QueryBatch(nil, 5, -1, 1)); len(got) != 0 {
		t.Errorf("empty batch gave %d answers", len(got))
	}
}

func TestNLargerThanTheIndexGivesEveryItem(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	idx := built(t, annoy.Euclidean, randomVectors(rng, annoy.Euclidean, 30, 3), 4)
	for _, sk := range []int{-1, -5, 1000} {
		res := must(idx.QueryItem(0, 1<<40, sk))
		if len(res) != 30 {
			t.Errorf("search_k %d: %d results, want all 30", sk, len(res))
		}
		batch := must(idx.QueryBatch([][]float32{{0, 0, 0}}, 1<<40, sk, 1))
		if len(batch[0]) != 30 {
			t.Errorf("batch, search_k %d: %d results", sk, len(batch[0]))
		}
	}
	if res := must(idx.QueryItem(0, 0, -1)); len(res) != 0 {
		t.Errorf("n = 0 gave %v", res)
	}
	if res := must(idx.QueryItem(0, 5, 0)); len(res) != 0 {
		t.Errorf("search_k = 0 gave %v (Annoy gives none)", res)
	}
}

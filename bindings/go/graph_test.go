package annoy_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// clusteredVectors gives n vectors of dim values around clusters gaussian centres.
func clusteredVectors(rng *rand.Rand, n, dim, clusters int) [][]float32 {
	centres := randomVectors(rng, annoy.Euclidean, clusters, dim)
	out := make([][]float32, n)
	for i := range out {
		c := centres[rng.IntN(clusters)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + 0.4*float32(rng.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// trueNearest is the k nearest allowed items to query by brute force.
func trueNearest(metric annoy.Metric, data [][]float32, query []float32, k int, allowed func(int) bool) []int {
	ids := make([]int, 0, len(data))
	for i := range data {
		if allowed(i) {
			ids = append(ids, i)
		}
	}
	dist := make([]float64, len(data))
	for _, i := range ids {
		dist[i] = nearness(metric, bruteDistance(metric, query, data[i]))
	}
	slices.SortFunc(ids, func(a, b int) int {
		if dist[a] < dist[b] {
			return -1
		}
		if dist[a] > dist[b] {
			return 1
		}
		return a - b
	})
	return ids[:min(k, len(ids))]
}

// hits counts the results that are among want.
func hits(got []annoy.Result, want []int) int {
	n := 0
	for _, r := range got {
		if slices.Contains(want, r.ID) {
			n++
		}
	}
	return n
}

func everyItem(int) bool { return true }

// graphIndex builds a 10-tree index over data and a graph of degree edges on top.
func graphIndex(t *testing.T, metric annoy.Metric, data [][]float32, degree int) *annoy.Index {
	t.Helper()
	idx := built(t, metric, data, 10)
	if err := idx.BuildGraph(degree, annoy.AllCores); err != nil {
		t.Fatal(err)
	}
	return idx
}

// A graph answers by vector and by item with recall@10 of at least 0.9 at ef 64, against
// brute force, for angular and euclidean, unfiltered and under an allow-list.
func TestGraphRecallAtEf64(t *testing.T) {
	const n, dim, k, queries = 3000, 32, 10, 100
	for _, metric := range []annoy.Metric{annoy.Angular, annoy.Euclidean} {
		t.Run(metric.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(metric)))
			data := randomVectors(rng, metric, n, dim)
			probes := randomVectors(rng, metric, queries, dim)
			idx := graphIndex(t, metric, data, annoy.DefaultGraphDegree)
			if d := must(idx.GraphDegree()); d <= 0 {
				t.Fatalf("GraphDegree %d after BuildGraph", d)
			}
			var allowIDs []int
			for i := 0; i < n; i += 3 {
				allowIDs = append(allowIDs, i)
			}
			allow := annoy.Filter{Allow: annoy.AllowIDs(allowIDs)}
			allowed := func(id int) bool { return id%3 == 0 }

			var byVector, byItem, filtered int
			for q := 0; q < queries; q++ {
				got := must(idx.QueryVector(probes[q], k, annoy.DefaultSearchK, annoy.WithEf(64)))
				byVector += hits(got, trueNearest(metric, data, probes[q], k, everyItem))

				item := q * (n / queries)
				got = must(idx.QueryItem(item, k, annoy.DefaultSearchK, annoy.WithEf(64)))
				byItem += hits(got, trueNearest(metric, data, data[item], k, everyItem))

				got = must(idx.QueryVectorFiltered(probes[q], k, annoy.DefaultSearchK, allow, annoy.WithEf(64)))
				for _, r := range got {
					if !allowed(r.ID) {
						t.Fatalf("query %d: item %d is not in the allow-list", q, r.ID)
					}
				}
				filtered += hits(got, trueNearest(metric, data, probes[q], k, allowed))
			}
			for _, c := range []struct {
				what string
				hits int
			}{{"by vector", byVector}, {"by item", byItem}, {"allow-list", filtered}} {
				what, r := c.what, float64(c.hits)/(queries*k)
				t.Logf("%v %s: recall@%d %.3f at ef 64", metric, what, k, r)
				if r < 0.9 {
					t.Errorf("%v %s: recall@%d %.3f at ef 64, want at least 0.9", metric, what, k, r)
				}
			}

			est, _, err := idx.EstimateRecall(k, annoy.DefaultSearchK, annoy.Filter{}, 100, 1, annoy.WithEf(64))
			if err != nil {
				t.Fatal(err)
			}
			if est < 0.9 {
				t.Errorf("EstimateRecall at ef 64: %.3f, want at least 0.9", est)
			}
		})
	}
}

// The batch passes ef as single queries do, and DefaultEf is what no option gives.
func TestGraphBatchAndDefaultEfMatchSingleQueries(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 0))
	data := clusteredVectors(rng, 2000, 16, 20)
	probes := clusteredVectors(rng, 30, 16, 20)
	idx := graphIndex(t, annoy.Euclidean, data, 16)
	for _, ef := range []int{10, 200} {
		batch := must(idx.QueryBatch(probes, 10, annoy.DefaultSearchK, 2, annoy.WithEf(ef)))
		for q, v := range probes {
			single := must(idx.QueryVector(v, 10, annoy.DefaultSearchK, annoy.WithEf(ef)))
			if !reflect.DeepEqual(batch[q], single) {
				t.Fatalf("ef %d query %d: batch %v, single %v", ef, q, batch[q], single)
			}
		}
	}
	for q, v := range probes {
		plain := must(idx.QueryVector(v, 10, annoy.DefaultSearchK))
		dflt := must(idx.QueryVector(v, 10, annoy.DefaultSearchK, annoy.WithEf(annoy.DefaultEf)))
		if !reflect.DeepEqual(plain, dflt) {
			t.Fatalf("query %d: no option %v, DefaultEf %v", q, plain, dflt)
		}
	}
}

// With a graph, searchK is unused (0 still finds neighbours); DropGraph brings the trees
// back, where searchK 0 finds nothing.
func TestDropGraphReturnsToTheTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 0))
	data := clusteredVectors(rng, 1000, 8, 10)
	idx := graphIndex(t, annoy.Euclidean, data, 12)
	if got := must(idx.QueryItem(5, 10, 0)); len(got) != 10 {
		t.Fatalf("searchK 0 with a graph: %d results, want 10", len(got))
	}
	if err := idx.DropGraph(); err != nil {
		t.Fatal(err)
	}
	if d := must(idx.GraphDegree()); d != 0 {
		t.Fatalf("GraphDegree %d after DropGraph", d)
	}
	if got := must(idx.QueryItem(5, 10, 0)); len(got) != 0 {
		t.Fatalf("searchK 0 on the trees: %v, want none", got)
	}
	if _, err := idx.QueryItem(5, 10, 0, annoy.WithEf(64)); !errors.Is(err, annoy.ErrState) {
		t.Fatalf("ef without a graph: %v, want ErrState", err)
	}
	if got := must(idx.QueryItem(5, 10, 0, annoy.WithEf(annoy.DefaultEf))); len(got) != 0 {
		t.Fatalf("DefaultEf on the trees: %v, want none", got)
	}
	if err := idx.DropGraph(); err != nil {
		t.Fatalf("DropGraph without a graph: %v", err)
	}
}

// A native file keeps the graph: OpenNative and Open read it back and answer the same;
// Annoy's format holds the trees only.
func TestNativeFileKeepsTheGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 0))
	data := clusteredVectors(rng, 1500, 12, 15)
	idx := graphIndex(t, annoy.Angular, data, 20)
	want := must(idx.QueryItem(3, 10, 0, annoy.WithEf(32)))
	dir := t.TempDir()
	native := filepath.Join(dir, "g.native")
	if err := idx.SaveNative(native); err != nil {
		t.Fatal(err)
	}
	if d := must(idx.GraphDegree()); d != 20 {
		t.Fatalf("GraphDegree %d after SaveNative, want 20", d)
	}

	opened, err := annoy.OpenNative(native)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	loaded, err := annoy.Open(native, 12, annoy.Angular)
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	for name, other := range map[string]*annoy.Index{"OpenNative": opened, "Open": loaded} {
		if d := must(other.GraphDegree()); d != 20 {
			t.Fatalf("%s: GraphDegree %d, want 20", name, d)
		}
		// searchK 0 finds nothing on trees: these answers come from the graph.
		if got := must(other.QueryItem(3, 10, 0, annoy.WithEf(32))); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
	}

	annoyFile := filepath.Join(dir, "g.ann")
	if err := opened.Save(annoyFile); err != nil {
		t.Fatal(err)
	}
	trees, err := annoy.Open(annoyFile, 12, annoy.Angular)
	if err != nil {
		t.Fatal(err)
	}
	defer trees.Close()
	if d := must(trees.GraphDegree()); d != 0 {
		t.Fatalf("an Annoy file gave GraphDegree %d, want 0", d)
	}
}

// Bad calls fail with the library's status code, and leave the index usable.
func TestGraphErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 0))
	data := clusteredVectors(rng, 300, 8, 5)

	unbuilt, err := annoy.NewEuclidean(8)
	if err != nil {
		t.Fatal(err)
	}
	defer unbuilt.Close()
	for i, v := range data {
		if err := unbuilt.Add(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := unbuilt.BuildGraph(0, 1); !errors.Is(err, annoy.ErrState) {
		t.Fatalf("BuildGraph before Build: %v, want ErrState", err)
	}

	idx := built(t, annoy.Euclidean, data, 5)
	cases := []struct {
		name            string
		degree, threads int
	}{
		{"negative degree", -1, 1},
		{"degree above the maximum", 1 << 20, 1},
		{"zero threads", 0, 0},
		{"threads below -1", 0, -2},
		{"threads beyond 32 bits", 0, 1 << 40},
	}
	for _, c := range cases {
		err := idx.BuildGraph(c.degree, c.threads)
		var e *annoy.Error
		if !errors.As(err, &e) || e.Code != annoy.CodeInvalidArgument || e.Message == "" {
			t.Errorf("%s: %v, want CodeInvalidArgument with a message", c.name, err)
		}
	}
	if d := must(idx.GraphDegree()); d != 0 {
		t.Fatalf("failed builds left GraphDegree %d", d)
	}

	if err := idx.BuildGraph(8, 1); err != nil {
		t.Fatal(err)
	}
	for _, ef := range []int{0, -2} {
		if _, err := idx.QueryItem(0, 10, annoy.DefaultSearchK, annoy.WithEf(ef)); !errors.Is(err, annoy.ErrInvalidArgument) {
			t.Errorf("ef %d: %v, want ErrInvalidArgument", ef, err)
		}
		if _, err := idx.QueryBatch(data[:3], 10, annoy.DefaultSearchK, 1, annoy.WithEf(ef)); !errors.Is(err, annoy.ErrInvalidArgument) {
			t.Errorf("batch ef %d: %v, want ErrInvalidArgument", ef, err)
		}
	}
	if got := must(idx.QueryItem(0, 10, annoy.DefaultSearchK, annoy.WithEf(1))); len(got) != 10 {
		t.Fatalf("ef 1 (below n) gave %d results, want 10", len(got))
	}

	idx.Close()
	if err := idx.BuildGraph(0, 1); !errors.Is(err, annoy.ErrClosed) {
		t.Errorf("BuildGraph after Close: %v, want ErrClosed", err)
	}
	if err := idx.DropGraph(); !errors.Is(err, annoy.ErrClosed) {
		t.Errorf("DropGraph after Close: %v, want ErrClosed", err)
	}
	if _, err := idx.GraphDegree(); !errors.Is(err, annoy.ErrClosed) {
		t.Errorf("GraphDegree after Close: %v, want ErrClosed", err)
	}
}

// Tune on a graph tunes its beam width: at least k, reaching the target, and EstimateRecall
// at that width measures the same recall.
func TestTuneOnAGraphGivesItsBeamWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 0))
	data := clusteredVectors(rng, 1500, 16, 12)
	idx := graphIndex(t, annoy.Euclidean, data, 16)
	ef, recall, err := idx.Tune(10, 0.99, annoy.Filter{}, 100, 3)
	if err != nil || ef < 10 || recall < 0.99 {
		t.Fatalf("Tune: ef %d recall %f err %v", ef, recall, err)
	}
	again, _, err := idx.EstimateRecall(10, annoy.DefaultSearchK, annoy.Filter{}, 100, 3, annoy.WithEf(ef))
	if err != nil || again != recall {
		t.Fatalf("EstimateRecall at ef %d: %f (%v), Tune said %f", ef, again, err, recall)
	}
}

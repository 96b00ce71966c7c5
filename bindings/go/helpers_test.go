package annoy_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

var allMetrics = []annoy.Metric{annoy.Angular, annoy.Euclidean, annoy.Manhattan, annoy.Dot, annoy.Hamming}

// randomVectors gives n vectors of dim values: gaussian, or 0/1 bits for Hamming.
func randomVectors(rng *rand.Rand, metric annoy.Metric, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			if metric == annoy.Hamming {
				v[j] = float32(rng.IntN(2))
			} else {
				v[j] = float32(rng.NormFloat64())
			}
		}
		out[i] = v
	}
	return out
}

// bruteDistance is the metric's distance as Annoy reports it, in float64.
func bruteDistance(metric annoy.Metric, a, b []float32) float64 {
	var s, pp, qq float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		switch metric {
		case annoy.Angular:
			s += x * y
			pp += x * x
			qq += y * y
		case annoy.Euclidean:
			s += (x - y) * (x - y)
		case annoy.Manhattan:
			s += math.Abs(x - y)
		case annoy.Dot:
			s += x * y
		case annoy.Hamming:
			if (x != 0) != (y != 0) {
				s++
			}
		}
	}
	switch metric {
	case annoy.Angular:
		return math.Sqrt(math.Max(0, 2-2*s/math.Sqrt(pp*qq)))
	case annoy.Euclidean:
		return math.Sqrt(s)
	}
	return s
}

// nearness orders distances: smaller is nearer, except for Dot where larger is nearer.
func nearness(metric annoy.Metric, d float64) float64 {
	if metric == annoy.Dot {
		return -d
	}
	return d
}

// recall is the share of results whose true nearness is within the k-th best true nearness
// (robust to ties), checking on the way that each reported distance is the true one.
func recall(t *testing.T, metric annoy.Metric, data [][]float32, query []float32, got []annoy.Result, k int) float64 {
	t.Helper()
	all := make([]float64, len(data))
	for i, v := range data {
		all[i] = nearness(metric, bruteDistance(metric, query, v))
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	kth := sorted[min(k, len(sorted))-1]
	hits := 0
	for _, r := range got {
		want := bruteDistance(metric, query, data[r.ID])
		if math.Abs(float64(r.Distance)-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("%v: item %d distance %v, brute force %v", metric, r.ID, r.Distance, want)
		}
		if all[r.ID] <= kth+1e-4*math.Max(1, math.Abs(kth)) {
			hits++
		}
	}
	return float64(hits) / float64(k)
}

// built returns a closed-on-cleanup index holding data, built with trees trees.
func built(t testing.TB, metric annoy.Metric, data [][]float32, trees int) *annoy.Index {
	t.Helper()
	idx, err := annoy.New(len(data[0]), metric)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.SetSeed(42); err != nil {
		t.Fatal(err)
	}
	for i, v := range data {
		if err := idx.Add(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Build(trees, annoy.AllCores); err != nil {
		t.Fatal(err)
	}
	return idx
}

// must returns v, or panics (failing the test with a stack trace) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

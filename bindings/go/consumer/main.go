// A Go program outside the annoy repository: consumer_test.sh copies it into a fresh module
// in a temporary directory, vendors the binding and builds it against the library installed
// by `cmake --install`. It checks the results against brute force and exits non-zero on any
// mismatch.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

const (
	dim    = 8
	nItems = 300
	k      = 10
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "consumer: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	// A small deterministic generator, so the data are the same on every run.
	state := uint64(12345)
	next := func() float32 {
		state = state*6364136223846793005 + 1442695040888963407
		return float32(state>>40)/float32(1<<24) - 0.5
	}
	vecs := make([][]float32, nItems)
	idx, err := annoy.NewEuclidean(dim)
	if err != nil {
		fail("new: %v", err)
	}
	defer idx.Close()
	for i := range vecs {
		vecs[i] = make([]float32, dim)
		for j := range vecs[i] {
			vecs[i][j] = next()
		}
		if err := idx.Add(i, vecs[i]); err != nil {
			fail("add %d: %v", i, err)
		}
	}
	if err := idx.SetSeed(7); err != nil {
		fail("seed: %v", err)
	}
	if err := idx.Build(10, 1); err != nil {
		fail("build: %v", err)
	}
	path := filepath.Join(os.Args[1], "consumer.ann")
	if err := idx.Save(path); err != nil {
		fail("save: %v", err)
	}
	loaded, err := annoy.Open(path, dim, annoy.Euclidean)
	if err != nil {
		fail("open: %v", err)
	}
	defer loaded.Close()
	if loaded.NItems() != nItems {
		fail("loaded %d items, want %d", loaded.NItems(), nItems)
	}

	// An unlimited search (searchK < -1) must return exactly the brute-force neighbours.
	for q := 0; q < 20; q++ {
		got, err := loaded.QueryVector(vecs[q], k, -2)
		if err != nil {
			fail("query %d: %v", q, err)
		}
		order := make([]int, nItems)
		for i := range order {
			order[i] = i
		}
		dist := func(i int) float64 {
			s := 0.0
			for j := 0; j < dim; j++ {
				d := float64(vecs[q][j] - vecs[i][j])
				s += d * d
			}
			return math.Sqrt(s)
		}
		sort.SliceStable(order, func(a, b int) bool { return dist(order[a]) < dist(order[b]) })
		if len(got) != k {
			fail("query %d: %d results, want %d", q, len(got), k)
		}
		for r := range got {
			if math.Abs(float64(got[r].Distance)-dist(got[r].ID)) > 1e-4 {
				fail("query %d: distance of %d is %v, brute force %v", q, got[r].ID, got[r].Distance, dist(got[r].ID))
			}
			if math.Abs(dist(got[r].ID)-dist(order[r])) > 1e-6 {
				fail("query %d rank %d: got id %d, brute force %d", q, r, got[r].ID, order[r])
			}
		}
	}

	// Errors carry the library's status code.
	if _, err := loaded.QueryVector(make([]float32, dim+1), k, -1); !errors.Is(err, annoy.ErrDimension) {
		fail("wrong dimension: got %v, want ErrDimension", err)
	}
	fmt.Printf("consumer: ok (annoy %s, %d items, %d trees)\n", annoy.Version(), loaded.NItems(), loaded.NTrees())
}

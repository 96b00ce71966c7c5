// Command example builds an index of random vectors, saves it, maps it back and queries it
// from several goroutines; or, with -load, queries an existing .ann file (for example one
// written by Python's annoy).
//
//	go run ./example
//	go run ./example -load ../../tests/golden/angular_f40.ann -metric angular -dim 40 -item 389
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func main() {
	load := flag.String("load", "", "query this .ann file instead of building one")
	metricName := flag.String("metric", "angular", "angular, euclidean, manhattan, dot or hamming")
	dim := flag.Int("dim", 32, "vector dimension (bits for hamming)")
	items := flag.Int("n", 10000, "items to add when building")
	trees := flag.Int("trees", 10, "trees to build")
	item := flag.Int("item", 0, "item whose neighbours to print")
	k := flag.Int("k", 10, "neighbours per query")
	flag.Parse()
	if err := run(*load, *metricName, *dim, *items, *trees, *item, *k); err != nil {
		log.Fatal(err)
	}
}

func run(load, metricName string, dim, items, trees, item, k int) error {
	metric, err := annoy.ParseMetric(metricName)
	if err != nil {
		return err
	}
	path := load
	if path == "" {
		dir, err := os.MkdirTemp("", "annoy-example")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "example.ann")
		if err := build(path, metric, dim, items, trees); err != nil {
			return err
		}
	}

	// Map the file (shared with any other process that loads it) and query it.
	idx, err := annoy.Open(path, dim, metric, annoy.WithPrefault())
	if err != nil {
		return err
	}
	defer idx.Close()
	fmt.Printf("annoy %s: %s, %d items, %d trees, dimension %d, metric %v\n",
		annoy.Version(), path, idx.NItems(), idx.NTrees(), idx.Dim(), idx.Metric())

	res, err := idx.QueryItem(item, k, annoy.DefaultSearchK)
	if err != nil {
		return err
	}
	fmt.Printf("nearest to item %d:\n", item)
	for _, r := range res {
		fmt.Printf("  %6d  %.6f\n", r.ID, r.Distance)
	}

	// Queries are safe from many goroutines at once.
	var wg sync.WaitGroup
	found := make([]int, 8)
	for g := range found {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 0))
			for range 100 {
				id := rng.IntN(idx.NItems())
				if r, err := idx.QueryItem(id, k, annoy.DefaultSearchK); err == nil {
					found[g] += len(r)
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, f := range found {
		total += f
	}
	fmt.Printf("8 goroutines × 100 queries: %d neighbours found\n", total)
	return nil
}

func build(path string, metric annoy.Metric, dim, items, trees int) error {
	idx, err := annoy.New(dim, metric)
	if err != nil {
		return err
	}
	defer idx.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float32, dim)
	for i := range items {
		for j := range v {
			if metric == annoy.Hamming {
				v[j] = float32(rng.IntN(2))
			} else {
				v[j] = float32(rng.NormFloat64())
			}
		}
		if err := idx.Add(i, v); err != nil {
			return err
		}
	}
	if err := idx.Build(trees, annoy.AllCores); err != nil {
		return err
	}
	return idx.Save(path)
}

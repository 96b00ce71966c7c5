package annoy_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func Example() {
	idx, err := annoy.NewEuclidean(2)
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	for i := range 10 {
		idx.Add(i, []float32{float32(i), 0})
	}
	if err := idx.Build(5, annoy.AllCores); err != nil {
		panic(err)
	}
	res, _ := idx.QueryVector([]float32{4.2, 0}, 3, annoy.DefaultSearchK)
	for _, r := range res {
		fmt.Printf("item %d at %.1f\n", r.ID, r.Distance)
	}
	// Output:
	// item 4 at 0.2
	// item 5 at 0.8
	// item 3 at 1.2
}

func ExampleOpen() {
	// A file written by Save here, or by Python's annoy: AnnoyIndex(40, "angular").save(...).
	path := filepath.Join("..", "..", "tests", "golden", "angular_f40.ann")
	idx, err := annoy.Open(path, 40, annoy.Angular, annoy.WithPrefault())
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	res, _ := idx.QueryItem(389, 10, annoy.DefaultSearchK)
	fmt.Println(idx.NItems(), idx.NTrees(), res[0].ID, res[1].ID, res[2].ID)
	// Output: 1000 8 389 178 292
}

func ExampleError() {
	idx, _ := annoy.NewAngular(3)
	defer idx.Close()
	err := idx.Add(0, []float32{1, 2})
	var e *annoy.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code == annoy.CodeDimension, errors.Is(err, annoy.ErrDimension))
	}
	_, err = idx.QueryItem(0, 10, annoy.DefaultSearchK)
	fmt.Println(errors.Is(err, annoy.ErrState))
	_, err = annoy.Open(filepath.Join(os.TempDir(), "does-not-exist.ann"), 3, annoy.Angular)
	fmt.Println(errors.Is(err, annoy.ErrIO))
	// Output:
	// true true
	// true
	// true
}

func ExampleIndex_BuildGraph() {
	idx, err := annoy.NewEuclidean(2)
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	for i := range 100 {
		idx.Add(i, []float32{float32(i % 10), float32(i / 10)})
	}
	if err := idx.Build(5, annoy.AllCores); err != nil {
		panic(err)
	}
	if err := idx.BuildGraph(8, annoy.AllCores); err != nil {
		panic(err)
	}
	degree, _ := idx.GraphDegree()
	// With a graph, WithEf sets the effort; searchK is unused.
	res, _ := idx.QueryVector([]float32{4.1, 3.2}, 3, annoy.DefaultSearchK, annoy.WithEf(32))
	fmt.Println(degree, res[0].ID, res[1].ID, res[2].ID)
	// Output: 8 34 44 35
}

package annoy_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func filledIndex(t *testing.T, n, dim int) (*annoy.Index, [][]float32) {
	t.Helper()
	idx, err := annoy.New(dim, annoy.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	vectors := randomVectors(rand.New(rand.NewPCG(3, 4)), annoy.Euclidean, n, dim)
	for i, v := range vectors {
		if err := idx.Add(i, v); err != nil {
			t.Fatal(err)
		}
	}
	return idx, vectors
}

func TestBuildContextReportsEveryTree(t *testing.T) {
	idx, _ := filledIndex(t, 2000, 16)
	defer idx.Close()
	var done []int
	err := idx.BuildContext(context.Background(), 7, 2, func(treesDone, treesWanted int) {
		if treesWanted != 7 {
			t.Errorf("wanted %d, asked 7", treesWanted)
		}
		done = append(done, treesDone)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) == 0 || done[len(done)-1] != 7 || !slices.IsSorted(done) {
		t.Fatalf("progress reports %v", done)
	}
	if idx.NTrees() != 7 {
		t.Fatalf("%d trees", idx.NTrees())
	}
}

func TestBuildContextCancelledLeavesTheIndexUnbuilt(t *testing.T) {
	idx, vectors := filledIndex(t, 3000, 16)
	defer idx.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err := idx.BuildContext(ctx, 50, 2, func(treesDone, _ int) {
		if treesDone >= 2 {
			cancel()
		}
	})
	if !errors.Is(err, annoy.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want ErrCancelled and context.Canceled", err)
	}
	if idx.NTrees() != 0 {
		t.Fatalf("%d trees after a cancelled build", idx.NTrees())
	}
	got, err := idx.ItemVector(11)
	if err != nil || !slices.Equal(got, vectors[11]) {
		t.Fatalf("item 11 after cancel: %v %v", got, err)
	}
	if err := idx.Build(3, 1); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	// A context already done stops the build before it starts.
	if err := idx.Unbuild(); err != nil {
		t.Fatal(err)
	}
	if err := idx.BuildContext(ctx, 3, 1, nil); !errors.Is(err, annoy.ErrCancelled) {
		t.Fatalf("done context: %v", err)
	}
}

package annoy_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// answers runs a fixed mix of every read-only call and returns what they gave.
type answers struct {
	byVector [][]annoy.Result
	byItem   [][]annoy.Result
	batch    [][]annoy.Result
	vectors  [][]float32
	dists    []float32
	counts   [2]int
}

func ask(idx *annoy.Index, queries [][]float32, order []int) (answers, error) {
	a := answers{
		byVector: make([][]annoy.Result, len(queries)),
		byItem:   make([][]annoy.Result, len(queries)),
		vectors:  make([][]float32, len(queries)),
		dists:    make([]float32, len(queries)),
	}
	var err error
	for _, i := range order {
		if a.byVector[i], err = idx.QueryVector(queries[i], 10, annoy.DefaultSearchK); err != nil {
			return a, err
		}
		if a.byItem[i], err = idx.QueryItem(i*7, 10, 300); err != nil {
			return a, err
		}
		if a.vectors[i], err = idx.ItemVector(i); err != nil {
			return a, err
		}
		if a.dists[i], err = idx.Distance(i, i*3); err != nil {
			return a, err
		}
	}
	if a.batch, err = idx.QueryBatch(queries, 5, annoy.DefaultSearchK, 2); err != nil {
		return a, err
	}
	a.counts = [2]int{idx.NItems(), idx.NTrees()}
	return a, nil
}

func TestConcurrentQueriesFrom16GoroutinesEqualSerialOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	data := randomVectors(rng, annoy.Angular, 3000, 32)
	inMemory := built(t, annoy.Angular, data, 10)
	path := filepath.Join(t.TempDir(), "concurrent.ann")
	if err := inMemory.Save(path); err != nil {
		t.Fatal(err)
	}
	mapped := must(annoy.Open(path, 32, annoy.Angular))
	defer mapped.Close()
	queries := randomVectors(rng, annoy.Angular, 60, 32)
	order := make([]int, len(queries))
	for i := range order {
		order[i] = i
	}

	for name, idx := range map[string]*annoy.Index{"saved": inMemory, "mapped": mapped} {
		serial, err := ask(idx, queries, order)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mismatches atomic.Int32
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := append([]int(nil), order...)
				rand.New(rand.NewPCG(uint64(g), 1)).Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
				got, err := ask(idx, queries, mine)
				if err != nil {
					t.Errorf("%s, goroutine %d: %v", name, g, err)
					return
				}
				if !reflect.DeepEqual(got, serial) {
					mismatches.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := mismatches.Load(); n > 0 {
			t.Errorf("%s: %d of 16 goroutines got answers different from the serial ones", name, n)
		}
	}
}

func TestCloseWhileQueryingNeverCrashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	data := randomVectors(rng, annoy.Euclidean, 1000, 16)
	idx := built(t, annoy.Euclidean, data, 5)
	want := must(idx.QueryItem(1, 10, -1))
	var wg sync.WaitGroup
	var okCalls atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := idx.QueryItem(1, 10, -1)
				if errors.Is(err, annoy.ErrClosed) {
					return
				}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("query while closing: %v, %v", got, err)
					return
				}
				okCalls.Add(1)
			}
		}()
	}
	time.Sleep(30 * time.Millisecond)
	idx.Close()
	wg.Wait()
	t.Logf("%d queries answered before Close", okCalls.Load())
}

func TestLoadAndUnloadWhileQuerying(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	data := randomVectors(rng, annoy.Manhattan, 1000, 8)
	src := built(t, annoy.Manhattan, data, 5)
	path := filepath.Join(t.TempDir(), "reload.ann")
	if err := src.Save(path); err != nil {
		t.Fatal(err)
	}
	want := must(src.QueryVector(data[5], 10, -1))

	idx := must(annoy.Open(path, 8, annoy.Manhattan))
	defer idx.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var answered, refused atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := idx.QueryVector(data[5], 10, -1)
				switch {
				case err == nil && reflect.DeepEqual(got, want):
					answered.Add(1)
				case errors.Is(err, annoy.ErrState): // caught between Unload and Load
					refused.Add(1)
				default:
					t.Errorf("query during reloads: %v, %v", got, err)
					return
				}
			}
		}()
	}
	for i := range 50 {
		if err := idx.Unload(); err != nil {
			t.Fatal(err)
		}
		if err := idx.Load(path, annoy.WithPrefault()); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d answered, %d refused while unloaded", answered.Load(), refused.Load())
}

package annoy_test

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// Indexes dropped without Close are freed by their finalizer: built ones, loaded (mapped)
// ones and empty ones, with the GC running all the while.
func TestDroppedIndexesAreFreedByTheFinalizer(t *testing.T) {
	runtime.GC()
	before := annoy.LiveHandles()
	golden := filepath.Join(goldenDir, "angular_f40.ann")
	const n = 400
	for i := range n {
		idx := must(annoy.NewAngular(40))
		switch i % 3 {
		case 0:
			for j := range 30 {
				v := make([]float32, 40)
				v[j%40] = float32(j + 1)
				idx.Add(j, v)
			}
			if err := idx.Build(3, 1); err != nil {
				t.Fatal(err)
			}
			must(idx.QueryItem(0, 5, -1))
		case 1:
			if err := idx.Load(golden); err != nil {
				t.Fatal(err)
			}
			must(idx.QueryItem(389, 10, -1))
		}
		if i%50 == 0 {
			runtime.GC()
		}
	}
	peak := annoy.LiveHandles() - before
	deadline := time.Now().Add(20 * time.Second)
	for annoy.LiveHandles() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	left := annoy.LiveHandles() - before
	t.Logf("%d indexes dropped: %d still live before the final GCs, %d after", n, peak, left)
	if left > 0 {
		t.Errorf("%d handles never freed", left)
	}
}

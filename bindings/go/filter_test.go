package annoy_test

import (
	"math/rand/v2"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// Filtered queries return only allowed items, and with an unlimited search exactly the
// nearest allowed items of the unfiltered ranking, for an allow-list and a Go func alike.
func TestFilteredQueriesMatchTheUnfilteredRanking(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	data := randomVectors(rng, annoy.Euclidean, 500, 8)
	idx := built(t, annoy.Euclidean, data, 5)
	var ids []int
	for i := 0; i < 500; i += 3 {
		ids = append(ids, i)
	}
	allow := annoy.AllowIDs(ids)
	funcCalls := 0
	filters := []annoy.Filter{
		{Allow: allow},
		{Func: func(id int) bool { funcCalls++; return id%3 == 0 }},
	}
	for q := 0; q < 10; q++ {
		all := must(idx.QueryVector(data[q], 500, annoy.UnlimitedSearchK))
		var want []int
		for _, r := range all {
			if r.ID%3 == 0 && len(want) < 10 {
				want = append(want, r.ID)
			}
		}
		for f, filter := range filters {
			got := must(idx.QueryVectorFiltered(data[q], 10, annoy.UnlimitedSearchK, filter))
			if len(got) != len(want) {
				t.Fatalf("filter %d query %d: %d results, want %d", f, q, len(got), len(want))
			}
			for k := range got {
				if got[k].ID != want[k] {
					t.Fatalf("filter %d query %d: %v, want %v", f, q, got, want)
				}
			}
			got = must(idx.QueryVectorFiltered(data[q], 10, 50, filter))
			for _, r := range got {
				if r.ID%3 != 0 {
					t.Fatalf("filter %d returned item %d", f, r.ID)
				}
			}
		}
	}
	if funcCalls == 0 {
		t.Fatal("the Go filter was never called")
	}
	none := must(idx.QueryVectorFiltered(data[0], 10, -1, annoy.Filter{Allow: []uint64{}}))
	if len(none) != 0 {
		t.Fatalf("an empty allow-list returned %v", none)
	}
	if _, err := idx.QueryVectorFiltered(data[0], 10, -1, annoy.Filter{Allow: allow, Func: func(int) bool { return true }}); err == nil {
		t.Fatal("both filters at once were accepted")
	}
}

func TestTuneReachesTheTargetAndRecallAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 0))
	data := randomVectors(rng, annoy.Angular, 2000, 16)
	idx := built(t, annoy.Angular, data, 8)
	sk, r, err := idx.Tune(10, 0.95, annoy.Filter{}, 60, 1)
	if err != nil || r < 0.95 || sk < 10 {
		t.Fatalf("Tune: search_k %d recall %f err %v", sk, r, err)
	}
	again, qps, err := idx.EstimateRecall(10, sk, annoy.Filter{}, 60, 1)
	if err != nil || again != r || qps <= 0 {
		t.Fatalf("EstimateRecall at %d: %f (tuned %f), qps %f, err %v", sk, again, r, qps, err)
	}
	full, _, err := idx.EstimateRecall(10, annoy.UnlimitedSearchK, annoy.Filter{}, 60, 1)
	if err != nil || full != 1 {
		t.Fatalf("unlimited recall %f err %v", full, err)
	}
	if _, _, err := idx.Tune(10, 2, annoy.Filter{}, 60, 1); err == nil {
		t.Fatal("a target of 2 was accepted")
	}
}

package annoy_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
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

// By-item filtered queries with an unlimited search return exactly the nearest allowed items
// by brute force (the query item only when it is allowed), for an allow-list and a Go func.
func TestFilteredByItemQueriesMatchBruteForceOverTheAllowedSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 0))
	const n = 600
	data := randomVectors(rng, annoy.Euclidean, n, 8)
	idx := built(t, annoy.Euclidean, data, 6)
	allowed := func(id int) bool { return id%7 == 2 || id%11 == 0 }
	var ids []int
	for i := 0; i < n; i++ {
		if allowed(i) {
			ids = append(ids, i)
		}
	}
	filters := []annoy.Filter{{Allow: annoy.AllowIDs(ids)}, {Func: allowed}}
	for _, q := range []int{0, 2, 3, 57, 598} {
		want := append([]int(nil), ids...)
		sort.SliceStable(want, func(a, b int) bool {
			return bruteDistance(annoy.Euclidean, data[q], data[want[a]]) <
				bruteDistance(annoy.Euclidean, data[q], data[want[b]])
		})
		want = want[:10]
		for f, filter := range filters {
			got := must(idx.QueryItemFiltered(q, 10, annoy.UnlimitedSearchK, filter))
			if len(got) != len(want) {
				t.Fatalf("filter %d item %d: %d results, want %d", f, q, len(got), len(want))
			}
			for k := range got {
				if got[k].ID != want[k] {
					t.Fatalf("filter %d item %d: %v, want ids %v", f, q, got, want)
				}
			}
			if (got[0].ID == q) != allowed(q) {
				t.Fatalf("filter %d item %d: first result %v", f, q, got[0])
			}
			for _, r := range must(idx.QueryItemFiltered(q, 10, annoy.DefaultSearchK, filter)) {
				if !allowed(r.ID) {
					t.Fatalf("filter %d item %d returned item %d", f, q, r.ID)
				}
			}
		}
	}
	plain := must(idx.QueryItem(3, 10, annoy.UnlimitedSearchK))
	unfiltered := must(idx.QueryItemFiltered(3, 10, annoy.UnlimitedSearchK, annoy.Filter{}))
	if fmt.Sprint(plain) != fmt.Sprint(unfiltered) {
		t.Fatalf("QueryItem %v differs from an unfiltered QueryItemFiltered %v", plain, unfiltered)
	}
	if _, err := idx.QueryItemFiltered(n, 10, -1, filters[0]); !errors.Is(err, annoy.ErrUnknownItem) {
		t.Fatalf("an unknown item gave %v", err)
	}
	if _, err := idx.QueryItemFiltered(0, -1, -1, filters[0]); !errors.Is(err, annoy.ErrInvalidArgument) {
		t.Fatalf("a negative n gave %v", err)
	}
}

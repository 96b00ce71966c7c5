package annoy_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// goldenDir holds index files written by Spotify's annoy 1.17.3 (PyPI) with the answers it
// gave on them (tests/golden/make_golden.py).
var goldenDir = filepath.Join("..", "..", "tests", "golden")

type goldenCase struct {
	Case             string `json:"case"`
	Metric           string `json:"metric"`
	F                int    `json:"f"`
	NItems           int    `json:"n_items"`
	NTreesAfterBuild int    `json:"n_trees_after_build"`
	Queries          []struct {
		By        string    `json:"by"`
		Item      int       `json:"item"`
		Vector    []float64 `json:"vector"`
		N         int       `json:"n"`
		SearchK   int       `json:"search_k"`
		IDs       []int     `json:"ids"`
		Distances []float64 `json:"distances"`
	} `json:"queries"`
	ItemVectors map[string][]float64 `json:"item_vectors"`
	Distances   [][3]float64         `json:"distances"`
}

func goldenCases(t *testing.T) map[string]goldenCase {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if len(files) < 20 {
		t.Fatalf("golden files missing in %s", goldenDir)
	}
	cases := map[string]goldenCase{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c goldenCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases[strings.TrimSuffix(f, ".json")+".ann"] = c
	}
	return cases
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func closeEnough(got float32, want float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*math.Max(1, math.Abs(want))
}

func TestLoadsFilesWrittenByAnnoy117AndMatchesItsAnswers(t *testing.T) {
	var queries, results int
	for path, c := range goldenCases(t) {
		t.Run(c.Case, func(t *testing.T) {
			metric := must(annoy.ParseMetric(c.Metric))
			idx := must(annoy.Open(path, c.F, metric))
			defer idx.Close()
			if idx.NItems() != c.NItems || idx.NTrees() != c.NTreesAfterBuild {
				t.Errorf("%d items, %d trees; annoy: %d, %d", idx.NItems(), idx.NTrees(), c.NItems, c.NTreesAfterBuild)
			}
			for _, q := range c.Queries {
				var got []annoy.Result
				var err error
				if q.By == "item" {
					got, err = idx.QueryItem(q.Item, q.N, q.SearchK)
				} else {
					got, err = idx.QueryVector(f32s(q.Vector), q.N, q.SearchK)
				}
				if err != nil {
					t.Fatalf("query %+v: %v", q, err)
				}
				ids := make([]int, len(got))
				for i, r := range got {
					ids[i] = r.ID
					if !closeEnough(r.Distance, q.Distances[i]) {
						t.Errorf("%s query (n %d, search_k %d): distance %d is %v, annoy %v", q.By, q.N, q.SearchK, i, r.Distance, q.Distances[i])
					}
				}
				if len(ids) != len(q.IDs) || (len(ids) > 0 && !equalInts(ids, q.IDs)) {
					t.Errorf("%s query (item %d, n %d, search_k %d): ids %v, annoy %v", q.By, q.Item, q.N, q.SearchK, ids, q.IDs)
				}
				queries++
				results += len(ids)
			}
			for id, want := range c.ItemVectors {
				n, _ := strconv.Atoi(id)
				got := must(idx.ItemVector(n))
				for i := range want {
					if got[i] != float32(want[i]) {
						t.Fatalf("item %d: %v, annoy %v", n, got, want)
					}
				}
			}
			for _, d := range c.Distances {
				got := must(idx.Distance(int(d[0]), int(d[1])))
				if !closeEnough(got, d[2]) {
					t.Errorf("Distance(%v, %v) = %v, annoy %v", d[0], d[1], got, d[2])
				}
			}
		})
	}
	t.Logf("%d queries, %d results matched annoy 1.17.3", queries, results)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

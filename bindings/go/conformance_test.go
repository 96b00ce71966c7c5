package annoy_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// The shared conformance cases (tests/conformance/cases.json), run through this package: the
// Rust, C, Ruby and Python suites run the same file. An error's Code is the library's status.

type conformanceDoc struct {
	Statuses map[string]int `json:"statuses"`
	Cases    []struct {
		Name  string           `json:"name"`
		Steps []map[string]any `json:"steps"`
	} `json:"cases"`
}

func stepFloats(v any) []float32 {
	var out []float32
	for _, x := range v.([]any) {
		switch x := x.(type) {
		case string:
			switch x {
			case "nan":
				out = append(out, float32(math.NaN()))
			case "inf":
				out = append(out, float32(math.Inf(1)))
			case "-inf":
				out = append(out, float32(math.Inf(-1)))
			default:
				panic("unknown value " + x)
			}
		default:
			out = append(out, float32(x.(float64)))
		}
	}
	return out
}

func stepInts(v any) []int {
	var out []int
	for _, x := range v.([]any) {
		out = append(out, int(x.(float64)))
	}
	return out
}

func closeTo(got float32, want float64) bool {
	return math.Abs(float64(got)-want) <= 1e-4*(1+math.Abs(want))
}

// runStep runs one step: nil, an *annoy.Error from the library, or a mismatch.
func runStep(idx **annoy.Index, s map[string]any, dir string) error {
	num := func(k string) int { return int(s[k].(float64)) }
	file := func() string { return filepath.Join(dir, s["file"].(string)) }
	switch s["op"] {
	case "new":
		if *idx != nil {
			(*idx).Close()
			*idx = nil
		}
		m, err := annoy.ParseMetric(s["metric"].(string))
		if err != nil {
			return err
		}
		*idx, err = annoy.New(num("dim"), m)
		return err
	case "write_file":
		b, err := hex.DecodeString(s["hex"].(string))
		if err != nil {
			return fmt.Errorf("mismatch: %v", err)
		}
		return os.WriteFile(file(), b, 0o600)
	}
	t := *idx
	switch s["op"] {
	case "seed":
		return t.SetSeed(uint64(s["seed"].(float64)))
	case "add":
		return t.Add(num("id"), stepFloats(s["vector"]))
	case "build":
		return t.Build(num("n_trees"), num("n_threads"))
	case "unbuild":
		return t.Unbuild()
	case "save":
		return t.Save(file())
	case "load":
		return t.Load(file())
	case "unload":
		return t.Unload()
	case "n_items":
		if t.NItems() != num("value") {
			return fmt.Errorf("mismatch: %d items", t.NItems())
		}
	case "n_trees":
		if t.NTrees() != num("value") {
			return fmt.Errorf("mismatch: %d trees", t.NTrees())
		}
	case "item":
		got, err := t.ItemVector(num("id"))
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(stepFloats(s["vector"])) {
			return fmt.Errorf("mismatch: vector %v", got)
		}
	case "distance":
		got, err := t.Distance(num("i"), num("j"))
		if err != nil {
			return err
		}
		if !closeTo(got, s["distance"].(float64)) {
			return fmt.Errorf("mismatch: distance %v", got)
		}
	case "query_item", "query_vector":
		var res []annoy.Result
		var err error
		switch {
		case s["op"] == "query_item":
			res, err = t.QueryItem(num("id"), num("n"), num("search_k"))
		case s["allow"] != nil:
			filter := annoy.Filter{Allow: annoy.AllowIDs(stepInts(s["allow"]))}
			res, err = t.QueryVectorFiltered(stepFloats(s["vector"]), num("n"), num("search_k"), filter)
		default:
			res, err = t.QueryVector(stepFloats(s["vector"]), num("n"), num("search_k"))
		}
		if err != nil {
			return err
		}
		ids := stepInts(s["ids"])
		if len(res) != len(ids) {
			return fmt.Errorf("mismatch: %v", res)
		}
		for k, r := range res {
			if r.ID != ids[k] || !closeTo(r.Distance, s["distances"].([]any)[k].(float64)) {
				return fmt.Errorf("mismatch: %v", res)
			}
		}
	default:
		return fmt.Errorf("mismatch: unknown op %v", s["op"])
	}
	return nil
}

func TestConformanceCases(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "tests", "conformance", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc conformanceDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	names := map[annoy.Code]string{}
	for name, code := range doc.Statuses {
		names[annoy.Code(code)] = name
	}
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			var idx *annoy.Index
			defer func() {
				if idx != nil {
					idx.Close()
				}
			}()
			for k, s := range c.Steps {
				want, _ := s["status"].(string)
				if want == "" {
					want = "OK"
				}
				got := "OK"
				if err := runStep(&idx, s, dir); err != nil {
					var e *annoy.Error
					if !errors.As(err, &e) {
						t.Fatalf("step %d %v: %v", k, s, err)
					}
					got = names[e.Code]
				}
				if got != want {
					t.Fatalf("step %d %v: got %s, want %s", k, s, got, want)
				}
			}
		})
	}
}

package annoy_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func TestErrorsCarryTheLibraryStatusCode(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.ann")
	os.WriteFile(garbage, []byte("this is not an annoy index at all, just some bytes"), 0o644)

	fresh := func() *annoy.Index {
		idx := must(annoy.NewEuclidean(4))
		t.Cleanup(func() { idx.Close() })
		return idx
	}
	builtIdx := fresh()
	for i := range 10 {
		builtIdx.Add(i, []float32{float32(i), 1, 2, 3})
	}
	if err := builtIdx.Build(2, 1); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "saved.ann")
	if err := builtIdx.Save(saved); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		want *annoy.Error
		call func() error
	}{
		{"unknown metric", annoy.ErrUnknownMetric, func() error { _, err := annoy.New(4, annoy.Metric(99)); return err }},
		{"negative dimension", annoy.ErrInvalidArgument, func() error { _, err := annoy.New(-1, annoy.Angular); return err }},
		{"short vector", annoy.ErrDimension, func() error { return fresh().Add(0, []float32{1, 2, 3}) }},
		{"empty vector", annoy.ErrDimension, func() error { return fresh().Add(0, nil) }},
		{"NaN", annoy.ErrNotFinite, func() error { return fresh().Add(0, []float32{1, float32(math.NaN()), 0, 0}) }},
		{"infinity", annoy.ErrNotFinite, func() error { return fresh().Add(0, []float32{1, float32(math.Inf(1)), 0, 0}) }},
		{"negative id", annoy.ErrInvalidArgument, func() error { return fresh().Add(-1, make([]float32, 4)) }},
		{"id beyond 32 bits", annoy.ErrInvalidArgument, func() error { return fresh().Add(1<<32, make([]float32, 4)) }},
		{"query before build", annoy.ErrState, func() error {
			idx := fresh()
			idx.Add(0, make([]float32, 4))
			_, err := idx.QueryVector(make([]float32, 4), 1, -1)
			return err
		}},
		{"add after build", annoy.ErrState, func() error { return builtIdx.Add(20, make([]float32, 4)) }},
		{"save before build", annoy.ErrState, func() error { return fresh().Save(filepath.Join(dir, "x.ann")) }},
		{"add to loaded index", annoy.ErrState, func() error {
			idx := fresh()
			if err := idx.Load(saved); err != nil {
				return err
			}
			return idx.Add(0, make([]float32, 4))
		}},
		{"unknown item", annoy.ErrUnknownItem, func() error { _, err := builtIdx.QueryItem(10, 1, -1); return err }},
		{"unknown item vector", annoy.ErrUnknownItem, func() error { _, err := builtIdx.ItemVector(1000); return err }},
		{"unknown item distance", annoy.ErrUnknownItem, func() error { _, err := builtIdx.Distance(0, 11); return err }},
		{"query dimension", annoy.ErrDimension, func() error { _, err := builtIdx.QueryVector([]float32{1}, 1, -1); return err }},
		{"query NaN", annoy.ErrNotFinite, func() error {
			_, err := builtIdx.QueryVector([]float32{0, 0, float32(math.NaN()), 0}, 1, -1)
			return err
		}},
		{"batch dimension", annoy.ErrDimension, func() error {
			_, err := builtIdx.QueryBatch([][]float32{make([]float32, 4), make([]float32, 5)}, 1, -1, 1)
			return err
		}},
		{"batch NaN", annoy.ErrNotFinite, func() error {
			_, err := builtIdx.QueryBatch([][]float32{{0, 0, 0, float32(math.Inf(-1))}}, 1, -1, 1)
			return err
		}},
		{"batch threads", annoy.ErrInvalidArgument, func() error {
			_, err := builtIdx.QueryBatch([][]float32{make([]float32, 4)}, 1, -1, 0)
			return err
		}},
		{"negative n", annoy.ErrInvalidArgument, func() error { _, err := builtIdx.QueryItem(0, -1, -1); return err }},
		{"build with bad tree count", annoy.ErrInvalidArgument, func() error {
			idx := fresh()
			idx.Add(0, make([]float32, 4))
			return idx.Build(-7, 1)
		}},
		{"build with bad thread count", annoy.ErrInvalidArgument, func() error {
			idx := fresh()
			idx.Add(0, make([]float32, 4))
			return idx.Build(2, -3)
		}},
		{"missing file", annoy.ErrIO, func() error { return fresh().Load(filepath.Join(dir, "missing.ann")) }},
		{"file not an index", annoy.ErrCorrupt, func() error { return fresh().Load(garbage) }},
		{"file of another dimension", annoy.ErrCorrupt, func() error {
			idx := must(annoy.NewEuclidean(7))
			defer idx.Close()
			return idx.Load(saved)
		}},
		{"path with NUL", annoy.ErrInvalidArgument, func() error { return fresh().Load("a\x00b") }},
		{"dot layout on another metric", annoy.ErrInvalidArgument, func() error { return fresh().SetDotLayout(annoy.DotLayoutAnnoyMain) }},
		{"unknown dot layout", annoy.ErrInvalidArgument, func() error {
			idx := must(annoy.NewDot(4))
			defer idx.Close()
			return idx.SetDotLayout(annoy.DotLayout(9))
		}},
	}
	for _, c := range cases {
		err := c.call()
		var e *annoy.Error
		switch {
		case err == nil:
			t.Errorf("%s: no error, want %v", c.name, c.want.Code)
		case !errors.As(err, &e):
			t.Errorf("%s: %T is not an *annoy.Error", c.name, err)
		case !errors.Is(err, c.want) || e.Code != c.want.Code:
			t.Errorf("%s: %v (code %d), want code %d", c.name, err, e.Code, c.want.Code)
		case e.Message == "" || !strings.HasPrefix(err.Error(), "annoy: "):
			t.Errorf("%s: message %q, text %q", c.name, e.Message, err.Error())
		default:
			t.Logf("%-28s %-20s %s", c.name, codeName(e.Code), err)
		}
	}
}

func codeName(c annoy.Code) string {
	return map[annoy.Code]string{
		annoy.CodeNull: "ANNOY_E_NULL", annoy.CodeInvalidArgument: "ANNOY_E_INVALID_ARGUMENT",
		annoy.CodeDimension: "ANNOY_E_DIMENSION", annoy.CodeNotFinite: "ANNOY_E_NOT_FINITE",
		annoy.CodeUnknownItem: "ANNOY_E_UNKNOWN_ITEM", annoy.CodeState: "ANNOY_E_STATE",
		annoy.CodeIO: "ANNOY_E_IO", annoy.CodeCorrupt: "ANNOY_E_CORRUPT",
		annoy.CodeBufferTooSmall: "ANNOY_E_BUFFER_TOO_SMALL", annoy.CodeUnknownMetric: "ANNOY_E_UNKNOWN_METRIC",
		annoy.CodePanic: "ANNOY_E_PANIC",
	}[c]
}

func TestSentinelsMatchOnlyTheirCode(t *testing.T) {
	err := error(&annoy.Error{Code: annoy.CodeIO, Message: "open x: no such file"})
	if !errors.Is(err, annoy.ErrIO) || errors.Is(err, annoy.ErrCorrupt) || errors.Is(err, annoy.ErrClosed) {
		t.Error("errors.Is does not follow the code")
	}
	if errors.Is(annoy.ErrIO, err) {
		t.Error("a sentinel matched an error with a message")
	}
	codes := map[string]bool{}
	for c := annoy.CodeOK; c <= annoy.CodePanic; c++ {
		s := c.String()
		if s == "" || codes[s] {
			t.Errorf("code %d has description %q", c, s)
		}
		codes[s] = true
	}
	if annoy.Code(1000).String() != "unknown status code" {
		t.Errorf("Code(1000) = %q", annoy.Code(1000).String())
	}
	if got := annoy.ErrDimension.Error(); got != "annoy: "+annoy.CodeDimension.String() {
		t.Errorf("sentinel text %q", got)
	}
}

func TestClosedIndexFailsWithErrClosed(t *testing.T) {
	idx := must(annoy.NewAngular(3))
	idx.Add(0, []float32{1, 0, 0})
	idx.Build(1, 1)
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var nilIndex *annoy.Index
	if err := nilIndex.Close(); err != nil {
		t.Fatalf("Close on nil: %v", err)
	}
	calls := map[string]error{
		"Add":   idx.Add(1, []float32{0, 1, 0}),
		"Build": idx.Build(1, 1),
		"Load":  idx.Load("whatever.ann"),
		"Save":  idx.Save(filepath.Join(t.TempDir(), "x.ann")),
	}
	_, calls["QueryItem"] = idx.QueryItem(0, 1, -1)
	_, calls["QueryVector"] = idx.QueryVector([]float32{1, 0, 0}, 1, -1)
	_, calls["QueryBatch"] = idx.QueryBatch([][]float32{{1, 0, 0}}, 1, -1, 1)
	_, calls["ItemVector"] = idx.ItemVector(0)
	_, calls["Distance"] = idx.Distance(0, 0)
	for name, err := range calls {
		if !errors.Is(err, annoy.ErrClosed) || !errors.Is(err, annoy.ErrState) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	if idx.NItems() != 0 || idx.NTrees() != 0 || idx.Dim() != 3 {
		t.Errorf("closed index: %d items, %d trees, dim %d", idx.NItems(), idx.NTrees(), idx.Dim())
	}
}

func TestPanicInsideTheLibraryBecomesErrPanic(t *testing.T) {
	err := annoy.SelftestPanic()
	if !errors.Is(err, annoy.ErrPanic) {
		t.Fatalf("SelftestPanic() = %v", err)
	}
	t.Logf("%v", err)
	// The process and the library are still fine.
	idx := must(annoy.NewAngular(2))
	idx.Close()
}

package annoy_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func TestOpenNativeNeedsNoMetricOrDimension(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	data := randomVectors(rng, annoy.Manhattan, 300, 10)
	idx := built(t, annoy.Manhattan, data, 5)
	defer idx.Close()
	want := must(idx.QueryItem(7, 10, -1))
	path := filepath.Join(t.TempDir(), "i.native")
	if err := idx.SaveNative(path); err != nil {
		t.Fatal(err)
	}
	opened, err := annoy.OpenNative(path)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	if opened.Dim() != 10 || opened.Metric() != annoy.Manhattan || opened.NItems() != 300 {
		t.Fatalf("opened dim %d metric %v items %d", opened.Dim(), opened.Metric(), opened.NItems())
	}
	if err := opened.Verify(); err != nil {
		t.Fatal(err)
	}
	if got := must(opened.QueryItem(7, 10, -1)); !reflect.DeepEqual(got, want) {
		t.Fatalf("answers differ: %v vs %v", got, want)
	}

	// A changed byte is found by OpenNative or by Verify.
	bytes, _ := os.ReadFile(path)
	bytes[len(bytes)/2] ^= 0x04
	bad := filepath.Join(t.TempDir(), "bad.native")
	os.WriteFile(bad, bytes, 0o644)
	damaged, err := annoy.OpenNative(bad)
	if err == nil {
		err = damaged.Verify()
		damaged.Close()
	}
	if !errors.Is(err, annoy.ErrCorrupt) {
		t.Fatalf("damaged file: %v", err)
	}

	// An Annoy file records no shape: OpenNative refuses it.
	annoyPath := filepath.Join(t.TempDir(), "i.ann")
	if err := idx.Save(annoyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := annoy.OpenNative(annoyPath); !errors.Is(err, annoy.ErrCorrupt) {
		t.Fatalf("Annoy file: %v", err)
	}
}

func TestF16ItemsSaveSmallerAndAnswerAsTheRoundedVectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	data := randomVectors(rng, annoy.Angular, 300, 16)
	idx := built(t, annoy.Angular, data, 5)
	defer idx.Close()
	dir := t.TempDir()
	f32Path, f16Path := filepath.Join(dir, "a.native"), filepath.Join(dir, "a16.native")
	if err := idx.SaveNative(f32Path); err != nil {
		t.Fatal(err)
	}
	if err := idx.SetValueType(annoy.F16); err != nil {
		t.Fatal(err)
	}
	if err := idx.SaveNative(f16Path); err != nil {
		t.Fatal(err)
	}
	if v := must(idx.StoredValueType()); v != annoy.F16 {
		t.Fatalf("stored value type after an f16 save: %v", v)
	}
	a, _ := os.Stat(f32Path)
	b, _ := os.Stat(f16Path)
	if a.Size()-b.Size() < 300*16*2-64 {
		t.Fatalf("f32 %d bytes, f16 %d bytes", a.Size(), b.Size())
	}
	opened, err := annoy.OpenNative(f16Path)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	if v := must(opened.ValueType()); v != annoy.F16 {
		t.Fatalf("value type of an opened f16 file: %v", v)
	}
	if got, want := must(opened.QueryItem(3, 10, -1)), must(idx.QueryItem(3, 10, -1)); !reflect.DeepEqual(got, want) {
		t.Fatalf("answers differ: %v vs %v", got, want)
	}
	// Each value is the nearest float16: within half a unit in the last of 11 bits.
	for i, v := range data {
		got := must(opened.ItemVector(i))
		for j, x := range v {
			if d := math.Abs(float64(got[j] - x)); d > math.Abs(float64(x))/2048+3e-8 {
				t.Fatalf("item %d [%d]: %v for %v", i, j, got[j], x)
			}
		}
	}
	hamming := built(t, annoy.Hamming, randomVectors(rng, annoy.Hamming, 20, 64), 2)
	defer hamming.Close()
	if err := hamming.SetValueType(annoy.F16); !errors.Is(err, annoy.ErrInvalidArgument) {
		t.Fatalf("hamming f16: %v", err)
	}
}

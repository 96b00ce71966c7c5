package annoy_test

import (
	"errors"
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

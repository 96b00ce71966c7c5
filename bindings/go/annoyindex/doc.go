// Package annoy (import path github.com/annoy-rs/annoy/bindings/go/annoyindex) is the API of
// the Go module that Spotify's Annoy generates with SWIG (src/annoygomodule.i), over the
// annoy-rs Go binding: a program written for Annoy's module builds and runs with only its
// import path changed.
//
//	index := annoy.NewAnnoyIndexAngular(3)
//	defer annoy.DeleteAnnoyIndexAngular(index)
//	index.AddItem(0, []float32{0, 0, 1})
//	index.Build(10)
//	result := annoy.NewAnnoyVectorInt()
//	defer result.Free()
//	index.GetNnsByVector([]float32{1, 2, 3}, 3, -1, result)
//	ids := result.ToSlice()
//
// What differs from SWIG's module, and why:
//
//   - Nothing crashes. Where Annoy's C++ reads out of bounds or aborts (an unknown item, a
//     vector of the wrong length, a call after Delete…), the call fails as its signature
//     allows: false, an empty result vector, NaN, or no change (see AnnoyIndex). Calling an
//     overloaded method (Save, Load, GetNnsBy…) with arguments of the wrong number or types
//     panics with SWIG's "No match for overloaded function call", as SWIG's module does.
//   - Vectors live in Go memory: Free empties a vector (it stays usable), InnerArray stays
//     valid after the next query, and indexes and vectors may be used from any goroutine
//     (an index as the annoy-rs binding allows: queries concurrently, changes exclusively).
//   - Extras (GetNTrees, SetSeed, Native) and a Hamming index are added; SWIG's interfaces
//     are unchanged.
//   - Each tree is seeded from the seed and its number, so builds are the same on any number
//     of threads, and a seed gives other trees than Annoy's (queries on one file answer as in
//     Annoy). Dot files have the layout of Annoy's main branch, as the module's.
//   - Errors are not printed to stderr; Native returns the index with errors.
package annoy

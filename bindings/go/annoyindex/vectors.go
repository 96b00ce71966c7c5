package annoy

import "unsafe"

// X_RawAnnoyVectorInt is the method set of the C++ result vector that Annoy's SWIG module
// exposes under this name (AnnoyVectorInt adds the Go helpers).
type X_RawAnnoyVectorInt interface {
	Swigcptr() uintptr
	SwigIsX_RawAnnoyVectorInt()
	ArrayPtr() *int32
	Len() int
	Get(i int) int32
}

// X_RawAnnoyVectorFloat is the float counterpart of X_RawAnnoyVectorInt.
type X_RawAnnoyVectorFloat interface {
	Swigcptr() uintptr
	SwigIsX_RawAnnoyVectorFloat()
	ArrayPtr() *float32
	Len() int
	Get(i int) float32
}

// AnnoyVectorInt receives the ids of a query (GetNnsByItem, GetNnsByVector). Each query
// replaces its contents.
type AnnoyVectorInt interface {
	X_RawAnnoyVectorInt
	// ToSlice returns a copy of the contents.
	ToSlice() []int32
	// Copy copies the contents into *in, reusing its storage when it is large enough.
	Copy(in *[]int32)
	// InnerArray returns the contents without copying; the next query into the vector
	// leaves this slice as it was and gives the vector a new one.
	InnerArray() []int32
	// Free empties the vector. It stays usable (SWIG's Free releases C memory, after which
	// any use is a use-after-free).
	Free()
}

// AnnoyVectorFloat receives distances (GetNnsBy… with a distances vector) and item vectors
// (GetItem), as AnnoyVectorInt receives ids.
type AnnoyVectorFloat interface {
	X_RawAnnoyVectorFloat
	ToSlice() []float32
	Copy(in *[]float32)
	InnerArray() []float32
	Free()
}

// NewAnnoyVectorInt returns an empty id vector.
func NewAnnoyVectorInt() AnnoyVectorInt { return &vectorInt{} }

// NewX_RawAnnoyVectorInt returns an empty id vector (the SWIG constructor's name).
func NewX_RawAnnoyVectorInt() X_RawAnnoyVectorInt { return &vectorInt{} }

// DeleteX_RawAnnoyVectorInt empties v, as Free does.
func DeleteX_RawAnnoyVectorInt(v X_RawAnnoyVectorInt) {
	if p, ok := v.(*vectorInt); ok && p != nil {
		p.Free()
	}
}

// NewAnnoyVectorFloat returns an empty float vector.
func NewAnnoyVectorFloat() AnnoyVectorFloat { return &vectorFloat{} }

// NewX_RawAnnoyVectorFloat returns an empty float vector (the SWIG constructor's name).
func NewX_RawAnnoyVectorFloat() X_RawAnnoyVectorFloat { return &vectorFloat{} }

// DeleteX_RawAnnoyVectorFloat empties v, as Free does.
func DeleteX_RawAnnoyVectorFloat(v X_RawAnnoyVectorFloat) {
	if p, ok := v.(*vectorFloat); ok && p != nil {
		p.Free()
	}
}

// vectorInt holds its contents in Go memory: nothing to free, nothing to dangle.
type vectorInt struct{ data []int32 }

func (p *vectorInt) Swigcptr() uintptr          { return uintptr(unsafe.Pointer(p)) }
func (p *vectorInt) SwigIsX_RawAnnoyVectorInt() {}
func (p *vectorInt) Len() int                   { return len(p.data) }
func (p *vectorInt) InnerArray() []int32        { return p.data[:len(p.data):len(p.data)] }
func (p *vectorInt) Free()                      { p.data = nil }
func (p *vectorInt) ToSlice() []int32           { return copyOut(p.data, nil) }
func (p *vectorInt) Copy(in *[]int32)           { *in = copyOut(p.data, *in) }

// ArrayPtr points at the first id, or is nil when the vector is empty.
func (p *vectorInt) ArrayPtr() *int32 {
	if len(p.data) == 0 {
		return nil
	}
	return &p.data[0]
}

// Get returns id i, or 0 for an i outside the vector (SWIG's Get reads memory before the
// vector for a negative i).
func (p *vectorInt) Get(i int) int32 {
	if i < 0 || i >= len(p.data) {
		return 0
	}
	return p.data[i]
}

type vectorFloat struct{ data []float32 }

func (p *vectorFloat) Swigcptr() uintptr            { return uintptr(unsafe.Pointer(p)) }
func (p *vectorFloat) SwigIsX_RawAnnoyVectorFloat() {}
func (p *vectorFloat) Len() int                     { return len(p.data) }
func (p *vectorFloat) InnerArray() []float32        { return p.data[:len(p.data):len(p.data)] }
func (p *vectorFloat) Free()                        { p.data = nil }
func (p *vectorFloat) ToSlice() []float32           { return copyOut(p.data, nil) }
func (p *vectorFloat) Copy(in *[]float32)           { *in = copyOut(p.data, *in) }

// ArrayPtr points at the first value, or is nil when the vector is empty.
func (p *vectorFloat) ArrayPtr() *float32 {
	if len(p.data) == 0 {
		return nil
	}
	return &p.data[0]
}

// Get returns value i, or 0 for an i outside the vector.
func (p *vectorFloat) Get(i int) float32 {
	if i < 0 || i >= len(p.data) {
		return 0
	}
	return p.data[i]
}

// copyOut copies src into dst as SWIG's Copy does: dst's storage when its capacity is
// enough, else a new slice; the result has src's length. ToSlice of an empty vector is
// nil, as with SWIG.
func copyOut[T int32 | float32](src, dst []T) []T {
	if cap(dst) >= len(src) {
		dst = dst[:len(src)]
	} else {
		dst = make([]T, len(src))
	}
	copy(dst, src)
	return dst
}

package annoy

/*
#include "annoy.h"
*/
import "C"

import "fmt"

// DefaultGraphDegree as BuildGraph's degree lets the library choose the edges per item.
const DefaultGraphDegree = 0

// DefaultEf as WithEf's width is the library's default beam width (at least n).
const DefaultEf = C.ANNOY_EF_DEFAULT

// QueryOption changes how a query searches (see WithEf). Queries take any number of them
// after their positional arguments.
type QueryOption func(*queryOptions)

// queryOptions holds what the QueryOptions set; its zero value is not the default, so
// collectQueryOptions starts from defaultQueryOptions.
type queryOptions struct{ ef int }

var defaultQueryOptions = queryOptions{ef: DefaultEf}

// WithEf sets the graph's beam width for an index with a graph (BuildGraph, or a native file
// saved with one): DefaultEf, or a width (below n counts as n; 0 is an error). More: better
// recall, slower. With a graph, searchK is unused; without one, a width other than
// DefaultEf fails with ErrState.
func WithEf(ef int) QueryOption { return func(o *queryOptions) { o.ef = ef } }

func collectQueryOptions(opts []QueryOption) queryOptions {
	o := defaultQueryOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// BuildGraph builds a graph over the items of the built (or loaded) index with degree edges
// per item (DefaultGraphDegree: the library's) on threads threads (AllCores: one per core).
// Queries then search the graph, their effort set by WithEf; the trees stay for DropGraph.
// The graph is the same for every thread count. SaveNative keeps it; Save (Annoy's format)
// writes the trees only.
func (idx *Index) BuildGraph(degree, threads int) error {
	if degree < 0 {
		return errInvalid(fmt.Sprintf("graph degree must not be negative, got %d", degree))
	}
	j, err := int32Arg("threads", threads)
	if err != nil {
		return err
	}
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_build_graph(h, C.size_t(degree), j, &cerr), cerr)
	})
}

// DropGraph drops the graph, so that queries walk the trees again. Without a graph it does
// nothing.
func (idx *Index) DropGraph() error {
	return idx.write(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_drop_graph(h, &cerr), cerr)
	})
}

// GraphDegree returns the graph's edges per item, or 0 when the index has no graph (queries
// then walk the trees).
func (idx *Index) GraphDegree() (int, error) {
	var degree C.size_t
	err := idx.read(func(h *C.annoy_index) error {
		var cerr *C.annoy_error
		return check(C.annoy_graph_degree(h, &degree, &cerr), cerr)
	})
	return int(degree), err
}

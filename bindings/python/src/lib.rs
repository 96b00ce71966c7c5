//! `annoy_rs._annoy_rs`: the CPython extension behind `annoy_rs.AnnoyIndex`.
//!
//! `Index` holds a core [`annoy::Index`] behind a readers-writer lock: queries share it (from
//! many threads, with the GIL released), anything that changes it has it alone. The Python
//! class `annoy_rs.AnnoyIndex` derives from `Index`, so the calls made often (`add_item`,
//! queries, `get_item_vector`, `get_distance`, counts) reach Rust with no Python frame in
//! between; the rarely used ones (save to a device, pickling, bytes) are Python in the
//! subclass, over the private `_` methods here.
//!
//! Arguments are read as Annoy's `PyArg_ParseTuple` formats read them (an `int` in the C
//! `int` range, a sequence of numbers of the index dimension), and errors carry Annoy's
//! messages where Annoy checks something itself; every other rule is the core's.

mod args;
mod errors;
mod lock;

use annoy::{
    Bitset, Error, Filter, Format, Index, Metric, Query, QueryOptions, Scratch, SearchK, Status,
};
use args::{int32, item_id, path_of, Vector};
use errors::{raise, shielded, type_error, Class, Failure};
use lock::Shared;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::sync::Mutex;

/// Annoy's message for an id at or past `n_items` (the core's names the count).
const ITEM_TOO_LARGE: &str = "Item index larger than the largest item index";
const ITEM_NEGATIVE: &str = "Item index can not be negative";

/// What the lock guards: the core index and the two facts Annoy's API adds to it.
struct Inner {
    index: Index,
    /// `build(0)` or `n_jobs=0`: Annoy's "built with no trees", which answers every query
    /// with `[]` and refuses `add_item` and `save`.
    zero_trees: bool,
    /// One flag per id added, to tell holes from items when pickling an unbuilt index;
    /// `None` once the items came from a file.
    added: Option<Vec<bool>>,
}

impl Inner {
    fn new(index: Index) -> Inner {
        Inner {
            index,
            zero_trees: false,
            added: Some(Vec::new()),
        }
    }

    /// Trees exist (built here or loaded): Annoy's queries answer only then.
    fn built(&self) -> bool {
        self.index.is_built()
    }

    fn became_loaded(&mut self) {
        self.zero_trees = false;
        self.added = None;
    }

    fn check_writable(&self, py: Python<'_>) -> PyResult<()> {
        if self.index.is_loaded() {
            return Err(state_error(py, "You can't add an item to a loaded index"));
        }
        if self.index.is_built() || self.zero_trees {
            return Err(state_error(
                py,
                "You can't add an item to a built index (call unbuild() first)",
            ));
        }
        Ok(())
    }

    fn mark_added(&mut self, id: u32) {
        if let Some(added) = self.added.as_mut() {
            let id = id as usize;
            if id >= added.len() {
                added.resize(id + 1, false);
            }
            added[id] = true;
        }
    }
}

fn state_error(py: Python<'_>, message: &str) -> PyErr {
    raise(py, Class::State, message, Some(Status::State))
}

/// The exception for a failed call on item ids: Annoy's message for an unknown id.
fn item_error(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Core(Error::UnknownItem { .. }) => {
            raise(py, Class::Index, ITEM_TOO_LARGE, Some(Status::UnknownItem))
        }
        f => f.into_py(py, None),
    }
}

fn check_item(py: Python<'_>, i: i32, n_items: usize) -> PyResult<()> {
    if i < 0 {
        return Err(raise(
            py,
            Class::Index,
            ITEM_NEGATIVE,
            Some(Status::UnknownItem),
        ));
    }
    if i as usize >= n_items {
        return Err(raise(py, Class::Index, ITEM_TOO_LARGE, None));
    }
    Ok(())
}

thread_local! {
    /// Each thread's query working memory: once warm, a query allocates nothing.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Runs `body` with this thread's scratch, or a fresh one when it is in use (a filter that
/// queries again from inside a query).
fn with_scratch<T>(body: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => body(&mut s),
        Err(_) => body(&mut Scratch::new()),
    })
}

/// A filter for the core: `allow` (ids) as a bitset, or `filter` (a callable) called with
/// the GIL, its first exception kept to be raised after the query.
struct PyFilter {
    words: Option<Vec<u64>>,
    predicate: Option<Py<PyAny>>,
    raised: Mutex<Option<PyErr>>,
}

impl PyFilter {
    fn new(
        py: Python<'_>,
        allow: Option<&Bound<'_, PyAny>>,
        filter: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyFilter>> {
        let allow = allow.filter(|a| !a.is_none());
        let filter = filter.filter(|f| !f.is_none());
        if allow.is_none() && filter.is_none() {
            return Ok(None);
        }
        let words = match allow {
            None => None,
            Some(ids) => {
                let mut list = Vec::new();
                for id in ids.try_iter()? {
                    // An int or anything with __index__ (operator.index), as before.
                    let id: i64 = id?.extract()?;
                    if id < 0 {
                        return Err(raise(
                            py,
                            Class::Index,
                            "allowed item ids can not be negative",
                            None,
                        ));
                    }
                    list.push(u32::try_from(id).unwrap_or(u32::MAX));
                }
                let mut words = Bitset::from_ids(list);
                if words.is_empty() {
                    words.push(0);
                }
                Some(words)
            }
        };
        if let Some(f) = filter {
            if !f.is_callable() {
                return Err(type_error("filter must be callable"));
            }
        }
        Ok(Some(PyFilter {
            words,
            predicate: filter.map(|f| f.clone().unbind()),
            raised: Mutex::new(None),
        }))
    }

    fn allows(&self, id: u32) -> bool {
        let Some(predicate) = &self.predicate else {
            return false;
        };
        Python::attach(
            |py| match predicate.call1(py, (id,)).and_then(|r| r.is_truthy(py)) {
                Ok(yes) => yes,
                Err(e) => {
                    let mut raised = self.raised.lock().unwrap_or_else(|p| p.into_inner());
                    raised.get_or_insert(e);
                    false
                }
            },
        )
    }

    /// Runs `body` with the core filter; `Err` when both an allow-list and a callable were
    /// given (the core's rule, as the C API states it).
    fn with<T>(&self, py: Python<'_>, body: impl FnOnce(Filter<'_>) -> T) -> PyResult<T> {
        let allows = |id: u32| self.allows(id);
        let filter = match (&self.words, &self.predicate) {
            (Some(_), Some(_)) => {
                return Err(raise(
                    py,
                    Class::Value,
                    "options sets both an allow-list and a filter function; set one",
                    Some(Status::InvalidArgument),
                ))
            }
            (Some(words), None) => Filter::Allow(Bitset::new(words)),
            (None, Some(_)) => Filter::Predicate(&allows),
            (None, None) => Filter::All,
        };
        Ok(body(filter))
    }

    fn take_raised(&self) -> Option<PyErr> {
        self.raised.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The search options of a query: `n` as the core reads it (a negative `n` wraps, as in
/// Annoy, to "every item") and `search_k` by Annoy's rule (-1: n × n_trees; other negative
/// values: unlimited).
fn options(n: i32, search_k: i32, filter: Filter<'_>) -> QueryOptions<'_> {
    QueryOptions::new(n as i64 as u64 as usize)
        .search_k(SearchK::from_annoy(search_k as i64))
        .filter(filter)
}

/// What a single query asks: `n`, `search_k` and, for an index with a graph, its search
/// width `ef` (`None`: the core's default).
#[derive(Clone, Copy)]
struct Ask {
    n: i32,
    search_k: i32,
    ef: Option<usize>,
}

impl Ask {
    fn read(
        py: Python<'_>,
        n: &Bound<'_, PyAny>,
        search_k: Option<&Bound<'_, PyAny>>,
        ef: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Ask> {
        let n = int32(n)?;
        let search_k = args::int32_or(search_k, -1)?;
        let ef = match args::int32_or(ef, -1)? {
            -1 => None,
            e if e >= 0 => Some(e as usize),
            e => {
                return Err(raise(
                    py,
                    Class::Value,
                    &format!("ef must be -1 (the default) or a search width, got {e}"),
                    Some(Status::InvalidArgument),
                ))
            }
        };
        Ok(Ask { n, search_k, ef })
    }

    fn options<'a>(&self, filter: Filter<'a>) -> QueryOptions<'a> {
        let o = options(self.n, self.search_k, filter);
        match self.ef {
            Some(ef) => o.ef(ef),
            None => o,
        }
    }
}

/// The results as Annoy returns them: a list of ids, or a tuple (ids, distances).
fn results_of(
    py: Python<'_>,
    found: &[annoy::Neighbor],
    include_distances: bool,
) -> PyResult<Py<PyAny>> {
    let ids = args::int_list(py, |i| found[i].id, found.len())?;
    if !include_distances {
        return Ok(ids.into_any().unbind());
    }
    let distances = args::new_float_list(py, found.len(), |i| found[i].distance)?;
    Ok(PyTuple::new(py, [ids.into_any(), distances.into_any()])?
        .into_any()
        .unbind())
}

fn empty_results(py: Python<'_>, include_distances: bool) -> PyResult<Py<PyAny>> {
    results_of(py, &[], include_distances)
}

/// A native index: the base of `annoy_rs.AnnoyIndex`.
#[pyclass(frozen, subclass, module = "annoy_rs._annoy_rs", name = "Index")]
pub struct NativeIndex {
    f: usize,
    metric: Metric,
    inner: Shared<Inner>,
}

/// An index opened from a native file (`_open_file`), waiting to be adopted by an
/// `AnnoyIndex` of its dimension and metric.
#[pyclass(frozen, module = "annoy_rs._annoy_rs")]
pub struct OpenedFile {
    index: Mutex<Option<Index>>,
    #[pyo3(get)]
    dim: usize,
    #[pyo3(get)]
    metric: &'static str,
}

impl NativeIndex {
    /// One query, `(n, search_k)` as Annoy passes them.
    fn run_query(
        py: Python<'_>,
        inner: &Inner,
        query: Query<'_>,
        ask: Ask,
        include_distances: bool,
        filter: Option<PyFilter>,
    ) -> PyResult<Py<PyAny>> {
        let index = &inner.index;
        let answered = match &filter {
            // The filter is Python: the query keeps the GIL and runs on this thread.
            Some(f) => f.with(py, |core_filter| {
                with_scratch(|scratch| {
                    let found = shielded(|| {
                        index.query_with_options(query, &ask.options(core_filter), scratch)
                    });
                    match found {
                        Ok(found) => results_of(py, found, include_distances).map(Ok),
                        Err(e) => Ok(Err(e)),
                    }
                })
            })??,
            None => with_scratch(|scratch| {
                let found = py.detach(|| {
                    shielded(|| index.query_with_options(query, &ask.options(Filter::All), scratch))
                });
                match found {
                    Ok(found) => results_of(py, found, include_distances).map(Ok),
                    Err(e) => Ok(Err(e)),
                }
            })?,
        };
        if let Some(raised) = filter.as_ref().and_then(PyFilter::take_raised) {
            return Err(raised);
        }
        match answered {
            Ok(results) => Ok(results),
            // (An unbuilt index answered [] before the query: here the state error is `ef`
            // given to an index without a graph.)
            Err(e) => Err(item_error(py, e)),
        }
    }
}

fn metric_of(name: &str) -> Option<Metric> {
    name.parse().ok()
}

#[pymethods]
impl NativeIndex {
    /// Index(f, metric): `f` values per vector, `metric` one of Annoy's names (the Python
    /// class checks both first, with Annoy's messages).
    #[new]
    #[pyo3(signature = (f, metric))]
    fn new(py: Python<'_>, f: usize, metric: &str) -> PyResult<NativeIndex> {
        let Some(metric) = metric_of(metric) else {
            return Err(raise(
                py,
                Class::Value,
                "No such metric",
                Some(Status::UnknownMetric),
            ));
        };
        let index = shielded(|| Index::new(f, metric)).map_err(|e| e.into_py(py, None))?;
        Ok(NativeIndex {
            f,
            metric,
            inner: Shared::new(Inner::new(index)),
        })
    }

    /// The vector dimension (read-only: Annoy lets you overwrite it, which corrupts memory).
    #[getter]
    fn f(&self) -> usize {
        self.f
    }

    /// The metric name given to the constructor (not in Annoy 1.17.3).
    #[getter]
    fn metric(&self) -> &'static str {
        self.metric.name()
    }

    /// Adds item `i` (any nonnegative integer) with vector `vector`.
    ///
    /// Note that it will allocate memory for `max(i)+1` items.
    #[pyo3(signature = (i, vector))]
    fn add_item(
        &self,
        py: Python<'_>,
        i: &Bound<'_, PyAny>,
        vector: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let i = item_id(py, int32(i)?)?;
        if i >= i32::MAX as u32 {
            return Err(raise(
                py,
                Class::Index,
                &format!(
                    "Item index {i} is too large (ids must be below {})",
                    i32::MAX
                ),
                Some(Status::InvalidArgument),
            ));
        }
        let vector = Vector::read(vector, self.f)?;
        let mut inner = self.inner.write(py);
        inner.check_writable(py)?;
        shielded(|| inner.index.add_item(i, vector.as_slice())).map_err(|e| e.into_py(py, None))?;
        inner.mark_added(i);
        Ok(())
    }

    /// Builds a forest of `n_trees` trees (-1: as many as fit in twice the items' memory).
    ///
    /// More trees give higher precision when querying. After calling `build`, no more items
    /// can be added (until `unbuild`). `n_jobs` specifies the number of threads used to
    /// build the trees; `n_jobs=-1` uses all available CPU cores.
    ///
    /// `progress`, if given, is called as ``progress(trees_done, trees_wanted)`` on this
    /// thread at each finished tree and a few times a second in between (`trees_wanted` is
    /// None for ``n_trees=-1``). An exception it raises cancels the build, and so does
    /// Ctrl-C (KeyboardInterrupt): the index is then as it was before the call (unbuilt, its
    /// items intact) and the exception propagates from `build`.
    #[pyo3(signature = (n_trees, n_jobs=None, progress=None))]
    fn build(
        &self,
        py: Python<'_>,
        n_trees: &Bound<'_, PyAny>,
        n_jobs: Option<&Bound<'_, PyAny>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<bool> {
        let q = int32(n_trees)?;
        let jobs = args::int32_or(n_jobs, -1)?;
        let progress = progress.filter(|p| !p.is_none(py));
        let mut guard = self.inner.write(py);
        if guard.index.is_loaded() {
            return Err(state_error(py, "You can't build a loaded index"));
        }
        if guard.index.is_built() || guard.zero_trees {
            return Err(state_error(py, "You can't build a built index"));
        }
        if q == 0 || jobs == 0 {
            // Annoy builds no tree at all and answers every query with [].
            guard.zero_trees = true;
            return Ok(true);
        }
        let invalid = |what: &str, v: i32| {
            raise(
                py,
                Class::Value,
                &format!("{what} must be positive or -1, got {v}"),
                Some(Status::InvalidArgument),
            )
        };
        if q < -1 {
            return Err(invalid("n_trees", q));
        }
        if jobs < -1 {
            return Err(invalid("n_jobs", jobs));
        }
        let inner: &mut Inner = &mut guard;
        let mut raised: Option<PyErr> = None;
        let built = py.detach(|| {
            let mut report = |p: annoy::BuildProgress| {
                Python::attach(|py| {
                    // Ctrl-C arrives here, as it would in Python code.
                    let outcome = py.check_signals().and_then(|()| match &progress {
                        Some(cb) => cb.call1(py, (p.trees_done, p.trees_wanted)).map(drop),
                        None => Ok(()),
                    });
                    match outcome {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(e) => {
                            raised = Some(e);
                            ControlFlow::Break(())
                        }
                    }
                })
            };
            shielded(|| inner.index.build_with_progress(q, jobs, &mut report))
        });
        if let Some(e) = raised {
            return Err(e);
        }
        built.map_err(|e| e.into_py(py, None))?;
        Ok(true)
    }

    /// Unbuilds the trees, so that more items can be added and the index built again.
    fn unbuild(&self, py: Python<'_>) -> PyResult<bool> {
        let mut inner = self.inner.write(py);
        if inner.index.is_loaded() {
            return Err(state_error(py, "You can't unbuild a loaded index"));
        }
        shielded(|| inner.index.unbuild()).map_err(|e| e.into_py(py, None))?;
        inner.zero_trees = false;
        Ok(true)
    }

    /// Builds a graph over the items of the built or loaded index, on `n_jobs` threads (-1:
    /// one per core), with `degree` edges per item (0: the library's default); queries then
    /// search the graph, their width set by their `ef`. The graph is the same for every
    /// `n_jobs`. `save` writes Annoy's format, which has no graph.
    #[pyo3(signature = (degree=0, n_jobs=-1))]
    fn build_graph(&self, py: Python<'_>, degree: usize, n_jobs: i32) -> PyResult<bool> {
        let params = match degree {
            0 => annoy::GraphParams::default(),
            d => annoy::GraphParams::for_degree(d),
        };
        let mut guard = self.inner.write(py);
        let inner: &mut Inner = &mut guard;
        py.detach(|| shielded(|| inner.index.build_graph(params, n_jobs)))
            .map_err(|e| e.into_py(py, None))?;
        Ok(true)
    }

    /// Returns the `n` closest items to item `i`.
    ///
    /// :param search_k: the query will inspect up to `search_k` nodes; -1 (default) means
    ///   n × n_trees, any other negative value no limit. A larger value is more accurate
    ///   and slower.
    /// :param include_distances: if true, returns a 2-tuple of lists (ids, distances).
    /// :param allow: only these item ids may be returned (an iterable of ids).
    /// :param filter: only items for which ``filter(id)`` is true may be returned. The
    ///   answer is the best `n` allowed items as the unfiltered search ranks them.
    /// :param ef: after `build_graph`, the graph search's width (-1: the library's default);
    ///   an index without a graph refuses it.
    #[pyo3(signature = (i, n, search_k=None, include_distances=None, *, allow=None, filter=None, ef=None))]
    #[allow(clippy::too_many_arguments)]
    fn get_nns_by_item(
        &self,
        py: Python<'_>,
        i: &Bound<'_, PyAny>,
        n: &Bound<'_, PyAny>,
        search_k: Option<&Bound<'_, PyAny>>,
        include_distances: Option<&Bound<'_, PyAny>>,
        allow: Option<&Bound<'_, PyAny>>,
        filter: Option<&Bound<'_, PyAny>>,
        ef: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let i = int32(i)?;
        let ask = Ask::read(py, n, search_k, ef)?;
        let include_distances = args::int32_or(include_distances, 0)? != 0;
        let id = item_id(py, i)?;
        let inner = self.inner.read(py);
        if !inner.built() {
            check_item(py, i, inner.index.n_items())?;
            return empty_results(py, include_distances);
        }
        let filter = PyFilter::new(py, allow, filter)?;
        Self::run_query(py, &inner, Query::Item(id), ask, include_distances, filter)
    }

    /// Returns the `n` items closest to `vector` (a list, tuple or numpy array of f numbers).
    ///
    /// :param search_k: the query will inspect up to `search_k` nodes; -1 (default) means
    ///   n × n_trees, any other negative value no limit. A larger value is more accurate
    ///   and slower.
    /// :param include_distances: if true, returns a 2-tuple of lists (ids, distances).
    /// :param allow, filter, ef: as in `get_nns_by_item`.
    #[pyo3(signature = (vector, n, search_k=None, include_distances=None, *, allow=None, filter=None, ef=None))]
    #[allow(clippy::too_many_arguments)]
    fn get_nns_by_vector(
        &self,
        py: Python<'_>,
        vector: &Bound<'_, PyAny>,
        n: &Bound<'_, PyAny>,
        search_k: Option<&Bound<'_, PyAny>>,
        include_distances: Option<&Bound<'_, PyAny>>,
        allow: Option<&Bound<'_, PyAny>>,
        filter: Option<&Bound<'_, PyAny>>,
        ef: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let ask = Ask::read(py, n, search_k, ef)?;
        let include_distances = args::int32_or(include_distances, 0)? != 0;
        let vector = Vector::read(vector, self.f)?;
        let inner = self.inner.read(py);
        if !inner.built() {
            return empty_results(py, include_distances);
        }
        let filter = PyFilter::new(py, allow, filter)?;
        let query = Query::Vector(vector.as_slice());
        Self::run_query(py, &inner, query, ask, include_distances, filter)
    }

    /// Returns the vector of item `i` (a list of f floats; zeros for an id never added).
    #[pyo3(signature = (i, /))]
    fn get_item_vector<'py>(
        &self,
        py: Python<'py>,
        i: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = item_id(py, int32(i)?)?;
        let vector = self
            .inner
            .peek(py, |inner| shielded(|| inner.index.item_vector(id)))
            .map_err(|e| item_error(py, e))?;
        args::float_list(py, &vector)
    }

    /// Returns the distance between items `i` and `j`.
    #[pyo3(signature = (i, j, /))]
    fn get_distance(
        &self,
        py: Python<'_>,
        i: &Bound<'_, PyAny>,
        j: &Bound<'_, PyAny>,
    ) -> PyResult<f64> {
        let i = int32(i)?;
        let j = int32(j)?;
        let a = item_id(py, i)?;
        if j < 0 {
            // Annoy checks i first.
            check_item(py, i, self.get_n_items(py))?;
            check_item(py, j, 0)?;
        }
        let d = self
            .inner
            .peek(py, |inner| shielded(|| inner.index.distance(a, j as u32)))
            .map_err(|e| item_error(py, e))?;
        Ok(d as f64)
    }

    /// Returns the number of items in the index (the largest id added plus one).
    fn get_n_items(&self, py: Python<'_>) -> usize {
        self.inner.peek(py, |inner| inner.index.n_items())
    }

    /// Returns the number of trees in the index.
    fn get_n_trees(&self, py: Python<'_>) -> usize {
        self.inner.peek(py, |inner| inner.index.n_trees())
    }

    /// Recall@k (0 to 1) of queries at `search_k` against brute force, over `sample`
    /// stored items drawn with `seed`, and the single-thread queries per second:
    /// ``(recall, qps)``.
    #[pyo3(signature = (k=None, search_k=None, sample=200, seed=1, *, allow=None, filter=None))]
    #[allow(clippy::too_many_arguments)]
    fn estimate_recall(
        &self,
        py: Python<'_>,
        k: Option<&Bound<'_, PyAny>>,
        search_k: Option<&Bound<'_, PyAny>>,
        sample: usize,
        seed: u64,
        allow: Option<&Bound<'_, PyAny>>,
        filter: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(f64, f64)> {
        let (k, search_k) = (args::int32_or(k, 10)?, args::int32_or(search_k, -1)?);
        let filter = PyFilter::new(py, allow, filter)?;
        let inner = self.inner.read(py);
        let sample = annoy::RecallSample::Items {
            count: sample,
            seed,
        };
        let measured = match &filter {
            Some(f) => f.with(py, |core_filter| {
                shielded(|| {
                    inner
                        .index
                        .estimate_recall(&options(k, search_k, core_filter), sample)
                })
            })?,
            None => py.detach(|| {
                shielded(|| {
                    inner
                        .index
                        .estimate_recall(&options(k, search_k, Filter::All), sample)
                })
            }),
        };
        if let Some(raised) = filter.as_ref().and_then(PyFilter::take_raised) {
            return Err(raised);
        }
        let point = measured.map_err(|e| e.into_py(py, None))?;
        Ok((point.recall, point.qps))
    }

    /// The smallest search_k whose recall@k reaches `target_recall` on `sample` stored
    /// items: ``(search_k, recall, qps)``; search_k is -2 (unlimited) when only an unlimited
    /// search reaches it, or none does (recall is then below the target). On an index with
    /// a graph the effort tuned is the beam width: the first element is then that ef.
    #[pyo3(signature = (target_recall=0.9, k=None, sample=200, seed=1, *, allow=None, filter=None))]
    #[allow(clippy::too_many_arguments)]
    fn tune(
        &self,
        py: Python<'_>,
        target_recall: f64,
        k: Option<&Bound<'_, PyAny>>,
        sample: usize,
        seed: u64,
        allow: Option<&Bound<'_, PyAny>>,
        filter: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(i64, f64, f64)> {
        let k = args::int32_or(k, 10)?;
        let filter = PyFilter::new(py, allow, filter)?;
        let inner = self.inner.read(py);
        let sample = annoy::RecallSample::Items {
            count: sample,
            seed,
        };
        let tuned = match &filter {
            Some(f) => f.with(py, |core_filter| {
                shielded(|| {
                    inner
                        .index
                        .tune(&options(k, -1, core_filter), target_recall, sample)
                })
            })?,
            None => py.detach(|| {
                shielded(|| {
                    inner
                        .index
                        .tune(&options(k, -1, Filter::All), target_recall, sample)
                })
            }),
        };
        if let Some(raised) = filter.as_ref().and_then(PyFilter::take_raised) {
            return Err(raised);
        }
        let tuning = tuned.map_err(|e| e.into_py(py, None))?;
        let (effort, point) = tuning.effort().ok_or_else(|| {
            raise(
                py,
                Class::Panic,
                "tuning measured nothing",
                Some(Status::Panic),
            )
        })?;
        Ok((effort, point.recall, point.qps))
    }

    /// Checks the index: every checksum of a native file (any changed byte is found), the
    /// structure of an Annoy file (which has no checksums). Raises on damage.
    fn verify(&self, py: Python<'_>) -> PyResult<bool> {
        let inner = self.inner.write(py);
        let inner: &Inner = &inner;
        py.detach(|| shielded(|| inner.index.verify()))
            .map_err(|e| e.into_py(py, None))?;
        Ok(true)
    }

    // ---- for the Python subclass ----

    /// Trees exist (built or loaded).
    #[getter]
    fn _built(&self, py: Python<'_>) -> bool {
        self.inner.peek(py, Inner::built)
    }

    /// Serving a file read-only.
    #[getter]
    fn _loaded(&self, py: Python<'_>) -> bool {
        self.inner.peek(py, |inner| inner.index.is_loaded())
    }

    /// Built with no trees (`build(0)`).
    #[getter(_zero_trees)]
    fn zero_trees(&self, py: Python<'_>) -> bool {
        self.inner.peek(py, |inner| inner.zero_trees)
    }

    #[setter(_zero_trees)]
    fn set_zero_trees(&self, py: Python<'_>, value: bool) {
        self.inner.write(py).zero_trees = value;
    }

    /// The ids added (holes left out), or None when the items came from a file.
    fn _added_ids(&self, py: Python<'_>) -> Option<Vec<u32>> {
        let inner = self.inner.read(py);
        let added = inner.added.as_ref()?;
        Some(
            (0..inner.index.n_items().min(added.len()))
                .filter(|&i| added[i])
                .map(|i| i as u32)
                .collect(),
        )
    }

    fn _check_writable(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.read(py).check_writable(py)
    }

    /// Seeds the next build with the 64-bit seed (Annoy sign-extends the int32 it takes).
    fn _set_seed(&self, py: Python<'_>, seed: u64) {
        self.inner.write(py).index.set_seed(seed);
    }

    fn _save(&self, py: Python<'_>, path: &Bound<'_, PyAny>, prefault: bool) -> PyResult<()> {
        self.save_as(py, path, Format::Annoy, prefault)
    }

    /// Writes the native format (what `annoy_rs.open` reads); `save` writes Annoy's, as
    /// Annoy does.
    fn _save_native(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        self.save_as(py, path, Format::Native, false)
    }

    fn _load(&self, py: Python<'_>, path: &Bound<'_, PyAny>, prefault: bool) -> PyResult<()> {
        let path = path_of(path, 1)?;
        let mut guard = self.inner.write(py);
        let inner: &mut Inner = &mut guard;
        py.detach(|| shielded(|| inner.index.load(&path, prefault)))
            .map_err(|e| e.into_py(py, Some(Class::Io)))?;
        inner.became_loaded();
        Ok(())
    }

    /// Loads an index from bytes (either format); the library copies them.
    fn _load_bytes(&self, py: Python<'_>, data: &Bound<'_, PyBytes>) -> PyResult<()> {
        let bytes = data.as_bytes();
        let mut guard = self.inner.write(py);
        let inner: &mut Inner = &mut guard;
        py.detach(|| shielded(|| inner.index.load_bytes(bytes)))
            .map_err(|e| e.into_py(py, Some(Class::Io)))?;
        inner.became_loaded();
        Ok(())
    }

    /// Empties the index; the seed goes back to Annoy's default.
    fn _unload(&self, py: Python<'_>) {
        let mut inner = self.inner.write(py);
        inner.index.unload();
        inner.index.set_seed(annoy::DEFAULT_SEED);
        inner.zero_trees = false;
        inner.added = Some(Vec::new());
    }

    fn _on_disk_build(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_of(path, 1)?;
        let mut inner = self.inner.write(py);
        shielded(|| inner.index.on_disk_build(&path)).map_err(|e| e.into_py(py, None))
    }

    /// Takes over an index opened by `_open_file` (same dimension and metric).
    fn _adopt(&self, py: Python<'_>, opened: &OpenedFile) -> PyResult<()> {
        let taken = opened
            .index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(index) = taken else {
            return Err(state_error(py, "this opened file was already adopted"));
        };
        if index.dim() != self.f || index.metric() != self.metric {
            return Err(state_error(
                py,
                "the opened file has another dimension or metric",
            ));
        }
        let mut inner = self.inner.write(py);
        *inner = Inner::new(index);
        inner.became_loaded();
        Ok(())
    }

    /// Adds the rows of `x` as items `ids` (the Python side checked both).
    fn _add_rows(
        &self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        ids: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<()> {
        let x = x.as_array();
        let ids = ids.as_array();
        let mut inner = self.inner.write(py);
        inner.check_writable(py)?;
        for (row, &id) in x.rows().into_iter().zip(ids.iter()) {
            let id = u32::try_from(id)
                .map_err(|_| raise(py, Class::Index, ITEM_NEGATIVE, Some(Status::UnknownItem)))?;
            let values: Vec<f32> = row.iter().copied().collect();
            shielded(|| inner.index.add_item(id, &values)).map_err(|e| e.into_py(py, None))?;
            inner.mark_added(id);
        }
        Ok(())
    }

    /// The vectors of items `ids` as a (len(ids), f) float32 array.
    fn _get_rows<'py>(
        &self,
        py: Python<'py>,
        ids: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let ids = ids.as_array();
        let inner = self.inner.read(py);
        let mut out = Vec::with_capacity(ids.len().saturating_mul(self.f));
        for &id in ids.iter() {
            let id = u32::try_from(id)
                .map_err(|_| raise(py, Class::Index, ITEM_NEGATIVE, Some(Status::UnknownItem)))?;
            let v: Vec<f32> =
                shielded(|| inner.index.item_vector(id)).map_err(|e| item_error(py, e))?;
            out.extend_from_slice(&v);
        }
        drop(inner);
        let flat = PyArray1::from_vec(py, out);
        flat.reshape([ids.len(), self.f])
    }

    /// Batch queries: ids (q, m) uint32, distances (q, m) float32 or None, counts (q,).
    /// `m` is the core's result capacity for `n`; `n_jobs` -1 is one thread per core.
    /// `allow`, `filter` and `ef` as in `get_nns_by_item`; a `filter` callable needs the GIL,
    /// so its batch runs on the calling thread.
    #[pyo3(signature = (x, n, search_k, include_distances, n_jobs, allow=None, filter=None, ef=None))]
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn _query_batch<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
        n: &Bound<'py, PyAny>,
        search_k: Option<&Bound<'py, PyAny>>,
        include_distances: bool,
        n_jobs: i32,
        allow: Option<&Bound<'py, PyAny>>,
        filter: Option<&Bound<'py, PyAny>>,
        ef: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(
        Bound<'py, PyArray2<u32>>,
        Option<Bound<'py, PyArray2<f32>>>,
        Bound<'py, PyArray1<usize>>,
    )> {
        let threads = match n_jobs {
            -1 => 0,
            t if t >= 1 => t as usize,
            t => {
                return Err(raise(
                    py,
                    Class::Value,
                    &format!("n_threads must be >= 1 or -1, got {t}"),
                    Some(Status::InvalidArgument),
                ))
            }
        };
        let queries = x
            .as_slice()
            .map_err(|_| type_error("vectors must be C-contiguous"))?;
        let q = x.as_array().nrows();
        let ask = Ask::read(py, n, search_k, ef)?;
        let filter = PyFilter::new(py, allow, filter)?;
        let inner = self.inner.read(py);
        let m = inner.index.result_capacity(ask.options(Filter::All).n);
        let slots = q.checked_mul(m).ok_or_else(|| {
            raise(
                py,
                Class::Value,
                "the result does not fit in memory",
                Some(Status::InvalidArgument),
            )
        })?;
        let mut ids = vec![0u32; slots];
        let mut dists = include_distances.then(|| vec![0f32; slots]);
        let mut counts = vec![0usize; q];
        let index = &inner.index;
        let mut batch = |filter: Filter<'_>, threads: usize| {
            shielded(|| {
                index.query_batch(
                    queries,
                    &ask.options(filter),
                    threads,
                    &mut ids,
                    dists.as_deref_mut(),
                    &mut counts,
                )
            })
        };
        let answered = match &filter {
            Some(f) if f.predicate.is_some() => f.with(py, |core| batch(core, 1))?,
            Some(f) => f.with(py, |core| py.detach(|| batch(core, threads)))?,
            None => py.detach(|| batch(Filter::All, threads)),
        };
        if let Some(raised) = filter.as_ref().and_then(PyFilter::take_raised) {
            return Err(raised);
        }
        answered.map_err(|e| e.into_py(py, None))?;
        drop(inner);
        let ids = PyArray1::from_vec(py, ids).reshape([q, m])?;
        let dists = match dists {
            Some(d) => Some(PyArray1::from_vec(py, d).reshape([q, m])?),
            None => None,
        };
        Ok((ids, dists, PyArray1::from_vec(py, counts)))
    }
}

impl NativeIndex {
    fn save_as(
        &self,
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        format: Format,
        prefault: bool,
    ) -> PyResult<()> {
        let path = path_of(path, 1)?;
        let mut guard = self.inner.write(py);
        let inner: &mut Inner = &mut guard;
        py.detach(|| shielded(|| inner.index.save_as(&path, format, prefault)))
            .map_err(|e| e.into_py(py, Some(Class::Io)))?;
        inner.became_loaded();
        Ok(())
    }
}

/// Opens a native index file, its dimension and metric read from it.
#[pyfunction]
fn _open_file(py: Python<'_>, path: &Bound<'_, PyAny>, prefault: bool) -> PyResult<OpenedFile> {
    let path = path_of(path, 1)?;
    let index = py
        .detach(|| shielded(|| Index::open(&path, prefault)))
        .map_err(|e| e.into_py(py, Some(Class::Io)))?;
    Ok(OpenedFile {
        dim: index.dim(),
        metric: index.metric().name(),
        index: Mutex::new(Some(index)),
    })
}

/// The version of the annoy library compiled into this module.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Panics inside the library, to show that a panic becomes an `AnnoyPanicError`.
#[pyfunction]
fn _selftest_panic(py: Python<'_>) -> PyResult<()> {
    shielded(|| -> Result<(), Error> { panic!("_selftest_panic was called") })
        .map_err(|e| e.into_py(py, None))
}

#[pymodule]
fn _annoy_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeIndex>()?;
    m.add_class::<OpenedFile>()?;
    m.add_function(wrap_pyfunction!(_open_file, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(_selftest_panic, m)?)?;
    Ok(())
}

/*
 * annoy.hpp: header-only C++17 wrapper over annoy.h.
 *
 * - annoy::Index and annoy::Scratch own their C handles (move-only; freed by the destructor).
 * - Every failure throws annoy::Error, which carries the status code (annoy_status) and the
 *   library's message. Nothing is written to an output on failure.
 * - Vectors are taken as (pointer, length) or as any contiguous container of float
 *   (std::vector, std::array, std::span, ...); results come back as std::vector or go into
 *   caller buffers.
 * - Threads: as in annoy.h, const member functions may run concurrently on one built or loaded
 *   index; the others need exclusive access. A Scratch serves one thread at a time.
 * - A moved-from Index holds no handle: calls on it throw Error with ANNOY_E_NULL.
 */
#ifndef ANNOY_HPP
#define ANNOY_HPP

#include "annoy.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace annoy {

enum class Metric : int32_t {
    Angular = ANNOY_METRIC_ANGULAR,
    Euclidean = ANNOY_METRIC_EUCLIDEAN,
    Manhattan = ANNOY_METRIC_MANHATTAN,
    Dot = ANNOY_METRIC_DOT,
    Hamming = ANNOY_METRIC_HAMMING,
};

// search_k meaning "n × n_trees", as in annoy.h.
inline constexpr int64_t search_k_default = ANNOY_SEARCH_K_DEFAULT;

// The library version at run time ("MAJOR.MINOR.PATCH").
inline const char *version() noexcept { return annoy_version(); }

// A failed call: the status code and the library's message.
class Error : public std::runtime_error {
public:
    Error(annoy_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    annoy_status status() const noexcept { return status_; }

private:
    annoy_status status_;
};

// The nearest items, nearest first; distances[i] belongs to ids[i].
struct Neighbors {
    std::vector<uint32_t> ids;
    std::vector<float> distances;
};

namespace detail {

struct ErrorFree {
    void operator()(annoy_error *e) const noexcept { annoy_error_free(e); }
};
struct IndexFree {
    void operator()(annoy_index *i) const noexcept { annoy_free(i); }
};
struct ScratchFree {
    void operator()(annoy_scratch *s) const noexcept { annoy_scratch_free(s); }
};

// Runs one C call that takes a trailing `annoy_error **` and throws on failure.
template <class F>
void call(F &&f) {
    annoy_error *raw = nullptr;
    const annoy_status status = f(&raw);
    std::unique_ptr<annoy_error, ErrorFree> err(raw);
    if (status != ANNOY_OK) {
        std::string message = err ? annoy_error_message(err.get()) : annoy_status_str(status);
        throw Error(status, message);
    }
}

// A contiguous container of float: has data() convertible to const float * and size().
template <class C, class = void>
struct is_float_range : std::false_type {};
template <class C>
struct is_float_range<C, std::void_t<decltype(std::declval<const C &>().size()),
                                     decltype(std::declval<const C &>().data())>>
    : std::is_convertible<decltype(std::declval<const C &>().data()), const float *> {};

} // namespace detail

// Reusable query memory (annoy_scratch): after the first few queries of a size, queries
// through it allocate nothing inside the library.
class Scratch {
public:
    Scratch() {
        annoy_scratch *s = nullptr;
        detail::call([&](annoy_error **e) { return annoy_scratch_new(&s, e); });
        handle_.reset(s);
    }
    annoy_scratch *get() noexcept { return handle_.get(); }

private:
    std::unique_ptr<annoy_scratch, detail::ScratchFree> handle_;
};

class Index {
public:
    // An empty index of `dim`-dimensional vectors (for hamming, `dim` counts bits).
    Index(Metric metric, size_t dim) {
        annoy_index *raw = nullptr;
        detail::call([&](annoy_error **e) {
            return annoy_new(static_cast<int32_t>(metric), dim, &raw, e);
        });
        handle_.reset(raw);
    }
    // An index serving the file at `path` (mapped read-only and shared).
    static Index open(Metric metric, size_t dim, const std::string &path, bool prefault = false) {
        Index index(metric, dim);
        index.load(path, prefault);
        return index;
    }

    Index(Index &&) noexcept = default;
    Index &operator=(Index &&) noexcept = default;
    Index(const Index &) = delete;
    Index &operator=(const Index &) = delete;

    // The C handle, still owned by this object (NULL after a move).
    annoy_index *get() noexcept { return handle_.get(); }
    const annoy_index *get() const noexcept { return handle_.get(); }

    void set_seed(uint64_t seed) {
        detail::call([&](annoy_error **e) { return annoy_set_seed(get(), seed, e); });
    }
    void add(uint32_t id, const float *vector, size_t len) {
        detail::call([&](annoy_error **e) { return annoy_add(get(), id, vector, len, e); });
    }
    template <class C, std::enable_if_t<detail::is_float_range<C>::value, int> = 0>
    void add(uint32_t id, const C &vector) {
        add(id, vector.data(), vector.size());
    }
    void on_disk_build(const std::string &path) {
        detail::call([&](annoy_error **e) { return annoy_on_disk_build(get(), path.c_str(), e); });
    }
    // n_trees -1: automatic; n_threads -1: one per core.
    void build(int32_t n_trees = -1, int32_t n_threads = -1) {
        detail::call([&](annoy_error **e) { return annoy_build(get(), n_trees, n_threads, e); });
    }
    void unbuild() {
        detail::call([&](annoy_error **e) { return annoy_unbuild(get(), e); });
    }
    void save(const std::string &path, bool prefault = false) {
        detail::call([&](annoy_error **e) { return annoy_save(get(), path.c_str(), prefault, e); });
    }
    void load(const std::string &path, bool prefault = false) {
        detail::call([&](annoy_error **e) { return annoy_load(get(), path.c_str(), prefault, e); });
    }
    void unload() {
        detail::call([&](annoy_error **e) { return annoy_unload(get(), e); });
    }

    // Into caller buffers of `capacity` entries (distances may be NULL); returns how many were
    // written. Throws ANNOY_E_BUFFER_TOO_SMALL if capacity < min(n, n_items()).
    size_t query(const float *vector, size_t len, size_t n, int64_t search_k, uint32_t *ids,
                 float *distances, size_t capacity) const {
        size_t got = 0;
        detail::call([&](annoy_error **e) {
            return annoy_query(get(), vector, len, n, search_k, ids, distances, capacity, &got, e);
        });
        return got;
    }
    size_t query(Scratch &scratch, const float *vector, size_t len, size_t n, int64_t search_k,
                 uint32_t *ids, float *distances, size_t capacity) const {
        size_t got = 0;
        detail::call([&](annoy_error **e) {
            return annoy_query_with_scratch(get(), scratch.get(), vector, len, n, search_k, ids,
                                            distances, capacity, &got, e);
        });
        return got;
    }
    Neighbors query(const float *vector, size_t len, size_t n,
                    int64_t search_k = search_k_default) const {
        Neighbors out = buffers(n);
        const size_t got = query(vector, len, n, search_k, out.ids.data(), out.distances.data(),
                                 out.ids.size());
        return trimmed(std::move(out), got);
    }
    template <class C, std::enable_if_t<detail::is_float_range<C>::value, int> = 0>
    Neighbors query(const C &vector, size_t n, int64_t search_k = search_k_default) const {
        return query(vector.data(), vector.size(), n, search_k);
    }
    Neighbors query_by_item(uint32_t item, size_t n, int64_t search_k = search_k_default) const {
        Neighbors out = buffers(n);
        size_t got = 0;
        detail::call([&](annoy_error **e) {
            return annoy_query_by_item(get(), item, n, search_k, out.ids.data(),
                                       out.distances.data(), out.ids.size(), &got, e);
        });
        return trimmed(std::move(out), got);
    }
    // `vectors` holds n_queries vectors of dim() floats, one after another.
    std::vector<Neighbors> query_batch(const float *vectors, size_t n_queries, size_t n,
                                       int64_t search_k = search_k_default,
                                       int32_t n_threads = -1) const {
        const size_t d = dim();
        const size_t per = n < n_items() ? n : n_items();
        std::vector<uint32_t> ids(n_queries * per);
        std::vector<float> distances(n_queries * per);
        std::vector<size_t> counts(n_queries);
        detail::call([&](annoy_error **e) {
            return annoy_query_batch(get(), vectors, n_queries, d, per, search_k, n_threads,
                                     ids.data(), distances.data(), counts.data(), e);
        });
        std::vector<Neighbors> out(n_queries);
        for (size_t q = 0; q < n_queries; q++) {
            const auto from = static_cast<std::ptrdiff_t>(q * per);
            const auto to = from + static_cast<std::ptrdiff_t>(counts[q]);
            out[q].ids.assign(ids.begin() + from, ids.begin() + to);
            out[q].distances.assign(distances.begin() + from, distances.begin() + to);
        }
        return out;
    }

    void get_item(uint32_t item, float *out, size_t len) const {
        detail::call([&](annoy_error **e) { return annoy_get_item(get(), item, out, len, e); });
    }
    std::vector<float> get_item(uint32_t item) const {
        std::vector<float> v(dim());
        get_item(item, v.data(), v.size());
        return v;
    }
    float distance(uint32_t i, uint32_t j) const {
        float d = 0;
        detail::call([&](annoy_error **e) { return annoy_distance(get(), i, j, &d, e); });
        return d;
    }
    size_t n_items() const {
        size_t n = 0;
        detail::call([&](annoy_error **e) { return annoy_n_items(get(), &n, e); });
        return n;
    }
    size_t n_trees() const {
        size_t n = 0;
        detail::call([&](annoy_error **e) { return annoy_n_trees(get(), &n, e); });
        return n;
    }
    size_t dim() const {
        size_t d = 0;
        detail::call([&](annoy_error **e) { return annoy_dim(get(), &d, e); });
        return d;
    }
    Metric metric() const {
        int32_t m = 0;
        detail::call([&](annoy_error **e) { return annoy_metric(get(), &m, e); });
        return static_cast<Metric>(m);
    }

private:
    // Room for min(n, n_items()) results: what the C call needs, never more.
    Neighbors buffers(size_t n) const {
        const size_t items = n_items();
        const size_t room = n < items ? n : items;
        return Neighbors{std::vector<uint32_t>(room), std::vector<float>(room)};
    }
    static Neighbors trimmed(Neighbors out, size_t got) {
        out.ids.resize(got);
        out.distances.resize(got);
        return out;
    }

    std::unique_ptr<annoy_index, detail::IndexFree> handle_;
};

} // namespace annoy

#endif /* ANNOY_HPP */

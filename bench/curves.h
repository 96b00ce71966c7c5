// bench/curves.h: the engine interface of bench/curves.cpp (recall against QPS curves).
//
// Each engine is one index kind at one build setting (Annoy with 10 trees, hnswlib at M=16,
// ...). Engines live in their own translation units so that each is compiled with the flags
// its own project ships with (Annoy's setup.py flags, hnswlib's setup.py flags); this header
// is all they share with the harness.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace curves {

enum Metric { ANGULAR = 0, EUCLIDEAN = 1, DOT = 3 };

struct Data {
  size_t n = 0, dim = 0;
  const float* rows = nullptr;  // n × dim, row-major
  Metric metric = ANGULAR;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // "annoy-10", "hnsw-M16-ef200", ...
  virtual std::string name() const = 0;
  // What the effort knob is called ("search_k", "ef") and the values to sweep for k.
  virtual std::string effort_name() const = 0;
  virtual std::vector<long> efforts(size_t k) const = 0;
  // Adds every row and builds on `threads` threads, then writes the index to `path`. Runs in
  // a child process; the harness times the two calls separately.
  virtual void build(const Data& data, int threads) = 0;
  virtual void save(const std::string& path) = 0;
  // Opens a saved index the way its users do (Annoy and ours: mmap; hnswlib: read in).
  virtual void open(const std::string& path, const Data& data) = 0;
  virtual void close() = 0;
  virtual void set_effort(long effort) = 0;
  // One query, one call; may run concurrently from many threads after set_effort.
  virtual void query(const float* q, size_t k, uint32_t* ids) const = 0;
  // All queries in one call on `threads` threads. The default splits them into contiguous
  // slices, one std::thread each, as hnswlib's and Annoy's Python batch calls do.
  virtual void batch(const float* qs, size_t nq, size_t dim, size_t k, int threads,
                     uint32_t* ids) const;
};

// Factories, one per translation unit. `param` is the build setting (trees, or M).
std::unique_ptr<Engine> make_annoy(Metric m, size_t dim, int trees, uint64_t seed);
std::unique_ptr<Engine> make_forest(Metric m, size_t dim, int trees, uint64_t seed);
std::unique_ptr<Engine> make_hnsw(Metric m, size_t dim, int M, int ef_construction,
                                  uint64_t seed);
// Ours, graph mode: add make_graph here (and in curves.cpp's engine list) once the graph
// index has a C API.

std::vector<long> parse_list(const std::string& s);

}  // namespace curves

// bench/curves_hnsw.cpp: hnswlib as a bench/curves.cpp engine, compiled with the flags of
// hnswlib's setup.py (-O3 -march=native; bench/run.sh passes them).
//
// Metrics as hnswlib's Python module maps them: angular is "cosine" (vectors normalised, then
// inner product), euclidean is squared L2, dot is inner product. The multi-threaded build
// adds points from `threads` threads, each taking the next unadded row, as the Python
// module's add_items does.
#include "curves.h"

#include "hnswlib/hnswlib.h"

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace curves {
namespace {

class HnswEngine : public Engine {
 public:
  HnswEngine(Metric m, size_t dim, int M, int efc, uint64_t seed)
      : metric_(m), dim_(dim), M_(M), efc_(efc), seed_(seed) {
    if (m == EUCLIDEAN)
      space_.reset(new hnswlib::L2Space(dim));
    else
      space_.reset(new hnswlib::InnerProductSpace(dim));
  }
  std::string name() const override {
    return "hnsw-M" + std::to_string(M_) + "-efc" + std::to_string(efc_);
  }
  std::string effort_name() const override { return "ef"; }
  std::vector<long> efforts(size_t k) const override {
    std::vector<long> out;
    for (long ef : {10, 16, 24, 32, 48, 64, 100, 128, 192, 256, 384, 512})
      if (ef >= static_cast<long>(k)) out.push_back(ef);
    return out;
  }

  void build(const Data& data, int threads) override {
    index_.reset(new hnswlib::HierarchicalNSW<float>(space_.get(), data.n, M_, efc_, seed_));
    std::atomic<size_t> next(0);
    auto work = [&] {
      std::vector<float> v(dim_);
      for (size_t i; (i = next.fetch_add(1)) < data.n;) {
        const float* row = data.rows + i * dim_;
        if (metric_ == ANGULAR) row = normalised(row, v.data());
        index_->addPoint(row, i);
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; t++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  void save(const std::string& path) override { index_->saveIndex(path); }
  void open(const std::string& path, const Data&) override {
    index_.reset(new hnswlib::HierarchicalNSW<float>(space_.get(), path));
  }
  void close() override { index_.reset(); }
  void set_effort(long ef) override { index_->setEf(static_cast<size_t>(ef)); }
  void query(const float* q, size_t k, uint32_t* ids) const override {
    std::vector<float> v;
    if (metric_ == ANGULAR) {
      v.resize(dim_);
      q = normalised(q, v.data());
    }
    auto top = index_->searchKnn(q, k);
    size_t got = top.size();
    for (size_t i = got; i < k; i++) ids[i] = UINT32_MAX;
    while (!top.empty()) {
      ids[--got] = static_cast<uint32_t>(top.top().second);
      top.pop();
    }
  }

 private:
  const float* normalised(const float* x, float* out) const {
    float s = 0;
    for (size_t j = 0; j < dim_; j++) s += x[j] * x[j];
    float inv = s > 0 ? 1.0f / std::sqrt(s) : 1.0f;
    for (size_t j = 0; j < dim_; j++) out[j] = x[j] * inv;
    return out;
  }

  Metric metric_;
  size_t dim_;
  int M_, efc_;
  uint64_t seed_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

}  // namespace

std::unique_ptr<Engine> make_hnsw(Metric m, size_t dim, int M, int efc, uint64_t seed) {
  return std::unique_ptr<Engine>(new HnswEngine(m, dim, M, efc, seed));
}

}  // namespace curves

// bench/curves_annoy.cpp: Spotify Annoy as a bench/curves.cpp engine, compiled with the flags
// of Annoy's setup.py (bench/run.sh passes them).
#include "curves.h"

#include "annoylib.h"
#include "kissrandom.h"

#include <stdexcept>
#include <vector>

namespace curves {
namespace {

using Annoy::AnnoyIndexMultiThreadedBuildPolicy;
using Annoy::Kiss64Random;

template <typename D>
class AnnoyEngine : public Engine {
  using Index = Annoy::AnnoyIndex<int32_t, float, D, Kiss64Random,
                                  AnnoyIndexMultiThreadedBuildPolicy>;

 public:
  AnnoyEngine(size_t dim, int trees, uint64_t seed)
      : dim_(dim), trees_(trees), seed_(seed), index_(new Index(static_cast<int>(dim))) {}

  std::string name() const override { return "annoy-" + std::to_string(trees_); }
  std::string effort_name() const override { return "search_k"; }
  std::vector<long> efforts(size_t) const override {
    return {1000, 2000, 5000, 10000, 20000, 50000};
  }

  void build(const Data& data, int threads) override {
    index_->set_seed(seed_);
    for (size_t i = 0; i < data.n; i++)
      index_->add_item(static_cast<int32_t>(i), data.rows + i * data.dim);
    char* err = nullptr;
    if (!index_->build(trees_, threads, &err)) throw std::runtime_error(err ? err : "build");
  }
  void save(const std::string& path) override {
    char* err = nullptr;
    if (!index_->save(path.c_str(), false, &err)) throw std::runtime_error(err ? err : "save");
  }
  void open(const std::string& path, const Data&) override {
    index_.reset(new Index(static_cast<int>(dim_)));
    char* err = nullptr;
    if (!index_->load(path.c_str(), false, &err)) throw std::runtime_error(err ? err : "load");
  }
  void close() override { index_->unload(); }
  void set_effort(long e) override { search_k_ = static_cast<int>(e); }
  void query(const float* q, size_t k, uint32_t* ids) const override {
    std::vector<int32_t> out;
    out.reserve(k);
    index_->get_nns_by_vector(q, k, search_k_, &out, nullptr);
    for (size_t i = 0; i < k; i++) ids[i] = i < out.size() ? static_cast<uint32_t>(out[i]) : UINT32_MAX;
  }

 private:
  size_t dim_;
  int trees_;
  uint64_t seed_;
  int search_k_ = -1;
  std::unique_ptr<Index> index_;
};

}  // namespace

std::unique_ptr<Engine> make_annoy(Metric m, size_t dim, int trees, uint64_t seed) {
  switch (m) {
    case ANGULAR: return std::unique_ptr<Engine>(new AnnoyEngine<Annoy::Angular>(dim, trees, seed));
    case EUCLIDEAN: return std::unique_ptr<Engine>(new AnnoyEngine<Annoy::Euclidean>(dim, trees, seed));
    case DOT: return std::unique_ptr<Engine>(new AnnoyEngine<Annoy::DotProduct>(dim, trees, seed));
  }
  return nullptr;
}

}  // namespace curves

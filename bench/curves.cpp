// bench/curves.cpp: recall against QPS, side by side in one run, for every index kind:
// Annoy (trees), ours in the Annoy format (the forest, through include/annoy.h) and hnswlib
// (a graph), each built from the same vectors and queried with the same queries.
//
// For each engine: build time (add + build) on each thread count and the peak memory it took,
// each in a forked child; the file's size; the time to open the file and answer one query
// with the file out of the page cache; then a sweep of its effort knob (search_k, ef) giving
// recall@k against brute force and QPS one query per call (1 thread) and in a batch call
// (1 and 2 threads). Tables go to stdout, everything to a JSON file that
// bench/plot_curves.py turns into a PNG. See bench/README.md.

#include "curves.h"

#include "annoy.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace curves {

std::vector<long> parse_list(const std::string& s) {
  std::vector<long> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(strtol(item.c_str(), nullptr, 10));
  return out;
}

void Engine::batch(const float* qs, size_t nq, size_t dim, size_t k, int threads,
                   uint32_t* ids) const {
  auto slice = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) query(qs + i * dim, k, ids + i * k);
  };
  std::vector<std::thread> pool;
  size_t per = (nq + threads - 1) / threads;
  for (int t = 1; t < threads; t++)
    pool.emplace_back(slice, std::min(nq, t * per), std::min(nq, (t + 1) * per));
  slice(0, std::min(nq, per));
  for (auto& t : pool) t.join();
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "curves: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

// ---- ours, the forest, through the C API ----------------------------------------------------

class ForestEngine : public Engine {
 public:
  ForestEngine(Metric m, size_t dim, int trees, uint64_t seed)
      : metric_(m), dim_(dim), trees_(trees), seed_(seed) {
    fresh();
  }
  ~ForestEngine() override { annoy_free(index_); }
  std::string name() const override { return "forest-" + std::to_string(trees_); }
  std::string effort_name() const override { return "search_k"; }
  std::vector<long> efforts(size_t) const override {
    return {1000, 2000, 5000, 10000, 20000, 50000};
  }
  void build(const Data& data, int threads) override {
    check(annoy_set_seed(index_, seed_, nullptr), "set_seed");
    for (size_t i = 0; i < data.n; i++)
      check(annoy_add(index_, static_cast<uint32_t>(i), data.rows + i * dim_, dim_, nullptr),
            "add");
    check(annoy_build(index_, trees_, threads, nullptr), "build");
  }
  void save(const std::string& path) override {
    check(annoy_save(index_, path.c_str(), false, nullptr), "save");
  }
  void open(const std::string& path, const Data&) override {
    fresh();
    check(annoy_load(index_, path.c_str(), false, nullptr), "load");
  }
  void close() override { fresh(); }
  void set_effort(long e) override { search_k_ = e; }
  void query(const float* q, size_t k, uint32_t* ids) const override {
    size_t got = 0;
    check(annoy_query(index_, q, dim_, k, search_k_, ids, nullptr, k, &got, nullptr), "query");
    for (size_t i = got; i < k; i++) ids[i] = UINT32_MAX;
  }
  void batch(const float* qs, size_t nq, size_t dim, size_t k, int threads,
             uint32_t* ids) const override {
    std::vector<size_t> counts(nq);
    check(annoy_query_batch(index_, qs, nq, dim, k, search_k_, threads, ids, nullptr,
                            counts.data(), nullptr),
          "query_batch");
    for (size_t i = 0; i < nq; i++)
      for (size_t j = counts[i]; j < k; j++) ids[i * k + j] = UINT32_MAX;
  }

 private:
  static void check(annoy_status s, const char* what) {
    if (s != ANNOY_OK) throw std::runtime_error(std::string(what) + ": " + annoy_status_str(s));
  }
  void fresh() {
    annoy_free(index_);
    index_ = nullptr;
    check(annoy_new(metric_, dim_, &index_, nullptr), "new");
  }
  Metric metric_;
  size_t dim_;
  int trees_;
  uint64_t seed_;
  int64_t search_k_ = ANNOY_SEARCH_K_DEFAULT;
  annoy_index* index_ = nullptr;
};

// ---- ours, the graph, through the C API -----------------------------------------------------

// A one-tree forest (the graph needs a built index under it, and its leaves seed the graph's
// entry points) plus annoy_build_graph, saved as a native file (vectors, forest and graph in
// one file) and opened by annoy_open: memory-mapped, nothing rebuilt.
class GraphEngine : public Engine {
 public:
  GraphEngine(Metric m, size_t dim, int degree, uint64_t seed)
      : metric_(m), dim_(dim), degree_(degree), seed_(seed) {
    fresh();
  }
  ~GraphEngine() override { annoy_free(index_); }
  std::string name() const override { return "graph-" + std::to_string(degree_); }
  std::string effort_name() const override { return "ef"; }
  std::vector<long> efforts(size_t k) const override {
    if (k <= 10) return {10, 16, 24, 32, 48, 64, 96, 128, 256};
    return {100, 128, 192, 256, 384, 512};
  }
  void build(const Data& data, int threads) override {
    check(annoy_set_seed(index_, seed_, nullptr), "set_seed");
    for (size_t i = 0; i < data.n; i++)
      check(annoy_add(index_, static_cast<uint32_t>(i), data.rows + i * dim_, dim_, nullptr),
            "add");
    check(annoy_build(index_, 1, threads, nullptr), "build");
    check(annoy_build_graph(index_, size_t(degree_), threads, nullptr), "build_graph");
  }
  void save(const std::string& path) override {
    check(annoy_save_as(index_, path.c_str(), ANNOY_FORMAT_NATIVE, false, nullptr), "save_as");
  }
  void open(const std::string& path, const Data&) override {
    annoy_free(index_);
    index_ = nullptr;
    check(annoy_open(path.c_str(), false, &index_, nullptr), "open");
  }
  void close() override { fresh(); }
  void set_effort(long e) override { ef_ = e; }
  void query(const float* q, size_t k, uint32_t* ids) const override {
    annoy_query_options o;
    check(annoy_query_options_init(&o, sizeof o, nullptr), "options_init");
    o.n = k;
    o.ef = ef_;
    // One scratch per thread, as a graph's users keep one: the visited set is sized to the
    // index, too large to allocate per query.
    struct Scratch {
      annoy_scratch* s = nullptr;
      ~Scratch() { annoy_scratch_free(s); }
    };
    thread_local Scratch scratch;
    if (!scratch.s) check(annoy_scratch_new(&scratch.s, nullptr), "scratch_new");
    size_t got = 0;
    check(annoy_query_with_options(index_, scratch.s, &o, q, dim_, ids, nullptr, k, &got,
                                   nullptr),
          "query");
    for (size_t i = got; i < k; i++) ids[i] = UINT32_MAX;
  }

 private:
  static void check(annoy_status s, const char* what) {
    if (s != ANNOY_OK) throw std::runtime_error(std::string(what) + ": " + annoy_status_str(s));
  }
  void fresh() {
    annoy_free(index_);
    index_ = nullptr;
    check(annoy_new(metric_, dim_, &index_, nullptr), "new");
  }
  Metric metric_;
  size_t dim_;
  int degree_;
  uint64_t seed_;
  int64_t ef_ = ANNOY_EF_DEFAULT;
  annoy_index* index_ = nullptr;
};

// ---- data ------------------------------------------------------------------------------------

// A 2-D little-endian float32 .npy in C order; at most max_rows rows (0: all).
void read_npy(const std::string& path, size_t max_rows, std::vector<float>& rows,
              size_t& n, size_t& dim) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) die("%s: %s", path.c_str(), strerror(errno));
  unsigned char pre[10];
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0)
    die("%s: not a .npy file", path.c_str());
  size_t hlen = pre[8] | (pre[9] << 8);
  if (pre[6] >= 2) {
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) die("%s: truncated header", path.c_str());
    hlen |= (size_t(more[0]) << 16) | (size_t(more[1]) << 24);
  }
  std::string h(hlen, '\0');
  if (fread(&h[0], 1, hlen, f) != hlen) die("%s: truncated header", path.c_str());
  if (h.find("'<f4'") == std::string::npos) die("%s: expected float32 ('<f4')", path.c_str());
  if (h.find("'fortran_order': False") == std::string::npos) die("%s: not C order", path.c_str());
  size_t lp = h.find("'shape': (");
  if (lp == std::string::npos) die("%s: no shape", path.c_str());
  if (sscanf(h.c_str() + lp, "'shape': (%zu, %zu)", &n, &dim) != 2 || n == 0 || dim == 0)
    die("%s: expected a 2-D array", path.c_str());
  if (max_rows && n > max_rows) n = max_rows;
  rows.resize(n * dim);
  if (fread(rows.data(), sizeof(float), rows.size(), f) != rows.size())
    die("%s: shorter than its shape", path.c_str());
  fclose(f);
}

// Exact top-k of every query, on `threads` threads.
std::vector<uint32_t> brute_force(const Data& d, const float* qs, size_t nq, size_t k,
                                  int threads) {
  std::vector<float> inv(d.n, 1.0f);
  if (d.metric == ANGULAR)
    for (size_t i = 0; i < d.n; i++) {
      double s = 0;
      for (size_t j = 0; j < d.dim; j++) s += double(d.rows[i * d.dim + j]) * d.rows[i * d.dim + j];
      inv[i] = s > 0 ? float(1.0 / std::sqrt(s)) : 0.0f;
    }
  std::vector<uint32_t> out(nq * k);
  auto work = [&](size_t lo, size_t hi) {
    std::vector<std::pair<float, uint32_t>> dist(d.n);
    for (size_t q = lo; q < hi; q++) {
      const float* x = qs + q * d.dim;
      for (size_t i = 0; i < d.n; i++) {
        const float* y = d.rows + i * d.dim;
        float v = 0;
        if (d.metric == EUCLIDEAN)
          for (size_t j = 0; j < d.dim; j++) v += (x[j] - y[j]) * (x[j] - y[j]);
        else {
          for (size_t j = 0; j < d.dim; j++) v += x[j] * y[j];
          v = -v * inv[i];  // angular: the query's own norm does not change the order
        }
        dist[i] = {v, static_cast<uint32_t>(i)};
      }
      std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
      for (size_t j = 0; j < k; j++) out[q * k + j] = dist[j].second;
    }
  };
  std::vector<std::thread> pool;
  size_t per = (nq + threads - 1) / threads;
  for (int t = 0; t < threads; t++)
    pool.emplace_back(work, std::min(nq, t * per), std::min(nq, (t + 1) * per));
  for (auto& t : pool) t.join();
  return out;
}

double recall(const std::vector<uint32_t>& got, const std::vector<uint32_t>& truth,
              size_t truth_k, size_t nq, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < nq; q++) {
    const uint32_t* t = truth.data() + q * truth_k;
    std::vector<uint32_t> want(t, t + k);
    std::sort(want.begin(), want.end());
    for (size_t j = 0; j < k; j++)
      hits += std::binary_search(want.begin(), want.end(), got[q * k + j]);
  }
  return double(hits) / double(nq * k);
}

// ---- process and page-cache helpers ---------------------------------------------------------

long status_kb(const char* key) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      v = atol(line + n + 1);
      break;
    }
  fclose(f);
  return v;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

// Drops the file's pages from the page cache (it is written back first) and returns the
// fraction of its pages still resident afterwards (mincore), -1 if that cannot be told.
double drop_from_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return -1;
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  double resident = -1;
  size_t len = file_size(path);
  void* p = len ? mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (p != MAP_FAILED) {
    size_t page = size_t(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((len + page - 1) / page);
    if (mincore(p, len, vec.data()) == 0) {
      size_t in = 0;
      for (unsigned char c : vec) in += c & 1;
      resident = double(in) / double(vec.size());
    }
    munmap(p, len);
  }
  ::close(fd);
  return resident;
}

struct BuildResult {
  double build_s = -1, save_s = -1, peak_mb = -1;
  bool ok = false;
};

// Builds and saves in a forked child, which measures its own peak RSS above what it held
// before the build (the data it inherited), so every engine is charged only for itself.
BuildResult build_in_child(Engine& e, const Data& d, int threads, const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    BuildResult r;
    try {
      malloc_trim(0);
      int fd = ::open("/proc/self/clear_refs", O_WRONLY);
      if (fd >= 0) {
        if (write(fd, "5", 1) != 1) {}
        ::close(fd);
      }
      long base = status_kb("VmRSS");
      auto t0 = Clock::now();
      e.build(d, threads);
      r.build_s = since(t0);
      t0 = Clock::now();
      e.save(path);
      r.save_s = since(t0);
      r.peak_mb = (status_kb("VmHWM") - base) / 1024.0;
      r.ok = true;
    } catch (const std::exception& ex) {
      fprintf(stderr, "curves: %s build failed: %s\n", e.name().c_str(), ex.what());
    }
    if (write(fds[1], &r, sizeof r) != sizeof r) _exit(1);
    _exit(0);
  }
  ::close(fds[1]);
  BuildResult r;
  if (read(fds[0], &r, sizeof r) != sizeof r) r.ok = false;
  ::close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return r;
}

// ---- the run ---------------------------------------------------------------------------------

struct Point {
  size_t k;
  long effort;
  double recall, qps_call_1t, qps_batch_1t, qps_batch_2t;
};

struct Options {
  std::string data, queries, json = "curves.json", workdir = ".", label;
  Metric metric = ANGULAR;
  size_t max_n = 0, n_queries = 1000;
  std::string engines = "annoy:10,annoy:50,forest:10,forest:50,hnsw:16,graph:32";
  int ef_construction = 200, reps = 2;
  std::vector<long> build_threads = {1, 2}, ks = {10, 100};
  uint64_t seed = 42;
  bool quick = false;
};

void usage() {
  printf(
      "usage: curves --data BASE.npy [--queries Q.npy] [options]\n"
      "  --metric angular|euclidean|dot   (default angular)\n"
      "  --queries FILE    held-out queries; without it the last --n-queries rows are\n"
      "  --n-queries N     queries used (default 1000)\n"
      "  --max-n N         read only the first N base rows\n"
      "  --engines LIST    kind:param,... with kind annoy|forest (param: trees), hnsw\n"
      "                    (param: M) or graph (param: degree); default %s\n"
      "  --ef-construction N   hnswlib's (default 200)\n"
      "  --threads LIST    build thread counts (default 1,2)\n"
      "  --k LIST          recall@k values (default 10,100)\n"
      "  --reps N          timed passes, best kept (default 2)\n"
      "  --seed N          build seed (default 42)\n"
      "  --workdir DIR     where index files go (deleted after)\n"
      "  --label NAME      dataset name in the report\n"
      "  --json FILE       report (default curves.json)\n"
      "  --quick           fewer efforts and one rep\n",
      Options().engines.c_str());
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("%s needs a value", a.c_str());
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage();
      exit(0);
    } else if (a == "--data") o.data = val();
    else if (a == "--queries") o.queries = val();
    else if (a == "--n-queries") o.n_queries = strtoul(val().c_str(), nullptr, 10);
    else if (a == "--max-n") o.max_n = strtoul(val().c_str(), nullptr, 10);
    else if (a == "--engines") o.engines = val();
    else if (a == "--ef-construction") o.ef_construction = atoi(val().c_str());
    else if (a == "--threads") o.build_threads = parse_list(val());
    else if (a == "--k") o.ks = parse_list(val());
    else if (a == "--reps") o.reps = atoi(val().c_str());
    else if (a == "--seed") o.seed = strtoull(val().c_str(), nullptr, 10);
    else if (a == "--workdir") o.workdir = val();
    else if (a == "--label") o.label = val();
    else if (a == "--json") o.json = val();
    else if (a == "--quick") o.quick = true;
    else if (a == "--metric") {
      std::string m = val();
      if (m == "angular") o.metric = ANGULAR;
      else if (m == "euclidean") o.metric = EUCLIDEAN;
      else if (m == "dot") o.metric = DOT;
      else die("--metric: angular, euclidean or dot (hnswlib has no manhattan or hamming)");
    } else die("unknown option %s (see --help)", a.c_str());
  }
  if (o.data.empty()) die("--data is required (see --help)");
  if (o.reps < 1 || o.n_queries < 1) die("--reps and --n-queries must be positive");
  for (long k : o.ks)
    if (k < 1) die("--k values must be positive");
  return o;
}

std::unique_ptr<Engine> make(const std::string& spec, const Options& o, size_t dim) {
  size_t colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  int param = colon == std::string::npos ? 0 : atoi(spec.c_str() + colon + 1);
  if (kind == "annoy") return make_annoy(o.metric, dim, param ? param : 10, o.seed);
  if (kind == "forest") return make_forest(o.metric, dim, param ? param : 10, o.seed);
  if (kind == "hnsw") return make_hnsw(o.metric, dim, param ? param : 16, o.ef_construction, o.seed);
  if (kind == "graph")
    return std::unique_ptr<Engine>(new GraphEngine(o.metric, dim, param ? param : 32, o.seed));
  die("unknown engine '%s' (annoy:TREES, forest:TREES, hnsw:M, graph:DEGREE)", spec.c_str());
}

double best_qps(int reps, size_t nq, const std::function<void()>& pass) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    auto t0 = Clock::now();
    pass();
    best = std::min(best, since(t0));
  }
  return double(nq) / best;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace
}  // namespace curves

std::unique_ptr<curves::Engine> curves::make_forest(Metric m, size_t dim, int trees,
                                                    uint64_t seed) {
  return std::unique_ptr<Engine>(new ForestEngine(m, dim, trees, seed));
}

int main(int argc, char** argv) {
  using namespace curves;
  Options o = parse(argc, argv);
  std::vector<float> base, qbuf;
  size_t n = 0, dim = 0, nq = 0, qdim = 0;
  read_npy(o.data, o.max_n, base, n, dim);
  if (!o.queries.empty()) {
    read_npy(o.queries, o.n_queries, qbuf, nq, qdim);
    if (qdim != dim) die("queries have %zu dimensions, data %zu", qdim, dim);
  } else {
    if (n <= o.n_queries) die("%zu rows: too few to hold out %zu queries", n, o.n_queries);
    nq = o.n_queries;
    n -= nq;
    qbuf.assign(base.begin() + n * dim, base.begin() + (n + nq) * dim);
    base.resize(n * dim);
  }
  Data d;
  d.n = n;
  d.dim = dim;
  d.rows = base.data();
  d.metric = o.metric;
  std::string label = o.label.empty() ? o.data.substr(o.data.find_last_of('/') + 1) : o.label;
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  double load0[3] = {0, 0, 0};
  getloadavg(load0, 3);
  printf("curves: %s, %zu x %zu, %zu queries, metric %d, %u cores, load %.2f, library %s\n",
         label.c_str(), n, dim, nq, int(o.metric), hw, load0[0], annoy_version());

  size_t truth_k = size_t(*std::max_element(o.ks.begin(), o.ks.end()));
  auto t0 = Clock::now();
  std::vector<uint32_t> truth = brute_force(d, qbuf.data(), nq, truth_k, int(hw));
  printf("ground truth (top %zu): %.1f s\n", truth_k, since(t0));

  mkdir(o.workdir.c_str(), 0755);
  std::stringstream js;
  js << "{\"dataset\":" << json_str(label) << ",\"n\":" << n << ",\"dim\":" << dim
     << ",\"queries\":" << nq << ",\"metric\":" << int(o.metric) << ",\"cores\":" << hw
     << ",\"library\":" << json_str(annoy_version()) << ",\"load_start\":" << load0[0]
     << ",\"engines\":[";

  std::vector<std::string> specs;
  {
    std::stringstream ss(o.engines);
    std::string s;
    while (std::getline(ss, s, ','))
      if (!s.empty()) specs.push_back(s);
  }
  bool first_engine = true;
  for (const std::string& spec : specs) {
    std::unique_ptr<Engine> e = make(spec, o, dim);
    std::string path = o.workdir + "/" + e->name() + ".idx";
    printf("\n== %s\n", e->name().c_str());
    js << (first_engine ? "" : ",") << "{\"name\":" << json_str(e->name())
       << ",\"effort\":" << json_str(e->effort_name()) << ",\"builds\":[";
    first_engine = false;
    bool built = false;
    for (size_t i = 0; i < o.build_threads.size(); i++) {
      int th = int(o.build_threads[i]);
      std::unique_ptr<Engine> fresh = make(spec, o, dim);
      BuildResult r = build_in_child(*fresh, d, th, path);
      built = built || r.ok;
      printf("build %d thread%s: %.2f s (save %.2f s), peak %.1f MB%s\n", th, th == 1 ? "" : "s",
             r.build_s, r.save_s, r.peak_mb, r.ok ? "" : "  FAILED");
      js << (i ? "," : "") << "{\"threads\":" << th << ",\"build_s\":" << r.build_s
         << ",\"save_s\":" << r.save_s << ",\"peak_mb\":" << r.peak_mb
         << ",\"ok\":" << (r.ok ? "true" : "false") << "}";
      fflush(stdout);
    }
    js << "]";
    if (!built) {
      js << "}";
      continue;
    }
    // The file of the last build (the largest thread count given last) is the one queried.
    uint64_t size = file_size(path);
    double resident = drop_from_cache(path);
    auto c0 = Clock::now();
    e->open(path, d);
    double open_s = since(c0);
    std::vector<uint32_t> one(10);
    e->set_effort(e->efforts(10)[0]);
    e->query(qbuf.data(), 10, one.data());
    double first_s = since(c0);
    printf("file %.1f MB; cold open %.4f s, first answer %.4f s (after dropping the file from "
           "the page cache: %.0f%% of it still resident)\n",
           size / 1e6, open_s, first_s, resident * 100);
    js << ",\"size_bytes\":" << size << ",\"cold_open_s\":" << open_s
       << ",\"cold_first_answer_s\":" << first_s << ",\"resident_after_drop\":" << resident
       << ",\"points\":[";

    printf("%5s %9s %8s %10s %10s %10s\n", "k", e->effort_name().c_str(), "recall", "qps 1/call",
           "batch 1t", "batch 2t");
    bool first_point = true;
    for (long kl : o.ks) {
      size_t k = size_t(kl);
      std::vector<long> efforts = e->efforts(k);
      if (o.quick && efforts.size() > 3) efforts = {efforts[0], efforts[efforts.size() / 2], efforts.back()};
      std::vector<uint32_t> ids(nq * k);
      for (long eff : efforts) {
        e->set_effort(eff);
        e->batch(qbuf.data(), nq, dim, k, 2, ids.data());  // warm-up; these ids are scored
        Point p{k, eff, recall(ids, truth, truth_k, nq, k), 0, 0, 0};
        int reps = o.quick ? 1 : o.reps;
        p.qps_call_1t = best_qps(reps, nq, [&] {
          for (size_t q = 0; q < nq; q++) e->query(qbuf.data() + q * dim, k, ids.data() + q * k);
        });
        p.qps_batch_1t = best_qps(reps, nq, [&] { e->batch(qbuf.data(), nq, dim, k, 1, ids.data()); });
        p.qps_batch_2t = best_qps(reps, nq, [&] { e->batch(qbuf.data(), nq, dim, k, 2, ids.data()); });
        printf("%5zu %9ld %8.4f %10.0f %10.0f %10.0f\n", k, eff, p.recall, p.qps_call_1t,
               p.qps_batch_1t, p.qps_batch_2t);
        fflush(stdout);
        js << (first_point ? "" : ",") << "{\"k\":" << k << ",\"effort\":" << eff
           << ",\"recall\":" << p.recall << ",\"qps_call_1t\":" << p.qps_call_1t
           << ",\"qps_batch_1t\":" << p.qps_batch_1t << ",\"qps_batch_2t\":" << p.qps_batch_2t
           << "}";
        first_point = false;
      }
    }
    js << "]}";
    e->close();
    unlink(path.c_str());
  }
  double load1[3] = {0, 0, 0};
  getloadavg(load1, 3);
  js << "],\"load_end\":" << load1[0] << "}\n";
  FILE* f = fopen(o.json.c_str(), "w");
  if (!f) die("%s: %s", o.json.c_str(), strerror(errno));
  fputs(js.str().c_str(), f);
  fclose(f);
  printf("\nload average %.2f at start, %.2f at end; report %s\n", load0[0], load1[0],
         o.json.c_str());
  return 0;
}

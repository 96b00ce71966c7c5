// bench/driver.cpp: side-by-side benchmark of this library (through include/annoy.h) and
// Spotify Annoy 1.17.3 (its header-only C++ library, fetched at run time by bench/run.sh).
//
// One program, both libraries, the same data, the same seed, the same index file for queries.
// See bench/README.md for what is measured and how. Build and run with bench/run.sh.
//
// Process layout: a "build server" is forked first thing in main(), while the process is
// still small and single-threaded. Every index build runs in a fresh child of that server
// (one child per build), which reads the dataset from a raw float32 file, builds, saves and
// exits; the server reaps it with wait4() and returns the child's ru_maxrss together with
// the timings the child measured. The main process generates data, computes ground truth
// and runs the load and query benchmarks in-process.

#include "annoylib.h"
#include "kissrandom.h"

#include "annoy.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifndef BENCH_CXXFLAGS
#define BENCH_CXXFLAGS "(unknown)"
#endif
#ifndef BENCH_ANNOY_VERSION
#define BENCH_ANNOY_VERSION "1.17.3"
#endif

using Annoy::AnnoyIndex;
using Annoy::AnnoyIndexMultiThreadedBuildPolicy;
using Annoy::Kiss64Random;

namespace {

// ------------------------------------------------------------------------------------------
// Small utilities
// ------------------------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "driver: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

void log_msg(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fflush(stderr);
}

std::string strf(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

bool read_full(int fd, void* buf, size_t len) {
  char* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t r = read(fd, p, len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    len -= static_cast<size_t>(r);
  }
  return true;
}

bool write_full(int fd, const void* buf, size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t r = write(fd, p, len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    len -= static_cast<size_t>(r);
  }
  return true;
}

// A "Key:   1234 kB" line of /proc/self/status, in kB (-1 if missing).
long proc_status_kb(const char* key) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      value = atol(line + klen + 1);
      break;
    }
  }
  fclose(f);
  return value;
}

// Resets the peak-RSS high-water mark of this process to its current RSS (Linux >= 4.0).
bool reset_peak_rss() {
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return false;
  bool ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok;
}

// -ffast-math (Annoy's flags) lets the compiler assume no NaN or infinity, so std::isfinite
// cannot be trusted here: look at the exponent bits instead.
bool is_finite(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return ((u >> 23) & 0xff) != 0xff;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

// FNV-1a over a whole file; used to check that our builds do not depend on the thread count.
uint64_t file_hash(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return 0;
  uint64_t h = 1469598103934665603ULL;
  std::vector<unsigned char> buf(1 << 20);
  size_t r;
  while ((r = fread(buf.data(), 1, buf.size(), f)) > 0)
    for (size_t i = 0; i < r; i++) h = (h ^ buf[i]) * 1099511628211ULL;
  fclose(f);
  return h;
}

std::vector<long> parse_list(const std::string& s) {
  std::vector<long> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    char* end = nullptr;
    long v = strtol(item.c_str(), &end, 10);
    if (*end != '\0') die("not a number in list '%s': '%s'", s.c_str(), item.c_str());
    out.push_back(v);
  }
  return out;
}

std::string basename_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ------------------------------------------------------------------------------------------
// Metrics
// ------------------------------------------------------------------------------------------

enum MetricId { M_ANGULAR = 0, M_EUCLIDEAN = 1, M_MANHATTAN = 2, M_DOT = 3, M_HAMMING = 4 };

const char* metric_name(int m) {
  switch (m) {
    case M_ANGULAR: return "angular";
    case M_EUCLIDEAN: return "euclidean";
    case M_MANHATTAN: return "manhattan";
    case M_DOT: return "dot";
    case M_HAMMING: return "hamming";
  }
  return "?";
}

int parse_metric(const std::string& s) {
  for (int m = 0; m <= 4; m++)
    if (s == metric_name(m)) return m;
  die("unknown metric '%s' (angular, euclidean, manhattan, dot, hamming)", s.c_str());
  return -1;
}

int our_metric_number(int m) {
  switch (m) {
    case M_ANGULAR: return ANNOY_METRIC_ANGULAR;
    case M_EUCLIDEAN: return ANNOY_METRIC_EUCLIDEAN;
    case M_MANHATTAN: return ANNOY_METRIC_MANHATTAN;
    case M_DOT: return ANNOY_METRIC_DOT;
    case M_HAMMING: return ANNOY_METRIC_HAMMING;
  }
  return -1;
}

// Packs 0/1 floats into 64-bit words the way Annoy's Python module does (value > 0.5 -> bit
// j % 64 of word j / 64).
size_t hamming_words(size_t bits) { return (bits + 63) / 64; }

void pack_bits(const float* src, size_t bits, uint64_t* dst) {
  size_t words = hamming_words(bits);
  for (size_t w = 0; w < words; w++) {
    uint64_t x = 0;
    for (size_t j = 0; j < 64 && w * 64 + j < bits; j++)
      x |= static_cast<uint64_t>(src[w * 64 + j] > 0.5f) << j;
    dst[w] = x;
  }
}

// Exact distances for ground truth and recall. Sixteen independent accumulators so that the
// compiler vectorises them even under -fno-associative-math. noinline: ground truth and the
// recall check must compute bit-identical values for the same pair.
__attribute__((noinline)) float dot_product(const float* a, const float* b, size_t d) {
  float acc[16] = {0};
  size_t j = 0;
  for (; j + 16 <= d; j += 16)
    for (int l = 0; l < 16; l++) acc[l] += a[j + l] * b[j + l];
  float s = 0;
  for (int l = 0; l < 16; l++) s += acc[l];
  for (; j < d; j++) s += a[j] * b[j];
  return s;
}

__attribute__((noinline)) float squared_l2(const float* a, const float* b, size_t d) {
  float acc[16] = {0};
  size_t j = 0;
  for (; j + 16 <= d; j += 16)
    for (int l = 0; l < 16; l++) {
      float t = a[j + l] - b[j + l];
      acc[l] += t * t;
    }
  float s = 0;
  for (int l = 0; l < 16; l++) s += acc[l];
  for (; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

__attribute__((noinline)) float l1(const float* a, const float* b, size_t d) {
  float acc[16] = {0};
  size_t j = 0;
  for (; j + 16 <= d; j += 16)
    for (int l = 0; l < 16; l++) acc[l] += std::fabs(a[j + l] - b[j + l]);
  float s = 0;
  for (int l = 0; l < 16; l++) s += acc[l];
  for (; j < d; j++) s += std::fabs(a[j] - b[j]);
  return s;
}

// ------------------------------------------------------------------------------------------
// Datasets
// ------------------------------------------------------------------------------------------

// xoshiro256** seeded by splitmix64: deterministic on every platform.
struct Rng {
  uint64_t s[4];
  bool has_spare = false;
  double spare = 0;
  explicit Rng(uint64_t seed) {
    for (int i = 0; i < 4; i++) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s[i] = z ^ (z >> 31);
    }
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  uint64_t below(uint64_t n) { return next() % n; }
  double normal() {
    if (has_spare) {
      has_spare = false;
      return spare;
    }
    double u, v, r;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      r = u * u + v * v;
    } while (r >= 1 || r == 0);
    double f = std::sqrt(-2 * std::log(r) / r);
    spare = v * f;
    has_spare = true;
    return u * f;
  }
};

struct Dataset {
  std::string name;    // "angular-384", or the file's base name
  std::string source;  // "generated: ..." or the file path
  int metric = M_ANGULAR;
  size_t dim = 0;  // floats per vector (bits for hamming)
  size_t n = 0, nq = 0;
  std::vector<float> base;     // n × dim
  std::vector<float> queries;  // nq × dim
  // Hamming only: the same vectors packed into 64-bit words, as Annoy stores them.
  size_t words = 0;
  std::vector<uint64_t> base_bits, query_bits;
  // Angular only: norms for exact cosine distances.
  std::vector<float> base_norms, query_norms;
  // Ground truth: per query, the k nearest ids and their distances, nearest first.
  size_t k = 0;
  std::vector<int32_t> gt_ids;
  std::vector<float> gt_dist;

  // Exact distance between query q and item i in this metric (smaller = nearer).
  float distance(size_t q, size_t i) const {
    const float* a = &queries[q * dim];
    const float* b = &base[i * dim];
    switch (metric) {
      case M_ANGULAR: {
        float nn = query_norms[q] * base_norms[i];
        return nn > 0 ? 1.0f - dot_product(a, b, dim) / nn : 1.0f;
      }
      case M_EUCLIDEAN: return squared_l2(a, b, dim);
      case M_MANHATTAN: return l1(a, b, dim);
      case M_DOT: return -dot_product(a, b, dim);
      case M_HAMMING: {
        const uint64_t* x = &query_bits[q * words];
        const uint64_t* y = &base_bits[i * words];
        uint64_t c = 0;
        for (size_t w = 0; w < words; w++) c += __builtin_popcountll(x[w] ^ y[w]);
        return static_cast<float>(c);
      }
    }
    return 0;
  }

  // Fills the derived arrays (packed bits, norms) once base and queries are in place.
  void finish() {
    if (metric == M_HAMMING) {
      words = hamming_words(dim);
      base_bits.assign(n * words, 0);
      query_bits.assign(nq * words, 0);
      for (size_t i = 0; i < n; i++) pack_bits(&base[i * dim], dim, &base_bits[i * words]);
      for (size_t q = 0; q < nq; q++) pack_bits(&queries[q * dim], dim, &query_bits[q * words]);
    }
    if (metric == M_ANGULAR) {
      base_norms.resize(n);
      query_norms.resize(nq);
      for (size_t i = 0; i < n; i++)
        base_norms[i] = std::sqrt(dot_product(&base[i * dim], &base[i * dim], dim));
      for (size_t q = 0; q < nq; q++)
        query_norms[q] = std::sqrt(dot_product(&queries[q * dim], &queries[q * dim], dim));
    }
  }

  double data_mb() const { return n * dim * sizeof(float) / 1048576.0; }
};

// Splits `total` generated rows: the last nq become held-out queries.
void split_rows(Dataset& ds, std::vector<float>& rows, size_t nq) {
  size_t total = rows.size() / ds.dim;
  ds.n = total - nq;
  ds.nq = nq;
  ds.queries.assign(rows.begin() + ds.n * ds.dim, rows.end());
  rows.resize(ds.n * ds.dim);
  rows.shrink_to_fit();
  ds.base.swap(rows);
}

// Clustered 128-d euclidean: 20 overlapping anisotropic gaussians whose variance decays
// along the coordinates (as in SIFT-like descriptors), each with its own spread.
Dataset gen_euclidean(size_t n, size_t nq, uint64_t seed) {
  Dataset ds;
  ds.name = "euclidean-128";
  ds.metric = M_EUCLIDEAN;
  ds.dim = 128;
  const size_t d = ds.dim, clusters = 20;
  ds.source = strf("generated: %zu overlapping gaussian clusters, decaying spectrum, 128-d", clusters);
  Rng rng(seed);
  std::vector<float> centers(clusters * d), spread(clusters), scale(d);
  for (auto& c : centers) c = static_cast<float>(3.0 * rng.normal());
  for (auto& s : spread) s = static_cast<float>(0.5 + 2.0 * rng.uniform());
  for (size_t j = 0; j < d; j++) scale[j] = static_cast<float>(1.0 / std::sqrt(1.0 + j / 32.0));
  std::vector<float> rows((n + nq) * d);
  for (size_t i = 0; i < n + nq; i++) {
    size_t c = rng.below(clusters);
    for (size_t j = 0; j < d; j++)
      rows[i * d + j] = centers[c * d + j] + spread[c] * scale[j] * static_cast<float>(rng.normal());
  }
  split_rows(ds, rows, nq);
  return ds;
}

// 384-d "embedding-like" angular: a gaussian mixture in a 64-d latent space, mapped through
// a random 384×64 matrix, plus a shared offset (real embeddings are anisotropic: they share a
// common direction) and small isotropic noise, then normalised to unit length.
Dataset gen_angular(size_t n, size_t nq, uint64_t seed) {
  Dataset ds;
  ds.name = "angular-384";
  ds.metric = M_ANGULAR;
  ds.dim = 384;
  const size_t d = ds.dim, r = 64, topics = 200;
  ds.source = strf("generated: %zu-topic mixture in a %zu-d latent space, linear map to 384-d, "
                   "shared offset, noise, normalised",
                   topics, r);
  Rng rng(seed);
  std::vector<float> w(d * r), mu(topics * r), offset(d);
  for (auto& x : w) x = static_cast<float>(rng.normal() / std::sqrt(static_cast<double>(r)));
  for (auto& x : mu) x = static_cast<float>(rng.normal());
  for (auto& x : offset) x = static_cast<float>(0.6 * rng.normal());
  std::vector<float> rows((n + nq) * d), z(r);
  for (size_t i = 0; i < n + nq; i++) {
    size_t t = rng.below(topics);
    for (size_t a = 0; a < r; a++) z[a] = mu[t * r + a] + static_cast<float>(rng.normal());
    float* x = &rows[i * d];
    double norm2 = 0;
    for (size_t j = 0; j < d; j++) {
      float v = offset[j] + 0.5f * static_cast<float>(rng.normal());
      for (size_t a = 0; a < r; a++) v += w[j * r + a] * z[a];
      x[j] = v;
      norm2 += static_cast<double>(v) * v;
    }
    float inv = static_cast<float>(1.0 / std::sqrt(norm2));
    for (size_t j = 0; j < d; j++) x[j] *= inv;
  }
  split_rows(ds, rows, nq);
  return ds;
}

// 64-d dot product with varied norms: clustered directions scaled by log-normal norms
// (factor ~e^±0.6), so that maximum inner product differs from nearest angle.
Dataset gen_dot(size_t n, size_t nq, uint64_t seed) {
  Dataset ds;
  ds.name = "dot-64";
  ds.metric = M_DOT;
  ds.dim = 64;
  const size_t d = ds.dim, clusters = 50;
  ds.source = strf("generated: %zu clustered directions, log-normal norms (sigma 0.6), 64-d", clusters);
  Rng rng(seed);
  std::vector<float> centers(clusters * d);
  for (auto& c : centers) c = static_cast<float>(rng.normal());
  std::vector<float> rows((n + nq) * d);
  for (size_t i = 0; i < n + nq; i++) {
    size_t c = rng.below(clusters);
    float* x = &rows[i * d];
    double norm2 = 0;
    for (size_t j = 0; j < d; j++) {
      x[j] = centers[c * d + j] + 0.7f * static_cast<float>(rng.normal());
      norm2 += static_cast<double>(x[j]) * x[j];
    }
    float s = static_cast<float>(std::exp(0.6 * rng.normal()) / std::sqrt(norm2));
    for (size_t j = 0; j < d; j++) x[j] *= s;
  }
  split_rows(ds, rows, nq);
  return ds;
}

// 256-bit hamming: noisy copies of random prototype bit patterns, each cluster with its own
// flip rate between 5% and 25%. Stored as 0/1 floats (our API) and packed words (Annoy).
Dataset gen_hamming(size_t n, size_t nq, uint64_t seed) {
  Dataset ds;
  ds.name = "hamming-256";
  ds.metric = M_HAMMING;
  ds.dim = 256;
  const size_t d = ds.dim, clusters = 64;
  ds.source = strf("generated: %zu prototype bit patterns, per-cluster flip rate 5-25%%, 256 bits", clusters);
  Rng rng(seed);
  std::vector<uint8_t> proto(clusters * d);
  std::vector<double> flip(clusters);
  for (auto& b : proto) b = rng.next() >> 63;
  for (auto& f : flip) f = 0.05 + 0.20 * rng.uniform();
  std::vector<float> rows((n + nq) * d);
  for (size_t i = 0; i < n + nq; i++) {
    size_t c = rng.below(clusters);
    for (size_t j = 0; j < d; j++) {
      uint8_t bit = proto[c * d + j] ^ static_cast<uint8_t>(rng.uniform() < flip[c]);
      rows[i * d + j] = bit;
    }
  }
  split_rows(ds, rows, nq);
  return ds;
}

// Reads a 2-D float32/float64 .npy (C order) or an .fvecs file into rows (at most max_rows
// rows when max_rows > 0).
void read_npy(const std::string& path, size_t max_rows, std::vector<float>& rows, size_t& dim) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) die("cannot open %s: %s", path.c_str(), strerror(errno));
  unsigned char magic[8];
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "\x93NUMPY", 6) != 0)
    die("%s: not an .npy file", path.c_str());
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (fread(b, 1, 2, f) != 2) die("%s: truncated header", path.c_str());
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) die("%s: truncated header", path.c_str());
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  if (fread(&header[0], 1, header_len, f) != header_len) die("%s: truncated header", path.c_str());
  auto field = [&](const char* key) -> std::string {
    size_t p = header.find(key);
    if (p == std::string::npos) die("%s: header has no %s", path.c_str(), key);
    p = header.find(':', p);
    size_t e = header.find_first_of(",}", p);
    if (header[header.find_first_not_of(' ', p + 1)] == '(') e = header.find(')', p) + 1;
    std::string v = header.substr(p + 1, e - p - 1);
    v.erase(0, v.find_first_not_of(" '\""));
    v.erase(v.find_last_not_of(" '\"") + 1);
    return v;
  };
  std::string descr = field("'descr'"), fortran = field("'fortran_order'"), shape = field("'shape'");
  size_t width;
  if (descr == "<f4" || descr == "=f4")
    width = 4;
  else if (descr == "<f8" || descr == "=f8")
    width = 8;
  else
    die("%s: dtype %s is not float32 or float64 (little-endian)", path.c_str(), descr.c_str());
  if (fortran != "False") die("%s: Fortran-ordered arrays are not supported", path.c_str());
  unsigned long long n_rows = 0, n_cols = 0;
  if (sscanf(shape.c_str(), "(%llu, %llu)", &n_rows, &n_cols) != 2 || n_cols == 0)
    die("%s: shape %s is not 2-D", path.c_str(), shape.c_str());
  if (max_rows > 0 && n_rows > max_rows) n_rows = max_rows;
  dim = n_cols;
  rows.resize(n_rows * n_cols);
  if (width == 4) {
    if (fread(rows.data(), 4, rows.size(), f) != rows.size()) die("%s: truncated data", path.c_str());
  } else {
    std::vector<double> buf(n_cols);
    for (size_t i = 0; i < n_rows; i++) {
      if (fread(buf.data(), 8, n_cols, f) != n_cols) die("%s: truncated data", path.c_str());
      for (size_t j = 0; j < n_cols; j++) rows[i * n_cols + j] = static_cast<float>(buf[j]);
    }
  }
  fclose(f);
}

void read_fvecs(const std::string& path, size_t max_rows, std::vector<float>& rows, size_t& dim) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) die("cannot open %s: %s", path.c_str(), strerror(errno));
  dim = 0;
  rows.clear();
  int32_t d;
  while (fread(&d, 4, 1, f) == 1) {
    if (d <= 0 || (dim != 0 && static_cast<size_t>(d) != dim)) die("%s: bad row dimension %d", path.c_str(), d);
    dim = d;
    size_t at = rows.size();
    rows.resize(at + dim);
    if (fread(&rows[at], 4, dim, f) != dim) die("%s: truncated row", path.c_str());
    if (max_rows > 0 && rows.size() / dim >= max_rows) break;
  }
  fclose(f);
  if (dim == 0) die("%s: empty file", path.c_str());
}

// A user file: nq rows chosen at random (fixed seed) are held out as queries.
Dataset load_user_data(const std::string& path, int metric, size_t max_rows, size_t nq, uint64_t seed) {
  Dataset ds;
  ds.name = basename_of(path);
  ds.source = path;
  ds.metric = metric;
  std::vector<float> rows;
  size_t dim = 0;
  bool npy = path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  bool fvecs = path.size() > 6 && path.compare(path.size() - 6, 6, ".fvecs") == 0;
  if (npy)
    read_npy(path, max_rows, rows, dim);
  else if (fvecs)
    read_fvecs(path, max_rows, rows, dim);
  else
    die("%s: expected a .npy or .fvecs file", path.c_str());
  for (float x : rows)
    if (!is_finite(x)) die("%s: holds NaN or infinite values", path.c_str());
  size_t total = rows.size() / dim;
  if (total < 2) die("%s: needs at least 2 rows", path.c_str());
  if (nq >= total) nq = std::max<size_t>(1, total / 10);
  std::vector<size_t> order(total);
  for (size_t i = 0; i < total; i++) order[i] = i;
  Rng rng(seed);
  for (size_t i = 0; i < nq; i++) std::swap(order[i], order[i + rng.below(total - i)]);
  std::vector<char> is_query(total, 0);
  for (size_t i = 0; i < nq; i++) is_query[order[i]] = 1;
  ds.dim = dim;
  ds.nq = nq;
  ds.n = total - nq;
  ds.queries.reserve(nq * dim);
  ds.base.reserve(ds.n * dim);
  for (size_t q = 0; q < nq; q++)
    ds.queries.insert(ds.queries.end(), &rows[order[q] * dim], &rows[order[q] * dim] + dim);
  for (size_t i = 0; i < total; i++)
    if (!is_query[i]) ds.base.insert(ds.base.end(), &rows[i * dim], &rows[i * dim] + dim);
  return ds;
}

// ------------------------------------------------------------------------------------------
// Ground truth: brute force over all items, queries in blocks (so that each item is read
// once per block, not once per query), blocks spread over all cores.
// ------------------------------------------------------------------------------------------

void compute_ground_truth(Dataset& ds, size_t k) {
  ds.k = k;
  ds.gt_ids.assign(ds.nq * k, -1);
  ds.gt_dist.assign(ds.nq * k, FLT_MAX);
  const size_t block = 16;
  std::atomic<size_t> next_block(0);
  auto worker = [&]() {
    for (;;) {
      size_t q0 = next_block.fetch_add(1) * block;
      if (q0 >= ds.nq) return;
      size_t q1 = std::min(ds.nq, q0 + block);
      for (size_t i = 0; i < ds.n; i++) {
        for (size_t q = q0; q < q1; q++) {
          float d = ds.distance(q, i);
          float* dist = &ds.gt_dist[q * k];
          int32_t* ids = &ds.gt_ids[q * k];
          if (d >= dist[k - 1]) continue;
          size_t p = k - 1;
          while (p > 0 && dist[p - 1] > d) {
            dist[p] = dist[p - 1];
            ids[p] = ids[p - 1];
            p--;
          }
          dist[p] = d;
          ids[p] = static_cast<int32_t>(i);
        }
      }
    }
  };
  unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; t++) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

// Recall@k of `ids` (nq × k, `counts[q]` valid each): a returned item counts when its exact
// distance is at most the k-th true distance, so that ties (frequent in hamming) are not
// penalised. Returns the mean over queries.
template <typename Id>
double recall_at_k(const Dataset& ds, const std::vector<Id>& ids, const std::vector<size_t>& counts) {
  const size_t k = ds.k;
  double total = 0;
  for (size_t q = 0; q < ds.nq; q++) {
    float threshold = ds.gt_dist[q * k + k - 1];
    threshold += 1e-6f * std::max(1.0f, std::fabs(threshold));
    size_t hits = 0;
    for (size_t j = 0; j < std::min(counts[q], k); j++) {
      long id = static_cast<long>(ids[q * k + j]);
      if (id >= 0 && static_cast<size_t>(id) < ds.n && ds.distance(q, id) <= threshold) hits++;
    }
    total += static_cast<double>(hits) / k;
  }
  return total / ds.nq;
}

// ------------------------------------------------------------------------------------------
// Annoy side
// ------------------------------------------------------------------------------------------

template <typename T, typename D>
using AnnoyIdx = AnnoyIndex<int32_t, T, D, Kiss64Random, AnnoyIndexMultiThreadedBuildPolicy>;

// The query-side view of an Annoy index, independent of the element type.
struct AnnoySearcher {
  virtual ~AnnoySearcher() {}
  virtual bool load(const char* path, std::string* error) = 0;
  virtual void unload() = 0;
  // Nearest `k` to query `q` of the dataset; ids into `out`.
  virtual void query(size_t q, size_t k, int search_k, std::vector<int32_t>* out) const = 0;
};

template <typename T, typename D>
struct AnnoySearcherT : AnnoySearcher {
  AnnoyIdx<T, D> index;
  const T* queries;
  size_t f;
  AnnoySearcherT(int f_, const T* q) : index(f_), queries(q), f(static_cast<size_t>(f_)) {}
  bool load(const char* path, std::string* error) override {
    char* e = nullptr;
    bool ok = index.load(path, false, &e);
    if (!ok && error) *error = e ? e : "load failed";
    free(e);
    return ok;
  }
  void unload() override { index.unload(); }
  void query(size_t q, size_t k, int search_k, std::vector<int32_t>* out) const override {
    out->clear();
    index.get_nns_by_vector(queries + q * f, k, search_k, out, nullptr);
  }
};

std::unique_ptr<AnnoySearcher> make_annoy_searcher(const Dataset& ds) {
  int f = static_cast<int>(ds.dim);
  const float* q = ds.queries.data();
  switch (ds.metric) {
    case M_ANGULAR: return std::unique_ptr<AnnoySearcher>(new AnnoySearcherT<float, Annoy::Angular>(f, q));
    case M_EUCLIDEAN: return std::unique_ptr<AnnoySearcher>(new AnnoySearcherT<float, Annoy::Euclidean>(f, q));
    case M_MANHATTAN: return std::unique_ptr<AnnoySearcher>(new AnnoySearcherT<float, Annoy::Manhattan>(f, q));
    case M_DOT: return std::unique_ptr<AnnoySearcher>(new AnnoySearcherT<float, Annoy::DotProduct>(f, q));
    case M_HAMMING:
      return std::unique_ptr<AnnoySearcher>(
          new AnnoySearcherT<uint64_t, Annoy::Hamming>(static_cast<int>(ds.words), ds.query_bits.data()));
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------------
// Build jobs (run in forked children of the build server)
// ------------------------------------------------------------------------------------------

enum Lib { LIB_OURS = 0, LIB_ANNOY = 1 };
const char* lib_name(int lib) { return lib == LIB_OURS ? "ours" : "annoy"; }

struct BuildJob {
  int lib;
  int metric;
  uint64_t dim;
  uint64_t n;
  int32_t n_trees;
  int32_t n_threads;
  uint64_t seed;
  int32_t timeout_s;
  char data_path[1024];
  char out_path[1024];
};

struct BuildResult {
  int32_t ok;
  char error[512];
  double add_s, build_s, save_s;
  long baseline_kb;    // VmRSS after the data was read, before the library was called
  int32_t peak_reset;  // 1 if the high-water mark was reset at the baseline
  long maxrss_kb;      // ru_maxrss of the child, from wait4
  uint64_t file_bytes;
  int32_t wait_status;
};

template <typename T, typename D>
void annoy_build_job(const BuildJob& job, const T* data, size_t f, BuildResult* r) {
  AnnoyIdx<T, D> index(static_cast<int>(f));
  index.set_seed(job.seed);
  char* err = nullptr;
  auto t0 = Clock::now();
  for (size_t i = 0; i < job.n; i++) {
    if (!index.add_item(static_cast<int32_t>(i), data + i * f, &err)) {
      snprintf(r->error, sizeof r->error, "add_item: %s", err ? err : "?");
      return;
    }
  }
  r->add_s = seconds_since(t0);
  t0 = Clock::now();
  if (!index.build(job.n_trees, job.n_threads, &err)) {
    snprintf(r->error, sizeof r->error, "build: %s", err ? err : "?");
    return;
  }
  r->build_s = seconds_since(t0);
  t0 = Clock::now();
  if (!index.save(job.out_path, false, &err)) {
    snprintf(r->error, sizeof r->error, "save: %s", err ? err : "?");
    return;
  }
  r->save_s = seconds_since(t0);
  r->ok = 1;
}

void our_error(BuildResult* r, const char* what, annoy_status st, annoy_error* err) {
  snprintf(r->error, sizeof r->error, "%s: %s (%s)", what, annoy_status_str(st),
           err ? annoy_error_message(err) : "");
  annoy_error_free(err);
}

void our_build_job(const BuildJob& job, const float* data, BuildResult* r) {
  annoy_index* index = nullptr;
  annoy_error* err = nullptr;
  annoy_status st = annoy_new(our_metric_number(job.metric), job.dim, &index, &err);
  if (st != ANNOY_OK) return our_error(r, "annoy_new", st, err);
  st = annoy_set_seed(index, job.seed, &err);
  if (st != ANNOY_OK) return our_error(r, "annoy_set_seed", st, err);
  auto t0 = Clock::now();
  for (size_t i = 0; i < job.n; i++) {
    st = annoy_add(index, static_cast<uint32_t>(i), data + i * job.dim, job.dim, &err);
    if (st != ANNOY_OK) return our_error(r, "annoy_add", st, err);
  }
  r->add_s = seconds_since(t0);
  t0 = Clock::now();
  st = annoy_build(index, job.n_trees, job.n_threads, &err);
  if (st != ANNOY_OK) return our_error(r, "annoy_build", st, err);
  r->build_s = seconds_since(t0);
  t0 = Clock::now();
  st = annoy_save(index, job.out_path, false, &err);
  if (st != ANNOY_OK) return our_error(r, "annoy_save", st, err);
  r->save_s = seconds_since(t0);
  r->ok = 1;
}

// Runs in the worker child: read the data, mark the memory baseline, build, save.
void run_build_job(const BuildJob& job, BuildResult* r) {
  alarm(static_cast<unsigned>(job.timeout_s));
  std::vector<float> data(job.n * job.dim);
  {
    FILE* f = fopen(job.data_path, "rb");
    if (!f || fread(data.data(), sizeof(float), data.size(), f) != data.size()) {
      snprintf(r->error, sizeof r->error, "cannot read %s", job.data_path);
      if (f) fclose(f);
      return;
    }
    fclose(f);
  }
  std::vector<uint64_t> bits;
  size_t words = hamming_words(job.dim);
  if (job.lib == LIB_ANNOY && job.metric == M_HAMMING) {
    bits.resize(job.n * words);
    for (size_t i = 0; i < job.n; i++) pack_bits(&data[i * job.dim], job.dim, &bits[i * words]);
    std::vector<float>().swap(data);
  }
  malloc_trim(0);
  r->peak_reset = reset_peak_rss() ? 1 : 0;
  r->baseline_kb = proc_status_kb("VmRSS");
  if (job.lib == LIB_OURS) {
    our_build_job(job, data.data(), r);
    return;
  }
  switch (job.metric) {
    case M_ANGULAR: return annoy_build_job<float, Annoy::Angular>(job, data.data(), job.dim, r);
    case M_EUCLIDEAN: return annoy_build_job<float, Annoy::Euclidean>(job, data.data(), job.dim, r);
    case M_MANHATTAN: return annoy_build_job<float, Annoy::Manhattan>(job, data.data(), job.dim, r);
    case M_DOT: return annoy_build_job<float, Annoy::DotProduct>(job, data.data(), job.dim, r);
    case M_HAMMING: return annoy_build_job<uint64_t, Annoy::Hamming>(job, bits.data(), words, r);
  }
}

// The build server: forked before anything else, it serves one job at a time.
struct BuildServer {
  int request_fd = -1, response_fd = -1;
  pid_t pid = -1;

  void start() {
    int req[2], resp[2];
    if (pipe(req) != 0 || pipe(resp) != 0) die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
      close(req[1]);
      close(resp[0]);
      serve(req[0], resp[1]);
      _exit(0);
    }
    close(req[0]);
    close(resp[1]);
    request_fd = req[1];
    response_fd = resp[0];
  }

  static void serve(int in, int out) {
    BuildJob job;
    while (read_full(in, &job, sizeof job)) {
      BuildResult r;
      memset(&r, 0, sizeof r);
      int p[2];
      if (pipe(p) != 0) _exit(3);
      pid_t child = fork();
      if (child < 0) _exit(3);
      if (child == 0) {
        close(p[0]);
        run_build_job(job, &r);
        write_full(p[1], &r, sizeof r);
        _exit(0);
      }
      close(p[1]);
      bool got = read_full(p[0], &r, sizeof r);
      close(p[0]);
      int status = 0;
      struct rusage ru;
      memset(&ru, 0, sizeof ru);
      while (wait4(child, &status, 0, &ru) < 0 && errno == EINTR) {
      }
      if (!got) {
        memset(&r, 0, sizeof r);
        if (WIFSIGNALED(status))
          snprintf(r.error, sizeof r.error, "worker killed by signal %d%s", WTERMSIG(status),
                   WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        else
          snprintf(r.error, sizeof r.error, "worker exited with status %d", WEXITSTATUS(status));
      }
      r.maxrss_kb = ru.ru_maxrss;
      r.wait_status = status;
      if (!write_full(out, &r, sizeof r)) _exit(0);
    }
  }

  BuildResult run(const BuildJob& job) {
    BuildResult r;
    if (!write_full(request_fd, &job, sizeof job) || !read_full(response_fd, &r, sizeof r))
      die("build server died");
    if (r.ok) r.file_bytes = file_size(job.out_path);
    return r;
  }

  void stop() {
    if (pid <= 0) return;
    close(request_fd);
    close(response_fd);
    int status;
    waitpid(pid, &status, 0);
    pid = -1;
  }
};

// ------------------------------------------------------------------------------------------
// Options
// ------------------------------------------------------------------------------------------

struct UserData {
  std::string path;
  int metric = -1;
};

struct Options {
  bool quick = false;
  size_t n = 100000;
  size_t nq = 1000;
  size_t k = 10;
  std::vector<long> trees = {10, 50, 100};
  std::vector<long> threads = {1, 2};
  std::vector<long> sk_factors = {1, 2, 5, 10, 20};
  long query_trees = 0;  // 0: the largest of `trees`
  int reps = 3;          // timed query passes per configuration (best taken)
  int build_reps = 1;    // builds per configuration (best time taken)
  int load_reps = 7;     // loads per library (best taken)
  uint64_t seed = 42;    // build seed, both libraries
  uint64_t data_seed = 1234;
  std::string datasets;  // empty: all generated ones unless --data is given
  std::vector<UserData> user;
  size_t max_n = 0;
  std::string json_path;
  std::string workdir = "bench-work";
  bool keep_files = false;
  int timeout_s = 3600;
  std::string load_at_start;
};

void usage() {
  printf(
      "usage: driver [options]\n"
      "  --quick                 small run: n=20000, 500 queries, trees 10,50 (under 5 minutes on 2 cores)\n"
      "  --n N                   points per generated dataset (default 100000)\n"
      "  --queries Q             held-out queries per dataset (default 1000)\n"
      "  --k K                   neighbours per query (default 10)\n"
      "  --trees LIST            tree counts to build (default 10,50,100)\n"
      "  --threads LIST          build thread counts (default 1,2)\n"
      "  --search-k-factors LIST search_k = k x trees x factor (default 1,2,5,10,20)\n"
      "  --query-trees T         tree count of the index queried (default: largest of --trees)\n"
      "  --reps R                timed query passes, best kept (default 3)\n"
      "  --build-reps R          builds per configuration, best kept (default 1)\n"
      "  --load-reps R           loads per library, best kept (default 7)\n"
      "  --seed S                build seed for both libraries (default 42)\n"
      "  --data-seed S           seed of the generated data and query hold-out (default 1234)\n"
      "  --datasets LIST         generated datasets: all, none, or names among euclidean-128,\n"
      "                          angular-384, dot-64, hamming-256 (a prefix such as 'angular' works)\n"
      "                          default: all, or none when --data is given\n"
      "  --data FILE --metric M  a 2-D float32/float64 .npy or an .fvecs file (repeatable);\n"
      "                          M: angular, euclidean, manhattan, dot, hamming (values > 0.5 = 1)\n"
      "  --max-n N               read at most N rows of each --data file\n"
      "  --json PATH             write the full report as JSON\n"
      "  --workdir DIR           where data and index files go (default ./bench-work)\n"
      "  --keep-files            keep index and data files\n"
      "  --timeout S             seconds allowed per build (default 3600)\n");
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool n_set = false, nq_set = false, trees_set = false, reps_set = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("%s needs a value", a.c_str());
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--n") { o.n = std::stoul(value()); n_set = true; }
    else if (a == "--queries") { o.nq = std::stoul(value()); nq_set = true; }
    else if (a == "--k") o.k = std::stoul(value());
    else if (a == "--trees") { o.trees = parse_list(value()); trees_set = true; }
    else if (a == "--threads") o.threads = parse_list(value());
    else if (a == "--search-k-factors") o.sk_factors = parse_list(value());
    else if (a == "--query-trees") o.query_trees = std::stol(value());
    else if (a == "--reps") { o.reps = std::stoi(value()); reps_set = true; }
    else if (a == "--build-reps") o.build_reps = std::stoi(value());
    else if (a == "--load-reps") o.load_reps = std::stoi(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--data-seed") o.data_seed = std::stoull(value());
    else if (a == "--datasets") o.datasets = value();
    else if (a == "--data") { UserData u; u.path = value(); o.user.push_back(u); }
    else if (a == "--metric") {
      if (o.user.empty() || o.user.back().metric >= 0) die("--metric must follow its --data FILE");
      o.user.back().metric = parse_metric(value());
    }
    else if (a == "--max-n") o.max_n = std::stoul(value());
    else if (a == "--json") o.json_path = value();
    else if (a == "--workdir") o.workdir = value();
    else if (a == "--keep-files") o.keep_files = true;
    else if (a == "--timeout") o.timeout_s = std::stoi(value());
    else if (a == "-h" || a == "--help") { usage(); exit(0); }
    else die("unknown option %s (try --help)", a.c_str());
  }
  for (auto& u : o.user)
    if (u.metric < 0) die("--data %s needs a --metric", u.path.c_str());
  if (o.quick) {
    if (!n_set) o.n = 20000;
    if (!nq_set) o.nq = 500;
    if (!trees_set) o.trees = {10, 50};
    if (!reps_set) o.reps = 3;
  }
  if (o.trees.empty() || o.threads.empty() || o.sk_factors.empty()) die("empty list option");
  if (o.query_trees == 0) o.query_trees = *std::max_element(o.trees.begin(), o.trees.end());
  if (std::find(o.trees.begin(), o.trees.end(), o.query_trees) == o.trees.end()) o.trees.push_back(o.query_trees);
  if (std::find(o.threads.begin(), o.threads.end(), 1L) == o.threads.end()) o.threads.insert(o.threads.begin(), 1);
  if (o.reps < 1 || o.build_reps < 1 || o.load_reps < 1 || o.k < 1 || o.nq < 1) die("counts must be >= 1");
  return o;
}

bool dataset_selected(const Options& o, const std::string& name) {
  std::string sel = o.datasets;
  if (sel.empty()) sel = o.user.empty() ? "all" : "none";
  if (sel == "all") return true;
  if (sel == "none") return false;
  std::stringstream ss(sel);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty() && name.compare(0, item.size(), item) == 0) return true;
  return false;
}

// ------------------------------------------------------------------------------------------
// Results
// ------------------------------------------------------------------------------------------

struct BuildRow {
  long trees, threads;
  BuildResult lib[2];  // [LIB_OURS], [LIB_ANNOY]
};

struct SweepRow {
  long search_k;
  double recall = 0;           // on Annoy's file (identical for both libraries when ids match)
  double recall_our_file = -1; // on the file our library built (same search_k)
  double qps_ours = 0, qps_ours_scratch = 0, qps_annoy = 0;
  double batch_ours = 0, batch_annoy = 0;
  size_t mismatch_query = 0, mismatch_scratch = 0, mismatch_batch = 0, mismatch_our_file = 0;
  std::string error;
};

struct DatasetReport {
  std::string name, source, metric;
  size_t n = 0, dim = 0, nq = 0, k = 0;
  double data_mb = 0, gt_s = 0;
  std::vector<BuildRow> builds;
  long query_trees = 0;
  double load_ours_s = -1, load_annoy_s = -1;
  int ours_same_file_all_threads = -1;  // 1 yes, 0 no, -1 not checked
  std::vector<SweepRow> sweep;
  std::string error;
  size_t mismatches() const {
    size_t m = 0;
    for (auto& s : sweep) m += s.mismatch_query + s.mismatch_scratch + s.mismatch_batch + s.mismatch_our_file;
    return m;
  }
};

// ------------------------------------------------------------------------------------------
// Query benchmark (in the main process, on one file loaded in both libraries)
// ------------------------------------------------------------------------------------------

struct OurIndex {
  annoy_index* index = nullptr;
  ~OurIndex() { annoy_free(index); }
};

std::string our_message(const char* what, annoy_status st, annoy_error* err) {
  std::string s = strf("%s: %s", what, annoy_status_str(st));
  if (err) s += std::string(" (") + annoy_error_message(err) + ")";
  annoy_error_free(err);
  return s;
}

bool our_open(const Dataset& ds, const std::string& path, OurIndex* out, std::string* error) {
  annoy_error* err = nullptr;
  annoy_status st = annoy_new(our_metric_number(ds.metric), ds.dim, &out->index, &err);
  if (st != ANNOY_OK) {
    *error = our_message("annoy_new", st, err);
    return false;
  }
  st = annoy_load(out->index, path.c_str(), false, &err);
  if (st != ANNOY_OK) {
    *error = our_message("annoy_load", st, err);
    return false;
  }
  return true;
}

// Runs every query once with Annoy, one at a time; ids into `ids` (nq × k).
double annoy_pass(const Dataset& ds, const AnnoySearcher& a, int search_k, std::vector<int32_t>* ids,
                  std::vector<size_t>* counts) {
  std::vector<int32_t> result;
  result.reserve(ds.k);
  auto t0 = Clock::now();
  for (size_t q = 0; q < ds.nq; q++) {
    a.query(q, ds.k, search_k, &result);
    size_t c = std::min(result.size(), ds.k);
    std::copy(result.begin(), result.begin() + c, ids->begin() + q * ds.k);
    (*counts)[q] = c;
  }
  return seconds_since(t0);
}

// Annoy has no batch call: std::threads over contiguous slices of the queries.
double annoy_batch_pass(const Dataset& ds, const AnnoySearcher& a, int search_k, std::vector<int32_t>* ids,
                        std::vector<size_t>* counts) {
  unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; t++) {
    size_t q0 = ds.nq * t / n_threads, q1 = ds.nq * (t + 1) / n_threads;
    threads.emplace_back([&, q0, q1]() {
      std::vector<int32_t> result;
      result.reserve(ds.k);
      for (size_t q = q0; q < q1; q++) {
        a.query(q, ds.k, search_k, &result);
        size_t c = std::min(result.size(), ds.k);
        std::copy(result.begin(), result.begin() + c, ids->begin() + q * ds.k);
        (*counts)[q] = c;
      }
    });
  }
  for (auto& t : threads) t.join();
  return seconds_since(t0);
}

enum OurMode { OURS_QUERY, OURS_SCRATCH, OURS_BATCH };

// Runs every query with our library in the given mode; returns the time, or -1 on error.
double our_pass(const Dataset& ds, const OurIndex& o, annoy_scratch* scratch, OurMode mode, int64_t search_k,
                std::vector<uint32_t>* ids, std::vector<size_t>* counts, std::string* error) {
  annoy_error* err = nullptr;
  annoy_status st = ANNOY_OK;
  auto t0 = Clock::now();
  if (mode == OURS_BATCH) {
    st = annoy_query_batch(o.index, ds.queries.data(), ds.nq, ds.dim, ds.k, search_k, -1, ids->data(), nullptr,
                           counts->data(), &err);
  } else {
    for (size_t q = 0; q < ds.nq && st == ANNOY_OK; q++) {
      const float* v = &ds.queries[q * ds.dim];
      uint32_t* out = ids->data() + q * ds.k;
      if (mode == OURS_QUERY)
        st = annoy_query(o.index, v, ds.dim, ds.k, search_k, out, nullptr, ds.k, &(*counts)[q], &err);
      else
        st = annoy_query_with_scratch(o.index, scratch, v, ds.dim, ds.k, search_k, out, nullptr, ds.k,
                                      &(*counts)[q], &err);
    }
  }
  double t = seconds_since(t0);
  if (st != ANNOY_OK) {
    *error = our_message(mode == OURS_BATCH ? "annoy_query_batch"
                         : mode == OURS_QUERY ? "annoy_query"
                                              : "annoy_query_with_scratch",
                         st, err);
    return -1;
  }
  return t;
}

// Queries whose id lists differ (count or any id, in order).
size_t count_mismatches(const Dataset& ds, const std::vector<int32_t>& a, const std::vector<size_t>& ac,
                        const std::vector<uint32_t>& b, const std::vector<size_t>& bc) {
  size_t bad = 0;
  for (size_t q = 0; q < ds.nq; q++) {
    bool same = ac[q] == bc[q];
    for (size_t j = 0; same && j < ac[q]; j++) same = static_cast<uint32_t>(a[q * ds.k + j]) == b[q * ds.k + j];
    if (!same) bad++;
  }
  return bad;
}

void benchmark_load(const Dataset& ds, const std::string& path, int reps, DatasetReport* rep) {
  std::unique_ptr<AnnoySearcher> a = make_annoy_searcher(ds);
  OurIndex o;
  annoy_error* err = nullptr;
  annoy_status st = annoy_new(our_metric_number(ds.metric), ds.dim, &o.index, &err);
  if (st != ANNOY_OK) {
    rep->error = our_message("annoy_new", st, err);
    return;
  }
  double best_a = 1e300, best_o = 1e300;
  for (int r = 0; r < reps; r++) {
    std::string e;
    auto t0 = Clock::now();
    bool ok = a->load(path.c_str(), &e);
    double t = seconds_since(t0);
    if (!ok) {
      rep->error = "Annoy load: " + e;
      return;
    }
    best_a = std::min(best_a, t);
    a->unload();
    t0 = Clock::now();
    st = annoy_load(o.index, path.c_str(), false, &err);
    t = seconds_since(t0);
    if (st != ANNOY_OK) {
      rep->error = our_message("annoy_load", st, err);
      return;
    }
    best_o = std::min(best_o, t);
    annoy_unload(o.index, nullptr);
  }
  rep->load_annoy_s = best_a;
  rep->load_ours_s = best_o;
}

void benchmark_queries(const Dataset& ds, const Options& opt, const std::string& annoy_file,
                       const std::string& our_file, DatasetReport* rep) {
  std::unique_ptr<AnnoySearcher> a = make_annoy_searcher(ds);
  std::string e;
  if (!a->load(annoy_file.c_str(), &e)) {
    rep->error = "Annoy load: " + e;
    return;
  }
  OurIndex o;
  if (!our_open(ds, annoy_file, &o, &e)) {
    rep->error = e;
    return;
  }
  annoy_scratch* scratch = nullptr;
  annoy_error* err = nullptr;
  annoy_status st = annoy_scratch_new(&scratch, &err);
  if (st != ANNOY_OK) {
    rep->error = our_message("annoy_scratch_new", st, err);
    return;
  }
  const size_t slots = ds.nq * ds.k;
  std::vector<int32_t> a_ids(slots), a_batch_ids(slots);
  std::vector<uint32_t> o_ids(slots), o_scr_ids(slots), o_batch_ids(slots);
  std::vector<size_t> a_cnt(ds.nq), a_batch_cnt(ds.nq), o_cnt(ds.nq), o_scr_cnt(ds.nq), o_batch_cnt(ds.nq);

  for (long factor : opt.sk_factors) {
    SweepRow row;
    row.search_k = static_cast<long>(ds.k) * rep->query_trees * factor;
    int sk = static_cast<int>(row.search_k);
    log_msg("[%s] queries search_k=%ld ...", ds.name.c_str(), row.search_k);
    // Untimed first pass of each: warms caches and page tables, and gives the ids compared.
    annoy_pass(ds, *a, sk, &a_ids, &a_cnt);
    bool ok = our_pass(ds, o, scratch, OURS_QUERY, sk, &o_ids, &o_cnt, &row.error) >= 0 &&
              our_pass(ds, o, scratch, OURS_SCRATCH, sk, &o_scr_ids, &o_scr_cnt, &row.error) >= 0 &&
              our_pass(ds, o, scratch, OURS_BATCH, sk, &o_batch_ids, &o_batch_cnt, &row.error) >= 0;
    row.recall = recall_at_k(ds, a_ids, a_cnt);
    if (ok) {
      row.mismatch_query = count_mismatches(ds, a_ids, a_cnt, o_ids, o_cnt);
      row.mismatch_scratch = count_mismatches(ds, a_ids, a_cnt, o_scr_ids, o_scr_cnt);
      row.mismatch_batch = count_mismatches(ds, a_ids, a_cnt, o_batch_ids, o_batch_cnt);
    }
    // Timed passes, the libraries interleaved so that background noise hits both alike.
    double best[5] = {1e300, 1e300, 1e300, 1e300, 1e300};
    for (int r = 0; r < opt.reps && ok; r++) {
      best[0] = std::min(best[0], annoy_pass(ds, *a, sk, &a_ids, &a_cnt));
      double t = our_pass(ds, o, scratch, OURS_QUERY, sk, &o_ids, &o_cnt, &row.error);
      best[1] = std::min(best[1], t);
      double t2 = our_pass(ds, o, scratch, OURS_SCRATCH, sk, &o_scr_ids, &o_scr_cnt, &row.error);
      best[2] = std::min(best[2], t2);
      best[3] = std::min(best[3], annoy_batch_pass(ds, *a, sk, &a_batch_ids, &a_batch_cnt));
      double t3 = our_pass(ds, o, scratch, OURS_BATCH, sk, &o_batch_ids, &o_batch_cnt, &row.error);
      best[4] = std::min(best[4], t3);
      if (t < 0 || t2 < 0 || t3 < 0) ok = false;
    }
    if (ok) {
      row.qps_annoy = ds.nq / best[0];
      row.qps_ours = ds.nq / best[1];
      row.qps_ours_scratch = ds.nq / best[2];
      row.batch_annoy = ds.nq / best[3];
      row.batch_ours = ds.nq / best[4];
      // Annoy's own threaded pass must agree with its single pass (sanity of the harness).
      if (count_mismatches(ds, a_ids, a_cnt, std::vector<uint32_t>(a_batch_ids.begin(), a_batch_ids.end()),
                           a_batch_cnt) != 0)
        row.error = "Annoy's threaded pass disagrees with its single pass";
    }
    log_msg(" recall %.4f, QPS ours %.0f annoy %.0f, mismatches %zu\n", row.recall, row.qps_ours, row.qps_annoy,
            row.mismatch_query + row.mismatch_scratch + row.mismatch_batch);
    rep->sweep.push_back(row);
  }
  annoy_scratch_free(scratch);
  a->unload();

  // The other direction: the file our library built, queried by both, untimed.
  if (our_file.empty()) return;
  std::unique_ptr<AnnoySearcher> a2 = make_annoy_searcher(ds);
  OurIndex o2;
  if (!a2->load(our_file.c_str(), &e)) {
    rep->error = "Annoy cannot load our file: " + e;
    return;
  }
  if (!our_open(ds, our_file, &o2, &e)) {
    rep->error = e;
    return;
  }
  for (auto& row : rep->sweep) {
    int sk = static_cast<int>(row.search_k);
    annoy_pass(ds, *a2, sk, &a_ids, &a_cnt);
    std::string err2;
    if (our_pass(ds, o2, nullptr, OURS_QUERY, sk, &o_ids, &o_cnt, &err2) < 0) {
      row.error = err2;
      continue;
    }
    row.mismatch_our_file = count_mismatches(ds, a_ids, a_cnt, o_ids, o_cnt);
    row.recall_our_file = recall_at_k(ds, o_ids, o_cnt);
  }
}

// ------------------------------------------------------------------------------------------
// Reports
// ------------------------------------------------------------------------------------------

// Derived numbers use -1 for "not measured" (NaN is unusable under -ffast-math).
const double MISSING = -1;
double ratio(double num, double den) { return num >= 0 && den > 0 ? num / den : MISSING; }
// Speed ratios: > 1 means ours is faster.
double time_ratio(double ours, double annoy) { return ours > 0 ? ratio(annoy, ours) : MISSING; }
double qps_ratio(double ours, double annoy) { return ratio(ours, annoy); }

// A table cell: the value in `fmt`, or "-" when missing.
std::string cell(double v, const char* fmt) { return v >= 0 ? strf(fmt, v) : std::string("-"); }

double peak_mb(const BuildResult& r) {
  return r.ok ? (r.maxrss_kb - r.baseline_kb) / 1024.0 : MISSING;
}

void print_dataset(const DatasetReport& d) {
  printf("\n=== %s: %s, n=%zu, dim=%zu%s, %zu held-out queries, top-%zu; data %.1f MB ===\n", d.name.c_str(),
         d.metric.c_str(), d.n, d.dim, d.metric == "hamming" ? " bits" : "", d.nq, d.k, d.data_mb);
  printf("%s\n", d.source.c_str());
  if (!d.error.empty()) printf("ERROR: %s\n", d.error.c_str());
  printf("\nBuild (same seed). Speed ratio = Annoy time / our time; memory and size ratio = ours / Annoy.\n");
  printf("Peak MB = build child's ru_maxrss minus its RSS before the library was called.\n");
  printf("%5s %3s | %9s %9s %6s | %8s %8s | %8s %8s %5s | %8s %8s %5s\n", "trees", "thr", "build s", "Annoy s",
         "speed", "scal.us", "scal.An", "peak MB", "Annoy MB", "mem", "file MB", "Annoy MB", "size");
  for (const auto& b : d.builds) {
    const BuildResult& o = b.lib[LIB_OURS];
    const BuildResult& a = b.lib[LIB_ANNOY];
    // Scaling vs the 1-thread build with the same tree count.
    double sc_o = MISSING, sc_a = MISSING;
    for (const auto& b1 : d.builds)
      if (b1.trees == b.trees && b1.threads == 1 && b.threads != 1) {
        if (b1.lib[LIB_OURS].ok && o.ok) sc_o = time_ratio(o.build_s, b1.lib[LIB_OURS].build_s);
        if (b1.lib[LIB_ANNOY].ok && a.ok) sc_a = time_ratio(a.build_s, b1.lib[LIB_ANNOY].build_s);
      }
    double bo = o.ok ? o.build_s : MISSING, ba = a.ok ? a.build_s : MISSING;
    double fo = o.ok ? o.file_bytes / 1048576.0 : MISSING, fa = a.ok ? a.file_bytes / 1048576.0 : MISSING;
    printf("%5ld %3ld | %9s %9s %6s | %8s %8s | %8s %8s %5s | %8s %8s %5s\n", b.trees, b.threads,
           cell(bo, "%.3f").c_str(), cell(ba, "%.3f").c_str(), cell(time_ratio(bo, ba), "%.2fx").c_str(),
           cell(sc_o, "%.2fx").c_str(), cell(sc_a, "%.2fx").c_str(), cell(peak_mb(o), "%.1f").c_str(),
           cell(peak_mb(a), "%.1f").c_str(), cell(ratio(peak_mb(o), peak_mb(a)), "%.2f").c_str(),
           cell(fo, "%.1f").c_str(), cell(fa, "%.1f").c_str(), cell(ratio(fo, fa), "%.2f").c_str());
    if (!o.ok) printf("      ours failed: %s\n", o.error);
    if (!a.ok) printf("      Annoy failed: %s\n", a.error);
  }
  if (d.ours_same_file_all_threads >= 0)
    printf("Our index file identical for every thread count: %s\n", d.ours_same_file_all_threads ? "yes" : "NO");
  if (d.load_ours_s >= 0)
    printf("\nLoad (mmap, no prefault) of Annoy's %ld-tree file: ours %.3f ms, Annoy %.3f ms, speed %.2fx\n",
           d.query_trees, d.load_ours_s * 1e3, d.load_annoy_s * 1e3, time_ratio(d.load_ours_s, d.load_annoy_s));
  if (d.sweep.empty()) return;
  printf("\nQueries on Annoy's %ld-tree file, loaded by both. QPS ratio = our QPS / Annoy QPS.\n", d.query_trees);
  printf("1 thr: one query at a time; ours = annoy_query, scr = annoy_query_with_scratch. batch: all cores.\n");
  printf("mism = queries whose ids differ from Annoy's (all our modes, and on our own file): must be 0.\n");
  printf("%8s %7s %7s | %8s %8s %8s %6s %6s | %8s %8s %6s | %4s\n", "search_k", "recall", "rec.us", "QPS ours",
         "QPS scr", "QPS Ann", "ratio", "r.scr", "batch us", "batch An", "ratio", "mism");
  for (const auto& s : d.sweep) {
    size_t mism = s.mismatch_query + s.mismatch_scratch + s.mismatch_batch + s.mismatch_our_file;
    printf("%8ld %7.4f %7s | %8.0f %8.0f %8.0f %5.2fx %5.2fx | %8.0f %8.0f %5.2fx | %4zu\n", s.search_k, s.recall,
           s.recall_our_file >= 0 ? strf("%.4f", s.recall_our_file).c_str() : "", s.qps_ours, s.qps_ours_scratch,
           s.qps_annoy, qps_ratio(s.qps_ours, s.qps_annoy), qps_ratio(s.qps_ours_scratch, s.qps_annoy), s.batch_ours,
           s.batch_annoy, qps_ratio(s.batch_ours, s.batch_annoy), mism);
    if (!s.error.empty()) printf("         error: %s\n", s.error.c_str());
  }
  printf("(recall = recall@%zu on Annoy's file; rec.us = same search_k on the file our library built)\n", d.k);
}

// Minimal JSON writer.
struct Json {
  std::string out;
  std::vector<bool> first{true};
  void sep() {
    if (!first.back()) out += ",";
    first.back() = false;
  }
  static std::string quote(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') r += '\\', r += c;
      else if (static_cast<unsigned char>(c) < 0x20) r += strf("\\u%04x", c);
      else r += c;
    }
    return r + "\"";
  }
  Json& key(const char* k) {
    sep();
    out += quote(k) + ":";
    first.back() = true;  // the value that follows needs no comma
    return *this;
  }
  void raw(const std::string& v) {
    sep();
    out += v;
  }
  Json& begin_object() { raw("{"); first.push_back(true); return *this; }
  Json& end_object() { out += "}"; first.pop_back(); first.back() = false; return *this; }
  Json& begin_array() { raw("["); first.push_back(true); return *this; }
  Json& end_array() { out += "]"; first.pop_back(); first.back() = false; return *this; }
  Json& num(const char* k, double v) {
    key(k);
    raw(v >= 0 ? strf("%.6g", v) : "null");  // every number here is >= 0 when measured
    return *this;
  }
  Json& integer(const char* k, long long v) { key(k); raw(strf("%lld", v)); return *this; }
  Json& str(const char* k, const std::string& v) { key(k); raw(quote(v)); return *this; }
  Json& boolean(const char* k, bool v) { key(k); raw(v ? "true" : "false"); return *this; }
};

void json_build_result(Json& j, const char* k, const BuildResult& r) {
  j.key(k).begin_object();
  j.boolean("ok", r.ok);
  if (!r.ok) j.str("error", r.error);
  j.num("add_s", r.ok ? r.add_s : MISSING).num("build_s", r.ok ? r.build_s : MISSING);
  j.num("save_s", r.ok ? r.save_s : MISSING);
  j.num("peak_build_mb", peak_mb(r)).num("maxrss_mb", r.maxrss_kb / 1024.0).num("baseline_rss_mb", r.baseline_kb / 1024.0);
  j.boolean("peak_reset_at_baseline", r.peak_reset).integer("file_bytes", static_cast<long long>(r.file_bytes));
  j.end_object();
}

// The SIMD path annoylib.h picked from the compile flags.
const char* annoy_simd() {
#if defined(ANNOYLIB_USE_AVX512)
  return "AVX-512";
#elif defined(ANNOYLIB_USE_AVX)
  return "AVX";
#else
  return "none (scalar)";
#endif
}

std::string load_average() {
  FILE* f = fopen("/proc/loadavg", "r");
  if (!f) return "unknown";
  char buf[128] = {0};
  if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
  fclose(f);
  std::string s = buf;
  size_t cut = s.find(' ', s.find(' ', s.find(' ') + 1) + 1);  // the three averages
  return s.substr(0, cut);
}

std::string cpu_model() {
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      const char* p = strchr(line, ':');
      if (p) {
        model = p + 2;
        model.erase(model.find_last_not_of("\n ") + 1);
      }
      break;
    }
  }
  fclose(f);
  return model;
}

void write_json(const std::string& path, const Options& o, const std::vector<DatasetReport>& reports) {
  Json j;
  j.begin_object();
  j.str("ratio_convention",
        "speed: annoy_time/our_time and our_qps/annoy_qps (>1 = ours faster); memory and file size: ours/annoy "
        "(<=1 = ours no larger)");
  struct utsname u;
  uname(&u);
  struct sysinfo si;
  sysinfo(&si);
  j.key("machine").begin_object();
  j.str("cpu", cpu_model()).integer("cores", std::thread::hardware_concurrency());
  j.num("memory_gb", static_cast<double>(si.totalram) * si.mem_unit / 1073741824.0);
  j.str("kernel", std::string(u.sysname) + " " + u.release + " " + u.machine);
  j.str("compiler", __VERSION__).str("cxxflags", BENCH_CXXFLAGS).str("annoy_simd", annoy_simd());
  j.str("load_average_at_start", o.load_at_start).str("load_average_at_end", load_average());
  j.end_object();
  j.str("annoy_version", BENCH_ANNOY_VERSION).str("our_version", annoy_version());
  time_t now = time(nullptr);
  char date[64];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  j.str("date", date);
  j.key("config").begin_object();
  j.boolean("quick", o.quick).integer("n", o.n).integer("queries", o.nq).integer("k", o.k);
  j.integer("query_reps", o.reps).integer("build_reps", o.build_reps).integer("load_reps", o.load_reps);
  j.integer("seed", static_cast<long long>(o.seed)).integer("data_seed", static_cast<long long>(o.data_seed));
  j.str("timing", "steady_clock; best of the repetitions");
  j.end_object();
  j.key("datasets").begin_array();
  size_t total_mismatch = 0;
  for (const auto& d : reports) {
    total_mismatch += d.mismatches();
    j.begin_object();
    j.str("name", d.name).str("source", d.source).str("metric", d.metric);
    j.integer("n", d.n).integer("dim", d.dim).integer("queries", d.nq).integer("k", d.k);
    j.num("data_mb", d.data_mb).num("ground_truth_s", d.gt_s);
    if (!d.error.empty()) j.str("error", d.error);
    j.key("builds").begin_array();
    for (const auto& b : d.builds) {
      j.begin_object();
      j.integer("n_trees", b.trees).integer("n_threads", b.threads);
      json_build_result(j, "ours", b.lib[LIB_OURS]);
      json_build_result(j, "annoy", b.lib[LIB_ANNOY]);
      const BuildResult& ro = b.lib[LIB_OURS];
      const BuildResult& ra = b.lib[LIB_ANNOY];
      j.num("build_speed_ratio", ro.ok && ra.ok ? time_ratio(ro.build_s, ra.build_s) : MISSING);
      j.num("peak_memory_ratio", ratio(peak_mb(ro), peak_mb(ra)));
      j.num("file_size_ratio", ro.ok && ra.ok ? ratio(ro.file_bytes, ra.file_bytes) : MISSING);
      j.end_object();
    }
    j.end_array();
    if (d.ours_same_file_all_threads >= 0) j.boolean("ours_same_file_for_all_thread_counts", d.ours_same_file_all_threads);
    j.key("load").begin_object();
    j.integer("n_trees", d.query_trees).num("ours_s", d.load_ours_s).num("annoy_s", d.load_annoy_s);
    j.num("speed_ratio", time_ratio(d.load_ours_s, d.load_annoy_s));
    j.end_object();
    j.key("queries").begin_object();
    j.integer("n_trees", d.query_trees).str("index_file", "built by Annoy (1 thread), loaded by both");
    j.key("sweep").begin_array();
    for (const auto& s : d.sweep) {
      j.begin_object();
      j.integer("search_k", s.search_k).num("recall", s.recall).num("recall_on_our_file", s.recall_our_file);
      j.num("qps_ours", s.qps_ours).num("qps_ours_scratch", s.qps_ours_scratch).num("qps_annoy", s.qps_annoy);
      j.num("qps_ratio", qps_ratio(s.qps_ours, s.qps_annoy));
      j.num("qps_ratio_scratch", qps_ratio(s.qps_ours_scratch, s.qps_annoy));
      j.num("batch_qps_ours", s.batch_ours).num("batch_qps_annoy", s.batch_annoy);
      j.num("batch_qps_ratio", qps_ratio(s.batch_ours, s.batch_annoy));
      j.integer("mismatch_query", s.mismatch_query).integer("mismatch_scratch", s.mismatch_scratch);
      j.integer("mismatch_batch", s.mismatch_batch).integer("mismatch_on_our_file", s.mismatch_our_file);
      if (!s.error.empty()) j.str("error", s.error);
      j.end_object();
    }
    j.end_array();
    j.end_object();
    j.integer("mismatches", d.mismatches());
    j.end_object();
  }
  j.end_array();
  j.integer("mismatches_total", total_mismatch);
  j.end_object();
  FILE* f = fopen(path.c_str(), "w");
  if (!f) die("cannot write %s: %s", path.c_str(), strerror(errno));
  fprintf(f, "%s\n", j.out.c_str());
  fclose(f);
}

// ------------------------------------------------------------------------------------------
// One dataset, start to end
// ------------------------------------------------------------------------------------------

std::string index_path(const Options& o, const Dataset& ds, int lib, long trees, long threads) {
  return strf("%s/%s-%s-%ldtrees-%ldthr.ann", o.workdir.c_str(), ds.name.c_str(), lib_name(lib), trees, threads);
}

DatasetReport run_dataset(Dataset& ds, const Options& o, BuildServer& server) {
  DatasetReport rep;
  rep.name = ds.name;
  rep.source = ds.source;
  rep.metric = metric_name(ds.metric);
  rep.n = ds.n;
  rep.dim = ds.dim;
  rep.nq = ds.nq;
  rep.data_mb = ds.data_mb();
  rep.query_trees = o.query_trees;
  ds.finish();

  auto t0 = Clock::now();
  log_msg("[%s] ground truth (brute force, %zu queries x %zu items) ...", ds.name.c_str(), ds.nq, ds.n);
  compute_ground_truth(ds, o.k);
  rep.gt_s = seconds_since(t0);
  rep.k = ds.k;
  log_msg(" %.1f s\n", rep.gt_s);

  // The build children read the vectors from a raw float32 file.
  std::string data_path = strf("%s/%s.f32", o.workdir.c_str(), ds.name.c_str());
  {
    FILE* f = fopen(data_path.c_str(), "wb");
    if (!f || fwrite(ds.base.data(), sizeof(float), ds.base.size(), f) != ds.base.size())
      die("cannot write %s", data_path.c_str());
    fclose(f);
  }

  std::vector<std::string> ours_files_query_trees;
  for (long trees : o.trees) {
    for (long threads : o.threads) {
      BuildRow row;
      row.trees = trees;
      row.threads = threads;
      for (int lib : {LIB_ANNOY, LIB_OURS}) {
        BuildJob job;
        memset(&job, 0, sizeof job);
        job.lib = lib;
        job.metric = ds.metric;
        job.dim = ds.dim;
        job.n = ds.n;
        job.n_trees = static_cast<int32_t>(trees);
        job.n_threads = static_cast<int32_t>(threads);
        job.seed = o.seed;
        job.timeout_s = o.timeout_s;
        snprintf(job.data_path, sizeof job.data_path, "%s", data_path.c_str());
        std::string out = index_path(o, ds, lib, trees, threads);
        snprintf(job.out_path, sizeof job.out_path, "%s", out.c_str());
        // Best build time over the repetitions; peak memory: the smallest seen.
        BuildResult best;
        memset(&best, 0, sizeof best);
        bool have_ok = false;
        long min_peak_kb = 0;
        for (int r = 0; r < o.build_reps; r++) {
          log_msg("[%s] build %-5s trees=%ld threads=%ld ...", ds.name.c_str(), lib_name(lib), trees, threads);
          BuildResult res = server.run(job);
          if (!res.ok) {
            log_msg(" FAILED: %s\n", res.error);
            if (!have_ok) best = res;
            continue;
          }
          log_msg(" %.3f s, peak %.1f MB\n", res.build_s, peak_mb(res));
          long peak_kb = res.maxrss_kb - res.baseline_kb;
          min_peak_kb = have_ok ? std::min(min_peak_kb, peak_kb) : peak_kb;
          if (!have_ok || res.build_s < best.build_s) best = res;
          have_ok = true;
        }
        if (have_ok) best.maxrss_kb = best.baseline_kb + min_peak_kb;
        row.lib[lib] = best;
        if (lib == LIB_OURS && trees == o.query_trees && best.ok) ours_files_query_trees.push_back(out);
      }
      rep.builds.push_back(row);
    }
  }
  if (!o.keep_files) unlink(data_path.c_str());

  // Our file must not depend on the thread count.
  if (ours_files_query_trees.size() > 1) {
    uint64_t h = file_hash(ours_files_query_trees[0]);
    rep.ours_same_file_all_threads = 1;
    for (size_t i = 1; i < ours_files_query_trees.size(); i++)
      if (file_hash(ours_files_query_trees[i]) != h) rep.ours_same_file_all_threads = 0;
  }

  std::string annoy_file = index_path(o, ds, LIB_ANNOY, o.query_trees, 1);
  std::string our_file = index_path(o, ds, LIB_OURS, o.query_trees, 1);
  bool annoy_ok = false, ours_ok = false;
  for (const auto& b : rep.builds)
    if (b.trees == o.query_trees && b.threads == 1) {
      annoy_ok = b.lib[LIB_ANNOY].ok;
      ours_ok = b.lib[LIB_OURS].ok;
    }
  if (annoy_ok) {
    log_msg("[%s] load ...\n", ds.name.c_str());
    benchmark_load(ds, annoy_file, o.load_reps, &rep);
    if (rep.error.empty()) benchmark_queries(ds, o, annoy_file, ours_ok ? our_file : "", &rep);
  } else {
    rep.error = "Annoy's build failed: no index file to query";
  }

  if (!o.keep_files)
    for (long trees : o.trees)
      for (long threads : o.threads)
        for (int lib : {LIB_ANNOY, LIB_OURS}) unlink(index_path(o, ds, lib, trees, threads).c_str());
  return rep;
}

}  // namespace

int main(int argc, char** argv) {
  // Fork the build server while this process is still small and has no threads.
  BuildServer server;
  server.start();

  Options o = parse_options(argc, argv);
  mkdir(o.workdir.c_str(), 0755);
  struct stat st;
  if (stat(o.workdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) die("cannot create %s", o.workdir.c_str());

  printf("Annoy %s (C++ header library) vs ours %s, through include/annoy.h\n", BENCH_ANNOY_VERSION, annoy_version());
  o.load_at_start = load_average();
  printf("Machine: %s, %u cores, load average %s at start.\n", cpu_model().c_str(),
         std::thread::hardware_concurrency(), o.load_at_start.c_str());
  printf("Driver and Annoy compiled with: %s (Annoy's SIMD path: %s)\n", BENCH_CXXFLAGS, annoy_simd());
  printf("Ratios: speed = Annoy time / our time, or our QPS / Annoy QPS (> 1: ours is faster);\n"
         "        memory and file size = ours / Annoy (<= 1: ours is no larger). Times: best of repetitions.\n");
  fflush(stdout);

  struct Gen {
    const char* name;
    Dataset (*fn)(size_t, size_t, uint64_t);
  };
  const Gen gens[] = {{"euclidean-128", gen_euclidean},
                      {"angular-384", gen_angular},
                      {"dot-64", gen_dot},
                      {"hamming-256", gen_hamming}};
  std::vector<DatasetReport> reports;
  uint64_t seed_step = 0;
  for (const Gen& g : gens) {
    seed_step++;
    if (!dataset_selected(o, g.name)) continue;
    log_msg("[%s] generating %zu + %zu vectors ...\n", g.name, o.n, o.nq);
    Dataset ds = g.fn(o.n, o.nq, o.data_seed + seed_step);
    reports.push_back(run_dataset(ds, o, server));
    print_dataset(reports.back());
    fflush(stdout);
  }
  for (const UserData& u : o.user) {
    log_msg("[%s] reading ...\n", u.path.c_str());
    Dataset ds = load_user_data(u.path, u.metric, o.max_n, o.nq, o.data_seed);
    reports.push_back(run_dataset(ds, o, server));
    print_dataset(reports.back());
    fflush(stdout);
  }
  server.stop();

  size_t mismatches = 0;
  for (const auto& r : reports) mismatches += r.mismatches();
  printf("\nTotal id mismatches against Annoy: %zu%s\n", mismatches, mismatches ? "  <-- must be 0" : "");
  printf("Load average at end: %s\n", load_average().c_str());
  if (!o.json_path.empty()) {
    write_json(o.json_path, o, reports);
    printf("JSON report: %s\n", o.json_path.c_str());
  }
  if (o.keep_files) printf("Files kept in %s\n", o.workdir.c_str());
  else rmdir(o.workdir.c_str());
  return mismatches == 0 ? 0 : 1;
}

/*
 * annoy_test.h: the few helpers the C tests share (checks, a seeded RNG, temporary
 * directories, brute-force distances). Header-only, so every test_<area>.c builds alone
 * (CMake, or `cargo test` through the cc crate). Include it first: it sets _GNU_SOURCE.
 *
 * Checks:
 *   CHECK(cond) / CHECK_MSG(cond, fmt, ...)  non-fatal: prints "FAIL file:line: ..." and counts
 *   REQUIRE(cond)                            fatal: prints and exits 1
 *   OK(fn, args...)                          calls fn(args..., &err); fatal unless ANNOY_OK
 *   EXPECT(code, fn, args...)                calls fn(args..., &err); checks the status, that
 *                                            an error object came back with the same code and a
 *                                            non-empty message, then frees it
 * End main() with `return test_finish();`: it prints "<test>: N checks, M failed" and returns
 * non-zero when anything failed.
 */
#ifndef ANNOY_TEST_H
#define ANNOY_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "annoy.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GNUC__)
#define TEST_UNUSED __attribute__((unused))
#else
#define TEST_UNUSED
#endif

static const char *test_name_ = "test";
static long test_checks_ = 0;
static long test_failures_ = 0;
/* Bit c is set once EXPECT has seen status code c returned. */
static unsigned long test_seen_codes_ = 0;

static TEST_UNUSED void test_begin(const char *name) {
    test_name_ = name;
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static TEST_UNUSED int test_finish(void) {
    printf("%s: %ld checks, %ld failed\n", test_name_, test_checks_, test_failures_);
    if (test_failures_ != 0) {
        fprintf(stderr, "%s: FAILED (%ld failed checks)\n", test_name_, test_failures_);
        return 1;
    }
    return 0;
}

#define CHECK_MSG(cond, ...)                                                        \
    do {                                                                            \
        test_checks_++;                                                             \
        if (!(cond)) {                                                              \
            test_failures_++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                    \
        }                                                                           \
    } while (0)

#define CHECK(cond) CHECK_MSG(cond, "check failed")

#define REQUIRE(cond)                                                               \
    do {                                                                            \
        test_checks_++;                                                             \
        if (!(cond)) {                                                              \
            fprintf(stderr, "FAIL %s:%d: %s (fatal)\n", __FILE__, __LINE__, #cond); \
            fprintf(stderr, "%s: FAILED\n", test_name_);                            \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

static TEST_UNUSED void test_fatal_status(const char *file, int line, const char *call,
                                          annoy_status got, annoy_error *err) {
    fprintf(stderr, "FAIL %s:%d: %s returned %d (%s): %s (fatal)\n", file, line, call, (int)got,
            annoy_status_str((int32_t)got), annoy_error_message(err));
    fprintf(stderr, "%s: FAILED\n", test_name_);
    annoy_error_free(err);
    exit(1);
}

/* Calls fn(..., &err); anything but ANNOY_OK ends the test. */
#define OK(fn, ...)                                                                 \
    do {                                                                            \
        annoy_error *ok_err_ = NULL;                                                \
        annoy_status ok_s_ = fn(__VA_ARGS__, &ok_err_);                             \
        test_checks_++;                                                             \
        if (ok_s_ != ANNOY_OK)                                                      \
            test_fatal_status(__FILE__, __LINE__, #fn, ok_s_, ok_err_);             \
        if (ok_err_ != NULL) {                                                      \
            test_failures_++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s succeeded but set an error object\n",   \
                    __FILE__, __LINE__, #fn);                                       \
            annoy_error_free(ok_err_);                                              \
        }                                                                           \
    } while (0)

static TEST_UNUSED void test_expect_status(const char *file, int line, const char *call,
                                           annoy_status want, annoy_status got,
                                           annoy_error *err) {
    test_checks_++;
    if ((int)got >= 0 && (int)got < 64)
        test_seen_codes_ |= 1ul << (int)got;
    if (got != want) {
        test_failures_++;
        fprintf(stderr, "FAIL %s:%d: %s returned %d (%s), expected %d (%s); message: %s\n",
                file, line, call, (int)got, annoy_status_str((int32_t)got), (int)want,
                annoy_status_str((int32_t)want), err ? annoy_error_message(err) : "(none)");
    } else if (want == ANNOY_OK) {
        if (err != NULL) {
            test_failures_++;
            fprintf(stderr, "FAIL %s:%d: %s succeeded but set an error object\n", file, line,
                    call);
        }
    } else if (err == NULL) {
        test_failures_++;
        fprintf(stderr, "FAIL %s:%d: %s failed with %s but gave no error object\n", file, line,
                call, annoy_status_str((int32_t)want));
    } else {
        const char *msg = annoy_error_message(err);
        if (annoy_error_status(err) != want) {
            test_failures_++;
            fprintf(stderr, "FAIL %s:%d: %s: error object carries %d, status was %d\n", file,
                    line, call, (int)annoy_error_status(err), (int)want);
        }
        if (msg == NULL || msg[0] == '\0') {
            test_failures_++;
            fprintf(stderr, "FAIL %s:%d: %s: error message is empty\n", file, line, call);
        }
        if (getenv("ANNOY_TEST_VERBOSE"))
            printf("  %s -> %s: %s\n", call, annoy_status_str((int32_t)got), msg);
    }
    annoy_error_free(err);
}

/* Calls fn(..., &err) and checks it returns `code` (with a matching error object). */
#define EXPECT(code, fn, ...)                                                       \
    do {                                                                            \
        annoy_error *ex_err_ = NULL;                                                \
        annoy_status ex_s_ = fn(__VA_ARGS__, &ex_err_);                             \
        test_expect_status(__FILE__, __LINE__, #fn "(" #__VA_ARGS__ ")", (code),    \
                           ex_s_, ex_err_);                                         \
    } while (0)

/* ---- sizes: ANNOY_TEST_SMALL=1 (set for valgrind runs) shrinks the workloads ---- */

static TEST_UNUSED bool test_small(void) {
    const char *s = getenv("ANNOY_TEST_SMALL");
    return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0;
}

/* ---- deterministic random numbers (splitmix64) ---- */

typedef struct {
    uint64_t s;
} test_rng;

static TEST_UNUSED uint64_t rng_next(test_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static TEST_UNUSED double rng_uniform(test_rng *r) {
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal (Box-Muller). */
static TEST_UNUSED double rng_normal(test_rng *r) {
    double u = rng_uniform(r), v = rng_uniform(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- metrics ---- */

static const int32_t test_metrics[] = {ANNOY_METRIC_ANGULAR, ANNOY_METRIC_EUCLIDEAN,
                                       ANNOY_METRIC_MANHATTAN, ANNOY_METRIC_DOT,
                                       ANNOY_METRIC_HAMMING};
#define TEST_N_METRICS 5

static TEST_UNUSED const char *metric_name(int32_t m) {
    switch (m) {
    case ANNOY_METRIC_ANGULAR: return "angular";
    case ANNOY_METRIC_EUCLIDEAN: return "euclidean";
    case ANNOY_METRIC_MANHATTAN: return "manhattan";
    case ANNOY_METRIC_DOT: return "dot";
    case ANNOY_METRIC_HAMMING: return "hamming";
    default: return "unknown";
    }
}

/* Fills `n` vectors of `dim` values: clustered gaussians, or 0/1 bits for hamming. */
static TEST_UNUSED void fill_data(int32_t metric, float *data, size_t n, size_t dim,
                                  uint64_t seed) {
    test_rng r = {seed};
    size_t n_centers = 8;
    float *centers = (float *)malloc(n_centers * dim * sizeof(float));
    for (size_t i = 0; i < n_centers * dim; i++)
        centers[i] = (float)(metric == ANNOY_METRIC_HAMMING ? (rng_uniform(&r) < 0.5)
                                                            : 3.0 * rng_normal(&r));
    for (size_t i = 0; i < n; i++) {
        const float *c = centers + (rng_next(&r) % n_centers) * dim;
        for (size_t k = 0; k < dim; k++) {
            if (metric == ANNOY_METRIC_HAMMING)
                data[i * dim + k] = rng_uniform(&r) < 0.1 ? 1.0f - c[k] : c[k];
            else
                data[i * dim + k] = c[k] + (float)rng_normal(&r);
        }
    }
    free(centers);
}

/* The distance the metric reports, by the textbook formula, in double precision.
 * Dot reports the dot product itself (larger is nearer), as Annoy does. */
static TEST_UNUSED double hand_distance(int32_t metric, const float *a, const float *b,
                                        size_t dim) {
    double acc = 0, pp = 0, qq = 0;
    switch (metric) {
    case ANNOY_METRIC_ANGULAR:
        for (size_t k = 0; k < dim; k++) {
            acc += (double)a[k] * b[k];
            pp += (double)a[k] * a[k];
            qq += (double)b[k] * b[k];
        }
        if (pp <= 0 || qq <= 0)
            return sqrt(2.0);
        {
            double d = 2.0 - 2.0 * acc / sqrt(pp * qq);
            return sqrt(d > 0 ? d : 0);
        }
    case ANNOY_METRIC_EUCLIDEAN:
        for (size_t k = 0; k < dim; k++)
            acc += ((double)a[k] - b[k]) * ((double)a[k] - b[k]);
        return sqrt(acc);
    case ANNOY_METRIC_MANHATTAN:
        for (size_t k = 0; k < dim; k++)
            acc += fabs((double)a[k] - b[k]);
        return acc;
    case ANNOY_METRIC_DOT:
        for (size_t k = 0; k < dim; k++)
            acc += (double)a[k] * b[k];
        return acc;
    case ANNOY_METRIC_HAMMING:
        for (size_t k = 0; k < dim; k++)
            acc += ((a[k] > 0.5f) != (b[k] > 0.5f));
        return acc;
    }
    return NAN;
}

/* True when distance a ranks strictly before b in this metric. */
static TEST_UNUSED bool nearer(int32_t metric, double a, double b) {
    return metric == ANNOY_METRIC_DOT ? a > b : a < b;
}

static TEST_UNUSED bool close_enough(double got, double want, double rel) {
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    return fabs(got - want) <= rel * scale;
}

/* Builds an in-memory index over `data` (n × dim). */
static TEST_UNUSED annoy_index *make_index(int32_t metric, size_t dim, const float *data,
                                           size_t n, int32_t n_trees, uint64_t seed) {
    annoy_index *idx = NULL;
    OK(annoy_new, metric, dim, &idx);
    OK(annoy_set_seed, idx, seed);
    for (size_t i = 0; i < n; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
    OK(annoy_build, idx, n_trees, 1);
    return idx;
}

/* ---- temporary directory, removed by test_tmp_cleanup() ---- */

static char test_tmp_dir_[4096];

static TEST_UNUSED const char *test_tmp(void) {
    if (test_tmp_dir_[0] == '\0') {
        const char *base = getenv("TMPDIR");
        if (base == NULL || base[0] == '\0')
            base = "/tmp";
        snprintf(test_tmp_dir_, sizeof test_tmp_dir_, "%s/annoy_c_test_XXXXXX", base);
        REQUIRE(mkdtemp(test_tmp_dir_) != NULL);
    }
    return test_tmp_dir_;
}

/* A path inside the temporary directory; the returned buffer is static per call site use. */
static TEST_UNUSED void test_path(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", test_tmp(), name);
}

static int test_rm_entry_(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static TEST_UNUSED void test_tmp_cleanup(void) {
    if (test_tmp_dir_[0] != '\0') {
        nftw(test_tmp_dir_, test_rm_entry_, 16, FTW_DEPTH | FTW_PHYS);
        test_tmp_dir_[0] = '\0';
    }
}

static TEST_UNUSED long file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (long)st.st_size;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 when one cannot be read. */
static TEST_UNUSED int files_equal(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int result = -1;
    if (fa && fb) {
        char ba[65536], bb[65536];
        result = 1;
        for (;;) {
            size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
            if (na != nb || memcmp(ba, bb, na) != 0) {
                result = 0;
                break;
            }
            if (na == 0)
                break;
        }
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return result;
}

#endif /* ANNOY_TEST_H */

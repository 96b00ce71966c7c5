/*
 * Errors and misuse: every status code the API can produce, from every function that can
 * produce it. Each failing call must return the code, hand back an error object carrying the
 * same code and a non-empty message, leave its outputs untouched, print nothing, and leave
 * the library usable. Also: annoy_status_str for every code and unknown ones, the panic
 * boundary (annoy_selftest_panic), and error calls with err == NULL.
 */
#include "annoy_test.h"

#include <fcntl.h>

#define DIM 4
static const float V[DIM] = {1, 2, 3, 4};

/* An index of 20 items, built (or not). */
static annoy_index *small_index(int32_t metric, bool build) {
    annoy_index *idx = NULL;
    OK(annoy_new, metric, DIM, &idx);
    for (uint32_t i = 0; i < 20; i++) {
        float v[DIM] = {(float)i, (float)(i % 3), (float)(i % 5), 1};
        OK(annoy_add, idx, i, v, DIM);
    }
    if (build)
        OK(annoy_build, idx, 3, 1);
    return idx;
}

static void status_codes_are_stable_and_described(void) {
    /* the numbers are ABI: never renumbered */
    CHECK(ANNOY_OK == 0);
    CHECK(ANNOY_E_NULL == 1 && ANNOY_E_INVALID_ARGUMENT == 2 && ANNOY_E_DIMENSION == 3);
    CHECK(ANNOY_E_NOT_FINITE == 4 && ANNOY_E_UNKNOWN_ITEM == 5 && ANNOY_E_STATE == 6);
    CHECK(ANNOY_E_IO == 7 && ANNOY_E_CORRUPT == 8 && ANNOY_E_BUFFER_TOO_SMALL == 9);
    CHECK(ANNOY_E_UNKNOWN_METRIC == 10 && ANNOY_E_PANIC == 11);
    const char *unknown = annoy_status_str(-1);
    REQUIRE(unknown != NULL);
    CHECK_MSG(strcmp(unknown, "unknown status code") == 0, "status_str(-1) = %s", unknown);
    const int32_t others[] = {12, 13, 100, -2, INT32_MIN, INT32_MAX};
    for (size_t k = 0; k < sizeof others / sizeof *others; k++)
        CHECK_MSG(annoy_status_str(others[k]) != NULL &&
                      strcmp(annoy_status_str(others[k]), unknown) == 0,
                  "status_str(%d) = %s", others[k], annoy_status_str(others[k]));
    for (int32_t c = 0; c <= ANNOY_E_PANIC; c++) {
        const char *s = annoy_status_str(c);
        REQUIRE(s != NULL);
        CHECK_MSG(s[0] != '\0' && strcmp(s, unknown) != 0, "status_str(%d) = '%s'", c, s);
        CHECK_MSG(annoy_status_str(c) == s, "status_str(%d) is not a static string", c);
        for (int32_t d = 0; d < c; d++)
            CHECK_MSG(strcmp(annoy_status_str(d), s) != 0, "codes %d and %d share '%s'", d, c, s);
    }
}

static void frees_of_null_are_no_ops(void) {
    annoy_free(NULL);
    annoy_scratch_free(NULL);
    annoy_error_free(NULL);
    CHECK(annoy_error_status(NULL) == ANNOY_E_NULL);
    CHECK(annoy_error_message(NULL) != NULL && annoy_error_message(NULL)[0] == '\0');
}

static void new_rejects_bad_arguments(void) {
    annoy_index *sentinel = (annoy_index *)(uintptr_t)0x1;
    annoy_index *idx = sentinel;
    EXPECT(ANNOY_E_NULL, annoy_new, ANNOY_METRIC_ANGULAR, DIM, NULL);
    const int32_t bad_metrics[] = {-1, 5, 6, 100, INT32_MIN, INT32_MAX};
    for (size_t k = 0; k < sizeof bad_metrics / sizeof *bad_metrics; k++) {
        EXPECT(ANNOY_E_UNKNOWN_METRIC, annoy_new, bad_metrics[k], DIM, &idx);
        CHECK(idx == sentinel);
    }
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_new, ANNOY_METRIC_ANGULAR, 0, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_new, ANNOY_METRIC_EUCLIDEAN, SIZE_MAX, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_new, ANNOY_METRIC_HAMMING, ((size_t)1 << 20) + 1, &idx);
    CHECK_MSG(idx == sentinel, "a failed annoy_new wrote its output");
    /* without an error object the code still comes back */
    CHECK(annoy_new(77, DIM, &idx, NULL) == ANNOY_E_UNKNOWN_METRIC);
    CHECK(annoy_new(ANNOY_METRIC_DOT, 0, &idx, NULL) == ANNOY_E_INVALID_ARGUMENT);
    CHECK(idx == sentinel);
}

static void null_handles_give_e_null(void) {
    size_t n = 0;
    int32_t m = 0;
    float d = 0, out[DIM];
    uint32_t ids[4];
    size_t counts[1];
    EXPECT(ANNOY_E_NULL, annoy_set_seed, NULL, 1);
    EXPECT(ANNOY_E_NULL, annoy_set_dot_layout, NULL, ANNOY_DOT_LAYOUT_ANNOY_1_17);
    EXPECT(ANNOY_E_NULL, annoy_add, NULL, 0, V, DIM);
    EXPECT(ANNOY_E_NULL, annoy_on_disk_build, NULL, "/tmp/x.ann");
    EXPECT(ANNOY_E_NULL, annoy_build, NULL, 1, 1);
    EXPECT(ANNOY_E_NULL, annoy_unbuild, NULL);
    EXPECT(ANNOY_E_NULL, annoy_save, NULL, "/tmp/x.ann", false);
    EXPECT(ANNOY_E_NULL, annoy_load, NULL, "/tmp/x.ann", false);
    EXPECT(ANNOY_E_NULL, annoy_unload, NULL);
    EXPECT(ANNOY_E_NULL, annoy_query, NULL, V, DIM, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query_by_item, NULL, 0, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query_batch, NULL, V, 1, DIM, 4, -1, 1, ids, NULL, counts);
    EXPECT(ANNOY_E_NULL, annoy_get_item, NULL, 0, out, DIM);
    EXPECT(ANNOY_E_NULL, annoy_distance, NULL, 0, 1, &d);
    EXPECT(ANNOY_E_NULL, annoy_n_items, NULL, &n);
    EXPECT(ANNOY_E_NULL, annoy_n_trees, NULL, &n);
    EXPECT(ANNOY_E_NULL, annoy_dim, NULL, &n);
    EXPECT(ANNOY_E_NULL, annoy_metric, NULL, &m);
    EXPECT(ANNOY_E_NULL, annoy_scratch_new, NULL);
    annoy_scratch *scratch = NULL;
    OK(annoy_scratch_new, &scratch);
    EXPECT(ANNOY_E_NULL, annoy_query_with_scratch, NULL, scratch, V, DIM, 4, -1, ids, NULL, 4, &n);
    annoy_scratch_free(scratch);
}

static void null_buffers_and_out_pointers_give_e_null(void) {
    annoy_index *idx = small_index(ANNOY_METRIC_EUCLIDEAN, true);
    uint32_t ids[4] = {7, 7, 7, 7};
    size_t n = 0, counts[2] = {9, 9};
    EXPECT(ANNOY_E_NULL, annoy_add, idx, 0, NULL, DIM); /* (ptr, len) pair: NULL only if len 0 */
    EXPECT(ANNOY_E_NULL, annoy_save, idx, NULL, false);
    EXPECT(ANNOY_E_NULL, annoy_load, idx, NULL, false);
    EXPECT(ANNOY_E_NULL, annoy_on_disk_build, idx, NULL);
    EXPECT(ANNOY_E_NULL, annoy_query, idx, NULL, DIM, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query, idx, V, DIM, 4, -1, NULL, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query, idx, V, DIM, 4, -1, ids, NULL, 4, NULL);
    EXPECT(ANNOY_E_NULL, annoy_query_by_item, idx, 0, 4, -1, NULL, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query_by_item, idx, 0, 4, -1, ids, NULL, 4, NULL);
    EXPECT(ANNOY_E_NULL, annoy_query_with_scratch, idx, NULL, V, DIM, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_NULL, annoy_query_batch, idx, NULL, 2, DIM, 2, -1, 1, ids, NULL, counts);
    EXPECT(ANNOY_E_NULL, annoy_query_batch, idx, V, 1, DIM, 2, -1, 1, NULL, NULL, counts);
    EXPECT(ANNOY_E_NULL, annoy_query_batch, idx, V, 1, DIM, 2, -1, 1, ids, NULL, NULL);
    EXPECT(ANNOY_E_NULL, annoy_get_item, idx, 0, NULL, DIM);
    EXPECT(ANNOY_E_NULL, annoy_distance, idx, 0, 1, NULL);
    EXPECT(ANNOY_E_NULL, annoy_n_items, idx, NULL);
    EXPECT(ANNOY_E_NULL, annoy_n_trees, idx, NULL);
    EXPECT(ANNOY_E_NULL, annoy_dim, idx, NULL);
    EXPECT(ANNOY_E_NULL, annoy_metric, idx, NULL);
    CHECK_MSG(ids[0] == 7 && ids[3] == 7 && counts[0] == 9 && counts[1] == 9,
              "a failed call wrote into an output buffer");
    annoy_free(idx);
}

static void wrong_lengths_and_values(void) {
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, DIM, &idx);
    float five[5] = {1, 2, 3, 4, 5}, out[DIM] = {5, 5, 5, 5};
    EXPECT(ANNOY_E_DIMENSION, annoy_add, idx, 0, five, 5);
    EXPECT(ANNOY_E_DIMENSION, annoy_add, idx, 0, five, 3);
    EXPECT(ANNOY_E_DIMENSION, annoy_add, idx, 0, NULL, 0);
    float nan_v[DIM] = {1, NAN, 3, 4}, inf_v[DIM] = {1, 2, -INFINITY, 4};
    EXPECT(ANNOY_E_NOT_FINITE, annoy_add, idx, 0, nan_v, DIM);
    EXPECT(ANNOY_E_NOT_FINITE, annoy_add, idx, 0, inf_v, DIM);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_add, idx, UINT32_MAX, V, DIM);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_add, idx, (uint32_t)INT32_MAX, V, DIM);
    size_t n = 1;
    OK(annoy_n_items, idx, &n);
    CHECK_MSG(n == 0, "rejected adds changed n_items to %zu", n);
    annoy_free(idx);

    idx = small_index(ANNOY_METRIC_ANGULAR, true);
    uint32_t ids[8];
    for (int k = 0; k < 8; k++)
        ids[k] = 12345;
    size_t got = 777;
    EXPECT(ANNOY_E_DIMENSION, annoy_query, idx, five, 5, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_DIMENSION, annoy_query, idx, five, 3, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_DIMENSION, annoy_query, idx, NULL, 0, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_NOT_FINITE, annoy_query, idx, nan_v, DIM, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_NOT_FINITE, annoy_query, idx, inf_v, DIM, 4, -1, ids, NULL, 8, &got);
    /* A search_k below -1 is not an error but an unlimited search (test_query_options.c). */
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_query_by_item, idx, 20, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_query_by_item, idx, UINT32_MAX, 4, -1, ids, NULL, 8, &got);
    EXPECT(ANNOY_E_DIMENSION, annoy_get_item, idx, 0, out, DIM + 1);
    EXPECT(ANNOY_E_DIMENSION, annoy_get_item, idx, 0, out, DIM - 1);
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_get_item, idx, 20, out, DIM);
    float d = 42;
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_distance, idx, 0, 20, &d);
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_distance, idx, UINT32_MAX, 0, &d);
    CHECK_MSG(got == 777 && ids[0] == 12345 && out[0] == 5 && d == 42,
              "failed calls wrote their outputs");

    /* batch: dimension, values, threads, sizes that overflow */
    float qs[2 * DIM] = {1, 2, 3, 4, 4, 3, NAN, 1};
    size_t counts[2] = {5, 5};
    EXPECT(ANNOY_E_DIMENSION, annoy_query_batch, idx, qs, 2, DIM + 1, 4, -1, 1, ids, NULL, counts);
    EXPECT(ANNOY_E_NOT_FINITE, annoy_query_batch, idx, qs, 2, DIM, 4, -1, 1, ids, NULL, counts);
    CHECK_MSG(counts[0] == 5 && ids[0] == 12345, "batch wrote results before checking all vectors");
    qs[6] = 2;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_batch, idx, qs, 2, DIM, 4, -1, 0, ids, NULL, counts);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_batch, idx, qs, 2, DIM, 4, -1, -2, ids, NULL, counts);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_batch, idx, qs, SIZE_MAX / 2, DIM, 4, -1, 1, ids,
           NULL, counts);
    annoy_free(idx);
}

/* n_queries × n that fits a size_t but not memory: no buffer can hold it, so the call must
 * refuse it rather than address the caller's buffer past its end (or before its start: the
 * byte offset of row 1 wraps around). The ids buffer sits inside guards to see any stray write. */
static void batch_rejects_result_sizes_no_buffer_can_hold(void) {
    annoy_index *idx = small_index(ANNOY_METRIC_EUCLIDEAN, true);
    const float qs[2 * DIM] = {1, 2, 3, 4, 4, 3, 2, 1};
    uint32_t *guarded = (uint32_t *)malloc(96 * sizeof(uint32_t));
    for (int k = 0; k < 96; k++)
        guarded[k] = 0xA5A5A5A5u;
    uint32_t *ids = guarded + 32;
    size_t counts[2] = {5, 5};
    const size_t huge[] = {SIZE_MAX / 2, SIZE_MAX / 4 + 1, ((size_t)1 << 62) + 1};
    for (size_t h = 0; h < sizeof huge / sizeof *huge; h++) {
        EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_batch, idx, qs, 2, DIM, huge[h], -1, 1, ids,
               NULL, counts);
        int stray = 0;
        for (int k = 0; k < 96; k++)
            stray += guarded[k] != 0xA5A5A5A5u;
        CHECK_MSG(stray == 0, "n = %zu: batch wrote %d entries around/into a buffer it could not "
                  "own (first before the buffer: %s)", huge[h], stray,
                  guarded[31] != 0xA5A5A5A5u ? "yes" : "no");
        for (int k = 0; k < 96; k++)
            guarded[k] = 0xA5A5A5A5u;
    }
    free(guarded);
    annoy_free(idx);
}

static void buffer_too_small_reports_the_size_needed(void) {
    annoy_index *idx = small_index(ANNOY_METRIC_MANHATTAN, true);
    uint32_t ids[10] = {0};
    float dists[10] = {0};
    size_t need = 0;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query, idx, V, DIM, 10, -1, ids, dists, 3, &need);
    CHECK_MSG(need == 10, "needed size reported as %zu, expected 10", need);
    need = 0;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query_by_item, idx, 2, 6, -1, ids, NULL, 5, &need);
    CHECK_MSG(need == 6, "needed size reported as %zu, expected 6", need);
    need = 0;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query, idx, V, DIM, 1, -1, NULL, NULL, 0, &need);
    CHECK(need == 1);
    annoy_scratch *s = NULL;
    OK(annoy_scratch_new, &s);
    need = 0;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query_with_scratch, idx, s, V, DIM, 4, -1, ids, NULL, 2,
           &need);
    CHECK(need == 4);
    /* with the reported size it works */
    OK(annoy_query_with_scratch, idx, s, V, DIM, 4, -1, ids, NULL, need, &need);
    CHECK(need == 4);
    annoy_scratch_free(s);
    /* asking for more neighbours than there are items needs room for the items only */
    uint32_t all[20];
    need = 0;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query, idx, V, DIM, 50, INT64_MAX, all, NULL, 19, &need);
    CHECK_MSG(need == 20, "n = 50 of 20 items: needed size reported as %zu, expected 20", need);
    OK(annoy_query, idx, V, DIM, 50, INT64_MAX, all, NULL, 20, &need);
    CHECK_MSG(need == 20, "n = 50 of 20 items into 20 slots: %zu results", need);
    annoy_free(idx);
}

static void calls_in_the_wrong_state(void) {
    char path[4200], bad_dir[4200];
    test_path(path, sizeof path, "state.ann");
    test_path(bad_dir, sizeof bad_dir, "missing_dir/x.ann");
    uint32_t ids[4];
    size_t n = 0, counts[1];

    annoy_index *idx = small_index(ANNOY_METRIC_EUCLIDEAN, false);
    /* not built: no queries, no save; the items are readable */
    EXPECT(ANNOY_E_STATE, annoy_query, idx, V, DIM, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_STATE, annoy_query_by_item, idx, 0, 4, -1, ids, NULL, 4, &n);
    EXPECT(ANNOY_E_STATE, annoy_query_batch, idx, V, 1, DIM, 4, -1, 1, ids, NULL, counts);
    EXPECT(ANNOY_E_STATE, annoy_save, idx, path, false);
    EXPECT(ANNOY_E_STATE, annoy_on_disk_build, idx, path); /* items already added */
    float out[DIM];
    OK(annoy_get_item, idx, 19, out, DIM);
    OK(annoy_build, idx, 2, 1);
    /* built: no adds, no second build */
    EXPECT(ANNOY_E_STATE, annoy_add, idx, 20, V, DIM);
    EXPECT(ANNOY_E_STATE, annoy_build, idx, 2, 1);
    annoy_free(idx);

    /* invalid build arguments */
    idx = small_index(ANNOY_METRIC_EUCLIDEAN, false);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build, idx, 0, 1);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build, idx, -2, 1);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build, idx, 2, 0);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build, idx, 2, -3);
    OK(annoy_build, idx, 2, 1); /* still buildable after the rejected calls */
    annoy_free(idx);

    /* on-disk build into a directory that does not exist */
    idx = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, DIM, &idx);
    EXPECT(ANNOY_E_IO, annoy_on_disk_build, idx, bad_dir);
    annoy_free(idx);

    /* dot layout: dot only, known numbers, before anything is added */
    idx = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, DIM, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_dot_layout, idx, ANNOY_DOT_LAYOUT_ANNOY_MAIN);
    annoy_free(idx);
    idx = NULL;
    OK(annoy_new, ANNOY_METRIC_DOT, DIM, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_dot_layout, idx, 2);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_dot_layout, idx, -1);
    OK(annoy_set_dot_layout, idx, ANNOY_DOT_LAYOUT_ANNOY_MAIN);
    OK(annoy_add, idx, 0, V, DIM);
    EXPECT(ANNOY_E_STATE, annoy_set_dot_layout, idx, ANNOY_DOT_LAYOUT_ANNOY_1_17);
    annoy_free(idx);
}

static void loading_a_bad_file_is_corrupt(void) {
    char path[4200];
    test_path(path, sizeof path, "garbage.ann");
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputs("this is not an index", f); /* 20 bytes: no whole 32-byte euclidean node */
    fclose(f);
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, DIM, &idx);
    EXPECT(ANNOY_E_CORRUPT, annoy_load, idx, path, false);
    EXPECT(ANNOY_E_IO, annoy_load, idx, "/nonexistent/dir/x.ann", false);
    annoy_free(idx);
}

/* Runs fn with stdout and stderr sent to a file; returns how many bytes were written. */
static long bytes_printed_by(void (*fn)(void)) {
    char path[4200];
    test_path(path, sizeof path, "printed.txt");
    fflush(stdout);
    fflush(stderr);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    fn();
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    close(fd);
    return file_size(path);
}

static annoy_status panic_status_;
static annoy_error *panic_err_;

static void panic_quietly(void) {
    panic_status_ = annoy_selftest_panic(&panic_err_);
    annoy_status again = annoy_selftest_panic(NULL);
    if (again != ANNOY_E_PANIC)
        panic_status_ = again;
    /* misuse is silent too */
    annoy_index *idx = NULL;
    annoy_new(99, 3, &idx, NULL);
    annoy_add(NULL, 0, NULL, 3, NULL);
    annoy_load(NULL, "/nonexistent", false, NULL);
}

static void panics_become_e_panic_silently(void) {
    long printed = bytes_printed_by(panic_quietly);
    CHECK_MSG(panic_status_ == ANNOY_E_PANIC, "annoy_selftest_panic returned %d (%s)",
              (int)panic_status_, annoy_status_str((int32_t)panic_status_));
    test_seen_codes_ |= 1ul << ANNOY_E_PANIC;
    REQUIRE(panic_err_ != NULL);
    CHECK(annoy_error_status(panic_err_) == ANNOY_E_PANIC);
    const char *msg = annoy_error_message(panic_err_);
    CHECK_MSG(msg != NULL && strstr(msg, "annoy_selftest_panic") != NULL, "panic message: %s",
              msg ? msg : "(null)");
    annoy_error_free(panic_err_);
    CHECK_MSG(printed == 0, "the library printed %ld bytes during a panic and misuse", printed);

    /* the library still works afterwards */
    annoy_index *idx = small_index(ANNOY_METRIC_DOT, true);
    uint32_t ids[3];
    size_t n = 0;
    OK(annoy_query, idx, V, DIM, 3, -1, ids, NULL, 3, &n);
    CHECK(n == 3);
    annoy_free(idx);
}

static void every_error_code_was_produced(void) {
    for (int c = 1; c <= ANNOY_E_PANIC; c++)
        CHECK_MSG(test_seen_codes_ & (1ul << c), "no test produced status %d (%s)", c,
                  annoy_status_str(c));
}

int main(void) {
    test_begin("test_errors");
    status_codes_are_stable_and_described();
    frees_of_null_are_no_ops();
    new_rejects_bad_arguments();
    null_handles_give_e_null();
    null_buffers_and_out_pointers_give_e_null();
    wrong_lengths_and_values();
    batch_rejects_result_sizes_no_buffer_can_hold();
    buffer_too_small_reports_the_size_needed();
    calls_in_the_wrong_state();
    loading_a_bad_file_is_corrupt();
    panics_become_e_panic_silently();
    every_error_code_was_produced();
    test_tmp_cleanup();
    return test_finish();
}

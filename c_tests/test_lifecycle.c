/*
 * Life cycle of an index through the C API: new → add → build → query → unbuild → add more →
 * rebuild → save → load → unload → load again → free, for every metric; getters; seeds give
 * reproducible files; the thread count does not change the file; on-disk build; holes and
 * re-added ids; NULL frees are no-ops; the version macros agree with annoy_version().
 */
#include "annoy_test.h"

static void version_macros_match_runtime(void) {
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", ANNOY_VERSION_MAJOR, ANNOY_VERSION_MINOR,
             ANNOY_VERSION_PATCH);
    const char *got = annoy_version();
    REQUIRE(got != NULL);
    CHECK_MSG(strcmp(got, want) == 0, "annoy_version() = %s, macros say %s", got, want);
    CHECK(ANNOY_VERSION_NUMBER ==
          ANNOY_VERSION_MAJOR * 1000000 + ANNOY_VERSION_MINOR * 1000 + ANNOY_VERSION_PATCH);
    CHECK_MSG(annoy_version_number() == ANNOY_VERSION_NUMBER,
              "annoy_version_number() = %u, macro %u", (unsigned)annoy_version_number(),
              (unsigned)ANNOY_VERSION_NUMBER);
#if ANNOY_VERSION_NUMBER < 1000
#error "ANNOY_VERSION_NUMBER is not usable in #if"
#endif
}

static void frees_of_null_are_no_ops(void) {
    annoy_free(NULL);
    annoy_scratch_free(NULL);
    annoy_error_free(NULL);
    CHECK(annoy_error_status(NULL) == ANNOY_E_NULL);
    CHECK(annoy_error_message(NULL) != NULL && annoy_error_message(NULL)[0] == '\0');
}

static void new_index_reports_its_settings(int32_t metric) {
    annoy_index *idx = NULL;
    OK(annoy_new, metric, 7, &idx);
    REQUIRE(idx != NULL);
    size_t n = 99, dim = 0;
    int32_t m = -1;
    OK(annoy_n_items, idx, &n);
    CHECK(n == 0);
    OK(annoy_n_trees, idx, &n);
    CHECK(n == 0);
    OK(annoy_dim, idx, &dim);
    CHECK(dim == 7);
    OK(annoy_metric, idx, &m);
    CHECK_MSG(m == metric, "metric %d, asked %d", m, metric);
    annoy_free(idx);
}

/* The full cycle for one metric. */
static int32_t state_of(const annoy_index *idx) {
    int32_t state = -1;
    OK(annoy_state, idx, &state);
    return state;
}

static void full_cycle(int32_t metric) {
    const size_t dim = 12, n1 = 150, n2 = 60;
    float *data = (float *)malloc((n1 + n2) * dim * sizeof(float));
    fill_data(metric, data, n1 + n2, dim, 1000 + (uint64_t)metric);
    char path[4200];
    snprintf(path, sizeof path, "%s/cycle_%s.ann", test_tmp(), metric_name(metric));

    annoy_index *idx = NULL;
    OK(annoy_new, metric, dim, &idx);
    OK(annoy_set_seed, idx, 7);
    CHECK(state_of(idx) == ANNOY_STATE_ADDING);
    for (size_t i = 0; i < n1; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
    size_t n = 0;
    OK(annoy_n_items, idx, &n);
    CHECK(n == n1);
    OK(annoy_build, idx, 5, 1);
    CHECK(state_of(idx) == ANNOY_STATE_BUILT);
    OK(annoy_n_trees, idx, &n);
    CHECK_MSG(n == 5, "%zu trees", n);

    uint32_t ids[10];
    float dists[10];
    size_t got = 0;
    OK(annoy_query_by_item, idx, 3, 10, -1, ids, dists, 10, &got);
    CHECK_MSG(got == 10, "%s: %zu results", metric_name(metric), got);
    if (metric != ANNOY_METRIC_DOT) /* an item is its own nearest neighbour (not so for dot) */
        CHECK_MSG(ids[0] == 3 || dists[0] == 0.0f, "%s: nearest to 3 is %u at %g",
                  metric_name(metric), ids[0], dists[0]);

    /* unbuild, add more, rebuild */
    OK(annoy_unbuild, idx);
    CHECK(state_of(idx) == ANNOY_STATE_ADDING);
    OK(annoy_n_trees, idx, &n);
    CHECK(n == 0);
    EXPECT(ANNOY_E_STATE, annoy_query_by_item, idx, 3, 10, -1, ids, dists, 10, &got);
    for (size_t i = n1; i < n1 + n2; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
    OK(annoy_n_items, idx, &n);
    CHECK(n == n1 + n2);
    OK(annoy_build, idx, -1, -1);
    OK(annoy_n_trees, idx, &n);
    CHECK_MSG(n >= 1, "automatic tree count gave %zu", n);
    OK(annoy_query, idx, data + (n1 + 5) * dim, dim, 10, -1, ids, dists, 10, &got);
    CHECK(got == 10);

    /* save: the index then serves from the file */
    OK(annoy_save, idx, path, false);
    CHECK(state_of(idx) == ANNOY_STATE_LOADED);
    CHECK(file_size(path) > 0);
    uint32_t ids_saved[10];
    size_t got_saved = 0;
    OK(annoy_query, idx, data + (n1 + 5) * dim, dim, 10, -1, ids_saved, NULL, 10, &got_saved);
    CHECK(got_saved == got && memcmp(ids, ids_saved, got * sizeof(uint32_t)) == 0);
    EXPECT(ANNOY_E_STATE, annoy_add, idx, 0, data, dim);

    /* unload empties it, keeping metric and dimension */
    OK(annoy_unload, idx);
    CHECK(state_of(idx) == ANNOY_STATE_ADDING);
    OK(annoy_n_items, idx, &n);
    CHECK(n == 0);
    OK(annoy_n_trees, idx, &n);
    CHECK(n == 0);
    size_t d = 0;
    OK(annoy_dim, idx, &d);
    CHECK(d == dim);
    EXPECT(ANNOY_E_STATE, annoy_query, idx, data, dim, 10, -1, ids, NULL, 10, &got);

    /* after unload the handle can be filled again, in memory */
    OK(annoy_add, idx, 0, data, dim);
    OK(annoy_add, idx, 1, data + dim, dim);
    OK(annoy_build, idx, 2, 1);
    OK(annoy_query_by_item, idx, 0, 2, -1, ids, NULL, 10, &got);
    CHECK(got == 2);

    /* load replaces what it held */
    OK(annoy_load, idx, path, true);
    CHECK(state_of(idx) == ANNOY_STATE_LOADED);
    OK(annoy_n_items, idx, &n);
    CHECK(n == n1 + n2);
    uint32_t ids_loaded[10];
    size_t got_loaded = 0;
    OK(annoy_query, idx, data + (n1 + 5) * dim, dim, 10, -1, ids_loaded, NULL, 10, &got_loaded);
    CHECK(got_loaded == got_saved && memcmp(ids_loaded, ids_saved, got_saved * 4) == 0);
    annoy_free(idx);
    free(data);
}

/* Same seed → byte-identical files; 1 and 2 build threads → the same file too. */
static void seeds_and_threads_make_reproducible_files(void) {
    const size_t dim = 8, n = 300;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n, dim, 5);
    char a[4200], b[4200], c[4200], e[4200];
    test_path(a, sizeof a, "seed_a.ann");
    test_path(b, sizeof b, "seed_b.ann");
    test_path(c, sizeof c, "seed_c.ann");
    test_path(e, sizeof e, "seed_e.ann");
    const char *paths[4] = {a, b, c, e};
    const uint64_t seeds[4] = {123, 123, 123, 124};
    const int32_t threads[4] = {1, 1, 2, 1};
    for (int k = 0; k < 4; k++) {
        annoy_index *idx = NULL;
        OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &idx);
        OK(annoy_set_seed, idx, seeds[k]);
        for (size_t i = 0; i < n; i++)
            OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
        OK(annoy_build, idx, 6, threads[k]);
        OK(annoy_save, idx, paths[k], false);
        annoy_free(idx);
    }
    CHECK_MSG(files_equal(a, b) == 1, "same seed, different files");
    CHECK_MSG(files_equal(a, c) == 1, "1 vs 2 build threads gave different files");
    CHECK_MSG(files_equal(a, e) == 0, "different seeds gave identical files");
    free(data);
}

/* on_disk_build writes the index straight into its file. */
static void on_disk_build_writes_the_file(void) {
    const size_t dim = 10, n = 400;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_ANGULAR, data, n, dim, 9);
    char disk[4200], mem[4200];
    test_path(disk, sizeof disk, "on_disk.ann");
    test_path(mem, sizeof mem, "in_memory.ann");

    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, dim, &idx);
    OK(annoy_set_seed, idx, 3);
    OK(annoy_on_disk_build, idx, disk);
    for (size_t i = 0; i < n; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
    OK(annoy_build, idx, 4, 1);
    uint32_t ids_disk[5], ids_mem[5];
    size_t got_disk = 0, got_mem = 0;
    OK(annoy_query_by_item, idx, 17, 5, -1, ids_disk, NULL, 5, &got_disk);
    annoy_free(idx);
    CHECK(file_size(disk) > 0);

    annoy_index *m = make_index(ANNOY_METRIC_ANGULAR, dim, data, n, 4, 3);
    OK(annoy_save, m, mem, false);
    OK(annoy_query_by_item, m, 17, 5, -1, ids_mem, NULL, 5, &got_mem);
    annoy_free(m);
    CHECK_MSG(files_equal(disk, mem) == 1, "on-disk build differs from in-memory build + save");
    CHECK(got_disk == got_mem && memcmp(ids_disk, ids_mem, got_mem * 4) == 0);

    /* the file loads like any other */
    annoy_index *l = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, dim, &l);
    OK(annoy_load, l, disk, false);
    size_t items = 0;
    OK(annoy_n_items, l, &items);
    CHECK(items == n);
    annoy_free(l);
    free(data);
}

/* Holes read as zeros, count towards n_items; re-adding an id replaces its vector. */
static void holes_and_replaced_items(void) {
    annoy_index *idx = NULL;
    const float v1[3] = {1, 2, 3}, v2[3] = {4, 5, 6};
    float out[3] = {9, 9, 9};
    size_t n = 0;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, 3, &idx);
    OK(annoy_add, idx, 10, v1, 3);
    OK(annoy_n_items, idx, &n);
    CHECK_MSG(n == 11, "n_items %zu after adding id 10", n);
    OK(annoy_get_item, idx, 4, out, 3);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);
    OK(annoy_add, idx, 10, v2, 3);
    OK(annoy_get_item, idx, 10, out, 3);
    CHECK(out[0] == 4 && out[1] == 5 && out[2] == 6);
    OK(annoy_n_items, idx, &n);
    CHECK(n == 11);
    float d = -1;
    OK(annoy_distance, idx, 4, 10, &d);
    CHECK_MSG(close_enough(d, sqrt(16.0 + 25 + 36), 1e-6), "distance %g", d);
    OK(annoy_build, idx, 3, 1);
    uint32_t ids[11];
    size_t got = 0;
    OK(annoy_query, idx, v2, 3, 11, -1, ids, NULL, 11, &got);
    CHECK(got >= 1 && ids[0] == 10);
    annoy_free(idx);
}

/* Hamming: `dim` counts bits; get_item gives 0/1 per bit. */
static void hamming_items_read_back_as_bits(void) {
    const size_t bits = 70;
    float v[70], out[70];
    for (size_t k = 0; k < bits; k++)
        v[k] = (float)((k * 7) % 3 == 0);
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_HAMMING, bits, &idx);
    OK(annoy_add, idx, 0, v, bits);
    OK(annoy_get_item, idx, 0, out, bits);
    CHECK(memcmp(v, out, sizeof v) == 0);
    annoy_free(idx);
}

/* An index with no items builds (as Annoy does), saves, loads and answers with nothing. */
static void empty_index_round_trip(void) {
    char path[4200];
    test_path(path, sizeof path, "empty.ann");
    annoy_index *idx = NULL, *loaded = NULL;
    const float v[3] = {1, 2, 3};
    uint32_t ids[3];
    size_t n = 99;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, 3, &idx);
    OK(annoy_build, idx, 5, 1);
    OK(annoy_query, idx, v, 3, 3, -1, ids, NULL, 3, &n);
    CHECK_MSG(n == 0, "empty index returned %zu results", n);
    OK(annoy_save, idx, path, false);
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, 3, &loaded);
    OK(annoy_load, loaded, path, false);
    OK(annoy_n_items, loaded, &n);
    CHECK(n == 0);
    n = 99;
    OK(annoy_query, loaded, v, 3, 3, INT64_MAX, ids, NULL, 3, &n);
    CHECK_MSG(n == 0, "loaded empty index returned %zu results", n);
    annoy_free(loaded);
    annoy_free(idx);
}

/* What the progress callback saw, and when it cancels. */
struct progress_log {
    size_t calls, last_done, wanted, cancel_at;
    int went_back;
};

static int32_t log_progress(size_t done, size_t wanted, void *user_data) {
    struct progress_log *log = (struct progress_log *)user_data;
    if (log->calls > 0 && done < log->last_done)
        log->went_back = 1;
    log->calls++;
    log->last_done = done;
    log->wanted = wanted;
    return done >= log->cancel_at ? 1 : 0;
}

static void build_progress_and_cancel(void) {
    const size_t dim = 16, n = 3000;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n, dim, 77);
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &idx);
    for (size_t i = 0; i < n; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);

    /* cancelled at once, and after three trees: ANNOY_E_CANCELLED, unbuilt, items intact */
    size_t cancel_points[2] = {0, 3};
    for (int c = 0; c < 2; c++) {
        struct progress_log log = {0, 0, 0, cancel_points[c], 0};
        EXPECT(ANNOY_E_CANCELLED, annoy_build_with_progress, idx, 30, 2, log_progress, &log);
        CHECK(log.calls >= 1 && log.wanted == 30 && !log.went_back);
        int32_t state = -1;
        OK(annoy_state, idx, &state);
        CHECK(state == ANNOY_STATE_ADDING);
        size_t got = 99;
        OK(annoy_n_trees, idx, &got);
        CHECK(got == 0);
        float back[16];
        OK(annoy_get_item, idx, 5, back, dim);
        CHECK(memcmp(back, data + 5 * dim, sizeof back) == 0);
    }
    /* not cancelled: every tree reported, the last report is the whole count */
    struct progress_log log = {0, 0, 0, (size_t)-1, 0};
    OK(annoy_build_with_progress, idx, 6, 2, log_progress, &log);
    CHECK_MSG(log.last_done == 6 && log.wanted == 6 && !log.went_back,
              "last report %zu of %zu", log.last_done, log.wanted);
    size_t trees = 0;
    OK(annoy_n_trees, idx, &trees);
    CHECK(trees == 6);
    /* NULL callback: a plain build */
    OK(annoy_unbuild, idx);
    OK(annoy_build_with_progress, idx, 2, 1, NULL, NULL);
    CHECK(strcmp(annoy_status_str(ANNOY_E_CANCELLED), "cancelled by the caller") == 0);
    annoy_free(idx);
    free(data);
}

int main(void) {
    test_begin("test_lifecycle");
    build_progress_and_cancel();
    version_macros_match_runtime();
    frees_of_null_are_no_ops();
    for (int m = 0; m < TEST_N_METRICS; m++) {
        new_index_reports_its_settings(test_metrics[m]);
        full_cycle(test_metrics[m]);
    }
    seeds_and_threads_make_reproducible_files();
    on_disk_build_writes_the_file();
    holes_and_replaced_items();
    hamming_items_read_back_as_bits();
    empty_index_round_trip();
    test_tmp_cleanup();
    return test_finish();
}

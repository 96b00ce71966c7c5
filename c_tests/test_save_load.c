/*
 * Save and load, for every metric: answers, counts and item vectors are the same before
 * saving, after saving (the index then serves from the file) and after loading into a fresh
 * handle, with and without prefault. Saving a loaded index copies its file byte for byte.
 * Saving over a file another handle has mapped leaves that handle reading the old contents
 * (write + rename). Bad files and paths give ANNOY_E_IO / ANNOY_E_CORRUPT and leave the
 * index as it was. Both dot-metric file layouts round-trip.
 */
#include "annoy_test.h"

#define NQ 12
#define K 8

typedef struct {
    uint32_t ids[NQ * 2][K];
    float dists[NQ * 2][K];
    size_t counts[NQ * 2];
} answers;

/* Queries by vector (queries 0..NQ) and by item (ids 0, 7, 14, ...). */
static void ask(const annoy_index *idx, const float *queries, size_t dim, answers *a) {
    memset(a, 0, sizeof *a);
    for (size_t q = 0; q < NQ; q++) {
        OK(annoy_query, idx, queries + q * dim, dim, K, -1, a->ids[q], a->dists[q], K,
           &a->counts[q]);
        OK(annoy_query_by_item, idx, (uint32_t)(q * 7), K, -1, a->ids[NQ + q], a->dists[NQ + q],
           K, &a->counts[NQ + q]);
    }
}

static bool same_answers(const answers *a, const answers *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

static void counts_are(const annoy_index *idx, size_t items, size_t trees, const char *what) {
    size_t n = 0;
    OK(annoy_n_items, idx, &n);
    CHECK_MSG(n == items, "%s: n_items %zu, expected %zu", what, n, items);
    OK(annoy_n_trees, idx, &n);
    CHECK_MSG(n == trees, "%s: n_trees %zu, expected %zu", what, n, trees);
}

static void round_trip(int32_t metric) {
    const size_t dim = metric == ANNOY_METRIC_HAMMING ? 100 : 16, n = 500;
    const char *name = metric_name(metric);
    float *data = (float *)malloc(n * dim * sizeof(float));
    float *queries = (float *)malloc(NQ * dim * sizeof(float));
    float *vec = (float *)malloc(dim * sizeof(float));
    fill_data(metric, data, n, dim, 11);
    fill_data(metric, queries, NQ, dim, 12);
    char path[4200], copy[4200];
    snprintf(path, sizeof path, "%s/%s.ann", test_tmp(), name);
    snprintf(copy, sizeof copy, "%s/%s_copy.ann", test_tmp(), name);

    static answers built, saved, loaded;
    annoy_index *idx = make_index(metric, dim, data, n, 7, 99);
    ask(idx, queries, dim, &built);
    OK(annoy_save, idx, path, false);
    ask(idx, queries, dim, &saved);
    CHECK_MSG(same_answers(&built, &saved), "%s: answers changed by save", name);
    counts_are(idx, n, 7, name);

    for (int prefault = 0; prefault < 2; prefault++) {
        annoy_index *l = NULL;
        OK(annoy_new, metric, dim, &l);
        OK(annoy_load, l, path, prefault != 0);
        ask(l, queries, dim, &loaded);
        CHECK_MSG(same_answers(&built, &loaded), "%s: loaded (prefault %d) answers differ", name,
                  prefault);
        counts_are(l, n, 7, name);
        for (uint32_t i = 0; i < n; i += 37) {
            OK(annoy_get_item, l, i, vec, dim);
            CHECK_MSG(memcmp(vec, data + (size_t)i * dim, dim * sizeof(float)) == 0,
                      "%s: item %u changed through save/load", name, i);
        }
        /* a loaded index is read-only */
        EXPECT(ANNOY_E_STATE, annoy_add, l, 0, data, dim);
        EXPECT(ANNOY_E_STATE, annoy_build, l, 3, 1);
        EXPECT(ANNOY_E_STATE, annoy_unbuild, l);
        /* saving a loaded index copies its file */
        if (prefault) {
            OK(annoy_save, l, copy, true);
            CHECK_MSG(files_equal(path, copy) == 1, "%s: saved copy of a loaded index differs",
                      name);
            ask(l, queries, dim, &loaded);
            CHECK(same_answers(&built, &loaded));
        }
        annoy_free(l);
    }
    annoy_free(idx);
    free(vec);
    free(queries);
    free(data);
}

/* Replacing a file that another handle has mapped: the old handle keeps the old index. */
static void save_over_a_mapped_file_keeps_old_readers_intact(void) {
    const size_t dim = 8, n = 300;
    float *a = (float *)malloc(n * dim * sizeof(float));
    float *b = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, a, n, dim, 1);
    fill_data(ANNOY_METRIC_EUCLIDEAN, b, n, dim, 2);
    char path[4200];
    test_path(path, sizeof path, "replaced.ann");

    static answers old_answers, after, fresh;
    annoy_index *ia = make_index(ANNOY_METRIC_EUCLIDEAN, dim, a, n, 4, 1);
    OK(annoy_save, ia, path, false);
    annoy_index *reader = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &reader);
    OK(annoy_load, reader, path, false);
    ask(reader, a, dim, &old_answers);

    annoy_index *ib = make_index(ANNOY_METRIC_EUCLIDEAN, dim, b, n, 4, 1);
    OK(annoy_save, ib, path, false);
    ask(reader, a, dim, &after);
    CHECK_MSG(same_answers(&old_answers, &after), "a reader saw the file change under it");

    annoy_index *r2 = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &r2);
    OK(annoy_load, r2, path, false);
    ask(r2, a, dim, &fresh);
    CHECK_MSG(!same_answers(&old_answers, &fresh), "the new file was not written");
    annoy_free(r2);
    annoy_free(reader);
    annoy_free(ib);
    annoy_free(ia);
    free(b);
    free(a);
}

static void write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(len == 0 || fwrite(bytes, 1, len, f) == len);
    REQUIRE(fclose(f) == 0);
}

/* Bad files and paths give codes; the index keeps what it had. */
static void bad_files_give_codes_and_change_nothing(void) {
    const size_t dim = 6, n = 200;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_ANGULAR, data, n, dim, 3);
    char good[4200], truncated[4200], empty[4200], missing[4200], nodir[4200];
    test_path(good, sizeof good, "good.ann");
    test_path(truncated, sizeof truncated, "truncated.ann");
    test_path(empty, sizeof empty, "empty.ann");
    test_path(missing, sizeof missing, "does_not_exist.ann");
    test_path(nodir, sizeof nodir, "no/such/dir/x.ann");

    static answers before, after;
    annoy_index *idx = make_index(ANNOY_METRIC_ANGULAR, dim, data, n, 5, 2);
    ask(idx, data, dim, &before);
    EXPECT(ANNOY_E_IO, annoy_save, idx, nodir, false);
    ask(idx, data, dim, &after);
    CHECK_MSG(same_answers(&before, &after), "a failed save changed the index");
    OK(annoy_save, idx, good, false);

    long size = file_size(good);
    REQUIRE(size > 1);
    char *bytes = (char *)malloc((size_t)size);
    FILE *f = fopen(good, "rb");
    REQUIRE(f && fread(bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    write_file(truncated, bytes, (size_t)size - 1);
    write_file(empty, bytes, 0);

    EXPECT(ANNOY_E_IO, annoy_load, idx, missing, false);
    EXPECT(ANNOY_E_IO, annoy_load, idx, test_tmp(), false); /* a directory */
    EXPECT(ANNOY_E_CORRUPT, annoy_load, idx, truncated, false);
    EXPECT(ANNOY_E_CORRUPT, annoy_load, idx, empty, false);
    ask(idx, data, dim, &after);
    CHECK_MSG(same_answers(&before, &after), "a failed load changed the index");

    /* the file of another dimension: 7 floats per node do not divide a 6-float file */
    annoy_index *other = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, dim + 1, &other);
    annoy_error *err = NULL;
    annoy_status s = annoy_load(other, good, false, &err);
    CHECK_MSG(s == ANNOY_E_CORRUPT, "loading a dim-%zu file as dim %zu gave %s", dim, dim + 1,
              annoy_status_str(s));
    annoy_error_free(err);
    annoy_free(other);

    free(bytes);
    annoy_free(idx);
    free(data);
}

/* Both dot layouts save and load; the default detects the layout of the file. */
static void dot_layouts_round_trip(void) {
    const size_t dim = 9, n = 250;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_DOT, data, n, dim, 4);
    const int32_t layouts[2] = {ANNOY_DOT_LAYOUT_ANNOY_1_17, ANNOY_DOT_LAYOUT_ANNOY_MAIN};
    for (int k = 0; k < 2; k++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/dot_layout_%d.ann", test_tmp(), k);
        static answers built, loaded;
        annoy_index *idx = NULL;
        OK(annoy_new, ANNOY_METRIC_DOT, dim, &idx);
        OK(annoy_set_dot_layout, idx, layouts[k]);
        OK(annoy_set_seed, idx, 8);
        for (size_t i = 0; i < n; i++)
            OK(annoy_add, idx, (uint32_t)i, data + i * dim, dim);
        OK(annoy_build, idx, 4, 1);
        ask(idx, data, dim, &built);
        OK(annoy_save, idx, path, false);
        annoy_free(idx);

        annoy_index *detect = NULL, *fixed = NULL;
        OK(annoy_new, ANNOY_METRIC_DOT, dim, &detect);
        OK(annoy_load, detect, path, false);
        ask(detect, data, dim, &loaded);
        CHECK_MSG(same_answers(&built, &loaded), "dot layout %d: detected load differs", k);
        OK(annoy_new, ANNOY_METRIC_DOT, dim, &fixed);
        OK(annoy_set_dot_layout, fixed, layouts[k]);
        OK(annoy_load, fixed, path, false);
        ask(fixed, data, dim, &loaded);
        CHECK_MSG(same_answers(&built, &loaded), "dot layout %d: explicit load differs", k);
        annoy_free(fixed);
        annoy_free(detect);
    }
    free(data);
}

int main(void) {
    test_begin("test_save_load");
    for (int m = 0; m < TEST_N_METRICS; m++)
        round_trip(test_metrics[m]);
    save_over_a_mapped_file_keeps_old_readers_intact();
    bad_files_give_codes_and_change_nothing();
    dot_layouts_round_trip();
    test_tmp_cleanup();
    return test_finish();
}

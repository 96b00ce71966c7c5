/*
 * The native format through C: a native file opens with no metric or dimension given (by
 * path, from a borrowed buffer, from a copied buffer) and answers exactly as the index that
 * wrote it; annoy_load takes either format; saving to a buffer is size-first and byte for byte
 * the file; metadata and external ids read back. Damaged files (truncated at every section
 * boundary and every 64 bytes, extended, a bit flipped in every byte, table entries swapped,
 * the metric changed) give an error from open or from verify, never a signal, and verify finds
 * every flipped bit. Items saved as f16 open the same ways and read back rounded.
 */
#include "annoy_test.h"

#define NQ 6
#define K 5

typedef struct {
    uint32_t ids[NQ][K];
    float dists[NQ][K];
    size_t counts[NQ];
} answers;

static void ask(const annoy_index *idx, const float *queries, size_t dim, answers *a) {
    memset(a, 0, sizeof *a);
    for (size_t q = 0; q < NQ; q++)
        OK(annoy_query, idx, queries + q * dim, dim, K, -1, a->ids[q], a->dists[q], K,
           &a->counts[q]);
}

static bool same_answers(const answers *a, const answers *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    REQUIRE(fseek(f, 0, SEEK_END) == 0);
    long size = ftell(f);
    REQUIRE(size > 0);
    rewind(f);
    unsigned char *buf = (unsigned char *)malloc((size_t)size);
    REQUIRE(buf != NULL);
    REQUIRE(fread(buf, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ANNOY_OK when `bytes` open (copied) and verify; otherwise the first failing status. */
static annoy_status open_and_verify(const unsigned char *bytes, size_t len) {
    annoy_index *idx = NULL;
    annoy_status s = annoy_open_buffer_copy(bytes, len, &idx, NULL);
    if (s != ANNOY_OK)
        return s;
    s = annoy_verify(idx, NULL);
    if (s == ANNOY_OK) {
        /* A file that passes must also answer. */
        float q[4] = {0.5f, -0.5f, 0.25f, 1.0f};
        uint32_t ids[K];
        size_t n = 0;
        s = annoy_query(idx, q, 4, K, -1, ids, NULL, K, &n, NULL);
    }
    annoy_free(idx);
    return s;
}

static void opens_without_metric_or_dimension(void) {
    const size_t dim = 12, n = 300;
    float *data = (float *)malloc(n * dim * sizeof(float));
    float *queries = (float *)malloc(NQ * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n, dim, 21);
    fill_data(ANNOY_METRIC_EUCLIDEAN, queries, NQ, dim, 22);
    char path[4200], annoy_path[4200];
    test_path(path, sizeof path, "euclidean.annoy-native");
    test_path(annoy_path, sizeof annoy_path, "euclidean.ann");

    annoy_index *built = make_index(ANNOY_METRIC_EUCLIDEAN, dim, data, n, 6, 5);
    int32_t format = 99;
    OK(annoy_file_format, built, &format);
    CHECK(format == ANNOY_FORMAT_NONE);
    static const char model[] = "all-MiniLM-L6-v2";
    OK(annoy_set_metadata, built, "model", (const unsigned char *)model, sizeof model - 1);
    OK(annoy_set_metadata, built, "empty", NULL, 0);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_metadata, built, "", NULL, 0);
    EXPECT(ANNOY_E_NULL, annoy_set_metadata, built, NULL, NULL, 0);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_save_as, built, path, 7, false);
    static answers want, got;
    ask(built, queries, dim, &want);

    /* Size first, then fill; a small buffer reports the size needed. */
    size_t size = 0, written = 0;
    OK(annoy_native_size, built, &size);
    CHECK(size > 0 && size % 64 == 0);
    unsigned char *small = (unsigned char *)malloc(16);
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_save_buffer, built, small, 16, &written);
    CHECK_MSG(written == size, "too-small buffer reported %zu, size is %zu", written, size);
    free(small);
    unsigned char *mem = (unsigned char *)aligned_alloc(64, size);
    REQUIRE(mem != NULL);
    OK(annoy_save_buffer, built, mem, size, &written);
    CHECK(written == size);

    OK(annoy_save_as, built, path, ANNOY_FORMAT_NATIVE, false);
    OK(annoy_file_format, built, &format);
    CHECK(format == ANNOY_FORMAT_NATIVE);
    size_t file_len = 0;
    unsigned char *file = read_all(path, &file_len);
    CHECK_MSG(file_len == size && memcmp(file, mem, size) == 0,
              "annoy_save_buffer and annoy_save_as(NATIVE) wrote different bytes");

    /* By path, borrowed and copied: same metric, dimension, answers and metadata. */
    annoy_index *opened[3] = {NULL, NULL, NULL};
    OK(annoy_open, path, false, &opened[0]);
    OK(annoy_open_buffer, mem, size, &opened[1]);
    OK(annoy_open_buffer_copy, file, file_len, &opened[2]);
    free(file); /* the copy must not need it */
    for (int i = 0; i < 3; i++) {
        int32_t metric = -1;
        size_t d = 0, items = 0;
        OK(annoy_metric, opened[i], &metric);
        OK(annoy_dim, opened[i], &d);
        OK(annoy_n_items, opened[i], &items);
        CHECK(metric == ANNOY_METRIC_EUCLIDEAN && d == dim && items == n);
        OK(annoy_file_format, opened[i], &format);
        CHECK(format == ANNOY_FORMAT_NATIVE);
        OK(annoy_verify, opened[i]);
        ask(opened[i], queries, dim, &got);
        CHECK_MSG(same_answers(&want, &got), "opening %d answers differently", i);

        unsigned char value[64];
        size_t len = 0;
        bool found = false;
        OK(annoy_get_metadata, opened[i], "model", value, sizeof value, &len, &found);
        CHECK(found && len == sizeof model - 1 && memcmp(value, model, len) == 0);
        EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_get_metadata, opened[i], "model", value, 3, &len,
               &found);
        CHECK(len == sizeof model - 1);
        OK(annoy_get_metadata, opened[i], "empty", NULL, 0, &len, &found);
        CHECK(found && len == 0);
        OK(annoy_get_metadata, opened[i], "missing", NULL, 0, &len, &found);
        CHECK(!found && len == 0);
        EXPECT(ANNOY_E_STATE, annoy_set_metadata, opened[i], "model", NULL, 0);

        /* No id map: external ids are the item numbers. */
        uint64_t ext = 0;
        uint32_t item = 0;
        OK(annoy_external_id, opened[i], 17, &ext);
        CHECK(ext == 17);
        OK(annoy_item_of_external_id, opened[i], 42, &item);
        CHECK(item == 42);
        EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_external_id, opened[i], (uint32_t)n, &ext);
        EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_item_of_external_id, opened[i], (uint64_t)n, &item);
    }
    for (int i = 0; i < 3; i++)
        annoy_free(opened[i]);

    /* A borrowed buffer must be 8-aligned. */
    unsigned char *shifted = (unsigned char *)aligned_alloc(64, size + 64);
    REQUIRE(shifted != NULL);
    memcpy(shifted + 1, mem, size);
    annoy_index *idx = NULL;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_open_buffer, shifted + 1, size, &idx);
    CHECK(idx == NULL);
    free(shifted);
    EXPECT(ANNOY_E_NULL, annoy_open_buffer, NULL, 10, &idx);
    EXPECT(ANNOY_E_CORRUPT, annoy_open_buffer_copy, mem, 0, &idx);
    EXPECT(ANNOY_E_NULL, annoy_open, NULL, false, &idx);

    /* annoy_load takes either format; a native file of another shape is refused. */
    OK(annoy_save_as, built, annoy_path, ANNOY_FORMAT_ANNOY, false);
    EXPECT(ANNOY_E_CORRUPT, annoy_open, annoy_path, false, &idx);
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &idx);
    OK(annoy_load, idx, path, false);
    ask(idx, queries, dim, &got);
    CHECK(same_answers(&want, &got));
    OK(annoy_load, idx, annoy_path, false);
    OK(annoy_file_format, idx, &format);
    CHECK(format == ANNOY_FORMAT_ANNOY);
    ask(idx, queries, dim, &got);
    CHECK(same_answers(&want, &got));
    OK(annoy_verify, idx);
    OK(annoy_load_buffer, idx, mem, size);
    OK(annoy_file_format, idx, &format);
    CHECK(format == ANNOY_FORMAT_NATIVE);
    annoy_free(idx);
    OK(annoy_new, ANNOY_METRIC_MANHATTAN, dim, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_load, idx, path, false);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_load_buffer, idx, mem, size);
    annoy_free(idx);
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim + 1, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_load, idx, path, false);
    annoy_free(idx);

    annoy_free(built);
    free(mem);
    free(data);
    free(queries);
}

static void damaged_files_are_refused(void) {
    const size_t dim = 4, n = 40;
    float data[40 * 4];
    fill_data(ANNOY_METRIC_ANGULAR, data, n, dim, 31);
    annoy_index *built = make_index(ANNOY_METRIC_ANGULAR, dim, data, n, 3, 9);
    OK(annoy_set_metadata, built, "k", (const unsigned char *)"v", 1);
    size_t size = 0, written = 0;
    OK(annoy_native_size, built, &size);
    unsigned char *good = (unsigned char *)malloc(size);
    unsigned char *bad = (unsigned char *)malloc(size + 64);
    REQUIRE(good && bad);
    OK(annoy_save_buffer, built, good, size, &written);
    annoy_free(built);
    CHECK(open_and_verify(good, size) == ANNOY_OK);

    /* Truncated at every section boundary, and at every multiple of 64 bytes. */
    uint32_t count = le32(good + 40);
    REQUIRE(count >= 3 && 64 + 32 * (size_t)count <= size);
    for (uint32_t s = 0; s < count; s++) {
        const unsigned char *e = good + 64 + 32 * s;
        uint64_t off = le64(e + 8), len = le64(e + 16);
        uint64_t cuts[4] = {off, off + len / 2, off + len, off + len - (len ? 1 : 0)};
        for (int c = 0; c < 4; c++) {
            if (cuts[c] >= size)
                continue;
            annoy_status st = open_and_verify(good, (size_t)cuts[c]);
            CHECK_MSG(st == ANNOY_E_CORRUPT, "cut at %" PRIu64 " (section %u): status %d",
                      cuts[c], s, (int)st);
        }
    }
    for (size_t cut = 0; cut < size; cut += 64)
        CHECK_MSG(open_and_verify(good, cut) == ANNOY_E_CORRUPT, "cut at %zu opened", cut);

    /* Extended. */
    memcpy(bad, good, size);
    memset(bad + size, 0, 64);
    CHECK(open_and_verify(bad, size + 64) == ANNOY_E_CORRUPT);

    /* One bit flipped in every byte (the bit varies with the offset): header, table,
     * metadata, items, forest and padding all covered. */
    size_t missed = 0, step = test_small() ? 7 : 1;
    for (size_t at = 0; at < size; at += step) {
        memcpy(bad, good, size);
        bad[at] ^= (unsigned char)(1u << (at % 8));
        annoy_status st = open_and_verify(bad, size);
        if (st != ANNOY_E_CORRUPT) {
            missed++;
            if (missed < 5)
                fprintf(stderr, "flip at byte %zu: status %d\n", at, (int)st);
        }
    }
    CHECK_MSG(missed == 0, "%zu flipped bits not reported as corrupt", missed);

    /* Two table entries swapped. */
    memcpy(bad, good, size);
    unsigned char entry[32];
    memcpy(entry, bad + 64, 32);
    memcpy(bad + 64, bad + 96, 32);
    memcpy(bad + 96, entry, 32);
    CHECK(open_and_verify(bad, size) == ANNOY_E_CORRUPT);

    /* The metric changed in META (angular → euclidean). */
    for (uint32_t s = 0; s < count; s++) {
        const unsigned char *e = good + 64 + 32 * s;
        if (le32(e) == 1) {
            memcpy(bad, good, size);
            bad[le64(e + 8)] = 1;
            CHECK(open_and_verify(bad, size) == ANNOY_E_CORRUPT);
        }
    }
    free(good);
    free(bad);
}

/* Sparse 64-bit ids: dense storage, answers mapped back, kept by the native file only. */
static void external_ids_map_results(void) {
    const size_t dim = 8, n = 2000;
    float *data = (float *)malloc(n * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n, dim, 41);
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, dim, &idx);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = (uint64_t)((i * 7919) % n) * 1500000u + 3; /* up to ~3e9 */
        OK(annoy_add_with_id, idx, id, data + i * dim, dim);
    }
    EXPECT(ANNOY_E_STATE, annoy_add, idx, 0, data, dim);
    OK(annoy_build, idx, 8, 1);
    size_t items = 0;
    OK(annoy_n_items, idx, &items);
    CHECK_MSG(items == n, "%zu items stored, expected %zu (no holes)", items, n);
    char path[4200];
    test_path(path, sizeof path, "sparse.ann");
    EXPECT(ANNOY_E_STATE, annoy_save_as, idx, path, ANNOY_FORMAT_ANNOY, false);
    test_path(path, sizeof path, "sparse.native");
    OK(annoy_save_as, idx, path, ANNOY_FORMAT_NATIVE, false);
    annoy_free(idx);
    OK(annoy_open, path, false, &idx);
    for (size_t i = 0; i < n; i += 97) {
        uint64_t id = (uint64_t)((i * 7919) % n) * 1500000u + 3, back = 0;
        uint32_t item = 0, nn[1];
        size_t got = 0;
        OK(annoy_item_of_external_id, idx, id, &item);
        OK(annoy_external_id, idx, item, &back);
        CHECK(back == id);
        /* An item's own vector finds itself. */
        OK(annoy_query, idx, data + i * dim, dim, 1, -1, nn, NULL, 1, &got);
        CHECK(got == 1 && nn[0] == item);
    }
    uint32_t item = 0;
    EXPECT(ANNOY_E_UNKNOWN_ITEM, annoy_item_of_external_id, idx, 4, &item);
    annoy_free(idx);
    free(data);
}

/* Sizes the caller controls return a status, never abort the host. */
static void hostile_sizes_return_a_status(void) {
    annoy_index *idx = NULL;
    float *big = (float *)calloc(1000, sizeof(float));
    big[0] = 1.0f;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, 1000, &idx);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_add, idx, (uint32_t)INT32_MAX - 1, big, 1000);
    annoy_free(idx);
    free(big);
    float data[50 * 4];
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, 50, 4, 51);
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, 4, &idx);
    for (uint32_t i = 0; i < 50; i++)
        OK(annoy_add, idx, i, data + 4 * i, 4);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build, idx, INT32_MAX, 1);
    OK(annoy_build, idx, 5, 100000);
    size_t trees = 0;
    OK(annoy_n_trees, idx, &trees);
    CHECK(trees == 5);
    annoy_free(idx);
}

/* f16 items: chosen with annoy_set_value_type, kept by files that open, widened by Annoy-format
 * saves; values come back within f16's rounding; hamming refuses f16. */
static void f16_items_round_trip(void) {
    const size_t dim = 12, n = 300;
    float *data = (float *)malloc(n * dim * sizeof(float));
    float *queries = (float *)malloc(NQ * dim * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n, dim, 31);
    fill_data(ANNOY_METRIC_EUCLIDEAN, queries, NQ, dim, 32);
    char path[4200], annoy_path[4200];
    test_path(path, sizeof path, "f16.annoy-native");
    test_path(annoy_path, sizeof annoy_path, "f16.ann");

    annoy_index *built = make_index(ANNOY_METRIC_EUCLIDEAN, dim, data, n, 6, 5);
    int32_t value_type = -1;
    OK(annoy_value_type, built, &value_type);
    CHECK(value_type == ANNOY_VALUE_TYPE_F32);
    size_t f32_size = 0, f16_size = 0;
    OK(annoy_native_size, built, &f32_size);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_value_type, built, 2);
    EXPECT(ANNOY_E_NULL, annoy_set_value_type, NULL, ANNOY_VALUE_TYPE_F16);
    EXPECT(ANNOY_E_NULL, annoy_value_type, built, NULL);
    OK(annoy_set_value_type, built, ANNOY_VALUE_TYPE_F16);
    OK(annoy_native_size, built, &f16_size);
    /* 2 bytes a value fewer, less what the next section's 64-byte alignment takes back. */
    CHECK_MSG(f32_size - f16_size > n * dim * 2 - 64, "f32 %zu, f16 %zu bytes", f32_size,
              f16_size);

    OK(annoy_save_as, built, path, ANNOY_FORMAT_NATIVE, false);
    OK(annoy_stored_value_type, built, &value_type);
    CHECK(value_type == ANNOY_VALUE_TYPE_F16);
    static answers want, got;
    ask(built, queries, dim, &want);
    annoy_index *opened = NULL;
    OK(annoy_open, path, false, &opened);
    OK(annoy_verify, opened);
    OK(annoy_value_type, opened, &value_type);
    CHECK(value_type == ANNOY_VALUE_TYPE_F16);
    ask(opened, queries, dim, &got);
    CHECK(same_answers(&want, &got));
    /* Each value is the nearest f16: within half a unit in the last of 11 bits. */
    float v[12];
    for (size_t i = 0; i < n; i++) {
        OK(annoy_get_item, opened, (uint32_t)i, v, dim);
        for (size_t j = 0; j < dim; j++) {
            float x = data[i * dim + j], err = fabsf(v[j] - x);
            CHECK_MSG(err <= fabsf(x) / 2048.0f + 3e-8f, "item %zu [%zu]: %g for %g", i, j,
                      (double)v[j], (double)x);
        }
    }
    /* Annoy's format is f32: the saved file loads as f32 and answers the same. */
    OK(annoy_save_as, opened, annoy_path, ANNOY_FORMAT_ANNOY, false);
    OK(annoy_stored_value_type, opened, &value_type);
    CHECK(value_type == ANNOY_VALUE_TYPE_F32);
    ask(opened, queries, dim, &got);
    CHECK(same_answers(&want, &got));
    annoy_free(opened);
    annoy_free(built);

    annoy_index *hamming = NULL;
    OK(annoy_new, ANNOY_METRIC_HAMMING, 64, &hamming);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_set_value_type, hamming, ANNOY_VALUE_TYPE_F16);
    annoy_free(hamming);
    free(data);
    free(queries);
}

int main(void) {
    test_begin("native");
    hostile_sizes_return_a_status();
    external_ids_map_results();
    opens_without_metric_or_dimension();
    damaged_files_are_refused();
    f16_items_round_trip();
    test_tmp_cleanup();
    return test_finish();
}

/*
 * The graph through the C API:
 * - annoy_build_graph before a build is ANNOY_E_STATE, on NULL ANNOY_E_NULL, with 0 or -2
 *   threads ANNOY_E_INVALID_ARGUMENT; a query setting ef on an index without a graph is
 *   ANNOY_E_STATE;
 * - after it, queries (default ef and ef 128) reach recall@10 >= 0.9 against brute force.
 *   The queries come from other cluster centres than the items (fill_data with another
 *   seed), so they fall between clusters: the hardest case for a graph (0.94 measured; 0.68
 *   before the forest gave the beam entry points);
 * - ef 0 and ef below -1 are ANNOY_E_INVALID_ARGUMENT;
 * - an allow-list returns only allowed items, and exactly the brute-force nearest of them;
 * - graphs built on 1 and 2 threads answer every query identically and give byte-identical
 *   native files; a native buffer opened again keeps the graph (annoy_graph_degree) and
 *   answers identically; cut inside the graph sections it is ANNOY_E_CORRUPT;
 *   annoy_drop_graph returns queries to the trees.
 */
#include "annoy_test.h"

#define DIM 16
#define K 10

/* The K nearest items to q (euclidean) among those `allow` allows (NULL: all). */
static void brute_force(const float *data, size_t n_items, const float *q, const uint64_t *allow,
                        uint32_t *out) {
    double best[K];
    size_t have = 0;
    for (size_t i = 0; i < n_items; i++) {
        if (allow && !(allow[i / 64] >> (i % 64) & 1))
            continue;
        double d = hand_distance(ANNOY_METRIC_EUCLIDEAN, data + i * DIM, q, DIM);
        size_t at = have < K ? have++ : K;
        while (at > 0 && best[at - 1] > d) {
            if (at < K) {
                best[at] = best[at - 1];
                out[at] = out[at - 1];
            }
            at--;
        }
        if (at < K) {
            best[at] = d;
            out[at] = (uint32_t)i;
        }
    }
}

static size_t overlap(const uint32_t *a, const uint32_t *b, size_t n) {
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            hits += a[i] == b[j];
    return hits;
}

int main(void) {
    test_begin("test_graph");
    const size_t n_items = test_small() ? 800 : 3000, n_queries = 40;
    float *data = (float *)malloc(n_items * DIM * sizeof(float));
    float *queries = (float *)malloc(n_queries * DIM * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n_items, DIM, 11);
    fill_data(ANNOY_METRIC_EUCLIDEAN, queries, n_queries, DIM, 12);

    annoy_index *fresh = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, DIM, &fresh);
    EXPECT(ANNOY_E_STATE, annoy_build_graph, fresh, 0, 1);
    annoy_free(fresh);
    EXPECT(ANNOY_E_NULL, annoy_build_graph, NULL, 0, 1);

    annoy_index *idx = make_index(ANNOY_METRIC_EUCLIDEAN, DIM, data, n_items, 1, 7);
    annoy_index *idx2 = make_index(ANNOY_METRIC_EUCLIDEAN, DIM, data, n_items, 1, 7);
    annoy_query_options opts;
    OK(annoy_query_options_init, &opts, sizeof opts);
    CHECK(opts.ef == ANNOY_EF_DEFAULT);
    opts.n = K;
    opts.ef = 64;
    uint32_t ids[K], ids2[K], want[K];
    size_t got, got2;
    EXPECT(ANNOY_E_STATE, annoy_query_with_options, idx, NULL, &opts, queries, DIM, ids, NULL, K,
           &got);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build_graph, idx, 0, 0);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_build_graph, idx, 0, -2);
    OK(annoy_build_graph, idx, 0, 1);
    OK(annoy_build_graph, idx2, 0, 2);

    annoy_scratch *scratch = NULL;
    OK(annoy_scratch_new, &scratch);
    const int64_t efs[] = {ANNOY_EF_DEFAULT, 128};
    for (size_t e = 0; e < 2; e++) {
        opts.ef = efs[e];
        size_t hits = 0;
        for (size_t q = 0; q < n_queries; q++) {
            const float *v = queries + q * DIM;
            OK(annoy_query_with_options, idx, scratch, &opts, v, DIM, ids, NULL, K, &got);
            OK(annoy_query_with_options, idx2, NULL, &opts, v, DIM, ids2, NULL, K, &got2);
            CHECK(got == K && got2 == K);
            CHECK(memcmp(ids, ids2, sizeof ids) == 0);
            brute_force(data, n_items, v, NULL, want);
            hits += overlap(ids, want, K);
        }
        double recall = (double)hits / (double)(K * n_queries);
        CHECK_MSG(recall >= 0.9, "ef %lld: recall@10 %.3f", (long long)efs[e], recall);
    }

    opts.ef = 0;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_with_options, idx, NULL, &opts, queries, DIM,
           ids, NULL, K, &got);
    opts.ef = -2;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_with_options, idx, NULL, &opts, queries, DIM,
           ids, NULL, K, &got);

    /* an allow-list of every fifth item: only those, the nearest of them */
    size_t words = (n_items + 63) / 64;
    uint64_t *allow = (uint64_t *)calloc(words, sizeof(uint64_t));
    for (size_t i = 0; i < n_items; i += 5)
        allow[i / 64] |= 1ull << (i % 64);
    opts.ef = 128;
    opts.allow = allow;
    opts.allow_words = words;
    size_t hits = 0;
    for (size_t q = 0; q < n_queries; q++) {
        const float *v = queries + q * DIM;
        OK(annoy_query_with_options, idx, scratch, &opts, v, DIM, ids, NULL, K, &got);
        CHECK(got == K);
        for (size_t j = 0; j < got; j++)
            CHECK(ids[j] % 5 == 0);
        brute_force(data, n_items, v, allow, want);
        hits += overlap(ids, want, K);
    }
    CHECK_MSG((double)hits / (double)(K * n_queries) >= 0.95, "filtered recall %.3f",
              (double)hits / (double)(K * n_queries));

    /* saved natively: byte-identical on 1 and 2 threads, and opened again with its graph */
    size_t degree = 0, size = 0, size2 = 0, len = 0;
    OK(annoy_graph_degree, idx, &degree);
    CHECK(degree > 0);
    OK(annoy_native_size, idx, &size);
    OK(annoy_native_size, idx2, &size2);
    CHECK(size == size2);
    uint8_t *file = (uint8_t *)malloc(size), *file2 = (uint8_t *)malloc(size);
    OK(annoy_save_buffer, idx, file, size, &len);
    OK(annoy_save_buffer, idx2, file2, size, &len);
    CHECK(memcmp(file, file2, size) == 0);
    annoy_index *reopened = NULL;
    OK(annoy_open_buffer_copy, file, size, &reopened);
    size_t degree2 = 0;
    OK(annoy_graph_degree, reopened, &degree2);
    CHECK(degree2 == degree);
    opts.allow = NULL;
    opts.allow_words = 0;
    opts.ef = 64;
    for (size_t q = 0; q < n_queries; q++) {
        const float *v = queries + q * DIM;
        OK(annoy_query_with_options, idx, NULL, &opts, v, DIM, ids, NULL, K, &got);
        OK(annoy_query_with_options, reopened, NULL, &opts, v, DIM, ids2, NULL, K, &got2);
        CHECK(got == got2 && memcmp(ids, ids2, sizeof ids) == 0);
    }
    /* tuning a graph tunes its beam width: at least n, reaching the target, and the recall
       annoy_estimate_recall measures at that width */
    int64_t effort = 0;
    double tuned_recall = 0, measured = 0;
    opts.n = K;
    OK(annoy_tune, reopened, &opts, 0.99, queries, n_queries, 0, 0, &effort, &tuned_recall,
       NULL);
    CHECK_MSG(effort >= (int64_t)K && tuned_recall >= 0.99, "ef %lld recall %.3f",
              (long long)effort, tuned_recall);
    opts.ef = effort;
    OK(annoy_estimate_recall, reopened, &opts, queries, n_queries, 0, 0, &measured, NULL);
    CHECK(measured == tuned_recall);
    opts.ef = 64;
    annoy_free(reopened);
    /* the graph's adjacency is the file's last section: cuts in it are corrupt */
    annoy_index *cut = NULL;
    EXPECT(ANNOY_E_CORRUPT, annoy_open_buffer_copy, file, size - 4, &cut);
    EXPECT(ANNOY_E_CORRUPT, annoy_open_buffer_copy, file, size - n_items, &cut);
    CHECK(cut == NULL);
    EXPECT(ANNOY_E_NULL, annoy_graph_degree, NULL, &degree);
    free(file);
    free(file2);

    /* dropped: queries walk the trees, and ef is refused again */
    OK(annoy_drop_graph, idx);
    OK(annoy_graph_degree, idx, &degree);
    CHECK(degree == 0);
    opts.allow = NULL;
    opts.allow_words = 0;
    EXPECT(ANNOY_E_STATE, annoy_query_with_options, idx, NULL, &opts, queries, DIM, ids, NULL, K,
           &got);
    EXPECT(ANNOY_E_NULL, annoy_drop_graph, NULL);

    annoy_scratch_free(scratch);
    free(allow);
    annoy_free(idx);
    annoy_free(idx2);
    free(data);
    free(queries);
    return test_finish();
}

/*
 * Batch and scratch queries give exactly what annoy_query gives:
 * - annoy_query_batch, for several thread counts (1, 2, 3, 7, one per core, more threads than
 *   queries) and every metric, equals one annoy_query per vector: ids, distances, counts;
 *   distances may be NULL; slots past a query's count are left as they were; zero queries or
 *   n = 0 succeed;
 * - annoy_query_with_scratch equals annoy_query, with one scratch reused across many queries,
 *   sizes and two indexes of different dimension.
 */
#include "annoy_test.h"

#define SENTINEL_ID 0xFFFFFFFFu

static void batch_equals_single_queries(int32_t metric) {
    const bool small = test_small();
    const size_t dim = metric == ANNOY_METRIC_HAMMING ? 64 : 20;
    const size_t n_items = small ? 300 : 3000, n_queries = small ? 13 : 101, n = 12;
    const char *name = metric_name(metric);
    float *data = (float *)malloc(n_items * dim * sizeof(float));
    float *queries = (float *)malloc(n_queries * dim * sizeof(float));
    fill_data(metric, data, n_items, dim, 31);
    fill_data(metric, queries, n_queries, dim, 32);
    annoy_index *idx = make_index(metric, dim, data, n_items, 8, 3);

    uint32_t *want_ids = (uint32_t *)malloc(n_queries * n * sizeof(uint32_t));
    float *want_d = (float *)malloc(n_queries * n * sizeof(float));
    size_t *want_c = (size_t *)malloc(n_queries * sizeof(size_t));
    const int64_t search_k = 200;
    for (size_t q = 0; q < n_queries; q++)
        OK(annoy_query, idx, queries + q * dim, dim, n, search_k, want_ids + q * n, want_d + q * n,
           n, &want_c[q]);

    uint32_t *ids = (uint32_t *)malloc(n_queries * n * sizeof(uint32_t));
    float *d = (float *)malloc(n_queries * n * sizeof(float));
    size_t *c = (size_t *)malloc(n_queries * sizeof(size_t));
    const int32_t thread_counts[] = {1, 2, 3, 7, -1, (int32_t)n_queries + 5};
    for (size_t t = 0; t < sizeof thread_counts / sizeof *thread_counts; t++) {
        for (int with_d = 0; with_d < 2; with_d++) {
            memset(ids, 0xEE, n_queries * n * sizeof(uint32_t));
            memset(d, 0xEE, n_queries * n * sizeof(float));
            OK(annoy_query_batch, idx, queries, n_queries, dim, n, search_k, thread_counts[t], ids,
               with_d ? d : NULL, c);
            size_t bad = 0;
            for (size_t q = 0; q < n_queries; q++) {
                if (c[q] != want_c[q] ||
                    memcmp(ids + q * n, want_ids + q * n, c[q] * sizeof(uint32_t)) != 0 ||
                    (with_d && memcmp(d + q * n, want_d + q * n, c[q] * sizeof(float)) != 0))
                    bad++;
            }
            CHECK_MSG(bad == 0, "%s: batch on %d threads (distances %s): %zu of %zu queries differ",
                      name, thread_counts[t], with_d ? "on" : "off", bad, n_queries);
            if (!with_d) {
                uint32_t untouched;
                memset(&untouched, 0xEE, sizeof untouched);
                CHECK_MSG(memcmp(&d[0], &untouched, 4) == 0,
                          "distances written although NULL was passed");
            }
        }
    }
    printf("%-9s batch of %zu queries equals %zu single queries for thread counts 1,2,3,7,-1,%zu\n",
           name, n_queries, n_queries, n_queries + 5);

    /* n beyond the items: counts say how many, the rest of each row is left alone */
    annoy_index *tiny = make_index(metric, dim, data, 5, 2, 1);
    uint32_t rows[3 * 8];
    size_t counts[3];
    for (int k = 0; k < 24; k++)
        rows[k] = SENTINEL_ID;
    OK(annoy_query_batch, tiny, queries, 3, dim, 8, INT64_MAX, 2, rows, NULL, counts);
    for (int q = 0; q < 3; q++) {
        CHECK_MSG(counts[q] == 5, "%s: %zu results from a 5-item index", name, counts[q]);
        for (int k = 5; k < 8; k++)
            CHECK_MSG(rows[q * 8 + k] == SENTINEL_ID, "%s: unused slot %d of row %d was written",
                      name, k, q);
    }
    annoy_free(tiny);

    /* nothing to do is fine */
    size_t one_count = 99;
    OK(annoy_query_batch, idx, NULL, 0, dim, n, -1, 2, NULL, NULL, NULL);
    OK(annoy_query_batch, idx, queries, 1, dim, 0, -1, 2, NULL, NULL, &one_count);
    CHECK_MSG(one_count == 0, "n = 0: count %zu", one_count);

    free(c);
    free(d);
    free(ids);
    free(want_c);
    free(want_d);
    free(want_ids);
    annoy_free(idx);
    free(queries);
    free(data);
}

static void scratch_equals_plain_query(void) {
    const size_t dims[2] = {16, 40};
    const bool small = test_small();
    annoy_scratch *scratch = NULL;
    OK(annoy_scratch_new, &scratch);
    long compared = 0;
    for (int k = 0; k < 2; k++) {
        const size_t dim = dims[k], n_items = small ? 200 : 2000, n_queries = small ? 20 : 200;
        float *data = (float *)malloc(n_items * dim * sizeof(float));
        float *queries = (float *)malloc(n_queries * dim * sizeof(float));
        fill_data(ANNOY_METRIC_EUCLIDEAN, data, n_items, dim, 40 + (uint64_t)k);
        fill_data(ANNOY_METRIC_EUCLIDEAN, queries, n_queries, dim, 50 + (uint64_t)k);
        annoy_index *idx = make_index(ANNOY_METRIC_EUCLIDEAN, dim, data, n_items, 6, 9);
        for (size_t q = 0; q < n_queries; q++) {
            /* vary n and search_k so the scratch grows and shrinks */
            size_t n = 1 + (q * 7) % 25;
            int64_t search_k = q % 3 == 0 ? -1 : (int64_t)(50 + q * 3);
            uint32_t a_ids[32], b_ids[32];
            float a_d[32], b_d[32];
            size_t a_n = 0, b_n = 0;
            OK(annoy_query, idx, queries + q * dim, dim, n, search_k, a_ids, a_d, 32, &a_n);
            OK(annoy_query_with_scratch, idx, scratch, queries + q * dim, dim, n, search_k, b_ids,
               b_d, 32, &b_n);
            CHECK_MSG(a_n == b_n && memcmp(a_ids, b_ids, a_n * 4) == 0 &&
                          memcmp(a_d, b_d, a_n * 4) == 0,
                      "dim %zu query %zu: scratch answer differs", dim, q);
            compared++;
        }
        annoy_free(idx);
        free(queries);
        free(data);
    }
    annoy_scratch_free(scratch);
    printf("annoy_query_with_scratch equals annoy_query on %ld queries (one scratch, two indexes)\n",
           compared);
}

int main(void) {
    test_begin("test_batch");
    for (int m = 0; m < TEST_N_METRICS; m++)
        batch_equals_single_queries(test_metrics[m]);
    scratch_equals_plain_query();
    return test_finish();
}

/*
 * Build and query, for every metric, checked against brute force computed here in C:
 * - with unlimited search_k (INT64_MAX) a query is exact: the k-th distance equals the
 *   brute-force k-th distance, and every distance matches the textbook formula;
 * - with a bounded search_k recall@10 stays high (and is printed with the default's);
 * - results come nearest first; an item is its own nearest neighbour (not for dot);
 * - annoy_distance and annoy_get_item agree with the data; edge sizes (n = 0, search_k = 0,
 *   n > n_items) behave as in Annoy; distances may be omitted (NULL).
 */
#include "annoy_test.h"

#define K 10

typedef struct {
    double d;
    uint32_t id;
} scored;

static int32_t sort_metric_;

static int cmp_scored(const void *pa, const void *pb) {
    const scored *a = (const scored *)pa, *b = (const scored *)pb;
    if (nearer(sort_metric_, a->d, b->d))
        return -1;
    if (nearer(sort_metric_, b->d, a->d))
        return 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Brute-force top-k of query q over data (n × dim), into best[0..k). */
static void brute_force(int32_t metric, const float *data, size_t n, size_t dim, const float *q,
                        scored *all, scored *best, size_t k) {
    for (size_t i = 0; i < n; i++) {
        all[i].d = hand_distance(metric, q, data + i * dim, dim);
        all[i].id = (uint32_t)i;
    }
    sort_metric_ = metric;
    qsort(all, n, sizeof *all, cmp_scored);
    memcpy(best, all, k * sizeof *best);
}

static double tolerance(int32_t metric) {
    /* angular near 0 loses precision in 2 - 2cos (float32 inside the library) */
    return metric == ANNOY_METRIC_ANGULAR ? 2e-3 : 1e-4;
}

static void metric_case(int32_t metric) {
    const bool small = test_small();
    const size_t dim = metric == ANNOY_METRIC_HAMMING ? 72 : 24;
    const size_t n = small ? 300 : 2000, n_queries = small ? 8 : 40;
    const int32_t n_trees = 10;
    const char *name = metric_name(metric);
    float *data = (float *)malloc(n * dim * sizeof(float));
    float *queries = (float *)malloc(n_queries * dim * sizeof(float));
    scored *all = (scored *)malloc(n * sizeof(scored));
    fill_data(metric, data, n, dim, 77);
    fill_data(metric, queries, n_queries, dim, 78);
    annoy_index *idx = make_index(metric, dim, data, n, n_trees, 42);

    size_t hits_default = 0, hits_bounded = 0;
    const int64_t bounded_k = (int64_t)(small ? n : n / 2);
    for (size_t qi = 0; qi < n_queries; qi++) {
        const float *q = queries + qi * dim;
        scored best[K];
        brute_force(metric, data, n, dim, q, all, best, K);

        uint32_t ids[K];
        float dists[K];
        size_t got = 0;
        OK(annoy_query, idx, q, dim, K, INT64_MAX, ids, dists, K, &got);
        CHECK_MSG(got == K, "%s: %zu results", name, got);
        for (size_t r = 0; r < got; r++) {
            double want = hand_distance(metric, q, data + (size_t)ids[r] * dim, dim);
            CHECK_MSG(close_enough(dists[r], want, tolerance(metric)),
                      "%s q%zu r%zu: id %u distance %.7g, formula %.7g", name, qi, r, ids[r],
                      dists[r], want);
            CHECK_MSG(close_enough(dists[r], best[r].d, tolerance(metric)),
                      "%s q%zu: exact search rank %zu has %.7g, brute force %.7g (id %u vs %u)",
                      name, qi, r, dists[r], best[r].d, ids[r], best[r].id);
            if (r > 0)
                CHECK_MSG(!nearer(metric, dists[r], dists[r - 1]),
                          "%s q%zu: results out of order at %zu", name, qi, r);
        }

        /* the same query without distances gives the same ids */
        uint32_t ids2[K];
        size_t got2 = 0;
        OK(annoy_query, idx, q, dim, K, INT64_MAX, ids2, NULL, K, &got2);
        CHECK(got2 == got && memcmp(ids, ids2, got * sizeof *ids) == 0);

        /* recall of the approximate searches */
        const int64_t ks[2] = {ANNOY_SEARCH_K_DEFAULT, bounded_k};
        for (int which = 0; which < 2; which++) {
            OK(annoy_query, idx, q, dim, K, ks[which], ids, NULL, K, &got);
            for (size_t r = 0; r < got; r++) {
                double d = hand_distance(metric, q, data + (size_t)ids[r] * dim, dim);
                /* a hit: at least as near as the true K-th neighbour (ties count) */
                bool hit = !nearer(metric, best[K - 1].d, d) ||
                           close_enough(d, best[K - 1].d, tolerance(metric));
                if (which == 0)
                    hits_default += hit;
                else
                    hits_bounded += hit;
            }
        }
    }
    double recall_default = (double)hits_default / (double)(n_queries * K);
    double recall_bounded = (double)hits_bounded / (double)(n_queries * K);
    printf("%-9s n=%zu dim=%zu trees=%d: recall@10 %.3f (search_k default), %.3f (search_k %" PRId64
           "), 1.000 required with unlimited search_k\n",
           name, n, dim, n_trees, recall_default, recall_bounded, bounded_k);
    /* Annoy 1.17.3 itself, on this same data (10 trees, seed 42), reaches recall@10 of
     * angular 0.650 / 0.990, euclidean 0.630 / 0.985, manhattan 0.472 / 0.963,
     * dot 0.295 / 0.880, hamming 0.448 / 0.975 (default search_k / search_k 1000). */
    CHECK_MSG(recall_bounded >= 0.8, "%s: recall %.3f with search_k %" PRId64, name,
              recall_bounded, bounded_k);
    /* With the default search_k (100 candidates) recall varies with the trees: over 16 seeds
     * 100, 200, …, 1600, dot measured 0.17-0.30, so its floor is lower. */
    const double floor_default = metric == ANNOY_METRIC_DOT ? 0.15 : 0.2;
    CHECK_MSG(recall_default >= floor_default, "%s: recall %.3f with the default search_k",
              name, recall_default);

    /* by item: the item itself comes first (dot ranks by inner product, so not there) */
    for (uint32_t i = 0; i < 20; i++) {
        uint32_t ids[K];
        float dists[K];
        size_t got = 0;
        OK(annoy_query_by_item, idx, i * 13, K, INT64_MAX, ids, dists, K, &got);
        CHECK(got == K);
        if (metric != ANNOY_METRIC_DOT)
            CHECK_MSG(ids[0] == i * 13 || dists[0] == 0.0f, "%s: item %u's nearest is %u (%g)",
                      name, i * 13, ids[0], dists[0]);
        const float *v = data + (size_t)i * 13 * dim;
        for (size_t r = 0; r < got; r++) {
            double want = hand_distance(metric, v, data + (size_t)ids[r] * dim, dim);
            CHECK_MSG(close_enough(dists[r], want, tolerance(metric)),
                      "%s by item %u: id %u distance %.7g, formula %.7g", name, i * 13, ids[r],
                      dists[r], want);
        }
    }

    /* annoy_distance and annoy_get_item against the data */
    test_rng r = {5};
    float *vec = (float *)malloc(dim * sizeof(float));
    for (int t = 0; t < 50; t++) {
        uint32_t i = (uint32_t)(rng_next(&r) % n), j = (uint32_t)(rng_next(&r) % n);
        float d = 0;
        OK(annoy_distance, idx, i, j, &d);
        double want = hand_distance(metric, data + (size_t)i * dim, data + (size_t)j * dim, dim);
        CHECK_MSG(close_enough(d, want, tolerance(metric)), "%s: distance(%u,%u) = %.7g, formula %.7g",
                  name, i, j, d, want);
        OK(annoy_get_item, idx, i, vec, dim);
        CHECK_MSG(memcmp(vec, data + (size_t)i * dim, dim * sizeof(float)) == 0,
                  "%s: get_item(%u) differs from what was added", name, i);
    }
    free(vec);

    /* edge sizes */
    uint32_t ids[K];
    size_t got = 99;
    OK(annoy_query, idx, queries, dim, 0, -1, ids, NULL, 0, &got);
    CHECK_MSG(got == 0, "n = 0 gave %zu results", got);
    got = 99;
    OK(annoy_query, idx, queries, dim, 0, -1, NULL, NULL, 0, &got);
    CHECK_MSG(got == 0, "n = 0 with NULL buffers gave %zu results", got);
    got = 99;
    OK(annoy_query, idx, queries, dim, K, 0, ids, NULL, K, &got);
    CHECK_MSG(got == 0, "search_k = 0 gave %zu results (Annoy gives none)", got);
    annoy_free(idx);

    /* n larger than the index: every item, once */
    annoy_index *tiny = make_index(metric, dim, data, 7, 3, 1);
    uint32_t many[20];
    OK(annoy_query, tiny, queries, dim, 20, INT64_MAX, many, NULL, 20, &got);
    CHECK_MSG(got == 7, "%s: asked 20 of 7 items, got %zu", name, got);
    unsigned seen = 0;
    for (size_t k = 0; k < got; k++)
        if (many[k] < 7)
            seen |= 1u << many[k];
    CHECK_MSG(seen == 0x7f, "%s: not every item returned once (mask %x)", name, seen);
    annoy_free(tiny);

    free(all);
    free(queries);
    free(data);
}

int main(void) {
    test_begin("test_build_query");
    for (int m = 0; m < TEST_N_METRICS; m++)
        metric_case(test_metrics[m]);
    return test_finish();
}

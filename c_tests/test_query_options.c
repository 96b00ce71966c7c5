/*
 * The options struct and what it asks for:
 * - annoy_query_options_init fills defaults and writes only `size` bytes; a struct from a
 *   newer header is accepted while its unknown tail is zero and refused (ANNOY_E_INVALID_ARGUMENT)
 *   otherwise; an older, shorter struct gets defaults for the fields it lacks;
 * - ANNOY_SEARCH_K_UNLIMITED and every negative search_k but -1 give the same ids;
 *   n beyond n_items with the default search_k gives the same ids as unlimited;
 * - filtered queries (allow-list bitset, filter callback) return only allowed items, and with
 *   an unlimited search exactly the brute-force nearest allowed items; batch with options
 *   equals single queries with options; both filters at once are refused;
 * - annoy_estimate_recall is 1 for an unlimited search; annoy_tune's search_k reaches the
 *   target and is reproduced by annoy_estimate_recall.
 */
#include "annoy_test.h"

#define DIM 16

static int32_t allow_every_third(uint32_t id, void *calls) {
    __atomic_fetch_add((long *)calls, 1, __ATOMIC_RELAXED);
    return id % 3 == 0;
}

static void brute_force(const float *data, size_t n_items, const float *q, const uint64_t *allow,
                        size_t n, uint32_t *out) {
    double *best = (double *)malloc(n * sizeof(double));
    size_t have = 0;
    for (size_t i = 0; i < n_items; i++) {
        if (!(allow[i / 64] >> (i % 64) & 1))
            continue;
        double d = hand_distance(ANNOY_METRIC_EUCLIDEAN, data + i * DIM, q, DIM);
        size_t at = have < n ? have++ : n;
        while (at > 0 && best[at - 1] > d) {
            if (at < n) {
                best[at] = best[at - 1];
                out[at] = out[at - 1];
            }
            at--;
        }
        if (at < n) {
            best[at] = d;
            out[at] = (uint32_t)i;
        }
    }
    free(best);
}

int main(void) {
    test_begin("test_query_options");
    const size_t n_items = test_small() ? 600 : 3000, n_queries = 20;
    float *data = (float *)malloc(n_items * DIM * sizeof(float));
    float *queries = (float *)malloc(n_queries * DIM * sizeof(float));
    fill_data(ANNOY_METRIC_EUCLIDEAN, data, n_items, DIM, 5);
    fill_data(ANNOY_METRIC_EUCLIDEAN, queries, n_queries, DIM, 6);
    annoy_index *idx = make_index(ANNOY_METRIC_EUCLIDEAN, DIM, data, n_items, 6, 1);

    /* init: defaults, and nothing written past `size` */
    unsigned char raw[sizeof(annoy_query_options) + 16];
    memset(raw, 0xAB, sizeof raw);
    OK(annoy_query_options_init, (annoy_query_options *)raw, sizeof(annoy_query_options));
    annoy_query_options opts;
    memcpy(&opts, raw, sizeof opts);
    CHECK(opts.size == sizeof opts && opts.n == 10 && opts.search_k == ANNOY_SEARCH_K_DEFAULT);
    CHECK(opts.allow == NULL && opts.allow_words == 0 && opts.filter == NULL);
    CHECK(raw[sizeof(annoy_query_options)] == 0xAB);
    EXPECT(ANNOY_E_NULL, annoy_query_options_init, NULL, sizeof opts);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_options_init, &opts, 3);

    uint32_t ids[64], ids2[64];
    float d[64];
    size_t got, got2;

    /* a newer caller's struct: zero tail accepted, anything else refused */
    memset(raw, 0, sizeof raw);
    OK(annoy_query_options_init, (annoy_query_options *)raw, sizeof raw);
    ((annoy_query_options *)raw)->n = 5;
    OK(annoy_query_with_options, idx, NULL, (annoy_query_options *)raw, queries, DIM, ids, d, 64,
       &got);
    CHECK(got == 5);
    raw[sizeof raw - 1] = 1;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_with_options, idx, NULL,
           (annoy_query_options *)raw, queries, DIM, ids, d, 64, &got);
    /* an older caller's struct of three fields: the rest are defaults (no filter) */
    struct {
        size_t size;
        size_t n;
        int64_t search_k;
    } old = {sizeof old, 7, ANNOY_SEARCH_K_DEFAULT};
    OK(annoy_query_with_options, idx, NULL, (const annoy_query_options *)&old, queries, DIM, ids,
       d, 64, &got);
    OK(annoy_query, idx, queries, DIM, 7, -1, ids2, NULL, 64, &got2);
    CHECK(got == 7 && got2 == 7 && memcmp(ids, ids2, 7 * sizeof *ids) == 0);

    /* every negative search_k but -1 is unlimited; n beyond the items with the default too */
    annoy_index *tiny = make_index(ANNOY_METRIC_EUCLIDEAN, DIM, data, 40, 3, 1);
    const int64_t unlimited[] = {ANNOY_SEARCH_K_UNLIMITED, -3, INT64_MIN};
    OK(annoy_query, tiny, queries, DIM, 40, ANNOY_SEARCH_K_UNLIMITED, ids, NULL, 64, &got);
    CHECK(got == 40);
    for (size_t k = 0; k < 3; k++) {
        OK(annoy_query, tiny, queries, DIM, 40, unlimited[k], ids2, NULL, 64, &got2);
        CHECK(got2 == 40 && memcmp(ids, ids2, 40 * sizeof *ids) == 0);
    }
    OK(annoy_query, tiny, queries, DIM, 1000, ANNOY_SEARCH_K_DEFAULT, ids2, NULL, 40, &got2);
    CHECK(got2 == 40 && memcmp(ids, ids2, 40 * sizeof *ids) == 0);
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query, tiny, queries, DIM, 1000, -1, ids2, NULL, 39,
           &got2);
    CHECK(got2 == 40);
    annoy_free(tiny);

    /* filters */
    size_t words = (n_items + 63) / 64;
    uint64_t *allow = (uint64_t *)calloc(words, sizeof(uint64_t));
    for (size_t i = 0; i < n_items; i += 3)
        allow[i / 64] |= 1ull << (i % 64);
    long calls = 0;
    annoy_query_options by_bits, by_fn;
    OK(annoy_query_options_init, &by_bits, sizeof by_bits);
    OK(annoy_query_options_init, &by_fn, sizeof by_fn);
    by_bits.allow = allow;
    by_bits.allow_words = words;
    by_fn.filter = allow_every_third;
    by_fn.filter_data = &calls;
    for (int unl = 0; unl < 2; unl++) {
        by_bits.search_k = by_fn.search_k = unl ? ANNOY_SEARCH_K_UNLIMITED : 200;
        for (size_t q = 0; q < n_queries; q++) {
            uint32_t want[10];
            brute_force(data, n_items, queries + q * DIM, allow, 10, want);
            OK(annoy_query_with_options, idx, NULL, &by_bits, queries + q * DIM, DIM, ids, NULL, 64,
               &got);
            OK(annoy_query_with_options, idx, NULL, &by_fn, queries + q * DIM, DIM, ids2, NULL, 64,
               &got2);
            CHECK(got <= 10 && got2 <= 10);
            for (size_t k = 0; k < got; k++)
                CHECK_MSG(ids[k] % 3 == 0, "allow-list returned item %u", ids[k]);
            for (size_t k = 0; k < got2; k++)
                CHECK_MSG(ids2[k] % 3 == 0, "filter returned item %u", ids2[k]);
            if (unl) {
                CHECK_MSG(got == 10 && memcmp(ids, want, sizeof want) == 0,
                          "unlimited allow-list query %zu differs from brute force", q);
                CHECK_MSG(got2 == 10 && memcmp(ids2, want, sizeof want) == 0,
                          "unlimited filter query %zu differs from brute force", q);
            }
        }
    }
    CHECK(calls > 0);
    annoy_query_options both = by_bits;
    both.filter = allow_every_third;
    both.filter_data = &calls;
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_query_with_options, idx, NULL, &both, queries, DIM, ids,
           NULL, 64, &got);
    OK(annoy_query_by_item_with_options, idx, NULL, &by_bits, 1, ids, NULL, 64, &got);
    for (size_t k = 0; k < got; k++)
        CHECK(ids[k] % 3 == 0);

    /* batch with options equals single queries with options, on 3 threads */
    uint32_t *rows = (uint32_t *)malloc(n_queries * 12 * sizeof(uint32_t));
    size_t counts[20];
    by_fn.search_k = 300;
    OK(annoy_query_batch_with_options, idx, &by_fn, queries, n_queries, DIM, 3, rows, NULL, 12,
       counts);
    for (size_t q = 0; q < n_queries; q++) {
        OK(annoy_query_with_options, idx, NULL, &by_fn, queries + q * DIM, DIM, ids, NULL, 64,
           &got);
        CHECK_MSG(counts[q] == got && memcmp(rows + q * 12, ids, got * sizeof *ids) == 0,
                  "batch query %zu differs", q);
    }
    by_fn.n = 13;
    EXPECT(ANNOY_E_BUFFER_TOO_SMALL, annoy_query_batch_with_options, idx, &by_fn, queries,
           n_queries, DIM, 3, rows, NULL, 12, counts);
    free(rows);

    /* recall */
    annoy_query_options plain;
    OK(annoy_query_options_init, &plain, sizeof plain);
    plain.search_k = ANNOY_SEARCH_K_UNLIMITED;
    double recall = -1, qps = -1;
    OK(annoy_estimate_recall, idx, &plain, queries, n_queries, 0, 0, &recall, &qps);
    CHECK_MSG(recall == 1.0 && qps > 0, "unlimited recall %f", recall);
    int64_t search_k = 0;
    double tuned = 0;
    OK(annoy_tune, idx, &plain, 0.95, NULL, 0, 50, 7, &search_k, &tuned, NULL);
    CHECK_MSG(tuned >= 0.95 && search_k >= 10, "tuned search_k %lld recall %f", (long long)search_k,
              tuned);
    plain.search_k = search_k;
    OK(annoy_estimate_recall, idx, &plain, NULL, 0, 50, 7, &recall, NULL);
    CHECK(recall == tuned);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_tune, idx, &plain, 1.5, NULL, 0, 50, 7, &search_k,
           &tuned, NULL);
    EXPECT(ANNOY_E_INVALID_ARGUMENT, annoy_estimate_recall, idx, &plain, NULL, 0, 0, 7, &recall,
           NULL);
    EXPECT(ANNOY_E_NULL, annoy_estimate_recall, idx, NULL, NULL, 0, 5, 7, &recall, NULL);

    free(allow);
    annoy_free(idx);
    free(queries);
    free(data);
    return test_finish();
}

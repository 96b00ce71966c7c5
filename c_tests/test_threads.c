/*
 * Threads: many pthreads share one loaded index (a `const annoy_index *`) and query it at the
 * same time — by vector, by item, with their own scratch, plus get_item / distance / counts —
 * and every answer equals the one computed serially before the threads started. Also an
 * in-memory (built, not saved) index, which the header equally declares thread-safe.
 */
#include "annoy_test.h"

#include <pthread.h>

#define K 10

typedef struct {
    const annoy_index *index;
    const float *queries;
    size_t n_queries, dim, n_items;
    const uint32_t *want_ids;     /* n_queries × K, by vector */
    const float *want_dists;
    const size_t *want_counts;
    const uint32_t *want_item_ids; /* n_queries × K, by item q */
    const float *data;
    int thread_no, rounds;
    long mismatches, errors;
} job;

static void *worker(void *arg) {
    job *j = (job *)arg;
    annoy_scratch *scratch = NULL;
    if (annoy_scratch_new(&scratch, NULL) != ANNOY_OK) {
        j->errors++;
        return NULL;
    }
    uint32_t ids[K];
    float dists[K];
    float *vec = (float *)malloc(j->dim * sizeof(float));
    for (int round = 0; round < j->rounds; round++) {
        for (size_t k = 0; k < j->n_queries; k++) {
            /* each thread walks the queries in its own order */
            size_t q = (k * 7 + (size_t)j->thread_no * 13 + (size_t)round) % j->n_queries;
            size_t got = 0;
            const float *v = j->queries + q * j->dim;
            annoy_status s;
            switch ((k + (size_t)j->thread_no) % 4) {
            case 0:
                s = annoy_query(j->index, v, j->dim, K, -1, ids, dists, K, &got, NULL);
                break;
            case 1:
                s = annoy_query_with_scratch(j->index, scratch, v, j->dim, K, -1, ids, dists, K,
                                             &got, NULL);
                break;
            case 2:
                s = annoy_query_by_item(j->index, (uint32_t)q, K, -1, ids, dists, K, &got, NULL);
                if (s == ANNOY_OK && (got > K || memcmp(ids, j->want_item_ids + q * K,
                                                        got * sizeof *ids) != 0))
                    j->mismatches++;
                continue;
            default: {
                float d = 0;
                size_t n = 0;
                uint32_t a = (uint32_t)(q % j->n_items), b = (uint32_t)((q * 31) % j->n_items);
                s = annoy_get_item(j->index, a, vec, j->dim, NULL);
                if (s == ANNOY_OK && memcmp(vec, j->data + a * j->dim, j->dim * sizeof *vec) != 0)
                    j->mismatches++;
                if (s == ANNOY_OK)
                    s = annoy_distance(j->index, a, b, &d, NULL);
                if (s == ANNOY_OK)
                    s = annoy_n_items(j->index, &n, NULL);
                if (s != ANNOY_OK)
                    j->errors++;
                else if (n != j->n_items)
                    j->mismatches++;
                continue;
            }
            }
            if (s != ANNOY_OK) {
                j->errors++;
                continue;
            }
            if (got != j->want_counts[q] ||
                memcmp(ids, j->want_ids + q * K, got * sizeof *ids) != 0 ||
                memcmp(dists, j->want_dists + q * K, got * sizeof *dists) != 0)
                j->mismatches++;
        }
    }
    free(vec);
    annoy_scratch_free(scratch);
    return NULL;
}

static void run_threads(const char *what, const annoy_index *idx, const float *data,
                        size_t n_items, size_t dim, const float *queries, size_t n_queries,
                        int n_threads, int rounds) {
    uint32_t *want_ids = (uint32_t *)calloc(n_queries * K, sizeof(uint32_t));
    uint32_t *want_item_ids = (uint32_t *)calloc(n_queries * K, sizeof(uint32_t));
    float *want_dists = (float *)calloc(n_queries * K, sizeof(float));
    size_t *want_counts = (size_t *)calloc(n_queries, sizeof(size_t));
    for (size_t q = 0; q < n_queries; q++) {
        OK(annoy_query, idx, queries + q * dim, dim, K, -1, want_ids + q * K, want_dists + q * K,
           K, &want_counts[q]);
        size_t got = 0;
        OK(annoy_query_by_item, idx, (uint32_t)q, K, -1, want_item_ids + q * K, NULL, K, &got);
    }

    pthread_t *threads = (pthread_t *)malloc((size_t)n_threads * sizeof(pthread_t));
    job *jobs = (job *)calloc((size_t)n_threads, sizeof(job));
    for (int t = 0; t < n_threads; t++) {
        jobs[t] = (job){idx,        queries,       n_queries, dim,  n_items, want_ids,
                        want_dists, want_counts,   want_item_ids, data, t,   rounds,
                        0,          0};
        REQUIRE(pthread_create(&threads[t], NULL, worker, &jobs[t]) == 0);
    }
    long mismatches = 0, errors = 0;
    for (int t = 0; t < n_threads; t++) {
        REQUIRE(pthread_join(threads[t], NULL) == 0);
        mismatches += jobs[t].mismatches;
        errors += jobs[t].errors;
    }
    printf("%s: %d threads × %d rounds × %zu queries: %ld mismatches, %ld errors\n", what,
           n_threads, rounds, n_queries, mismatches, errors);
    CHECK_MSG(mismatches == 0, "%s: %ld concurrent answers differ from the serial ones", what,
              mismatches);
    CHECK_MSG(errors == 0, "%s: %ld concurrent calls failed", what, errors);
    free(jobs);
    free(threads);
    free(want_counts);
    free(want_dists);
    free(want_item_ids);
    free(want_ids);
}

int main(void) {
    test_begin("test_threads");
    const bool small = test_small();
    const size_t dim = 32, n = small ? 400 : 5000, n_queries = small ? 40 : 400;
    const int n_threads = small ? 4 : 8, rounds = small ? 1 : 10;
    float *data = (float *)malloc(n * dim * sizeof(float));
    float *queries = (float *)malloc(n_queries * dim * sizeof(float));
    fill_data(ANNOY_METRIC_ANGULAR, data, n, dim, 21);
    fill_data(ANNOY_METRIC_ANGULAR, queries, n_queries, dim, 22);
    char path[4200];
    test_path(path, sizeof path, "threads.ann");

    /* built in memory, queried concurrently */
    annoy_index *built = make_index(ANNOY_METRIC_ANGULAR, dim, data, n, 10, 5);
    run_threads("in-memory index", built, data, n, dim, queries, n_queries, n_threads, rounds);
    OK(annoy_save, built, path, false);
    annoy_free(built);

    /* loaded from its file, queried concurrently */
    annoy_index *loaded = NULL;
    OK(annoy_new, ANNOY_METRIC_ANGULAR, dim, &loaded);
    OK(annoy_load, loaded, path, true);
    run_threads("loaded index", loaded, data, n, dim, queries, n_queries, n_threads, rounds);
    annoy_free(loaded);

    free(queries);
    free(data);
    test_tmp_cleanup();
    return test_finish();
}

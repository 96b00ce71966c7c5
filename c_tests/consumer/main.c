/*
 * A first program against the installed annoy package: for every metric it builds a small
 * index, saves it, loads it into a new handle, queries by vector and by item, and checks that
 * misuse gives status codes. Prints one line per metric; exits non-zero on any failure.
 */
#include <annoy.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

#define EXPECT(cond)                                                          \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "consumer: FAIL line %d: %s\n", __LINE__, #cond); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static void try_metric(int32_t metric, const char *name, const char *dir) {
    enum { DIM = 8, N = 200 };
    char path[512];
    annoy_index *index = NULL, *loaded = NULL;
    annoy_error *err = NULL;
    float v[DIM];
    uint32_t ids[5];
    float distances[5];
    size_t n = 0;

    snprintf(path, sizeof path, "%s/consumer_%s.ann", dir, name);
    EXPECT(annoy_new(metric, DIM, &index, &err) == ANNOY_OK);
    for (uint32_t i = 0; i < N; i++) {
        for (int k = 0; k < DIM; k++)
            v[k] = (float)((i * 7 + (uint32_t)k * 13) % 17 > 8);
        v[i % DIM] += metric == ANNOY_METRIC_HAMMING ? 0.0f : 0.5f;
        EXPECT(annoy_add(index, i, v, DIM, &err) == ANNOY_OK);
    }
    EXPECT(annoy_build(index, 5, -1, &err) == ANNOY_OK);
    EXPECT(annoy_save(index, path, false, &err) == ANNOY_OK);

    EXPECT(annoy_new(metric, DIM, &loaded, &err) == ANNOY_OK);
    EXPECT(annoy_load(loaded, path, true, &err) == ANNOY_OK);
    EXPECT(annoy_query(loaded, v, DIM, 5, ANNOY_SEARCH_K_DEFAULT, ids, distances, 5, &n, &err) ==
           ANNOY_OK);
    EXPECT(n == 5);
    EXPECT(annoy_query_by_item(loaded, 3, 5, -1, ids, NULL, 5, &n, &err) == ANNOY_OK);
    EXPECT(n == 5);

    /* misuse gives codes and an error object */
    EXPECT(annoy_query(loaded, v, DIM - 1, 5, -1, ids, NULL, 5, &n, &err) == ANNOY_E_DIMENSION);
    EXPECT(err != NULL && annoy_error_status(err) == ANNOY_E_DIMENSION &&
           strlen(annoy_error_message(err)) > 0);
    annoy_error_free(err);
    err = NULL;
    EXPECT(annoy_query(loaded, v, DIM, 5, -1, ids, NULL, 2, &n, NULL) == ANNOY_E_BUFFER_TOO_SMALL &&
           n == 5);
    EXPECT(annoy_add(loaded, 0, v, DIM, NULL) == ANNOY_E_STATE);
    EXPECT(annoy_query_by_item(NULL, 0, 5, -1, ids, NULL, 5, &n, NULL) == ANNOY_E_NULL);
    if (err) {
        fprintf(stderr, "consumer: %s: %s\n", name, annoy_error_message(err));
        annoy_error_free(err);
    }
    printf("consumer: %-9s nearest to the last vector: %u (distance %g)\n", name, ids[0],
           (double)distances[0]);
    annoy_free(loaded);
    annoy_free(index);
    unlink(path);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    annoy_index *index = NULL;
    printf("consumer: annoy %s (header %d.%d.%d)\n", annoy_version(), ANNOY_VERSION_MAJOR,
           ANNOY_VERSION_MINOR, ANNOY_VERSION_PATCH);
    try_metric(ANNOY_METRIC_ANGULAR, "angular", dir);
    try_metric(ANNOY_METRIC_EUCLIDEAN, "euclidean", dir);
    try_metric(ANNOY_METRIC_MANHATTAN, "manhattan", dir);
    try_metric(ANNOY_METRIC_DOT, "dot", dir);
    try_metric(ANNOY_METRIC_HAMMING, "hamming", dir);
    EXPECT(annoy_new(12345, 4, &index, NULL) == ANNOY_E_UNKNOWN_METRIC && index == NULL);
    printf("consumer: %s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}

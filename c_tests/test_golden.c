/*
 * Files written by the real Annoy 1.17.3 (tests/golden/<case>.ann, with the answers Annoy
 * gave in <case>.json) load through the C API and answer every recorded query with Annoy's
 * ids in Annoy's order (distances within 1e-5 relative), through annoy_query /
 * annoy_query_by_item and, for vector queries, annoy_query_with_scratch and
 * annoy_query_batch too; n_items and the tree count match; item vectors read back exactly;
 * annoy_distance matches get_distance.
 *
 * Usage: test_golden <dir holding the golden files>
 */
#include "annoy_test.h"
#include "json_min.h"

#include <dirent.h>

static int32_t metric_number(const char *name) {
    if (strcmp(name, "angular") == 0) return ANNOY_METRIC_ANGULAR;
    if (strcmp(name, "euclidean") == 0) return ANNOY_METRIC_EUCLIDEAN;
    if (strcmp(name, "manhattan") == 0) return ANNOY_METRIC_MANHATTAN;
    if (strcmp(name, "dot") == 0) return ANNOY_METRIC_DOT;
    if (strcmp(name, "hamming") == 0) return ANNOY_METRIC_HAMMING;
    return -1;
}

static double num(const json *v, const char *key) {
    const json *x = json_get(v, key);
    REQUIRE(x != NULL && x->type == JSON_NUMBER);
    return x->number;
}

static const json *arr(const json *v, const char *key) {
    const json *x = json_get(v, key);
    REQUIRE(x != NULL && x->type == JSON_ARRAY);
    return x;
}

/* -1 is Annoy's default; its other negative values mean "no limit". */
static int64_t search_k_of(double k) {
    if (k == -1)
        return ANNOY_SEARCH_K_DEFAULT;
    if (k < 0)
        return INT64_MAX;
    return (int64_t)k;
}

static long n_queries_checked, n_distances, n_bit_exact;

/* Distances agree within 1e-5 relative. Angular ones are compared squared (2 - 2cos, where
 * float rounding lives): near 0 the square root turns one float ulp of cos into ~5e-4, as
 * happens for distance(i, i) with the AVX2 or portable kernels (Annoy's figures come from
 * its AVX-512 kernels). */
static bool same_distance(int32_t metric, float got, float want) {
    if (metric == ANNOY_METRIC_ANGULAR)
        return fabs((double)got * got - (double)want * want) <= 1e-6 + 1e-5 * (double)want * want;
    return close_enough(got, want, 1e-5);
}

static int32_t case_metric_;

static void compare(const char *name, size_t qi, const char *via, const json *q,
                    const uint32_t *ids, const float *dists, size_t got) {
    const json *want_ids = arr(q, "ids"), *want_d = arr(q, "distances");
    bool same = got == want_ids->len;
    for (size_t r = 0; same && r < got; r++)
        same = ids[r] == (uint32_t)want_ids->items[r].number;
    if (!same) {
        char buf[512];
        int off = 0;
        for (size_t r = 0; r < got && off < 400; r++)
            off += snprintf(buf + off, sizeof buf - (size_t)off, "%u ", ids[r]);
        buf[off] = '\0';
        CHECK_MSG(same, "%s query %zu (%s): %zu ids [%s], Annoy gave %zu ids", name, qi, via, got,
                  buf, want_ids->len);
        return;
    }
    test_checks_++;
    for (size_t r = 0; r < got && dists; r++) {
        float want = (float)want_d->items[r].number;
        CHECK_MSG(same_distance(case_metric_, dists[r], want),
                  "%s query %zu (%s) rank %zu: %.9g, Annoy %.9g",
                  name, qi, via, r, dists[r], want);
        n_distances++;
        n_bit_exact += dists[r] == want;
    }
}

static void check_case(const char *dir, const char *json_name, annoy_scratch *scratch) {
    char path[4200], ann[4200], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, json_name);
    snprintf(ann, sizeof ann, "%.*s.ann", (int)(strlen(path) - 5), path);
    json *doc = json_parse_file(path, err, sizeof err);
    CHECK_MSG(doc != NULL, "%s: %s", path, err);
    if (!doc)
        return;
    const json *case_name = json_get(doc, "case"), *metric_j = json_get(doc, "metric");
    REQUIRE(case_name && case_name->type == JSON_STRING && metric_j &&
            metric_j->type == JSON_STRING);
    const char *name = case_name->string;
    int32_t metric = metric_number(metric_j->string);
    CHECK_MSG(metric >= 0, "%s: unknown metric %s", name, metric_j->string);
    case_metric_ = metric;
    size_t dim = (size_t)num(doc, "f");

    annoy_index *idx = NULL;
    OK(annoy_new, metric, dim, &idx);
    OK(annoy_load, idx, ann, false);
    size_t n = 0;
    OK(annoy_n_items, idx, &n);
    CHECK_MSG(n == (size_t)num(doc, "n_items"), "%s: n_items %zu, Annoy %g", name, n,
              num(doc, "n_items"));
    OK(annoy_n_trees, idx, &n);
    /* Annoy over-counts the trees of tiny indexes after load; the build count is the truth */
    CHECK_MSG(n == (size_t)num(doc, "n_trees_after_build"), "%s: n_trees %zu, Annoy built %g", name,
              n, num(doc, "n_trees_after_build"));

    const json *queries = arr(doc, "queries");
    float *vec = (float *)malloc(dim * sizeof(float));
    for (size_t qi = 0; qi < queries->len; qi++) {
        const json *q = &queries->items[qi];
        size_t want_n = (size_t)num(q, "n");
        int64_t search_k = search_k_of(num(q, "search_k"));
        const json *by = json_get(q, "by");
        REQUIRE(by && by->type == JSON_STRING);
        size_t cap = want_n ? want_n : 1;
        uint32_t *ids = (uint32_t *)malloc(cap * sizeof(uint32_t));
        float *dists = (float *)malloc(cap * sizeof(float));
        size_t got = 0;
        if (strcmp(by->string, "item") == 0) {
            OK(annoy_query_by_item, idx, (uint32_t)num(q, "item"), want_n, search_k, ids, dists,
               cap, &got);
            compare(name, qi, "by item", q, ids, dists, got);
        } else {
            const json *v = arr(q, "vector");
            REQUIRE(v->len == dim);
            for (size_t k = 0; k < dim; k++)
                vec[k] = (float)v->items[k].number;
            OK(annoy_query, idx, vec, dim, want_n, search_k, ids, dists, cap, &got);
            compare(name, qi, "annoy_query", q, ids, dists, got);
            OK(annoy_query_with_scratch, idx, scratch, vec, dim, want_n, search_k, ids, dists, cap,
               &got);
            compare(name, qi, "annoy_query_with_scratch", q, ids, dists, got);
            OK(annoy_query_batch, idx, vec, 1, dim, want_n, search_k, 1, ids, dists, &got);
            compare(name, qi, "annoy_query_batch", q, ids, dists, got);
        }
        n_queries_checked++;
        free(dists);
        free(ids);
    }

    const json *items = json_get(doc, "item_vectors");
    REQUIRE(items && items->type == JSON_OBJECT);
    for (size_t i = 0; i < items->len; i++) {
        uint32_t id = (uint32_t)strtoul(items->keys[i], NULL, 10);
        const json *want = &items->items[i];
        REQUIRE(want->type == JSON_ARRAY && want->len == dim);
        OK(annoy_get_item, idx, id, vec, dim);
        bool same = true;
        for (size_t k = 0; k < dim; k++)
            same = same && vec[k] == (float)want->items[k].number;
        CHECK_MSG(same, "%s: item %u differs from Annoy's get_item_vector", name, id);
    }
    const json *triples = arr(doc, "distances");
    for (size_t t = 0; t < triples->len; t++) {
        const json *tr = &triples->items[t];
        REQUIRE(tr->type == JSON_ARRAY && tr->len == 3);
        uint32_t i = (uint32_t)tr->items[0].number, j = (uint32_t)tr->items[1].number;
        float want = (float)tr->items[2].number, d = 0;
        OK(annoy_distance, idx, i, j, &d);
        CHECK_MSG(same_distance(metric, d, want), "%s: distance(%u, %u) = %.9g, Annoy %.9g", name, i,
                  j, d, want);
    }
    free(vec);
    annoy_free(idx);
    json_free(doc);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    test_begin("test_golden");
    const char *dir = argc > 1 ? argv[1] : getenv("ANNOY_GOLDEN_DIR");
    if (dir == NULL) {
        fprintf(stderr, "usage: %s <tests/golden directory>\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "cannot open %s", dir);
    if (!d)
        return test_finish();
    char *names[256];
    size_t n_names = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n_names < 256) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n_names++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n_names, sizeof *names, by_name);
    CHECK_MSG(n_names >= 20, "only %zu golden cases in %s", n_names, dir);

    /* ANNOY_TEST_SMALL (valgrind): every third case */
    annoy_scratch *scratch = NULL;
    OK(annoy_scratch_new, &scratch);
    size_t n_cases = 0;
    for (size_t i = 0; i < n_names; i++) {
        if (!test_small() || i % 3 == 0) {
            check_case(dir, names[i], scratch);
            n_cases++;
        }
        free(names[i]);
    }
    annoy_scratch_free(scratch);
    printf("%zu golden cases, %ld queries with Annoy's ids; %ld of %ld distances bit-identical\n",
           n_cases, n_queries_checked, n_bit_exact, n_distances);
    return test_finish();
}

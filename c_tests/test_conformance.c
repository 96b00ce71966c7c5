/*
 * The shared conformance cases (tests/conformance/cases.json) through the C API: every step's
 * status is the one the case names, every query's ids are the expected ids in order (distances
 * within 1e-4 relative), counts and item vectors match exactly. The Rust, Go, Ruby and Python
 * suites run the same file through their own API. A case stops at its first mismatch (later
 * steps depend on earlier ones); the other cases still run.
 *
 * Usage: test_conformance <cases.json>   (or ANNOY_CONFORMANCE_CASES=<cases.json>)
 */
#include "annoy_test.h"
#include "json_min.h"

/* The status names the cases use: the ANNOY_E_* codes without their prefix. */
static const struct {
    const char *name;
    annoy_status code;
} statuses[] = {
    {"OK", ANNOY_OK},
    {"NULL", ANNOY_E_NULL},
    {"INVALID_ARGUMENT", ANNOY_E_INVALID_ARGUMENT},
    {"DIMENSION", ANNOY_E_DIMENSION},
    {"NOT_FINITE", ANNOY_E_NOT_FINITE},
    {"UNKNOWN_ITEM", ANNOY_E_UNKNOWN_ITEM},
    {"STATE", ANNOY_E_STATE},
    {"IO", ANNOY_E_IO},
    {"CORRUPT", ANNOY_E_CORRUPT},
    {"BUFFER_TOO_SMALL", ANNOY_E_BUFFER_TOO_SMALL},
    {"UNKNOWN_METRIC", ANNOY_E_UNKNOWN_METRIC},
    {"PANIC", ANNOY_E_PANIC},
    {"CANCELLED", ANNOY_E_CANCELLED},
};
#define N_STATUSES (sizeof statuses / sizeof statuses[0])

/* A step outcome that is no status: the step ran but its answer was not the expected one. */
#define MISMATCH (-1)

static const char *status_name(int s) {
    if (s == MISMATCH)
        return "a mismatch";
    for (size_t i = 0; i < N_STATUSES; i++)
        if ((int)statuses[i].code == s)
            return statuses[i].name;
    return "an unnamed status";
}

/* The cases' table must be the header's, name for name and number for number. */
static void check_status_table(const json *table) {
    REQUIRE(table != NULL && table->type == JSON_OBJECT);
    CHECK_MSG(table->len == N_STATUSES, "cases.json names %zu statuses, the header %zu",
              table->len, (size_t)N_STATUSES);
    for (size_t i = 0; i < N_STATUSES; i++) {
        const json *v = json_get(table, statuses[i].name);
        CHECK_MSG(v != NULL && v->type == JSON_NUMBER && v->number == (double)statuses[i].code,
                  "status %s is %d in the header, %g in cases.json", statuses[i].name,
                  (int)statuses[i].code, v && v->type == JSON_NUMBER ? v->number : -1.0);
    }
}

static const json *field(const json *step, const char *key, json_type type) {
    const json *x = json_get(step, key);
    REQUIRE(x != NULL && x->type == type);
    return x;
}

static double number(const json *step, const char *key) {
    const json *x = field(step, key, JSON_NUMBER);
    REQUIRE(x->number == floor(x->number)); /* every number a step passes is an integer */
    return x->number;
}

/* A vector of numbers and the strings "nan", "inf", "-inf"; the caller frees it. */
static float *floats(const json *arr, size_t *len) {
    REQUIRE(arr != NULL && arr->type == JSON_ARRAY);
    float *out = malloc((arr->len ? arr->len : 1) * sizeof *out);
    REQUIRE(out != NULL);
    for (size_t i = 0; i < arr->len; i++) {
        const json *x = &arr->items[i];
        if (x->type == JSON_NUMBER) {
            out[i] = (float)x->number;
        } else {
            REQUIRE(x->type == JSON_STRING);
            if (strcmp(x->string, "nan") == 0)
                out[i] = NAN;
            else if (strcmp(x->string, "inf") == 0)
                out[i] = INFINITY;
            else if (strcmp(x->string, "-inf") == 0)
                out[i] = -INFINITY;
            else
                REQUIRE(!"a vector holds an unknown string");
        }
    }
    *len = arr->len;
    return out;
}

/* Every metric the cases name; any other name is passed on as a number no metric has, for
 * the library to reject. */
static int32_t metric_number(const char *name) {
    if (strcmp(name, "angular") == 0) return ANNOY_METRIC_ANGULAR;
    if (strcmp(name, "euclidean") == 0) return ANNOY_METRIC_EUCLIDEAN;
    if (strcmp(name, "manhattan") == 0) return ANNOY_METRIC_MANHATTAN;
    if (strcmp(name, "dot") == 0) return ANNOY_METRIC_DOT;
    if (strcmp(name, "hamming") == 0) return ANNOY_METRIC_HAMMING;
    return 1000;
}

static bool close_to(double got, double want) {
    return fabs(got - want) <= 1e-4 * (1.0 + fabs(want));
}

/* Item ids are uint32_t in C: an id the type cannot hold is an unknown item, as in Rust. */
static bool id_of(const json *step, const char *key, uint32_t *out) {
    double v = number(step, key);
    if (v < 0 || v > (double)UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static char where_[512];

static int mismatch(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "MISMATCH %s: ", where_);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return MISMATCH;
}

/* The library's status, checked to come with an error object that carries it. `*errp` is
 * read here, after the call that set it (an argument `err` could be read before it). */
static int outcome(annoy_status s, annoy_error **errp) {
    annoy_error *err = *errp;
    *errp = NULL;
    if (s == ANNOY_OK) {
        if (err != NULL) {
            annoy_error_free(err);
            return mismatch("ANNOY_OK with an error object");
        }
        return ANNOY_OK;
    }
    if (err == NULL)
        return mismatch("%s without an error object", status_name((int)s));
    const char *msg = annoy_error_message(err);
    bool good = annoy_error_status(err) == s && msg != NULL && msg[0] != '\0';
    annoy_error_free(err);
    return good ? (int)s : mismatch("%s with an error object that does not say so",
                                    status_name((int)s));
}

static int write_file(const json *step) {
    const char *hex = field(step, "hex", JSON_STRING)->string;
    size_t n = strlen(hex) / 2;
    unsigned char *bytes = malloc(n ? n : 1);
    REQUIRE(bytes != NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        REQUIRE(sscanf(hex + 2 * i, "%2x", &b) == 1);
        bytes[i] = (unsigned char)b;
    }
    char path[4096];
    test_path(path, sizeof path, field(step, "file", JSON_STRING)->string);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(bytes, 1, n, f) == n);
    REQUIRE(fclose(f) == 0);
    free(bytes);
    return ANNOY_OK;
}

static int query(annoy_index *index, const json *step, bool by_item) {
    annoy_query_options options;
    annoy_error *err = NULL;
    int got = outcome(annoy_query_options_init(&options, sizeof options, &err), &err);
    REQUIRE(got == ANNOY_OK);
    options.n = (size_t)number(step, "n");
    options.search_k = (int64_t)number(step, "search_k");
    uint64_t *words = NULL;
    const json *allow = json_get(step, "allow");
    if (allow != NULL) {
        REQUIRE(allow->type == JSON_ARRAY);
        size_t n_words = 1;
        for (size_t i = 0; i < allow->len; i++) {
            REQUIRE(allow->items[i].type == JSON_NUMBER && allow->items[i].number >= 0);
            size_t w = (size_t)allow->items[i].number / 64 + 1;
            if (w > n_words)
                n_words = w;
        }
        words = calloc(n_words, sizeof *words);
        REQUIRE(words != NULL);
        for (size_t i = 0; i < allow->len; i++) {
            size_t id = (size_t)allow->items[i].number;
            words[id / 64] |= 1ull << (id % 64);
        }
        options.allow = words;
        options.allow_words = n_words;
    }
    /* Room for n results: the API answers min(n, n_items). */
    size_t capacity = options.n ? options.n : 1;
    uint32_t *ids = malloc(capacity * sizeof *ids);
    float *distances = malloc(capacity * sizeof *distances);
    REQUIRE(ids != NULL && distances != NULL);
    size_t out_n = 0;
    err = NULL;
    if (by_item) {
        uint32_t item;
        if (!id_of(step, "id", &item)) {
            got = ANNOY_E_UNKNOWN_ITEM;
            goto done;
        }
        got = outcome(annoy_query_by_item_with_options(index, NULL, &options, item, ids,
                                                       distances, capacity, &out_n, &err),
                      &err);
    } else {
        size_t len;
        float *v = floats(json_get(step, "vector"), &len);
        got = outcome(annoy_query_with_options(index, NULL, &options, v, len, ids, distances,
                                               capacity, &out_n, &err),
                      &err);
        free(v);
    }
    if (got != ANNOY_OK)
        goto done;
    const json *want_ids = field(step, "ids", JSON_ARRAY);
    const json *want_d = field(step, "distances", JSON_ARRAY);
    REQUIRE(want_d->len == want_ids->len);
    if (out_n != want_ids->len) {
        got = mismatch("%zu results, expected %zu", out_n, want_ids->len);
        goto done;
    }
    for (size_t k = 0; k < out_n; k++) {
        double want_id = want_ids->items[k].number, want = want_d->items[k].number;
        if ((double)ids[k] != want_id || !close_to(distances[k], want)) {
            got = mismatch("result %zu is id %u at %.9g, expected id %.0f at %.9g", k, ids[k],
                           (double)distances[k], want_id, want);
            goto done;
        }
    }
done:
    free(ids);
    free(distances);
    free(words);
    return got;
}

/* Runs one step: its status, or MISMATCH. */
static int run_step(annoy_index **index, const json *step) {
    const char *op = field(step, "op", JSON_STRING)->string;
    annoy_error *err = NULL;
    char path[4096];
    if (json_get(step, "file") != NULL)
        test_path(path, sizeof path, field(step, "file", JSON_STRING)->string);
    if (strcmp(op, "new") == 0) {
        annoy_free(*index);
        *index = NULL;
        int32_t metric = metric_number(field(step, "metric", JSON_STRING)->string);
        return outcome(annoy_new(metric, (size_t)number(step, "dim"), index, &err), &err);
    }
    if (strcmp(op, "write_file") == 0)
        return write_file(step);
    REQUIRE(*index != NULL); /* a step before `new` is a broken case */
    annoy_index *t = *index;
    uint32_t i, j;
    if (strcmp(op, "seed") == 0)
        return outcome(annoy_set_seed(t, (uint64_t)number(step, "seed"), &err), &err);
    if (strcmp(op, "add") == 0) {
        if (!id_of(step, "id", &i))
            return ANNOY_E_UNKNOWN_ITEM;
        size_t len;
        float *v = floats(json_get(step, "vector"), &len);
        int got = outcome(annoy_add(t, i, v, len, &err), &err);
        free(v);
        return got;
    }
    if (strcmp(op, "build") == 0)
        return outcome(annoy_build(t, (int32_t)number(step, "n_trees"),
                                   (int32_t)number(step, "n_threads"), &err),
                       &err);
    if (strcmp(op, "unbuild") == 0)
        return outcome(annoy_unbuild(t, &err), &err);
    if (strcmp(op, "save") == 0)
        return outcome(annoy_save(t, path, false, &err), &err);
    if (strcmp(op, "load") == 0)
        return outcome(annoy_load(t, path, false, &err), &err);
    if (strcmp(op, "unload") == 0)
        return outcome(annoy_unload(t, &err), &err);
    if (strcmp(op, "n_items") == 0 || strcmp(op, "n_trees") == 0) {
        size_t n = 0;
        int got = outcome(op[2] == 'i' ? annoy_n_items(t, &n, &err) : annoy_n_trees(t, &n, &err),
                          &err);
        if (got == ANNOY_OK && (double)n != number(step, "value"))
            return mismatch("%s is %zu, expected %.0f", op, n, number(step, "value"));
        return got;
    }
    if (strcmp(op, "item") == 0) {
        if (!id_of(step, "id", &i))
            return ANNOY_E_UNKNOWN_ITEM;
        size_t dim = 0;
        REQUIRE(outcome(annoy_dim(t, &dim, &err), &err) == ANNOY_OK);
        float *v = malloc((dim ? dim : 1) * sizeof *v);
        REQUIRE(v != NULL);
        int got = outcome(annoy_get_item(t, i, v, dim, &err), &err);
        if (got == ANNOY_OK) {
            size_t len;
            float *want = floats(json_get(step, "vector"), &len);
            if (len != dim || memcmp(v, want, dim * sizeof *v) != 0)
                got = mismatch("item %u's vector differs", i);
            free(want);
        }
        free(v);
        return got;
    }
    if (strcmp(op, "distance") == 0) {
        if (!id_of(step, "i", &i) || !id_of(step, "j", &j))
            return ANNOY_E_UNKNOWN_ITEM;
        float d = 0;
        int got = outcome(annoy_distance(t, i, j, &d, &err), &err);
        if (got == ANNOY_OK) {
            double want = field(step, "distance", JSON_NUMBER)->number;
            if (!close_to(d, want))
                return mismatch("distance %.9g, expected %.9g", (double)d, want);
        }
        return got;
    }
    if (strcmp(op, "query_item") == 0)
        return query(t, step, true);
    if (strcmp(op, "query_vector") == 0)
        return query(t, step, false);
    return mismatch("unknown op %s", op);
}

int main(int argc, char **argv) {
    test_begin("conformance");
    const char *path = argc > 1 ? argv[1] : getenv("ANNOY_CONFORMANCE_CASES");
    if (path == NULL) {
        fprintf(stderr, "usage: %s <tests/conformance/cases.json>\n", argv[0]);
        return 2;
    }
    char perr[256];
    json *doc = json_parse_file(path, perr, sizeof perr);
    if (doc == NULL) {
        fprintf(stderr, "%s: %s\n", path, perr);
        return 1;
    }
    check_status_table(json_get(doc, "statuses"));
    const json *cases = json_get(doc, "cases");
    REQUIRE(cases != NULL && cases->type == JSON_ARRAY && cases->len > 0);
    size_t n_steps = 0, n_cases_failed = 0;
    for (size_t c = 0; c < cases->len; c++) {
        const json *cs = &cases->items[c];
        const char *name = field(cs, "name", JSON_STRING)->string;
        const json *steps = field(cs, "steps", JSON_ARRAY);
        annoy_index *index = NULL;
        for (size_t k = 0; k < steps->len; k++) {
            const json *step = &steps->items[k];
            snprintf(where_, sizeof where_, "%s, step %zu (%s)", name, k,
                     field(step, "op", JSON_STRING)->string);
            const json *status = json_get(step, "status");
            const char *want = status ? status->string : "OK";
            REQUIRE(status == NULL || status->type == JSON_STRING);
            int got = run_step(&index, step);
            n_steps++;
            CHECK_MSG(strcmp(status_name(got), want) == 0, "%s: got %s, expected %s", where_,
                      status_name(got), want);
            if (strcmp(status_name(got), want) != 0) {
                n_cases_failed++;
                break;
            }
        }
        annoy_free(index);
        test_tmp_cleanup(); /* each case has a fresh directory */
    }
    printf("conformance: %zu cases, %zu steps, %zu cases failed\n", cases->len, n_steps,
           n_cases_failed);
    CHECK_MSG(n_steps > 200, "only %zu steps ran", n_steps);
    json_free(doc);
    return test_finish();
}

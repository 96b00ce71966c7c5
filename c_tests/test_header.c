/*
 * The public header compiles cleanly as strict C99 (this file is built with
 * -std=c99 -Wall -Wextra -Werror -pedantic; test_header_cpp.cpp does the same as C++11), declares
 * what the API promises, and its version macros agree with annoy_version() at run time.
 * Deliberately self-contained: no test helpers, only the header and the C library.
 */
#include "annoy.h"
#include "annoy.h" /* the include guard makes a second inclusion harmless */

#include <stdio.h>
#include <string.h>

/* Compile-time checks, C99 style (a negative array size fails the build). */
typedef char status_is_int_sized[sizeof(enum annoy_status) == sizeof(int) ? 1 : -1];
typedef char ok_is_zero[ANNOY_OK == 0 ? 1 : -1];
typedef char search_k_default_is_minus_one[ANNOY_SEARCH_K_DEFAULT == -1 ? 1 : -1];

/* Every function, by its exact prototype: a changed signature fails the build here. */
static void prototypes_are_as_documented(void) {
    const char *(*version)(void) = annoy_version;
    enum annoy_status (*new_)(int32_t, size_t, annoy_index **, annoy_error **) = annoy_new;
    void (*free_)(annoy_index *) = annoy_free;
    enum annoy_status (*seed)(annoy_index *, uint64_t, annoy_error **) = annoy_set_seed;
    enum annoy_status (*layout)(annoy_index *, int32_t, annoy_error **) = annoy_set_dot_layout;
    enum annoy_status (*add)(annoy_index *, uint32_t, const float *, size_t, annoy_error **) =
        annoy_add;
    enum annoy_status (*on_disk)(annoy_index *, const char *, annoy_error **) = annoy_on_disk_build;
    enum annoy_status (*build)(annoy_index *, int32_t, int32_t, annoy_error **) = annoy_build;
    enum annoy_status (*unbuild)(annoy_index *, annoy_error **) = annoy_unbuild;
    enum annoy_status (*save)(annoy_index *, const char *, bool, annoy_error **) = annoy_save;
    enum annoy_status (*load)(annoy_index *, const char *, bool, annoy_error **) = annoy_load;
    enum annoy_status (*unload)(annoy_index *, annoy_error **) = annoy_unload;
    enum annoy_status (*query)(const annoy_index *, const float *, size_t, size_t, int64_t,
                               uint32_t *, float *, size_t, size_t *, annoy_error **) = annoy_query;
    enum annoy_status (*by_item)(const annoy_index *, uint32_t, size_t, int64_t, uint32_t *,
                                 float *, size_t, size_t *, annoy_error **) = annoy_query_by_item;
    enum annoy_status (*scratch_new)(annoy_scratch **, annoy_error **) = annoy_scratch_new;
    void (*scratch_free)(annoy_scratch *) = annoy_scratch_free;
    enum annoy_status (*with_scratch)(const annoy_index *, annoy_scratch *, const float *, size_t,
                                      size_t, int64_t, uint32_t *, float *, size_t, size_t *,
                                      annoy_error **) = annoy_query_with_scratch;
    enum annoy_status (*batch)(const annoy_index *, const float *, size_t, size_t, size_t, int64_t,
                               int32_t, uint32_t *, float *, size_t *, annoy_error **) =
        annoy_query_batch;
    enum annoy_status (*get_item)(const annoy_index *, uint32_t, float *, size_t, annoy_error **) =
        annoy_get_item;
    enum annoy_status (*distance)(const annoy_index *, uint32_t, uint32_t, float *,
                                  annoy_error **) = annoy_distance;
    enum annoy_status (*n_items)(const annoy_index *, size_t *, annoy_error **) = annoy_n_items;
    enum annoy_status (*n_trees)(const annoy_index *, size_t *, annoy_error **) = annoy_n_trees;
    enum annoy_status (*dim)(const annoy_index *, size_t *, annoy_error **) = annoy_dim;
    enum annoy_status (*metric)(const annoy_index *, int32_t *, annoy_error **) = annoy_metric;
    enum annoy_status (*state)(const annoy_index *, int32_t *, annoy_error **) = annoy_state;
    uint32_t (*version_number)(void) = annoy_version_number;
    const char *(*status_str)(int32_t) = annoy_status_str;
    enum annoy_status (*error_status)(const annoy_error *) = annoy_error_status;
    const char *(*error_message)(const annoy_error *) = annoy_error_message;
    void (*error_free)(annoy_error *) = annoy_error_free;
    (void)version; (void)new_; (void)free_; (void)seed; (void)layout; (void)add; (void)on_disk;
    (void)build; (void)unbuild; (void)save; (void)load; (void)unload; (void)query; (void)by_item;
    (void)scratch_new; (void)scratch_free; (void)with_scratch; (void)batch; (void)get_item;
    (void)distance; (void)n_items; (void)n_trees; (void)dim; (void)metric; (void)state;
    (void)version_number;
    (void)status_str; (void)error_status; (void)error_message; (void)error_free;
}

int main(void) {
    char want[64];
    annoy_index *index = NULL;
    annoy_error *err = NULL;
    const float v[3] = {1.0f, 0.0f, 0.0f};
    uint32_t ids[1];
    size_t n = 0;
    int failures = 0;

    prototypes_are_as_documented();
    sprintf(want, "%d.%d.%d", ANNOY_VERSION_MAJOR, ANNOY_VERSION_MINOR, ANNOY_VERSION_PATCH);
    if (strcmp(annoy_version(), want) != 0) {
        fprintf(stderr, "FAIL: annoy_version() = %s, header macros say %s\n", annoy_version(), want);
        failures++;
    }
    if (annoy_new(ANNOY_METRIC_ANGULAR, 3, &index, &err) != ANNOY_OK ||
        annoy_add(index, 0, v, 3, &err) != ANNOY_OK || annoy_build(index, 1, 1, &err) != ANNOY_OK ||
        annoy_query(index, v, 3, 1, ANNOY_SEARCH_K_DEFAULT, ids, NULL, 1, &n, &err) != ANNOY_OK ||
        n != 1 || ids[0] != 0) {
        fprintf(stderr, "FAIL: a first query did not work: %s\n", annoy_error_message(err));
        failures++;
    }
    annoy_error_free(err);
    annoy_free(index);
    printf("test_header (C99): header %s, library %s: %d failed\n", want, annoy_version(), failures);
    return failures != 0;
}

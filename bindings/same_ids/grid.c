/* Prints the ids of by-item queries over the grid of same_ids.sh, one line per query. */
#include <stdio.h>
#include <stdlib.h>
#include "annoy.h"

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    annoy_index *ix = NULL;
    size_t dim = (size_t)atoi(argv[2]), n_items = 0;
    if (annoy_new(ANNOY_METRIC_ANGULAR, dim, &ix, NULL) || annoy_load(ix, argv[1], false, NULL) ||
        annoy_n_items(ix, &n_items, NULL))
        return 1;
    const long long ns[] = {0, 1, 10, (long long)n_items, (long long)n_items + 7, 1000};
    const long long sks[] = {-1, -2, -7, 0, 5, 100, 2000000000LL};
    uint32_t *ids = malloc(n_items * sizeof *ids);
    for (int item = 0; item < atoi(argv[3]); item++)
        for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
            for (size_t b = 0; b < sizeof sks / sizeof *sks; b++) {
                size_t got = 0, n = (size_t)ns[a], cap = n < n_items ? n : n_items;
                if (annoy_query_by_item(ix, (uint32_t)item, n, sks[b], ids, NULL, cap, &got, NULL))
                    return 1;
                printf("%d %lld %lld:", item, ns[a], sks[b]);
                for (size_t k = 0; k < got; k++) printf(" %u", ids[k]);
                printf("\n");
            }
    free(ids);
    annoy_free(ix);
    return 0;
}

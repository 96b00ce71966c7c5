/*
 * Opens a native index file (optionally after dropping its pages from the page cache with
 * posix_fadvise(DONTNEED)), answers one query and prints the time to that first answer, then
 * queries items' own vectors for `seconds` and prints its own Rss and Pss from
 * /proc/self/smaps_rollup. Used by bench/shared_mmap.sh; not part of the library.
 *   query_loop FILE SECONDS EF COLD(0|1)
 */
#define _GNU_SOURCE 1
#include <annoy.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: query_loop FILE SECONDS EF COLD\n");
        return 2;
    }
    const char *path = argv[1];
    double seconds = atof(argv[2]);
    int64_t ef = atoll(argv[3]);
    if (atoi(argv[4])) {
        int fd = open(path, O_RDONLY);
        if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
            perror("posix_fadvise");
            return 1;
        }
        close(fd);
    }
    double t0 = now();
    annoy_index *index = NULL;
    if (annoy_open(path, false, &index, NULL) != ANNOY_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t dim = 0, n_items = 0, degree = 0;
    annoy_dim(index, &dim, NULL);
    annoy_n_items(index, &n_items, NULL);
    annoy_graph_degree(index, &degree, NULL);
    float *v = calloc(dim, sizeof(float));
    annoy_query_options opts;
    annoy_query_options_init(&opts, sizeof opts, NULL);
    opts.n = 10;
    if (degree > 0)
        opts.ef = ef;
    uint32_t ids[10];
    size_t got = 0;
    annoy_get_item(index, 0, v, dim, NULL);
    annoy_query_with_options(index, NULL, &opts, v, dim, ids, NULL, 10, &got, NULL);
    double first = now() - t0;
    size_t queries = 1;
    double end = now() + seconds;
    while (now() < end) {
        annoy_get_item(index, (uint32_t)(queries * 7919 % n_items), v, dim, NULL);
        annoy_query_with_options(index, NULL, &opts, v, dim, ids, NULL, 10, &got, NULL);
        queries++;
    }
    long rss = -1, pss = -1;
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "Rss: %ld kB", &rss);
        sscanf(line, "Pss: %ld kB", &pss);
    }
    if (f)
        fclose(f);
    printf("pid %d graph_degree %zu first_answer_ms %.2f queries %zu rss_kb %ld pss_kb %ld\n",
           (int)getpid(), degree, first * 1e3, queries, rss, pss);
    free(v);
    annoy_free(index);
    return 0;
}

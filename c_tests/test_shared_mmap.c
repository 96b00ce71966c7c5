/*
 * Cross-process sharing of a loaded index, measured rather than assumed.
 *
 * The test builds an index file larger than 64 MiB, then starts N_CHILDREN processes (fork +
 * exec of this program) that each annoy_load it with prefault and, released together, run the
 * same queries at the same time. While they all still hold the index, it reads
 * /proc/<pid>/smaps of each for the mapping of the index file and checks:
 *   - the whole file is resident in each process (prefault) and every resident page is
 *     Shared (Shared_Clean + Shared_Dirty = Rss; nothing private);
 *   - the Pss of the mapping summed over the processes stays close to ONE file size
 *     (< 1.5 × file size), where private copies would make it N × file size;
 *   - every process returns exactly the answers the parent computed before.
 * It prints the Rss / Pss / Shared figures of each process and the sum.
 *
 * Child mode (internal): test_shared_mmap --child <index path> <dim>
 */
#include "annoy_test.h"

#include <signal.h>
#include <sys/wait.h>

#define N_CHILDREN 4
#define N_QUERIES 100
#define K 10
#define DIM 128

typedef struct {
    uint32_t ids[N_QUERIES][K];
    float dists[N_QUERIES][K];
    uint64_t counts[N_QUERIES];
} answers;

static void make_queries(float *q) {
    test_rng r = {777};
    for (size_t i = 0; i < (size_t)N_QUERIES * DIM; i++)
        q[i] = (float)(rng_uniform(&r) * 2.0 - 1.0);
}

static void ask(const annoy_index *idx, const float *queries, answers *a) {
    memset(a, 0, sizeof *a);
    for (size_t q = 0; q < N_QUERIES; q++) {
        size_t got = 0;
        if (annoy_query(idx, queries + q * DIM, DIM, K, -1, a->ids[q], a->dists[q], K, &got,
                        NULL) != ANNOY_OK)
            got = (size_t)-1;
        a->counts[q] = got;
    }
}

static bool read_all(int fd, void *buf, size_t len) {
    char *p = (char *)buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool write_all(int fd, const void *buf, size_t len) {
    const char *p = (const char *)buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The child: load with prefault, say 'L', wait for 'G', query, send the answers, then hold
 * the index until the parent closes our stdin. */
static int child_main(const char *path) {
    alarm(300);
    annoy_index *idx = NULL;
    if (annoy_new(ANNOY_METRIC_EUCLIDEAN, DIM, &idx, NULL) != ANNOY_OK)
        return 3;
    annoy_error *err = NULL;
    if (annoy_load(idx, path, true, &err) != ANNOY_OK) {
        fprintf(stderr, "child %d: load failed: %s\n", (int)getpid(), annoy_error_message(err));
        annoy_error_free(err);
        return 4;
    }
    char c = 'L';
    if (!write_all(1, &c, 1) || !read_all(0, &c, 1) || c != 'G')
        return 5;
    float *queries = (float *)malloc(sizeof(float) * N_QUERIES * DIM);
    make_queries(queries);
    static answers a;
    ask(idx, queries, &a);
    free(queries);
    if (!write_all(1, &a, sizeof a))
        return 6;
    while (read(0, &c, 1) > 0) {
    }
    annoy_free(idx);
    return 0;
}

typedef struct {
    long size_kb, rss_kb, pss_kb, shared_kb, private_kb;
    int mappings;
} map_stats;

/* Sums the smaps fields of every mapping of `file` in process `pid`. */
static bool read_smaps(pid_t pid, const char *file, map_stats *st) {
    char path[64], line[4608];
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    memset(st, 0, sizeof *st);
    bool in_map = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char name[4200];
        /* a mapping header: "start-end perms offset dev inode [path]" */
        int fields = sscanf(line, "%lx-%lx %*s %*s %*s %*s %4199s", &lo, &hi, name);
        if (fields >= 2) {
            in_map = fields == 3 && strcmp(name, file) == 0;
            st->mappings += in_map;
            continue;
        }
        if (!in_map)
            continue;
        char key[64];
        long kb;
        if (sscanf(line, "%63[^:]: %ld kB", key, &kb) != 2)
            continue;
        if (strcmp(key, "Size") == 0) st->size_kb += kb;
        else if (strcmp(key, "Rss") == 0) st->rss_kb += kb;
        else if (strcmp(key, "Pss") == 0) st->pss_kb += kb;
        else if (strcmp(key, "Shared_Clean") == 0 || strcmp(key, "Shared_Dirty") == 0)
            st->shared_kb += kb;
        else if (strcmp(key, "Private_Clean") == 0 || strcmp(key, "Private_Dirty") == 0)
            st->private_kb += kb;
    }
    fclose(f);
    return true;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2]);
    test_begin("test_shared_mmap");
    alarm(600);

    /* 1. an index file of more than 64 MiB: 136,000 items × 528-byte nodes + trees */
    const size_t n_items = 136000;
    float *data = (float *)malloc(n_items * DIM * sizeof(float));
    test_rng r = {99};
    for (size_t i = 0; i < n_items * DIM; i++)
        data[i] = (float)(rng_uniform(&r) * 2.0 - 1.0);
    char path[4200];
    test_path(path, sizeof path, "big.ann");
    annoy_index *idx = NULL;
    OK(annoy_new, ANNOY_METRIC_EUCLIDEAN, DIM, &idx);
    OK(annoy_set_seed, idx, 1);
    for (size_t i = 0; i < n_items; i++)
        OK(annoy_add, idx, (uint32_t)i, data + i * DIM, DIM);
    free(data);
    OK(annoy_build, idx, 4, -1);
    OK(annoy_save, idx, path, false);
    const long size = file_size(path);
    printf("index file: %ld bytes (%.1f MiB)\n", size, size / 1048576.0);
    REQUIRE(size > 64L * 1024 * 1024);

    float *queries = (float *)malloc(sizeof(float) * N_QUERIES * DIM);
    make_queries(queries);
    static answers want;
    ask(idx, queries, &want);
    free(queries);
    annoy_free(idx); /* the parent no longer maps the file: only the children count */
    for (int q = 0; q < N_QUERIES; q++)
        REQUIRE(want.counts[q] == K);

    char real[4200];
    REQUIRE(realpath(path, real) != NULL);

    /* 2. the children */
    pid_t pids[N_CHILDREN];
    int to_child[N_CHILDREN], from_child[N_CHILDREN];
    for (int c = 0; c < N_CHILDREN; c++) {
        int in[2], out[2];
        REQUIRE(pipe(in) == 0 && pipe(out) == 0);
        fflush(NULL);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            for (int fd = 3; fd < 256; fd++)
                close(fd);
            execl("/proc/self/exe", argv[0], "--child", real, (char *)NULL);
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        pids[c] = pid;
        to_child[c] = in[1];
        from_child[c] = out[0];
    }
    bool all_loaded = true;
    for (int c = 0; c < N_CHILDREN; c++) {
        char ch = 0;
        all_loaded = all_loaded && read_all(from_child[c], &ch, 1) && ch == 'L';
    }
    CHECK_MSG(all_loaded, "a child did not load the index");

    map_stats st[N_CHILDREN];
    long pss_sum = 0;
    if (all_loaded) {
        /* release them together: they query at the same time */
        for (int c = 0; c < N_CHILDREN; c++)
            REQUIRE(write_all(to_child[c], "G", 1));
        static answers got;
        for (int c = 0; c < N_CHILDREN; c++) {
            bool ok = read_all(from_child[c], &got, sizeof got);
            CHECK_MSG(ok, "child %d sent no answers", c);
            CHECK_MSG(ok && memcmp(&got, &want, sizeof got) == 0,
                      "child %d answered differently from the parent", c);
        }
        /* 3. every child still holds the index: measure */
        const long file_kb = (size + 1023) / 1024;
        printf("%-6s %8s %10s %10s %10s %10s %10s\n", "child", "pid", "Size kB", "Rss kB",
               "Pss kB", "Shared kB", "Private kB");
        for (int c = 0; c < N_CHILDREN; c++) {
            REQUIRE(read_smaps(pids[c], real, &st[c]));
            printf("%-6d %8d %10ld %10ld %10ld %10ld %10ld\n", c, (int)pids[c], st[c].size_kb,
                   st[c].rss_kb, st[c].pss_kb, st[c].shared_kb, st[c].private_kb);
            CHECK_MSG(st[c].mappings >= 1, "child %d has no mapping of %s", c, real);
            CHECK_MSG(st[c].rss_kb >= file_kb * 95 / 100,
                      "child %d: only %ld of %ld kB resident after a prefaulted load", c,
                      st[c].rss_kb, file_kb);
            CHECK_MSG(st[c].shared_kb >= st[c].rss_kb * 99 / 100 && st[c].private_kb <= file_kb / 100,
                      "child %d: %ld kB shared, %ld kB private of %ld kB resident", c,
                      st[c].shared_kb, st[c].private_kb, st[c].rss_kb);
            pss_sum += st[c].pss_kb;
        }
        printf("sum of Pss over %d processes: %ld kB = %.2f × the file (%ld kB); "
               "unshared copies would be %d ×\n",
               N_CHILDREN, pss_sum, (double)pss_sum / (double)file_kb, file_kb, N_CHILDREN);
        CHECK_MSG(pss_sum * 2 < file_kb * 3, "sum of Pss %ld kB is not close to one file (%ld kB)",
                  pss_sum, file_kb);
        CHECK_MSG(pss_sum * 2 > file_kb, "sum of Pss %ld kB is less than half the file (%ld kB)",
                  pss_sum, file_kb);
    }

    /* 4. let them go */
    for (int c = 0; c < N_CHILDREN; c++)
        close(to_child[c]);
    for (int c = 0; c < N_CHILDREN; c++) {
        int status = 0;
        if (!all_loaded)
            kill(pids[c], SIGKILL);
        REQUIRE(waitpid(pids[c], &status, 0) == pids[c]);
        if (all_loaded)
            CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "child %d exited with status %d", c, status);
        close(from_child[c]);
    }
    test_tmp_cleanup();
    return test_finish();
}

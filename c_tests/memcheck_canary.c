/*
 * A canary for the memcheck set-up: with ANNOY_CANARY=1 in the environment it leaks a block
 * (a definite leak) on purpose, so run.sh can prove that `ctest -T memcheck` fails on a leak.
 * Without it, it is clean and passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *on = getenv("ANNOY_CANARY");
    char *block = malloc(100);
    if (block == NULL)
        return 1;
    strcpy(block, "leaked on purpose");
    if (on != NULL && strcmp(on, "1") == 0) {
        block = NULL; /* the only pointer is gone: a definite leak */
        printf("memcheck_canary: leaking 100 bytes\n");
        return 0;
    }
    free(block);
    printf("memcheck_canary: clean\n");
    return 0;
}

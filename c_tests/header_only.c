/* annoy.h alone, compiled (not linked) with many extra C warnings as errors. */
#include "annoy.h"

int annoy_header_only_c(void);
int annoy_header_only_c(void) { return ANNOY_OK; }

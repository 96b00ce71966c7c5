// annoy.h alone, compiled (not linked) with many extra C++ warnings as errors.
#include "annoy.h"

int annoy_header_only_cpp();
int annoy_header_only_cpp() { return ANNOY_OK; }

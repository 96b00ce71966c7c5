#!/bin/sh
# Programs linked against libannoy.a with only `-lm -lpthread -ldl` beside it (the imported
# target annoy_static) must need no shared library at run time but libc, libm, libpthread,
# libdl and the dynamic loader, plus libgcc_s: the unwinder that the gcc driver adds to every
# dynamic link on its own (Rust's panic machinery uses it). A program linked with
# -static-libgcc (its name ends in _static and it is given second) must not need libgcc_s.
# Usage: check_static_deps.sh <executable> [<executable linked with -static-libgcc>]
set -u
fail=0
check() { # check <exe> <allowed extra regex>
  needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\].*/\1/p')
  echo "NEEDED by $(basename "$1"): $(printf '%s ' $needed)"
  if printf '%s\n' $needed | grep -q '^libannoy'; then
    echo "FAIL: $(basename "$1") still needs libannoy.so"
    fail=1
  fi
  bad=$(printf '%s\n' $needed |
    grep -vE "^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux[-a-z0-9_.]*\.so\.[0-9]+$2)$" || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $(basename "$1") needs unexpected shared libraries: $bad"
    fail=1
  fi
}
check "$1" '|libgcc_s\.so\.1'
[ $# -ge 2 ] && check "$2" ''
[ "$fail" -eq 0 ] && echo "static link: ok"
exit $fail

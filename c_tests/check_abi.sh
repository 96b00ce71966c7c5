#!/bin/sh
# ABI hygiene of the shared library:
#  - `nm -D --defined-only` lists only annoy_* symbols;
#  - every function declared in annoy.h is exported (and nothing undeclared is, but the test
#    hook annoy_selftest_panic, which the header leaves out on purpose);
#  - `readelf -d` shows SONAME libannoy.so.<ANNOY_VERSION_MAJOR>.
# Usage: check_abi.sh <libannoy.so> <annoy.h>
set -u
lib=$1
header=$2
fail=0
for tool in nm readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (apt-get install binutils)"; exit 1; }
done
[ -f "$lib" ] || { echo "FAIL: $lib not found"; exit 1; }

exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u)
n_exported=$(printf '%s\n' "$exported" | grep -c .)
others=$(printf '%s\n' "$exported" | grep -v '^annoy_' || true)
if [ -n "$others" ]; then
  echo "FAIL: symbols exported besides annoy_*:"
  printf '  %s\n' $others
  fail=1
fi

declared=$(grep -oE '\bannoy_[a-z_0-9]+\(' "$header" | tr -d '(' | sort -u)
missing=$(printf '%s\n' "$declared" | while read -r f; do
  printf '%s\n' "$exported" | grep -qx "$f" || echo "$f"; done)
if [ -n "$missing" ]; then
  echo "FAIL: declared in annoy.h but not exported: $missing"
  fail=1
fi
undeclared=$(printf '%s\n' "$exported" | grep '^annoy_' | grep -vx annoy_selftest_panic | while read -r f; do
  printf '%s\n' "$declared" | grep -qx "$f" || echo "$f"; done)
if [ -n "$undeclared" ]; then
  echo "FAIL: exported but not declared in annoy.h: $undeclared"
  fail=1
fi

major=$(sed -n 's/^#define ANNOY_VERSION_MAJOR \([0-9][0-9]*\)$/\1/p' "$header")
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" != "libannoy.so.$major" ]; then
  echo "FAIL: SONAME is '$soname', expected libannoy.so.$major"
  fail=1
fi

echo "exported: $n_exported symbols, all annoy_*: $(printf '%s ' $exported)"
echo "SONAME: $soname"
[ "$fail" -eq 0 ] && echo "abi: ok"
exit $fail

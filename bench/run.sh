#!/usr/bin/env bash
# Benchmark this library against Spotify Annoy, side by side, in one run.
#
#   bash bench/run.sh [--quick] [--data FILE --metric M] [other driver options, see --help]
#
# Fetches Annoy's source distribution from PyPI (cached in bench/.cache, never committed),
# builds our library in release mode, compiles bench/driver.cpp with the flags Annoy's own
# setup.py uses, and runs it. Unless --json is given, the JSON report goes to
# bench/.cache/report.json.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cache=${ANNOY_BENCH_CACHE:-$here/.cache}
annoy_version=1.17.3
annoy_dir=$cache/annoy-$annoy_version
mkdir -p "$cache"

# 1. Annoy's headers, from the sdist on PyPI.
if [[ ! -f $annoy_dir/annoylib.h ]]; then
  echo "== fetching annoy==$annoy_version (sdist) from PyPI" >&2
  dl=$cache/download
  mkdir -p "$dl"
  if command -v pip >/dev/null 2>&1; then pip=(pip); else pip=(python3 -m pip); fi
  "${pip[@]}" download "annoy==$annoy_version" --no-binary :all: --no-deps -d "$dl" >&2
  tarball=$dl/annoy-$annoy_version.tar.gz
  [[ -f $tarball ]] || { echo "run.sh: $tarball was not downloaded" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/extract.XXXXXX")
  tar -xzf "$tarball" -C "$tmp" \
    "annoy-$annoy_version/src/annoylib.h" "annoy-$annoy_version/src/kissrandom.h" \
    "annoy-$annoy_version/src/mman.h" "annoy-$annoy_version/setup.py" "annoy-$annoy_version/LICENSE"
  mkdir -p "$annoy_dir"
  mv "$tmp/annoy-$annoy_version/src/"*.h "$tmp/annoy-$annoy_version/setup.py" \
     "$tmp/annoy-$annoy_version/LICENSE" "$annoy_dir/"
  rm -rf "$tmp"
fi

# 2. The compile flags of Annoy's setup.py (extra_compile_args), for this platform.
flags=(-D_CRT_SECURE_NO_WARNINGS -fpermissive)
machine=$(uname -m)
[[ $machine == ppc64le ]] && flags+=(-mcpu=native)
[[ $machine == x86_64 && $(uname -s) != Darwin ]] && flags+=(-march=native)
flags+=(-O3 -ffast-math -fno-associative-math -DANNOYLIB_MULTITHREADED_BUILD -std=c++14)
# Guard against a setup.py that no longer says what we replicate.
for f in -ffast-math -fno-associative-math -DANNOYLIB_MULTITHREADED_BUILD -std=c++14 -march=native -O3 -fpermissive; do
  grep -q -- "'$f'" "$annoy_dir/setup.py" || echo "run.sh: warning: setup.py no longer mentions $f" >&2
done

# 3. Our library, release.
echo "== cargo build --release --lib" >&2
(cd "$root" && cargo build --release --lib >&2)
lib=$root/target/release/libannoy.a
[[ -f $lib ]] || { echo "run.sh: $lib missing after cargo build" >&2; exit 1; }

# 4. The driver (recompiled when the source, the library, the header or the flags change).
driver=$cache/driver
stamp=$cache/driver.flags
if [[ ! -x $driver || $here/driver.cpp -nt $driver || $lib -nt $driver || $root/include/annoy.h -nt $driver \
      || "$(cat "$stamp" 2>/dev/null)" != "${flags[*]}" ]]; then
  echo "== compiling bench/driver.cpp: g++ ${flags[*]}" >&2
  ${CXX:-g++} "${flags[@]}" -DBENCH_CXXFLAGS="\"${flags[*]}\"" -DBENCH_ANNOY_VERSION="\"$annoy_version\"" \
    -I"$annoy_dir" -I"$root/include" "$here/driver.cpp" "$lib" -lpthread -ldl -lm -o "$driver"
  echo "${flags[*]}" > "$stamp"
fi

# 5. Run.
args=("$@")
has_json=0
for a in "$@"; do [[ $a == --json ]] && has_json=1; done
[[ $has_json == 1 ]] || args+=(--json "$cache/report.json")
exec "$driver" --workdir "$cache/work" "${args[@]}"

#!/usr/bin/env bash
# Benchmark this library against Spotify Annoy, side by side, in one run.
#
#   bash bench/run.sh [--quick] [--data FILE --metric M] [other driver options, see --help]
#   bash bench/run.sh curves --data BASE.npy [--queries Q.npy] [curves options, see --help]
#
# Fetches Annoy's (and hnswlib's) source distributions from PyPI (cached in bench/.cache,
# never committed), builds our library in release mode, compiles bench/driver.cpp with the
# flags Annoy's own setup.py uses, and runs it. Unless --json is given, the JSON report goes
# to bench/.cache/report.json. `curves` runs bench/curves.cpp instead (Annoy, our forest and
# hnswlib: recall against QPS), writes bench/.cache/curves.json and, where matplotlib is
# importable, bench/.cache/curves.png.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cache=${ANNOY_BENCH_CACHE:-$here/.cache}
annoy_version=1.17.3
annoy_dir=$cache/annoy-$annoy_version
hnsw_version=0.8.0
hnsw_dir=$cache/hnswlib-$hnsw_version
mkdir -p "$cache"
mode=driver
if [[ ${1:-} == curves ]]; then mode=curves; shift; fi
if command -v pip >/dev/null 2>&1; then pip=(pip); else pip=(python3 -m pip); fi

# 1. Annoy's headers, from the sdist on PyPI.
if [[ ! -f $annoy_dir/annoylib.h ]]; then
  echo "== fetching annoy==$annoy_version (sdist) from PyPI" >&2
  dl=$cache/download
  mkdir -p "$dl"
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

# 1b. hnswlib's headers, from its sdist on PyPI (only hnswlib is taken from source: with
# `--no-binary :all:` pip would also build its build dependencies from source).
if [[ $mode == curves && ! -f $hnsw_dir/hnswlib/hnswalg.h ]]; then
  echo "== fetching hnswlib==$hnsw_version (sdist) from PyPI" >&2
  dl=$cache/download
  mkdir -p "$dl"
  "${pip[@]}" download "hnswlib==$hnsw_version" --no-binary hnswlib --no-deps -d "$dl" >&2
  tarball=$dl/hnswlib-$hnsw_version.tar.gz
  [[ -f $tarball ]] || { echo "run.sh: $tarball was not downloaded" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/extract.XXXXXX")
  tar -xzf "$tarball" -C "$tmp" "hnswlib-$hnsw_version/hnswlib" "hnswlib-$hnsw_version/setup.py" \
    "hnswlib-$hnsw_version/LICENSE"
  mkdir -p "$hnsw_dir"
  mv "$tmp/hnswlib-$hnsw_version/hnswlib" "$tmp/hnswlib-$hnsw_version/setup.py" \
     "$tmp/hnswlib-$hnsw_version/LICENSE" "$hnsw_dir/"
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

# 4b. The curves driver: each engine compiled with its own project's flags (hnswlib's
# setup.py: -O3 -march=native), the harness with -O3 -march=native.
if [[ $mode == curves ]]; then
  hflags=(-O3 -std=c++14)
  [[ $machine == x86_64 && $(uname -s) != Darwin ]] && hflags+=(-march=native)
  grep -q -- "'-O3'" "$hnsw_dir/setup.py" || echo "run.sh: warning: hnswlib's setup.py no longer mentions -O3" >&2
  curves=$cache/curves
  srcs=("$here/curves.cpp" "$here/curves.h" "$here/curves_annoy.cpp" "$here/curves_hnsw.cpp" "$lib" "$root/include/annoy.h")
  stale=0
  [[ -x $curves ]] || stale=1
  for f in "${srcs[@]}"; do [[ $f -nt $curves ]] && stale=1; done
  if [[ $stale == 1 ]]; then
    echo "== compiling bench/curves*.cpp" >&2
    cxx=${CXX:-g++}
    $cxx "${flags[@]}" -I"$annoy_dir" -c "$here/curves_annoy.cpp" -o "$cache/curves_annoy.o"
    $cxx "${hflags[@]}" -I"$hnsw_dir" -c "$here/curves_hnsw.cpp" -o "$cache/curves_hnsw.o"
    $cxx "${hflags[@]}" -I"$root/include" -c "$here/curves.cpp" -o "$cache/curves_main.o"
    $cxx "$cache/curves_main.o" "$cache/curves_annoy.o" "$cache/curves_hnsw.o" "$lib" \
      -lpthread -ldl -lm -o "$curves"
  fi
  args=("$@")
  json=$cache/curves.json
  for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == --json ]] && json=${args[i+1]:-}; done
  [[ " ${args[*]} " == *" --json "* ]] || args+=(--json "$json")
  "$curves" --workdir "$cache/work-curves" "${args[@]}"
  py=${BENCH_PYTHON:-python3}
  if "$py" -c 'import matplotlib' 2>/dev/null; then
    "$py" "$here/plot_curves.py" "$json" "${json%.json}.png"
  else
    echo "run.sh: no matplotlib for $py (set BENCH_PYTHON): plot skipped" >&2
  fi
  exit 0
fi

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

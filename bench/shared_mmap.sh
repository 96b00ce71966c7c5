#!/usr/bin/env bash
# Two processes querying one native graph file share its pages: each prints its Rss and Pss
# (from /proc/self/smaps_rollup) after querying for a while, and the time to its first
# answer after a cold open (the file's pages dropped from the cache with
# posix_fadvise(DONTNEED), which needs no privilege, where drop_caches does).
#   bench/shared_mmap.sh [VECTORS.npy] [SECONDS]
# Builds the index with the CLI (`annoy build --graph --format native`) unless it exists.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-/work/data/minilm-384-100k.npy}
seconds=${2:-10}
out=${ANNOY_BENCH_DIR:-target/shared_mmap}
mkdir -p "$out"
cargo build --release -p annoy-cli -p annoy-capi >/dev/null
index="$out/graph.ann"
if [ ! -f "$index" ]; then
  target/release/annoy build --metric angular --trees 10 --threads 2 --format native \
    --graph --input "$data" --output "$index"
fi
target/release/annoy info --index "$index"
# The library's SONAME is libannoy.so.0 and cargo writes only libannoy.so: link to a copy of
# that name beside the program.
cp target/release/libannoy.so "$out/libannoy.so.0"
cc -O2 -std=c99 -Iinclude bench/shared_mmap/query_loop.c -Ltarget/release -lannoy \
  -Wl,-rpath,"$PWD/$out" -o "$out/query_loop"
echo "one process, cold open:"
"$out/query_loop" "$index" "$seconds" 64 1
echo "two processes at once (the second opens while the first is querying):"
"$out/query_loop" "$index" "$seconds" 64 1 &
first=$!
sleep 1
"$out/query_loop" "$index" "$((seconds - 1))" 64 0 &
second=$!
wait "$first" "$second"

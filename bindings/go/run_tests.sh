#!/usr/bin/env bash
# Builds the Rust library, then vets and tests the Go binding inside the checkout
# (-tags annoy_checkout): statically linked, under the race detector, and linked against the
# shared library (-tags annoy_checkout,annoy_shared). The default build, against an installed
# library found through pkg-config, is tested from outside the tree by consumer_test.sh.
# Fails if Go or a C compiler is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v go >/dev/null 2>&1; then
    echo "run_tests.sh: Go is not installed (need Go >= 1.24 with cgo)" >&2
    exit 1
fi
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "run_tests.sh: no C compiler (${CC:-cc}); cgo needs one" >&2
    exit 1
fi
export CGO_ENABLED=1

echo "== cargo build --release --lib"
(cd "$root" && cargo build --release --lib)

cd "$here"
echo "== $(go version)"
echo "== go vet -tags annoy_checkout ./..."
go vet -tags annoy_checkout ./...
echo "== go test -tags annoy_checkout ./..."
go test -tags annoy_checkout -count=1 ./...
echo "== go test -race -tags annoy_checkout ./..."
go test -race -tags annoy_checkout -count=1 ./...

# The shared library's SONAME is libannoy.so.0 and cargo writes only libannoy.so, so point
# the loader at a libannoy.so.0 symlink in a scratch directory.
echo "== go test -tags annoy_checkout,annoy_shared ./... (libannoy.so)"
libdir="$(mktemp -d)"
trap 'rm -rf "$libdir"' EXIT
ln -s "$root/target/release/libannoy.so" "$libdir/libannoy.so.0"
go vet -tags annoy_checkout,annoy_shared ./...
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" go test -tags annoy_checkout,annoy_shared -count=1 ./...

echo "== Go binding: all tests passed"

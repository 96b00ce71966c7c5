#!/usr/bin/env bash
# The Go binding as a user outside this repository gets it: installs the library with
# `cmake --install` into a temporary prefix, then, in a fresh module in a temporary directory
# (a copy of consumer/main.go), requires the binding through a `replace`, vendors it
# (`go mod vendor`) and builds and runs the program with -mod=vendor against the installed
# library, found through pkg-config only. Also runs the binding's own tests in its default
# (pkg-config) mode against that prefix. No network: GOPROXY=off.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
for tool in go cmake pkg-config "${CC:-cc}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "consumer_test.sh: $tool is not installed" >&2; exit 1; }
done
export CGO_ENABLED=1 GOPROXY=off GOFLAGS=

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Go's build cache keys a cgo package on its #cgo lines, not on what pkg-config prints, so a
# cache that saw another prefix would link against it: build with a cache of our own.
export GOCACHE="$work/gocache"

echo "== cargo build --release -p annoy-capi --lib"
(cd "$root" && cargo build --release -p annoy-capi --lib)

echo "== cmake --install into $work/prefix (libraries from target/release)"
cmake -S "$root" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$work/prefix" \
    -DANNOY_LIB_DIR="$root/target/release" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
cmake --install "$work/build" >/dev/null
libdir="$(dirname "$(find "$work/prefix" -name annoy.pc -path '*pkgconfig*')")/.."
libdir="$(cd "$libdir" && pwd)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "   pkg-config --cflags --libs annoy: $(pkg-config --cflags --libs annoy)"

echo "== consumer module outside the tree: go mod vendor, go build -mod=vendor"
app="$work/app"
mkdir -p "$app"
cp "$here/consumer/main.go" "$app/"
cat >"$app/go.mod" <<MOD
module example.com/annoyconsumer

go 1.24

require github.com/annoy-rs/annoy/bindings/go v0.0.0

replace github.com/annoy-rs/annoy/bindings/go => $here
MOD
(cd "$app" && go mod vendor)
ls "$app/vendor/github.com/annoy-rs/annoy/bindings/go/" | grep -q '^link_installed.go$'
# No cgo directive of the default build may point into the checkout (only the files behind
# the annoy_checkout tag do).
if grep -n '#cgo.*SRCDIR' "$app"/vendor/github.com/annoy-rs/annoy/bindings/go/*.go | grep -v '/link_s[a-z]*\.go:'; then
    echo "consumer_test.sh: vendored binding refers to the checkout" >&2
    exit 1
fi
(cd "$app" && go build -mod=vendor -o "$work/consumer" .)
if ldd "$work/consumer" | grep libannoy | grep -qv "$libdir/"; then
    echo "consumer_test.sh: consumer links a libannoy outside the prefix:" >&2
    ldd "$work/consumer" | grep libannoy >&2
    exit 1
fi
ldd "$work/consumer" | grep libannoy | sed 's/^\s*/   /'
mkdir -p "$work/run"
"$work/consumer" "$work/run"

echo "== go vet + go test ./... in the binding, default build (pkg-config, installed library)"
(cd "$here" && go vet ./... && go test -count=1 ./...)

echo "== Go consumer against the installed library: all passed"

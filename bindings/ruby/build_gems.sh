#!/bin/sh
# Builds the two gems into dist/ (or the directory given):
#   annoy-rs-VERSION-x86_64-linux.gem  the platform gem: the stripped libannoy.so in
#                                      lib/annoy/native/, installs with no compiler or cargo;
#   annoy-rs-VERSION.gem               the source gem: the Rust sources in ext/annoy/rust/,
#                                      which `gem install` builds with cargo (extconf.rb).
# Each gem is built by `gem build` from a staging copy, so the checkout is left untouched.
# Usage: build_gems.sh [out dir]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
platform=$(ruby -e 'print Gem::Platform.local')
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

echo "== cargo build --release -p annoy-capi --lib"
(cd "$root" && cargo build --release -p annoy-capi --lib)

# copy_tracked <source dir> <dest dir> <paths...>: the git-tracked files under the paths
copy_tracked() {
    from=$1 to=$2
    shift 2
    mkdir -p "$to"
    (cd "$from" && git ls-files -z -- "$@" | xargs -0 tar -cf -) | tar -xf - -C "$to"
}

echo "== platform gem ($platform)"
copy_tracked "$here" "$stage/platform" lib README.md annoy-rs.gemspec
cp "$root/LICENSE" "$stage/platform/"
mkdir -p "$stage/platform/lib/annoy/native"
strip --strip-unneeded -o "$stage/platform/lib/annoy/native/libannoy.so" "$root/target/release/libannoy.so"
(cd "$stage/platform" && ANNOY_GEM_KIND=platform ANNOY_GEM_PLATFORM=$platform gem build -q annoy-rs.gemspec)
mv "$stage"/platform/annoy-rs-*.gem "$out/"

echo "== source gem"
copy_tracked "$here" "$stage/source" lib README.md annoy-rs.gemspec ext/annoy/extconf.rb
cp "$root/LICENSE" "$stage/source/"
copy_tracked "$root" "$stage/source/ext/annoy/rust" Cargo.toml Cargo.lock LICENSE README.md src \
    capi/Cargo.toml capi/build.rs capi/src cli/Cargo.toml cli/src
(cd "$stage/source" && ANNOY_GEM_KIND=source gem build -q annoy-rs.gemspec)
mv "$stage"/source/annoy-rs-*.gem "$out/"

ls -l "$out"/annoy-rs-*.gem

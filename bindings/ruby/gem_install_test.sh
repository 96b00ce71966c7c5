#!/bin/sh
# The platform gem as a user installs it: build_gems.sh makes both gems, then the platform gem
# is installed with `gem install --local` into a fresh GEM_HOME with no cargo on PATH (ffi
# comes from the system, e.g. Debian's ruby-ffi), and the Ruby suite runs from a copy of
# test/ outside the checkout, so `require "annoy"` can only load the installed gem and its
# bundled library. loading_test.rb is left out: it tests where a checkout finds its library.
# Also checks the source gem's contents (extconf.rb and the Rust workspace).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sh "$here/build_gems.sh" "$work/dist"
gem=$(ls "$work"/dist/annoy-rs-*-x86_64-linux.gem)
src_gem=$(ls "$work"/dist/annoy-rs-*.gem | grep -v -- -x86_64-linux)

echo "== source gem contents"
files=$(tar -xOf "$src_gem" data.tar.gz | tar -tzf -)
for f in ext/annoy/extconf.rb ext/annoy/rust/Cargo.toml ext/annoy/rust/Cargo.lock \
         ext/annoy/rust/capi/Cargo.toml ext/annoy/rust/src/lib.rs lib/annoy.rb; do
    echo "$files" | grep -qx "$f" || { echo "gem_install_test.sh: $f missing from $src_gem" >&2; exit 1; }
done
if echo "$files" | grep -q '\.so$'; then
    echo "gem_install_test.sh: the source gem carries a built library" >&2
    exit 1
fi
tar -xOf "$src_gem" metadata.gz | gunzip | grep -q 'extconf.rb'

echo "== platform gem: stripped library, platform label"
tar -xOf "$gem" metadata.gz | gunzip | grep -A3 '^platform:' | head -1
tar -xOf "$gem" metadata.gz | gunzip | grep -q '^platform: x86_64-linux$'
tar -xOf "$gem" data.tar.gz | tar -xzf - -C "$work" lib/annoy/native/libannoy.so
file "$work/lib/annoy/native/libannoy.so" | grep -q ', stripped' ||
    { echo "gem_install_test.sh: the gem's libannoy.so is not stripped" >&2; exit 1; }
echo "   libannoy.so in the gem: $(wc -c <"$work/lib/annoy/native/libannoy.so") bytes, stripped"

# PATH without cargo or rustc: only the directories that hold neither.
path=""
old_ifs=$IFS
IFS=:
for d in $PATH; do
    [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || path="$path${path:+:}$d"
done
IFS=$old_ifs

echo "== gem install --local into a fresh GEM_HOME, no cargo on PATH"
mkdir -p "$work/gems" "$work/run"
env -u ANNOY_LIBRARY PATH="$path" GEM_HOME="$work/gems" \
    gem install --local --no-document "$gem"
cp -r "$here/test" "$work/run/test"
rm "$work/run/test/loading_test.rb"
cd "$work/run"
run() { env -u ANNOY_LIBRARY -u RUBYLIB PATH="$path" GEM_HOME="$work/gems" ANNOY_GOLDEN_DIR="$root/tests/golden" \
    ANNOY_CONFORMANCE_CASES="$root/tests/conformance/cases.json" "$@"; }
run sh -c '! command -v cargo >/dev/null'
loaded=$(run ruby -e 'require "annoy"; print Annoy::Native.library_path')
case $loaded in
    "$work/gems/"*) echo "   library loaded from $loaded" ;;
    *) echo "gem_install_test.sh: loaded $loaded, not the installed gem's" >&2; exit 1 ;;
esac
failed=""
for t in test/*_test.rb; do
    echo "== $t (installed gem)"
    run ruby -w -Itest "$t" || failed="$failed $t"
done
if [ -n "$failed" ]; then
    echo "gem_install_test.sh: FAILED:$failed" >&2
    exit 1
fi
echo "gem_install_test.sh: the installed platform gem passed the Ruby suite"

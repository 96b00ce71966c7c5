#!/bin/sh
# Builds libannoy (cargo build --release --lib) and runs every Ruby binding test, each file in
# its own Ruby process. Fails when Ruby, ruby-ffi or minitest is missing.
# Debian/Ubuntu: apt-get install -y ruby ruby-ffi ruby-minitest
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v ruby >/dev/null 2>&1; then
    echo "run_tests.sh: ruby not found (apt-get install -y ruby ruby-ffi ruby-minitest)" >&2
    exit 1
fi
if ! ruby -e 'require "ffi"' >/dev/null 2>&1; then
    echo "run_tests.sh: the ffi gem is missing (apt-get install -y ruby-ffi)" >&2
    exit 1
fi
if ! ruby -e 'require "minitest"' >/dev/null 2>&1; then
    echo "run_tests.sh: minitest is missing (apt-get install -y ruby-minitest)" >&2
    exit 1
fi

(cd "$root" && cargo build --release --lib)

cd "$here"
failed=""
for t in test/*_test.rb; do
    echo "== $t"
    if ! ruby -w -Ilib -Itest "$t"; then
        failed="$failed $t"
    fi
done

if [ -n "$failed" ]; then
    echo "run_tests.sh: FAILED:$failed" >&2
    exit 1
fi
echo "run_tests.sh: all Ruby tests passed ($(ruby -e 'print RUBY_VERSION'), ffi $(ruby -rffi -e 'print FFI::VERSION'))"

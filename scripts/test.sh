#!/bin/sh
# test.sh: sets up, builds and runs the whole test suite twice: a normal
# build (all suites, display under Xvfb) and a clang ASan/UBSan build that
# also runs each libFuzzer target for a bounded time.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh test

echo "== Normal build =="
[ -f build/build.ninja ] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs

echo "== Sanitizer build (clang, ASan + UBSan, libFuzzer) =="
[ -f build-sanitize/build.ninja ] || CC=clang CXX=clang++ meson setup build-sanitize \
  -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
meson compile -C build-sanitize
meson test -C build-sanitize --print-errorlogs

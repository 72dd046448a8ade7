#!/bin/sh
# run-fuzzer.sh FUZZER WORK_CORPUS SEED_CORPUS RUNS
# RUNS inputs from a fixed seed and a work corpus emptied first, so that a
# test run is repeated input for input (tests/fuzz/meson.build); new inputs
# go to WORK_CORPUS in the build tree, the committed seeds are only read.
# Crashes are written next to WORK_CORPUS and fail the test (libFuzzer
# exits 77 by default, which meson would read as "skipped"). A longer,
# freely seeded search is scripts/fuzz-campaign.sh.
set -eu
fuzzer=$1 work=$2 seeds=$3 runs=$4
rm -rf "$work"
mkdir -p "$work"
exec "$fuzzer" -seed="${FOVEA_FUZZ_SEED:-20261207}" -runs="$runs" -max_total_time=600 \
  -error_exitcode=1 -rss_limit_mb=4096 -timeout=20 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work" "$seeds"

#!/bin/sh
# run-fuzzer.sh FUZZER WORK_CORPUS SEED_CORPUS SECONDS
# New inputs go to WORK_CORPUS in the build tree; the committed seeds are
# only read. Crashes are written next to WORK_CORPUS and fail the test
# (libFuzzer exits 77 by default, which meson would read as "skipped").
# The seed is fixed so that a test run can be repeated input for input; a
# longer, freely seeded search is scripts/fuzz-campaign.sh.
set -eu
fuzzer=$1 work=$2 seeds=$3 seconds=$4
mkdir -p "$work"
exec "$fuzzer" -seed="${FOVEA_FUZZ_SEED:-20261207}" -error_exitcode=1 -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work" "$seeds"

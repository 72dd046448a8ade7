#!/bin/sh
# fuzz-campaign.sh: a longer libFuzzer search than the test suite's fixed-seed
# minute per target. Each target runs SECONDS with a fresh seed, JOBS targets
# at a time at low priority, on a corpus kept under OUT between campaigns
# (seeded from tests/fuzz/corpus). libFuzzer runs in fork mode so that an
# input that only asks for too much memory or time (DCMTK, for one, allocates
# a DICOM element's declared length before it finds the file shorter) is
# recorded as OUT/crash-TARGET-oom-* or -timeout-* and the search goes on; a
# crash or a leak (OUT/crash-TARGET-crash-*, -leak-*) makes the script exit 1
# after all targets ran.
#
#   ./scripts/fuzz-campaign.sh [SECONDS] [JOBS] [TARGET...]
#   ./scripts/fuzz-campaign.sh --merge     # add what grew to tests/fuzz/corpus
#
# Needs the sanitizer build with fuzzers:
#   CC=clang CXX=clang++ meson setup build-sanitize \
#     -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
set -eu
cd "$(dirname "$0")/.."
root=$PWD
build=${FUZZ_BUILD:-build-sanitize}
out=${FUZZ_OUT:-$build/fuzz-campaign}
all="decode dicom safetensors adapter npz torch-checkpoint patchcore"

# The suite's environment: the same sanitizer options and no user files.
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export G_DEBUG=gc-friendly GSETTINGS_BACKEND=memory FOVEA_FIXTURES_DIR="$root/tests/fixtures"
export XDG_CACHE_HOME="$out/xdg/cache" XDG_DATA_HOME="$out/xdg/data" XDG_CONFIG_HOME="$out/xdg/config"

if [ "${1:-}" = "--merge" ]; then
  # Only inputs that add coverage join the committed seeds.
  for t in $all; do
    [ -d "$out/corpus-$t" ] || continue
    "$build/tests/fuzz/fuzz-$t" -merge=1 "tests/fuzz/corpus/$t" "$out/corpus-$t" 2>&1 | tail -n 1
  done
  exit 0
fi

seconds=${1:-1800}
jobs=${2:-2}
[ $# -ge 2 ] && shift 2 || shift $#
targets=${*:-$all}
for t in $targets; do
  [ -x "$build/tests/fuzz/fuzz-$t" ] || { echo "no $build/tests/fuzz/fuzz-$t: build with -Dfuzzing=true" >&2; exit 2; }
done
mkdir -p "$out"

run_one () {
  t=$1
  mkdir -p "$out/corpus-$t"
  if nice -n 19 "$build/tests/fuzz/fuzz-$t" -fork=1 -ignore_ooms=1 -ignore_timeouts=1 \
       -error_exitcode=1 -max_total_time="$seconds" \
       -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=20 -print_final_stats=1 \
       -artifact_prefix="$out/crash-$t-" "$out/corpus-$t" "tests/fuzz/corpus/$t" \
       > "$out/log-$t.txt" 2>&1; then
    status=ok
  else
    status=FAILED
  fi
  # Fork mode prints "#RUNS ... exec/s" status lines; the last one counts.
  runs=$(grep -o '^#[0-9]*' "$out/log-$t.txt" | tail -n 1 | tr -d '#')
  ooms=$(ls "$out" | grep -c "^crash-$t-oom-" || true)
  slow=$(ls "$out" | grep -c "^crash-$t-timeout-" || true)
  echo "$t: $status, ${runs:-?} inputs in ${seconds} s, $ooms too big, $slow too slow (log: $out/log-$t.txt)"
}

running=0
for t in $targets; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait
if ls "$out"/crash-*-crash-* "$out"/crash-*-leak-* >/dev/null 2>&1; then
  echo "crashes:" "$out"/crash-*-crash-* "$out"/crash-*-leak-* 2>/dev/null
  exit 1
fi

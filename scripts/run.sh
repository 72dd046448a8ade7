#!/bin/sh
# run.sh [FILE|FOLDER…]: sets up, builds, and opens Fovea on the given
# images, or on the bundled sample images, with the bundled research
# models. Without a display it runs the same job headless: `fovea-cli
# grade` on the sample folder (or the folders given).
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
[ -f build/build.ninja ] || meson setup build
meson compile -C build

samples=build/resources/samples
# The bundled research models, from the source tree.
export FOVEA_MODELS_DIR="$PWD/resources/models"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  export GSETTINGS_SCHEMA_DIR="$PWD/build/resources"
  if [ "$#" -eq 0 ]; then
    set -- "$samples"/*.png "$samples"/*.jpg
  fi
  exec build/ui/fovea "$@"
fi

echo "No display found: running headless (fovea-cli grade with the bundled fundus models)."
if [ "$#" -eq 0 ]; then
  set -- "$samples"
fi
# Exit status 3 means some files were not graded (the OCTA and skin
# samples are not fundus photographs); their rows say why.
status=0
build/app/fovea-cli grade "$@" --task dr-grading,referable-dr,dme --force \
  --out build/demo-grades.csv || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
echo "Research models: not for clinical use. Results in build/demo-grades.csv:"
cat build/demo-grades.csv

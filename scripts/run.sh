#!/bin/sh
# run.sh [FILE|FOLDER…]: sets up, builds, and opens Fovea on the given
# images, or on the bundled sample images. Without a display it runs the
# same job headless: `fovea-cli inspect` on the sample folder.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
[ -f build/build.ninja ] || meson setup build
meson compile -C build

samples=build/resources/samples
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  export GSETTINGS_SCHEMA_DIR="$PWD/build/resources"
  if [ "$#" -eq 0 ]; then
    set -- "$samples"/*.png "$samples"/*.jpg
  fi
  exec build/ui/fovea "$@"
fi

echo "No display found: running headless (fovea-cli inspect)."
if [ "$#" -eq 0 ]; then
  set -- "$samples"
fi
exec build/app/fovea-cli inspect "$@"

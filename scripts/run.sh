#!/bin/sh
# run.sh [FILE|FOLDER…]: sets up, builds, and opens Fovea on the given
# images, or on the bundled sample images, with the bundled research
# models. Without a display it runs the same job headless: `fovea-cli
# grade --task auto` on the sample folder (or the folders given): every
# installed task, each on the images of its modality. Where the shared
# data has HAM10000 (../shared/data/ham10000), a few of its dermoscopy
# images join the synthetic samples (copied into build/, never committed).
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
[ -f build/build.ninja ] || meson setup build
meson compile -C build

samples=build/resources/samples
# A few real dermoscopy images beside the synthetic samples, when present.
ham=../shared/data/ham10000/images
demo_ham=build/demo-ham10000
if [ -d "$ham" ]; then
  rm -rf "$demo_ham"
  mkdir -p "$demo_ham"
  # One each of melanoma, naevus, basal cell carcinoma, benign keratosis,
  # from the held-out part of scripts/splits/ham10000.csv (never trained on).
  for name in ISIC_0024624 ISIC_0024307 ISIC_0024572 ISIC_0024371; do
    if [ -f "$ham/$name.jpg" ]; then
      cp "$ham/$name.jpg" "$demo_ham/"
    fi
  done
fi
# The bundled research models, from the source tree.
export FOVEA_MODELS_DIR="$PWD/resources/models"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  export GSETTINGS_SCHEMA_DIR="$PWD/build/resources"
  if [ "$#" -eq 0 ]; then
    set -- "$samples"/*.png "$samples"/*.jpg
    if [ -d "$demo_ham" ]; then
      set -- "$@" "$demo_ham"/*.jpg
    fi
  fi
  exec build/ui/fovea "$@"
fi

echo "No display found: running headless (fovea-cli grade --task auto with the bundled models)."
if [ "$#" -eq 0 ]; then
  set -- "$samples"
  if [ -d "$demo_ham" ]; then
    set -- "$@" "$demo_ham"
  fi
fi
# Each image gets the installed tasks of its modality: the fundus samples
# the DR tasks, dermoscopy skin-lesion when that model is installed; an
# image no task fits gets a row saying so (note column). Exit status 3
# means some files failed; their rows say why.
status=0
build/app/fovea-cli grade "$@" --task auto --force \
  --out build/demo-grades.csv || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
echo "Research models: not for clinical use. Results in build/demo-grades.csv:"
cat build/demo-grades.csv

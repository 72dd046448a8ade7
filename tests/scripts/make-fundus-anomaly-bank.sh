#!/bin/sh
# Makes the bundled fundus anomaly bank and the backbone it needs:
#   OUT/fundus-anomaly-vit-s8/          the backbone (hub layout)
#   OUT/anomaly/fundus-drive.safetensors the PatchCore bank and its card
# No pretrained ViT is available offline, so the backbone is a random-weight
# vit_small_patch8_224 (fovea-make-random-vit --seed 0) cut to its first
# block and stored as F16 (tests/scripts/truncate-vit.py): the bank uses
# block 0's tokens, which the rest of the network never changes, so this is
# the same feature extractor in 4 MB instead of 88. PatchCore on random
# local projections is an honest baseline, not a trained detector; its card
# says so. The bank is built from DRIVE training images 21-35; 36-40 are
# held out for tests/scripts/eval-anomaly-lesionpaste.py.
#
# Usage: tests/scripts/make-fundus-anomaly-bank.sh BUILD_DIR OUT_DIR
#   e.g. tests/scripts/make-fundus-anomaly-bank.sh build resources/models
set -eu
build=${1:?usage: $0 BUILD_DIR OUT_DIR}
out=${2:?usage: $0 BUILD_DIR OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
drive=${FOVEA_DATA_DIR:-$root/../shared/data}/drive/training/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/tools/fovea-make-random-vit" --out "$work/vit_small_patch8_224" --num-classes 0 \
  --seed 0 vit_small_patch8_224
backbone="$out/fundus-anomaly-vit-s8"
/usr/bin/python3 "$root/tests/scripts/truncate-vit.py" "$work/vit_small_patch8_224" "$backbone" 1

set --
for n in 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do
  set -- "$@" --images "$drive/${n}_training.tif"
done
mkdir -p "$out/anomaly"
"$build/app/fovea-cli" anomaly-bank --model "$backbone" --layer 0 --input-size 224 \
  --modality fundus --coreset 0.1 --seed 0 --sigma 0.5 \
  --out "$out/anomaly/fundus-drive.safetensors" \
  --note "Research use only; not trained on clinical labels. Normal images: DRIVE \
training photographs 21-35 (Staal et al. 2004). Backbone: random-weight \
vit_small_patch8_224 (fovea-make-random-vit --seed 0) cut to block 0 and stored as F16 \
(fundus-anomaly-vit-s8): no pretrained ViT is available offline, and random 8 px patch \
projections at 224 px (a 20 px lesion on a 565 px photograph covers about one patch) \
localised best of the backbones measured; the 28 px RetinaMNIST demo backbone reached \
pixel AUROC 0.76-0.78 only. LesionPaste evaluation on DRIVE 36-40 with synthetic \
haemorrhages and exudates (tests/scripts/eval-anomaly-lesionpaste.py): pixel AUROC 0.96, \
image AUROC 0.71 (the optic disc often outscores small lesions)." \
  "$@"

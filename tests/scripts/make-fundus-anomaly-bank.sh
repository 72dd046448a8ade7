#!/bin/sh
# Makes the bundled fundus anomaly bank:
#   OUT/anomaly/fundus-drive.safetensors the PatchCore bank and its card
# on the bundled ImageNet MobileNetV2 (OUT/mobilenetv2-imagenet, which must
# be there): PatchCore's own recipe with an ImageNet CNN, mid-level stages
# (blocks 6 and 13: stride 8, 32 channels, and stride 16, 96 channels)
# at 512 x 512 pixels,
# each averaged over its 3x3 neighbourhood, the coarser resized to the
# finer grid and concatenated (128 dimensions on a stride-8 grid). Stages,
# input size and smoothing were chosen on a validation split that never
# touches DRIVE 36-40: a bank from DRIVE 21-30, lesions pasted into 31-35
# (tests/scripts/eval-anomaly-lesionpaste.py --use 15 --train 10; README,
# "Explanations"). The bank is built from DRIVE training images 21-35;
# 36-40 are held out for the final evaluation.
#
# The bank it replaced (card version 1) used a seeded random ViT-S/8 cut to
# block 0, made by
#   BUILD/tools/fovea-make-random-vit --out V --num-classes 0 --seed 0 vit_small_patch8_224
#   /usr/bin/python3 tests/scripts/truncate-vit.py V VIT_S8 1
# and `--layer 0 --input-size 224`: the "before" figures of the README.
#
# Usage: tests/scripts/make-fundus-anomaly-bank.sh BUILD_DIR OUT_DIR
#   e.g. tests/scripts/make-fundus-anomaly-bank.sh build resources/models
set -eu
build=${1:?usage: $0 BUILD_DIR OUT_DIR}
out=${2:?usage: $0 BUILD_DIR OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
drive=${FOVEA_DATA_DIR:-$root/../shared/data}/drive/training/images
backbone="$out/mobilenetv2-imagenet"
[ -f "$backbone/model.safetensors" ] || { echo "$0: no $backbone" >&2; exit 1; }

set --
for n in 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do
  set -- "$@" --images "$drive/${n}_training.tif"
done
mkdir -p "$out/anomaly"
"$build/app/fovea-cli" anomaly-bank --model "$backbone" --stages 6,13 --input-size 512 \
  --modality fundus --coreset 0.1 --seed 0 --sigma 0.5 --force \
  --out "$out/anomaly/fundus-drive.safetensors" \
  --note "Research use only; not trained on clinical labels. Normal images: DRIVE \
training photographs 21-35 (Staal et al. 2004). Backbone: the bundled ImageNet \
MobileNetV2 (mobilenetv2-imagenet), PatchCore's recipe for ImageNet CNNs: blocks 6 \
(stride 8, 32 channels) and 13 (stride 16, 96 channels), 3x3-averaged, the coarser \
resized to the finer grid, concatenated (128 dimensions); input 512 px. Chosen on a \
validation split (bank from DRIVE 21-30, synthetic lesions pasted into 31-35; \
tests/scripts/eval-anomaly-lesionpaste.py --use 15 --train 10): pixel AUROC 0.995, \
image AUROC 0.99 there, against 0.993/0.98 at 448 px, 0.986/0.91 at 320 px, \
0.949/0.79 at 224 px and 0.996/0.99 at 576 px (within 0.001: the smaller input \
kept), and 0.932/0.72 for the random ViT-S/8 bank this one replaced. Final LesionPaste evaluation on the \
held-out DRIVE 36-40 with synthetic haemorrhages and exudates: pixel AUROC 0.999 (0.9986), \
image AUROC 1.00 (random ViT-S/8 bank before: 0.958 and 0.71). Synthetic \
lesions on 5 held-out images: a sanity check of localisation, not a clinical figure." \
  "$@"

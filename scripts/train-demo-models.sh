#!/bin/sh
# train-demo-models.sh: retrains models with Fovea's own trainer and the
# exact commands their cards record.
#
#   ./scripts/train-demo-models.sh            the bundled models: fundus
#                                             (IDRiD) and skin (HAM10000)
#   ./scripts/train-demo-models.sh fundus     scripts/train-fundus-models.sh all
#   ./scripts/train-demo-models.sh skin       scripts/train-skin-models.sh all
#   ./scripts/train-demo-models.sh retinamnist [DATA.npz]
#
# `retinamnist` retrains the RetinaMNIST research-demo models in
# tests/fixtures/models/retinamnist-vit/ (the small ViT example the tests
# use; no longer installed). The same commit, data and command lines give
# byte-identical weights (every random choice comes from --seed; the
# kernels are deterministic at any thread count).
#
# RetinaMNIST's selection and the metrics in its cards use its val split
# (120 images); the official test split is not available here, so the
# figures are optimistic and say so in each card.
set -eu
cd "$(dirname "$0")/.."

case "${1:-bundled}" in
  bundled) ./scripts/train-fundus-models.sh all && exec ./scripts/train-skin-models.sh all ;;
  fundus) exec ./scripts/train-fundus-models.sh all ;;
  skin) exec ./scripts/train-skin-models.sh all ;;
  retinamnist) shift ;;
  *) echo "usage: train-demo-models.sh [fundus|skin|retinamnist [DATA.npz]]" >&2; exit 2 ;;
esac

data=${1:-../shared/data/retinamnist/retinamnist_trainval.npz}
cli=build/app/fovea-cli
src=scripts/demo-models
out=tests/fixtures/models/retinamnist-vit
work=build/demo-models

[ -f "$data" ] || { echo "train-demo-models: $data not found" >&2; exit 1; }
meson compile -C build fovea-cli >/dev/null
rm -rf "$work" && mkdir -p "$work/config"
cp "$src/config.json" "$work/config/config.json"

# 1. The backbone: the whole ViT, trained on the five grades, kept headless.
$cli train --full --headless --model "$work/config" --task-card "$src/backbone.card.json" \
  --data "$data:train" --val "$data:val" --epochs 60 --batch 64 --lr 1e-3 \
  --weight-decay 0.05 --warmup-epochs 3 --label-smoothing 0.1 --ordinal \
  --seed 1 --out "$work/backbone"

# 2. Task adapters on the frozen backbone: LoRA on q, v and fc1 plus a head.
$cli train --model "$work/backbone" --lora r=4,alpha=8,targets=qkv.q,qkv.v,fc1 \
  --task-card "$src/dr-grading.card.json" --data "$data:train" --val "$data:val" \
  --epochs 30 --batch 64 --lr 2e-3 --warmup-epochs 1 --label-smoothing 0.1 --ordinal \
  --seed 2 --out "$work/dr-grading"
$cli train --model "$work/backbone" --lora r=4,alpha=8,targets=qkv.q,qkv.v,fc1 \
  --task-card "$src/referable-dr.card.json" --data "$data:train" --val "$data:val" \
  --label-map 0,0,1,1,1 --epochs 30 --batch 64 --lr 2e-3 --warmup-epochs 1 \
  --seed 3 --out "$work/referable-dr"

rm -rf "$out" && mkdir -p "$out/adapters"
cp "$work/backbone/config.json" "$work/backbone/model.safetensors" \
   "$work/backbone/backbone_card.json" "$out/"
cp -r "$work/dr-grading" "$work/referable-dr" "$out/adapters/"
du -sh "$out"

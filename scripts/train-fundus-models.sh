#!/bin/sh
# train-fundus-models.sh: retrains the bundled fundus models in
# resources/models/fundus-mobilenetv2/ from IDRiD's disease-grading photographs
# with Fovea's own trainer, then chooses referable-dr's operating point on
# validation, and scores the held-out part once.
#
#   ./scripts/train-fundus-models.sh [train|install|operating-point|held-out|all|variants]
#
# The split is scripts/splits/idrid-grading.csv (made once by
# scripts/splits/make-splits.py: stratified by grade, seed 20261207,
# 291 train / 61 val / 61 test). Training sees the train rows; every choice
# (epoch, recipe, operating point) is made on the val rows; the test rows
# are scored by the `held-out` step alone, once: `fovea-cli evaluate
# --record --held-out` refuses to score a card twice.
#
# The same commit, data and command lines give byte-identical weights: every
# random choice comes from --seed and the kernels are deterministic at any
# thread count. On a quiet 2-core machine the training steps take about 40
# minutes; every run checkpoints after each epoch, so rerunning a step after
# an interruption continues it (--resume).
set -eu
cd "$(dirname "$0")/.."

data=${IDRID_DIR:-../shared/data/idrid-grading}
split=scripts/splits/idrid-grading.csv
cli=build/app/fovea-cli
src=scripts/fundus-models
base=resources/models/mobilenetv2-imagenet
work=build/fundus-models
out=resources/models/fundus-mobilenetv2
step=${1:-all}

[ -f "$data/labels.csv" ] || { echo "train-fundus-models: $data/labels.csv not found" >&2; exit 1; }
meson compile -C build fovea-cli >/dev/null
mkdir -p "$work"

common="--data $data:train --val $data:val --split-file $split --batch 16 --warmup-epochs 1"

# train NAME ARGS…: one run, resumed when a checkpoint of it is there.
train () {
  name=$1; shift
  resume=""
  [ -f "$work/$name.checkpoint.safetensors" ] && resume=--resume
  [ -d "$work/$name" ] && [ -z "$resume" ] && { echo "$work/$name: done"; return 0; }
  $cli train $common "$@" $resume --out "$work/$name"
}

if [ "$step" = train ] || [ "$step" = all ]; then
  # 1. The fundus backbone: the whole ImageNet MobileNetV2 fine-tuned on the
  #    five ICDR grades at 384 px on the field-of-view crop, kept headless.
  train backbone --full --headless --model "$base" --task-card "$src/backbone.card.json" \
    --label-column dr_grade --ordinal --select qwk --epochs 20 --lr 5e-4 --seed 1
  # 2. Task heads and adapters on the frozen backbone (MeLo: one backbone,
  #    adapters that switch instantly).
  train dr-grading --head --model "$work/backbone" --task-card "$src/dr-grading.card.json" \
    --label-column dr_grade --ordinal --select qwk --epochs 10 --lr 1e-3 --seed 2
  train referable-dr --head --model "$work/backbone" --task-card "$src/referable-dr.card.json" \
    --label-column dr_grade --label-map 0,0,1,1,1 --select auc --epochs 10 --lr 1e-3 --seed 3
  train dme --lora r=8,alpha=16,targets=conv1x1 --model "$work/backbone" \
    --task-card "$src/dme.card.json" --label-column dme_risk --ordinal --select acc \
    --epochs 15 --lr 1e-3 --seed 4
fi

if [ "$step" = install ] || [ "$step" = all ]; then
  # Installing replaces the cards: their recorded figures go with them.
  rm -rf "$out.new" && mkdir -p "$out.new/adapters"
  cp "$work/backbone/config.json" "$work/backbone/model.safetensors" \
     "$work/backbone/backbone_card.json" "$out.new/"
  for task in dr-grading referable-dr dme; do
    cp -r "$work/$task" "$out.new/adapters/"
  done
  rm -rf "$out" && mv "$out.new" "$out"
fi

# evaluate TASK ARGS…: the installed task on rows of the split.
evaluate () {
  task=$1; shift
  $cli evaluate --model "$out" --adapter "$out/adapters/$task" --task "$task" \
    --split-file "$split" "$@"
}

if [ "$step" = operating-point ] || [ "$step" = all ]; then
  # Screening favours sensitivity, and the target is ≥ 0.90 on eyes never
  # seen. Validation holds 38 referable eyes, so the highest threshold
  # reaching 0.90 there sits one eye from 0.87: the operating point aims at
  # 0.95 on validation instead, written into the card.
  evaluate referable-dr --data "$data:val" --label-column dr_grade \
    --label-map 0,0,1,1,1 --sensitivity 0.95 --record
  # …and the validation figures at that operating point.
  evaluate referable-dr --data "$data:val" --label-column dr_grade \
    --label-map 0,0,1,1,1 --record
  evaluate dr-grading --data "$data:val" --label-column dr_grade --record
  evaluate dme --data "$data:val" --label-column dme_risk --record
fi

if [ "$step" = held-out ] || [ "$step" = all ]; then
  evaluate dr-grading --data "$data:test" --label-column dr_grade --record --held-out
  evaluate referable-dr --data "$data:test" --label-column dr_grade \
    --label-map 0,0,1,1,1 --record --held-out
  evaluate dme --data "$data:test" --label-column dme_risk --record --held-out
fi

if [ "$step" = variants ]; then
  # The recipes compared on validation (README, "Bundled models"); not
  # installed. Cross-entropy on the whole network won; the seed paper's
  # MSE regression, LoRA and a head alone on the ImageNet backbone lost.
  train variant-mse-full --full --model "$base" --task-card "$src/dr-grading-mse.card.json" \
    --label-column dr_grade --select qwk --epochs 20 --lr 5e-4 --seed 1
  train variant-lora --lora r=8,alpha=16,targets=conv1x1 --model "$base" \
    --task-card "$src/dr-grading.card.json" --label-column dr_grade --ordinal --select qwk \
    --epochs 20 --lr 1e-3 --seed 1
  train variant-head --head --model "$base" --task-card "$src/dr-grading.card.json" \
    --label-column dr_grade --ordinal --select qwk --epochs 10 --lr 1e-3 --seed 1
fi
du -sh "$out"

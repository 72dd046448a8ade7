#!/bin/sh
# compare-augment.sh: plain against domain augmentation (the AADG question),
# for one segmentation model, at one short budget, same seed, same data.
#
#   ./scripts/seg-models/compare-augment.sh optic-disc|vessels [EPOCHS PATCHES]
#
# Each arm is trained from the bundled ImageNet MobileNetV2 on the train
# rows (default 4 epochs x 256 patches, best epoch on val) and scored on
# the val rows as they are and under the five fixed camera shifts of
# make-shifted-set.py. The held-out rows are never read. Prints one line
# per arm and set: mean Dice and IoU (and AUC) over the model's labels.
set -eu
cd "$(dirname "$0")/../.."

name=${1:?usage: $0 optic-disc|vessels [EPOCHS PATCHES]}
epochs=${2:-4}
patches=${3:-256}
cli=build/app/fovea-cli
layout=build/seg-data
work=build/augment-compare/$name
case $name in
  vessels) root=$layout/drive split=scripts/splits/drive-vessels.csv select=dice ;;
  optic-disc) root=$layout/idrid split=scripts/splits/idrid-lesions.csv select=dice ;;
  *) echo "$0: unknown model $name" >&2; exit 2 ;;
esac

meson compile -C build fovea-cli >/dev/null
[ -d "$root/images" ] || scripts/seg-models/prepare-data.sh $layout
mkdir -p "$work"
[ -f "$work/shifted/split.csv" ] ||
  /usr/bin/python3 scripts/seg-models/make-shifted-set.py "$root" "$split" "$work/shifted"

for augment in plain domain; do
  out=$work/$augment
  if [ ! -f "$out/model.safetensors" ]; then
    resume=--force
    [ -f "$out.checkpoint.safetensors" ] && resume=--resume
    $cli train --model resources/models/mobilenetv2-imagenet \
      --task-card scripts/seg-models/$name.card.json --data "$root" --split "$split" \
      --out "$out" --augment $augment --seed 1 --f16 $resume \
      --epochs "$epochs" --patches "$patches" --batch 8 --patch 256 --lr 1e-3 --select $select
  fi
  for set in val dark washed cast blur jpeg; do
    data=$root rows=$split
    [ $set = val ] || data=$work/shifted/$set rows=$work/shifted/split.csv
    $cli evaluate --model "$out" --data "$data" --split-file "$rows" --bootstrap 0 --json |
      /usr/bin/python3 -c '
import json, sys
metrics = json.load(sys.stdin)["metrics"]
def mean(kind):
    values = [m["value"] for k, m in metrics.items()
              if k.startswith(kind + "_") and not k.startswith("mean_")]
    return sum(values) / len(values)
print("%-7s %-7s Dice %.3f  IoU %.3f  AUC %.3f" % (sys.argv[1], sys.argv[2],
      mean("dice"), mean("iou"), mean("auc")))' "$augment" "$set"
  done
done

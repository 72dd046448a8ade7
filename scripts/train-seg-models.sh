#!/bin/sh
# train-seg-models.sh: trains the three segmentation models (vessels on
# DRIVE, optic disc and DR lesions on IDRiD's lesion set) with Fovea's own
# trainer from the bundled ImageNet MobileNetV2, then scores each held-out
# part once.
#
#   ./scripts/train-seg-models.sh [data|vessels|optic-disc|lesions|held-out|all]
#
# Splits: scripts/splits/drive-vessels.csv (14 / 3 / 3) and
# scripts/splits/idrid-lesions.csv (38 / 8 / 8, stratified on soft
# exudates), made once by scripts/splits/make-seg-splits.py (seed
# 20261207). Training sees the train rows, the epoch is chosen on val, the
# held-out rows are scored by the `held-out` step alone, once (`fovea-cli
# evaluate --record --held-out` refuses a second time).
#
# Cost (measured on a shared 2-core machine, see README "Training a
# segmentation model"): about 1 patch of 256 × 256 pixels per second,
# forward and backward, so a vessels run of 40 epochs × 512 patches is
# about 6 hours; every run checkpoints after each epoch, and rerunning a
# step continues it (--resume). Each run stops early once --patience
# epochs pass without a better validation score, and writes its best.
set -eu
cd "$(dirname "$0")/.."

cli=build/app/fovea-cli
src=scripts/seg-models
base=resources/models/mobilenetv2-imagenet
layout=build/seg-data
work=build/seg-models
step=${1:-all}

meson compile -C build fovea-cli >/dev/null
mkdir -p "$work"

# train NAME ROOT SPLIT ARGS…: one run, resumed when its checkpoint is there.
train () {
  name=$1 root=$2 split=$3
  shift 3
  resume=--force
  [ -f "$work/$name.checkpoint.safetensors" ] && resume=--resume
  $cli train --model $base --task-card $src/$name.card.json \
    --data "$root" --split "$split" --out "$work/$name" \
    --augment domain --seed 1 --f16 $resume "$@"
}

score () {
  name=$1 root=$2 split=$3
  $cli evaluate --model "$work/$name" --data "$root" --split-file "$split" \
    --held-out --record
}

case $step in
  data|all) $src/prepare-data.sh $layout ;;
esac
case $step in
  vessels|all)
    train vessels $layout/drive scripts/splits/drive-vessels.csv \
      --epochs 40 --patches 512 --batch 8 --patch 256 --lr 1e-3 --select dice --patience 8 ;;
esac
case $step in
  optic-disc|all)
    train optic-disc $layout/idrid scripts/splits/idrid-lesions.csv \
      --epochs 30 --patches 512 --batch 8 --patch 256 --lr 1e-3 --select dice --patience 6 ;;
esac
case $step in
  lesions|all)
    train lesions $layout/idrid scripts/splits/idrid-lesions.csv \
      --epochs 60 --patches 512 --batch 8 --patch 256 --lr 1e-3 --select ap \
      --pos-weights 10,3,3,5 --patience 10 ;;
esac
case $step in
  held-out|all)
    score vessels $layout/drive scripts/splits/drive-vessels.csv
    score optic-disc $layout/idrid scripts/splits/idrid-lesions.csv
    score lesions $layout/idrid scripts/splits/idrid-lesions.csv ;;
esac

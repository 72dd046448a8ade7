#!/bin/sh
# train-seg-models.sh: trains the three segmentation models (vessels on
# DRIVE, optic disc and DR lesions on IDRiD's lesion set) with Fovea's own
# trainer from the bundled ImageNet MobileNetV2, then scores each held-out
# part once; and the LesionPaste flagger (real IDRiD lesions pasted into
# normal DRIVE photographs, the window's Anomaly overlay).
#
#   ./scripts/train-seg-models.sh [data|vessels|optic-disc|lesions|lesionpaste|held-out|all]
#   ./scripts/train-seg-models.sh held-out|bundle NAME
#
# `held-out NAME` scores one finished model; `bundle NAME` copies a scored
# one into resources/models/NAME (without its checkpoint).
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
      --epochs 40 --patches 512 --batch 8 --patch 256 --lr 1e-3 --select dice --patience 3 ;;
esac
case $step in
  optic-disc|all)
    train optic-disc $layout/idrid scripts/splits/idrid-lesions.csv \
      --epochs 24 --patches 256 --batch 8 --patch 256 --lr 1e-3 --select dice --patience 3 ;;
esac
case $step in
  lesions|all)
    train lesions $layout/idrid scripts/splits/idrid-lesions.csv \
      --epochs 60 --patches 512 --batch 8 --patch 256 --lr 1e-3 --select ap \
      --pos-weights 10,3,3,5 --patience 10 ;;
esac
pasted=build/lesionpaste
case $step in
  lesionpaste|all)
    [ -f $pasted/train/split.csv ] ||
      /usr/bin/python3 $src/make-lesionpaste-data.py $pasted/train
    train lesionpaste $pasted/train $pasted/train/split.csv \
      --epochs 12 --patches 256 --batch 8 --patch 256 --lr 1e-3 --select ap \
      --pos-weights 5 --patience 4 ;;
esac
# held_out NAME: scores the finished model NAME on its set's held-out rows.
held_out () {
  case $1 in
    vessels) score vessels $layout/drive scripts/splits/drive-vessels.csv ;;
    optic-disc|lesions) score "$1" $layout/idrid scripts/splits/idrid-lesions.csv ;;
    lesionpaste)
      [ -f $pasted/held-out/split.csv ] || /usr/bin/python3 $src/make-lesionpaste-data.py \
        $pasted/held-out --held-out --variants 4 --seed 1
      score lesionpaste $pasted/held-out $pasted/held-out/split.csv ;;
    *) echo "unknown model $1" >&2; exit 2 ;;
  esac
}

case $step in
  held-out)
    for name in ${2:-vessels optic-disc lesions lesionpaste}; do held_out "$name"; done ;;
  all)
    for name in vessels optic-disc lesions lesionpaste; do held_out "$name"; done ;;
  bundle)
    name=${2:?bundle needs a model name}
    rm -rf "resources/models/$name.new"
    cp -r "$work/$name" "resources/models/$name.new"
    rm -rf "resources/models/$name"
    mv "resources/models/$name.new" "resources/models/$name" ;;
esac

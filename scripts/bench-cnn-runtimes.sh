#!/bin/sh
# bench-cnn-runtimes.sh: Fovea against ONNX Runtime and PyTorch (fp32) on
# the same random ResNet-50 and MobileNetV2 weights at 224 × 224, batch 1
# and 8, 2 threads; ROUNDS interleaved rounds so that drift in the
# machine's load hits every runtime alike. Prints one JSON line per
# measurement (runtime, model, batch, round, median_s per image) and the
# peak RSS of a Fovea bench process (GNU time).
#
#   ./scripts/bench-cnn-runtimes.sh [ROUNDS]
#
# Needs: build/ (meson compile), Debian's python3-torch/-torchvision and
# python3-onnx (export), and ONNX Runtime for Node installed outside the
# repository (ORT_NODE_PATH, default /tmp/ort-cnn/node_modules; see
# tests/scripts/ort-bench.mjs). None of them is a dependency of Fovea.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
work=${BENCH_DIR:-build/bench-cnn}
ort_path=${ORT_NODE_PATH:-/tmp/ort-cnn/node_modules}
cli=build/app/fovea-cli
mkdir -p "$work"

for arch in resnet50 mobilenetv2_100; do
  [ -f "$work/$arch/model.safetensors" ] ||
    build/tools/fovea-make-random-cnn "$arch" --out "$work/$arch" --seed 1 >/dev/null
  [ -f "$work/$arch-onnx/model.onnx" ] ||
    /usr/bin/python3 tests/scripts/export-onnx.py "$work/$arch" "$work/$arch-onnx" >/dev/null
done

for round in $(seq 1 "$rounds"); do
  for arch in resnet50 mobilenetv2_100; do
    for batch in 1 8; do
      runs=$([ "$batch" = 1 ] && echo 15 || echo 5)
      $cli bench --model "$work/$arch" --batch "$batch" --runs "$runs" --threads 2 --json |
        sed "s/^/{\"runtime\":\"fovea\",\"model\":\"$arch\",\"batch\":$batch,\"round\":$round,\"result\":/; s/\$/}/"
      NODE_PATH="$ort_path" node tests/scripts/ort-bench.mjs "$work/$arch-onnx" \
          --threads 2 --runs "$runs" --batch "$batch" | grep median |
        sed "s/^/{\"runtime\":\"onnxruntime\",\"model\":\"$arch\",\"batch\":$batch,\"round\":$round,\"result\":/; s/\$/}/"
      /usr/bin/python3 tests/scripts/torch-bench.py "$work/$arch" --threads 2 --runs "$runs" \
          --batch "$batch" | grep median |
        sed "s/^/{\"runtime\":\"pytorch-fp32\",\"model\":\"$arch\",\"batch\":$batch,\"round\":$round,\"result\":/; s/\$/}/"
    done
  done
done
for arch in resnet50 mobilenetv2_100; do
  for batch in 1 8; do
    /usr/bin/time -f "{\"runtime\":\"fovea\",\"model\":\"$arch\",\"batch\":$batch,\"peak_rss_kb\":%M}" \
      $cli bench --model "$work/$arch" --batch "$batch" --runs 3 --threads 2 --json >/dev/null
  done
done

#!/usr/bin/python3
"""Writes tests/fixtures/patchcore/mobilenetv2-stages.safetensors: what
PyTorch makes of PatchCore's CNN patch features on the bundled MobileNetV2
(resources/models/mobilenetv2-imagenet, TensorFlow SAME padding, so
torch_mobilenetv2_same.py), for tests/inference/test-patch-cnn-features.c.

The features (inference/explain/fovea-patch-cnn-features.h): the outputs
of torchvision's features[6] (stride 8, 32 channels) and features[13]
(stride 16, 96 channels), each averaged over its 3x3 neighbourhood
(avg_pool2d (3, stride 1, padding 1, count_include_pad=False)), the
second resized to the first's grid (F.interpolate, bilinear,
align_corners=False) and the two concatenated: [grid_h, grid_w, 128],
channels-last. The input is 56 x 88 seeded Gaussian pixels (odd stride-16
grid 4 x 6 -> 7 x 11, so the resize is not a plain doubling), computed in
float64 from the file's F16 weights.

The C test holds Fovea's features to these within 1e-4 of the largest
|feature| (float32 convolutions against float64).

    /usr/bin/python3 tests/scripts/make-patch-cnn-fixtures.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_mobilenetv2_same  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL = os.path.join(ROOT, "resources", "models", "mobilenetv2-imagenet")
OUT = os.path.join(ROOT, "tests", "fixtures", "patchcore", "mobilenetv2-stages.safetensors")
STAGES = [6, 13]
HEIGHT, WIDTH = 56, 88
SEED = 7


def patch_features(model, pixels, stages):
    """PatchCore's aggregation of the given features[] outputs."""
    maps = []
    x = pixels
    for i, block in enumerate(model.features[:stages[-1] + 1]):
        x = block(x)
        if i in stages:
            maps.append(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
    grid = maps[0].shape[-2:]
    maps = [maps[0]] + [F.interpolate(m, size=grid, mode="bilinear", align_corners=False)
                        for m in maps[1:]]
    return torch.cat(maps, dim=1)[0].permute(1, 2, 0).contiguous()


def main():
    model, _ = torch_mobilenetv2_same.load_hub_folder(MODEL)
    model = model.double()
    generator = torch.Generator().manual_seed(SEED)
    pixels = torch.randn(1, 3, HEIGHT, WIDTH, generator=generator, dtype=torch.float32)
    with torch.no_grad():
        features = patch_features(model, pixels.double(), STAGES)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    safetensors_io.write(OUT, {"pixels": pixels, "features": features.float()},
                         {"stages": ",".join(map(str, STAGES)), "seed": SEED,
                          "model": "resources/models/mobilenetv2-imagenet"})
    print("%s: features %s, max |f| %.4g" % (OUT, list(features.shape),
                                            features.abs().max().item()))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes tests/fixtures/cnn/: what real torchvision networks (and
torch_cnn.py's module with timm's mobilenetv2_100 names) make of seeded
random weights and inputs, for tests/inference/test-cnn.c.

The weights are too big to commit, so they are made reproducible instead:
tools/fovea-make-random-cnn writes them (every BatchNorm with random running
statistics and affine parameters, so that folding is exercised) and the
input pixels, from seeds; this script loads them into PyTorch with
strict=True, and commits only the seeds and the expected outputs. The C
test regenerates the same weights and pixels with the same generator.

    /usr/bin/python3 tests/scripts/make-cnn-fixtures.py BUILD_DIR

(BUILD_DIR holds tools/fovea-make-random-cnn). Needs Debian's
python3-torch and python3-torchvision. Outputs (manifest.json lists them):

- cases/NAME.safetensors: per case and input size HxW, "logits.HxW"
  [batch, outputs] (and "feature_map.HxW", NHWC, where asked), computed in
  float64;
- convs.safetensors: single convolutions (grouped, dilated, rectangular,
  depthwise, SAME-padded, with residual and activation) as the engine's
  kernels take them: "NAME.input" NCHW, "NAME.weight" as PyTorch's,
  "NAME.bias", "NAME.residual" (when used), "NAME.output" NCHW.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_cnn  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "fixtures", "cnn"))
TOLERANCE_REL = 1e-4

# Networks: fovea-make-random-cnn's arguments, the batch and input sizes.
MODELS = [
    {"name": "tv-resnet50", "architecture": "torchvision/resnet50", "num_classes": 1000,
     "seed": 11, "batch": 2, "sizes": [[224, 224], [160, 224]]},
    {"name": "tv-mobilenet-v2", "architecture": "torchvision/mobilenet_v2",
     "num_classes": 1000, "seed": 12, "batch": 2, "sizes": [[224, 224], [160, 224]]},
    {"name": "timm-mobilenetv2-100", "architecture": "mobilenetv2_100", "num_classes": 10,
     "seed": 13, "batch": 2, "sizes": [[224, 224], [160, 224]]},
    # TensorFlow's SAME padding, on even and odd sizes (where it pads both
    # sides).
    {"name": "timm-resnet18-same", "architecture": "resnet18", "num_classes": 7,
     "pad_type": "same", "seed": 14, "batch": 2, "sizes": [[224, 224], [161, 199]]},
    # As the converted TFLite MobileNetV2: SAME, half-precision weights,
    # 1001 classes.
    {"name": "tv-mobilenet-v2-same-f16", "architecture": "torchvision/mobilenet_v2",
     "num_classes": 1001, "pad_type": "same", "dtype": "f16", "seed": 15, "batch": 2,
     "sizes": [[224, 224], [161, 199]]},
    # Headless: the pooled features (avgmax pooling), bfloat16 weights.
    {"name": "timm-resnet34-headless-bf16", "architecture": "resnet34", "num_classes": 0,
     "global_pool": "avgmax", "dtype": "bf16", "seed": 16, "batch": 3,
     "sizes": [[96, 128]]},
    {"name": "tv-resnet18-max", "architecture": "torchvision/resnet18", "num_classes": 5,
     "global_pool": "max", "seed": 17, "batch": 1, "sizes": [[64, 64]],
     "feature_map": True},
]
PIXEL_SEED = 1

# Single convolutions: PyTorch's Conv2d arguments (padding "same" for
# TensorFlow's), the input (N, C, H, W), the activation, and whether a
# residual of the output's shape is added before it.
CONVS = [
    {"name": "grouped-dilated", "in": 8, "out": 12, "kernel": [3, 3], "stride": [2, 2],
     "padding": [2, 2], "dilation": [2, 2], "groups": 2, "input": [2, 8, 13, 11],
     "act": "relu", "residual": True},
    {"name": "grouped-1x1", "in": 8, "out": 16, "kernel": [1, 1], "stride": [1, 1],
     "padding": [0, 0], "dilation": [1, 1], "groups": 4, "input": [2, 8, 5, 7],
     "act": "none", "residual": False},
    {"name": "rectangular", "in": 6, "out": 9, "kernel": [3, 5], "stride": [2, 1],
     "padding": [1, 2], "dilation": [1, 2], "groups": 3, "input": [1, 6, 10, 12],
     "act": "relu6", "residual": False},
    {"name": "stem-7x7", "in": 3, "out": 20, "kernel": [7, 7], "stride": [2, 2],
     "padding": [3, 3], "dilation": [1, 1], "groups": 1, "input": [2, 3, 33, 30],
     "act": "relu", "residual": False},
    {"name": "same-3x3-s2", "in": 5, "out": 70, "kernel": [3, 3], "stride": [2, 2],
     "padding": "same", "dilation": [1, 1], "groups": 1, "input": [2, 5, 9, 12],
     "act": "none", "residual": True},
    # Depth 864: several slices of k; few rows: columns split too.
    {"name": "deep", "in": 96, "out": 40, "kernel": [3, 3], "stride": [1, 1],
     "padding": [1, 1], "dilation": [1, 1], "groups": 1, "input": [1, 96, 4, 5],
     "act": "relu", "residual": False},
    {"name": "downsample-1x1-s2", "in": 16, "out": 64, "kernel": [1, 1], "stride": [2, 2],
     "padding": [0, 0], "dilation": [1, 1], "groups": 1, "input": [2, 16, 7, 9],
     "act": "none", "residual": False},
    {"name": "pointwise-many-rows", "in": 16, "out": 40, "kernel": [1, 1],
     "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1,
     "input": [1, 16, 12, 17], "act": "relu6", "residual": True},
    {"name": "depthwise-3x3-same-s2", "in": 40, "out": 40, "kernel": [3, 3],
     "stride": [2, 2], "padding": "same", "dilation": [1, 1], "groups": 40,
     "input": [2, 40, 11, 14], "act": "relu6", "residual": False},
    {"name": "depthwise-3x3-residual", "in": 20, "out": 20, "kernel": [3, 3],
     "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 20,
     "input": [1, 20, 6, 5], "act": "none", "residual": True},
    {"name": "depthwise-5x5-dilated", "in": 24, "out": 24, "kernel": [5, 5],
     "stride": [1, 1], "padding": [4, 4], "dilation": [2, 2], "groups": 24,
     "input": [1, 24, 9, 10], "act": "relu6", "residual": False},
]

ACTS = {"none": lambda x: x, "relu": F.relu, "relu6": F.relu6}


def run_tool(tool, model, out_dir, pixels=None, size=None):
    args = [tool, model["architecture"], "--out", out_dir,
            "--num-classes", str(model["num_classes"]), "--seed", str(model["seed"]),
            "--dtype", model.get("dtype", "f32")]
    if "pad_type" in model:
        args += ["--pad-type", model["pad_type"]]
    if "global_pool" in model:
        args += ["--global-pool", model["global_pool"]]
    if pixels is not None:
        args += ["--pixels", pixels, "--batch", str(model["batch"]),
                 "--size", "%dx%d" % tuple(size), "--pixel-seed", str(PIXEL_SEED)]
    subprocess.run(args, check=True)


def model_case(tool, model, work):
    """{tensor name: expected output} of one network."""
    model_dir = os.path.join(work, model["name"])
    outputs = {}
    for size in model["sizes"]:
        pixels_path = os.path.join(work, "pixels.safetensors")
        run_tool(tool, model, model_dir, pixels_path, size)
        network, _ = torch_cnn.load_hub(model_dir)
        pixels, _ = safetensors_io.read(pixels_path)
        x = pixels["pixel_values"].double()
        key = "%dx%d" % tuple(size)
        with torch.no_grad():
            features = network.feature_map(x)
            logits = network(x)
        outputs["logits." + key] = logits.float().contiguous()
        if model.get("feature_map"):
            outputs["feature_map." + key] = features.permute(0, 2, 3, 1).float().contiguous()
        print("%s %s: |logits| up to %.3g" % (model["name"], key, logits.abs().max()))
    shutil.rmtree(model_dir)
    return outputs


def conv_tensors(spec, generator):
    def randn(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float32)

    in_group = spec["in"] // spec["groups"]
    fan_in = in_group * spec["kernel"][0] * spec["kernel"][1]
    x = randn(*spec["input"])
    weight = randn(spec["out"], in_group, *spec["kernel"]) / fan_in ** 0.5
    bias = 0.5 * randn(spec["out"])
    xd, wd = x.double(), weight.double()
    if spec["padding"] == "same":
        xd = torch_cnn.pad_same(xd, spec["kernel"], spec["stride"], spec["dilation"])
        padding = 0
    else:
        padding = spec["padding"]
    y = F.conv2d(xd, wd, bias.double(), spec["stride"], padding, spec["dilation"],
                 spec["groups"])
    tensors = {"input": x, "weight": weight, "bias": bias}
    if spec["residual"]:
        residual = randn(*y.shape)
        tensors["residual"] = residual
        y = y + residual.double()
    tensors["output"] = ACTS[spec["act"]](y).float()
    return {spec["name"] + "." + k: v.contiguous() for k, v in tensors.items()}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = os.path.join(sys.argv[1], "tools", "fovea-make-random-cnn")
    cases_dir = os.path.join(OUT_DIR, "cases")
    os.makedirs(cases_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    with tempfile.TemporaryDirectory() as work:
        for model in MODELS:
            outputs = model_case(tool, model, work)
            safetensors_io.write(os.path.join(cases_dir, model["name"] + ".safetensors"),
                                 outputs)

    generator = torch.Generator().manual_seed(2024)
    convs = {}
    for spec in CONVS:
        convs.update(conv_tensors(spec, generator))
    safetensors_io.write(os.path.join(OUT_DIR, "convs.safetensors"), convs)

    manifest = {"tolerance_rel": TOLERANCE_REL, "pixel_seed": PIXEL_SEED,
                "models": MODELS, "convs": CONVS}
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

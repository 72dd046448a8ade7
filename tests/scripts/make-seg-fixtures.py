#!/usr/bin/python3
"""Writes tests/fixtures/seg/: what torch_seg.py's Unet (smp's layout on
torchvision's MobileNetV2) makes of seeded random weights and inputs, for
tests/inference/test-seg.c.

As make-cnn-fixtures.py: tools/fovea-make-random-cnn (architecture
smp/Unet) writes the weights and pixels from seeds, this script loads
them into PyTorch with strict=True, and commits only the seeds and the
expected outputs; the C test regenerates the same weights and pixels.

    /usr/bin/python3 tests/scripts/make-seg-fixtures.py BUILD_DIR

Outputs (manifest.json lists the cases): cases/NAME.safetensors with
"logits" [batch, height, width, classes] (channels-last, as the engine
holds them), computed in float64; losses.safetensors: seeded logits,
targets, a field-of-view mask and class weights (channels-last), the
losses of inference/seg/fovea-seg-loss.h by PyTorch's autograd, in float64,
and their gradients ("bce", "bce.grad", "dice", "dice.grad"; the
"unmasked" variants without mask and weights); train.safetensors: for the
manifest's "train" model (eval-mode BatchNorm, as Fovea trains), seeded
"targets" [batch, height, width, classes], the loss BCE (class weights,
no mask) + Dice of its logits, and the gradients of chosen parameters by
their state_dict names (the small ones: the whole set is megabytes).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_seg  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "fixtures", "seg"))
TOLERANCE_ABS = 1e-4
PIXEL_SEED = 1

# Small decoders keep the arithmetic quick; one case has smp's default
# widths (the weights are regenerated, never committed).
CASES = [
    {"name": "unet-tiny-sigmoid", "classes": 3, "decoder_channels": [16, 8, 8, 4, 4],
     "activation": "sigmoid", "seed": 21, "batch": 2, "size": [32, 64]},
    {"name": "unet-default-softmax", "classes": 2, "decoder_channels": [256, 128, 64, 32, 16],
     "activation": "softmax", "seed": 22, "batch": 1, "size": [32, 32]},
]


def make_model(tool, case, out_dir, pixels):
    args = [tool, "smp/Unet", "--out", out_dir, "--num-classes", str(case["classes"]),
            "--decoder-channels", ",".join(str(c) for c in case["decoder_channels"]),
            "--seed", str(case["seed"]), "--pixels", pixels, "--batch", str(case["batch"]),
            "--size", "%dx%d" % tuple(case["size"]), "--pixel-seed", str(PIXEL_SEED)]
    if case.get("activation"):
        args += ["--activation", case["activation"]]
    subprocess.run(args, check=True)


LOSS_SHAPE = [2, 6, 5, 3]  # batch, height, width, classes
DICE_SMOOTH = 1.0


def bce_loss(z, t, mask, weights):
    """fovea_seg_loss_bce: BCE weighted by class and pixel, over the kept
    pixels' count times the classes."""
    w = weights.view(1, 1, 1, -1) * mask.unsqueeze(-1)
    total = torch.nn.functional.binary_cross_entropy_with_logits(z, t, weight=w,
                                                                 reduction="sum")
    return total / (mask.sum() * z.shape[-1])


def dice_loss(z, t, mask, smooth):
    p = torch.sigmoid(z)
    m = mask.unsqueeze(-1)
    dims = (0, 1, 2)
    intersection = (m * p * t).sum(dims)
    total = (m * (p + t)).sum(dims)
    return (1 - (2 * intersection + smooth) / (total + smooth)).mean()


def loss_tensors():
    g = torch.Generator().manual_seed(31)
    z = 3 * torch.randn(*LOSS_SHAPE, generator=g)
    t = (torch.rand(*LOSS_SHAPE, generator=g) < 0.3).float()
    t[..., 2] = 0  # a class absent from the targets
    mask = (torch.rand(*LOSS_SHAPE[:3], generator=g) < 0.8).float()
    weights = torch.tensor([1.0, 4.0, 0.5])
    out = {"logits": z, "targets": t, "mask": mask, "class_weights": weights}
    cases = {
        "bce": lambda zz: bce_loss(zz, t.double(), mask.double(), weights.double()),
        "bce.unmasked": lambda zz: bce_loss(zz, t.double(), torch.ones_like(mask).double(),
                                            torch.ones(3).double()),
        "dice": lambda zz: dice_loss(zz, t.double(), mask.double(), DICE_SMOOTH),
        "dice.unmasked": lambda zz: dice_loss(zz, t.double(), torch.ones_like(mask).double(),
                                              DICE_SMOOTH),
    }
    for name, f in cases.items():
        zz = z.double().requires_grad_(True)
        loss = f(zz)
        loss.backward()
        out[name] = loss.detach().float().reshape(1)
        out[name + ".grad"] = zz.grad.float()
        print("%s: %.6f" % (name, loss.item()))
    return {k: v.contiguous() for k, v in out.items()}


TRAIN = {"name": "unet-train", "classes": 2, "decoder_channels": [8, 8, 4, 4, 4],
         "activation": "sigmoid", "seed": 23, "batch": 2, "size": [32, 32],
         "class_weights": [1.0, 3.0], "target_seed": 41,
         "params": ["encoder.features.0.0.weight", "encoder.features.2.conv.1.0.weight",
                    "encoder.features.14.conv.1.0.weight",
                    "decoder.blocks.0.conv2.0.weight", "decoder.blocks.1.conv1.0.weight",
                    "decoder.blocks.2.conv1.0.weight", "decoder.blocks.3.conv2.0.weight",
                    "decoder.blocks.4.conv1.0.weight", "decoder.blocks.4.conv2.0.weight",
                    "segmentation_head.0.weight", "segmentation_head.0.bias"]}


def train_tensors(tool, work):
    model_dir = os.path.join(work, TRAIN["name"])
    pixels_path = os.path.join(work, "train-pixels.safetensors")
    make_model(tool, TRAIN, model_dir, pixels_path)
    network, _ = torch_seg.load_hub(model_dir)
    pixels, _ = safetensors_io.read(pixels_path)
    g = torch.Generator().manual_seed(TRAIN["target_seed"])
    b, (h, w), c = TRAIN["batch"], TRAIN["size"], TRAIN["classes"]
    targets = (torch.rand(b, h, w, c, generator=g) < 0.3).float()
    logits = network(pixels["pixel_values"].double()).permute(0, 2, 3, 1)
    weights = torch.tensor(TRAIN["class_weights"]).double()
    ones = torch.ones(b, h, w).double()
    loss = bce_loss(logits, targets.double(), ones, weights) + \
        dice_loss(logits, targets.double(), ones, DICE_SMOOTH)
    loss.backward()
    print("%s: loss %.6f" % (TRAIN["name"], loss.item()))
    grads = dict(network.named_parameters())
    out = {"targets": targets, "loss": loss.detach().float().reshape(1)}
    for name in TRAIN["params"]:
        out[name + ".grad"] = grads[name].grad.float()
    shutil.rmtree(model_dir)
    return {k: v.contiguous() for k, v in out.items()}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = os.path.join(sys.argv[1], "tools", "fovea-make-random-cnn")
    cases_dir = os.path.join(OUT_DIR, "cases")
    os.makedirs(cases_dir, exist_ok=True)

    with tempfile.TemporaryDirectory() as work:
        for case in CASES:
            model_dir = os.path.join(work, case["name"])
            pixels_path = os.path.join(work, "pixels.safetensors")
            make_model(tool, case, model_dir, pixels_path)
            network, _ = torch_seg.load_hub(model_dir)
            pixels, _ = safetensors_io.read(pixels_path)
            with torch.no_grad():
                logits = network(pixels["pixel_values"].double())
            print("%s: |logits| up to %.3g" % (case["name"], logits.abs().max()))
            safetensors_io.write(os.path.join(cases_dir, case["name"] + ".safetensors"),
                                 {"logits": logits.permute(0, 2, 3, 1).float().contiguous()})
            shutil.rmtree(model_dir)

        safetensors_io.write(os.path.join(OUT_DIR, "train.safetensors"),
                             train_tensors(tool, work))
    safetensors_io.write(os.path.join(OUT_DIR, "losses.safetensors"), loss_tensors())
    manifest = {"tolerance_abs": TOLERANCE_ABS, "pixel_seed": PIXEL_SEED, "cases": CASES,
                "losses": {"shape": LOSS_SHAPE, "dice_smooth": DICE_SMOOTH}, "train": TRAIN}
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Exports a hub-layout ViT or CNN (config.json + model.safetensors, e.g.
the random ViT-B/16 from tools/fovea-make-random-vit or a ResNet-50 from
tools/fovea-make-random-cnn) to ONNX, to compare `fovea-cli bench` with
ONNX Runtime on the very same weights. ONNX Runtime is never a dependency
of Fovea; this script and ort-bench.mjs only measure.

    /usr/bin/python3 tests/scripts/export-onnx.py MODEL_DIR OUT_DIR

writes OUT_DIR/model.onnx (dynamic batch, opset 17, logits only; a CNN's
BatchNorms are folded by the export's constant folding, as ONNX Runtime
would fold them anyway) and
OUT_DIR/check.safetensors: a seeded "pixel_values" [2, 3, H, W] and the
PyTorch "logits" for it, which both `fovea-cli infer --input-tensor` and
ort-bench.mjs are checked against. Needs Debian's python3-torch (and
python3-torchvision for CNNs).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_cnn  # noqa: E402
import torch_vit  # noqa: E402

# The architectures torch_cnn.py builds (fovea-cnn-config.h's names).
CNN_NAMES = ("resnet18", "resnet34", "resnet50", "mobilenetv2_100",
             "torchvision/resnet18", "torchvision/resnet34", "torchvision/resnet50",
             "torchvision/mobilenet_v2")

# timm's head counts for the architecture names' sizes.
HEADS = {"tiny": 3, "small": 6, "base": 12, "large": 16}


def load_model(model_dir):
    """The module for a hub folder: torch_cnn's for a CNN, torch_vit's for a
    ViT (its shapes read from the weights)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    if config["architecture"].split(".")[0] in CNN_NAMES:
        return torch_cnn.load_hub(model_dir, torch.float32)
    weights, _ = safetensors_io.read(os.path.join(model_dir, "model.safetensors"))
    args = dict(config.get("model_args", {}))
    size = config["architecture"].split("_")[1]
    proj = weights["patch_embed.proj.weight"]
    embed_dim = proj.shape[0]
    args.setdefault("embed_dim", embed_dim)
    args.setdefault("patch_size", proj.shape[-1])
    args.setdefault("img_size", config["pretrained_cfg"]["input_size"][-1])
    args.setdefault("num_heads", HEADS[size])
    args.setdefault("depth", 1 + max(int(k.split(".")[1]) for k in weights
                                     if k.startswith("blocks.")))
    args.setdefault("mlp_ratio", weights["blocks.0.mlp.fc1.weight"].shape[0] / embed_dim)
    args.setdefault("global_pool", config.get("global_pool", "token"))
    model = torch_vit.VisionTransformer(num_classes=config["num_classes"], **args)
    model.load_state_dict({k: v.float() for k, v in weights.items()})
    return model.eval(), config


class LogitsOnly(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixels):
        output = self.model(pixels)
        return output[0] if isinstance(output, tuple) else output


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    model, config = load_model(model_dir)
    _, height, width = config.get("pretrained_cfg", {}).get("input_size", [3, 224, 224])
    wrapped = LogitsOnly(model)

    generator = torch.Generator().manual_seed(1234)
    pixels = torch.randn(2, 3, height, width, generator=generator)
    with torch.no_grad():
        logits = wrapped(pixels)
    safetensors_io.write(os.path.join(out_dir, "check.safetensors"),
                         {"pixel_values": pixels, "logits": logits})

    torch.onnx.export(wrapped, pixels[:1], os.path.join(out_dir, "model.onnx"),
                      input_names=["pixel_values"], output_names=["logits"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=17, do_constant_folding=True)


if __name__ == "__main__":
    main()

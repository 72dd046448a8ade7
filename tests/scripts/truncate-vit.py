#!/usr/bin/python3
"""Keeps the first DEPTH blocks of a hub-layout ViT, stored as F16: a
backbone for features taken at an early block (an anomaly bank's layer),
small enough to ship. Blocks past DEPTH and the head never touch block
DEPTH-1's output, so features up to there are the same model's (up to F16
rounding of the weights); the final norm is kept, as the loader wants it. config.json gets model_args.depth =
DEPTH and num_classes 0.

  /usr/bin/python3 tests/scripts/truncate-vit.py IN_DIR OUT_DIR DEPTH
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def main():
    src, dst, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tensors, _ = safetensors_io.read(os.path.join(src, "model.safetensors"))
    kept = {}
    for name, value in tensors.items():
        if name.startswith("blocks."):
            if int(name.split(".")[1]) >= depth:
                continue
        elif name.startswith("head."):
            continue
        kept[name] = value.to(torch.float16)
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    config.setdefault("model_args", {})["depth"] = depth
    config["num_classes"] = 0
    os.makedirs(dst, exist_ok=True)
    safetensors_io.write(os.path.join(dst, "model.safetensors"), kept)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

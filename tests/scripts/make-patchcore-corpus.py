#!/usr/bin/python3
"""Writes the seeds of the fuzz-patchcore target (tests/fuzz/fuzz-patchcore.c)
into tests/fuzz/corpus/patchcore/: tiny PatchCore banks as
`fovea-cli anomaly-bank` writes them (fovea-patchcore-io.c): a ViT's and a
CNN's bank with version 2 cards, and a ViT bank with a version 1 card (no
backbone.kind), which still loads.

    /usr/bin/python3 tests/scripts/make-patchcore-corpus.py   (from anywhere)

Output is deterministic. Needs numpy (and torch for safetensors_io).
"""
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus",
                      "patchcore")


def card(version, kind, stages):
    backbone = {"architecture": "torchvision/mobilenet_v2" if kind == "cnn"
                else "vit_small_patch8_224",
                "sha256": "ab" * 32, "adapter_sha256": None,
                "layer": -1 if kind == "cnn" else 0,
                "input_size": [224, 224], "fundus_crop": True}
    if version >= 2:
        backbone["kind"] = kind
    if stages:
        backbone["stages"] = stages
    return {"version": version, "backbone": backbone, "modality": "fundus",
            "coreset": {"ratio": 0.1, "projection_dim": 0, "seed": "0",
                        "n_source_patches": 30, "radius": 0.5},
            "smoothing_sigma_patches": 0.5,
            "image_score": {"kind": "max", "normal_max": 2.0, "normal_mean": 1.5,
                            "normal_std": 0.25},
            "source_images": ["21_training.tif", "22_training.tif"],
            "note": "fuzz seed"}


def write(name, dim, text):
    memory = torch.arange(3 * dim, dtype=torch.float32).reshape(3, dim) / 7.0
    scores = torch.tensor([1.25, 1.75], dtype=torch.float32)
    safetensors_io.write(os.path.join(CORPUS, name),
                         {"memory_bank": memory, "normal_image_scores": scores},
                         {"format": "pt", "fovea.anomaly_card": json.dumps(text)})


def main():
    os.makedirs(CORPUS, exist_ok=True)
    write("vit-v2.safetensors", 4, card(2, "vit", None))
    write("cnn-v2.safetensors", 4, card(2, "cnn", [6, 13]))
    write("vit-v1.safetensors", 4, card(1, "vit", None))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes the safetensors reader's fixture and the fuzz seeds.

    /usr/bin/python3 tests/scripts/make-safetensors-corpus.py   (from anywhere)

tests/fixtures/safetensors/mixed.safetensors holds F32, F16 and BF16
tensors, a 0-d scalar, an empty tensor and string metadata, laid out so
that one F32 tensor starts at an offset that is not a multiple of 4 (the
reader must realign it) and listed in the header in another order than
their offsets (the reader must sort them). "<name>.expected" tensors hold
the F32 values the F16/BF16 ones stand for, converted by numpy, which is
independent of Fovea's conversions. The file is written by hand (numpy
only; there is no safetensors package in Debian).

tests/fuzz/corpus/safetensors/ gets the seeds of the fuzz-safetensors
target: a first byte choosing the parser (0 safetensors, 1 config.json,
2 task card) followed by that parser's input.
Output is deterministic.
"""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "fixtures", "safetensors")
CORPUS = os.path.join(ROOT, "fuzz", "corpus", "safetensors")

SAFETENSORS, CONFIG, TASK_CARD = 0, 1, 2


def safetensors_bytes(tensors, metadata=None, header_order=None):
    """tensors: list of (name, dtype, shape, raw bytes), laid out in that
    order. The header lists them in header_order (names) if given."""
    entries = {}
    offset = 0
    for name, dtype, shape, raw in tensors:
        entries[name] = {"dtype": dtype, "shape": list(shape),
                         "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in header_order or [t[0] for t in tensors]:
        header[name] = entries[name]
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def f32(values, shape=None):
    array = np.asarray(values, dtype="<f4")
    return array.reshape(shape if shape is not None else array.shape)


def mixed_file():
    # Half values: normal, subnormal (smallest and largest), the largest
    # finite, an infinity and a negative zero.
    half = np.array([1.0, -2.5, 2.0 ** -24, 0.000060975552, 65504.0, -np.inf, -0.0],
                    dtype="<f2")
    # bfloat16 has no numpy dtype: the top 16 bits of floats that are
    # exactly representable in it.
    brain_values = f32([1.5, -0.09375, -1.0625 * 2.0 ** 100, 2.0 ** -130, -0.0])
    brain_bits = (brain_values.view("<u4") >> 16).astype("<u2")
    assert np.array_equal((brain_bits.astype("<u4") << 16).view("<f4"), brain_values)
    misaligned = f32(np.arange(6) * 0.25 - 0.5, (2, 3))
    aligned = f32([3.0, -1.0, 0.5, 1e-3])
    tensors = [
        ("half.f16", "F16", half.shape, half.tobytes()),              # 14 bytes
        ("misaligned.f32", "F32", misaligned.shape, misaligned.tobytes()),  # starts at 14
        ("brain.bf16", "BF16", brain_bits.shape, brain_bits.tobytes()),
        ("empty", "F32", (0, 3), b""),
        ("aligned.f32", "F32", aligned.shape, aligned.tobytes()),
        ("scalar", "F32", (), f32(42.5).tobytes()),
        ("half.expected", "F32", half.shape, half.astype("<f4").tobytes()),
        ("brain.expected", "F32", brain_values.shape, brain_values.tobytes()),
    ]
    offset = 0
    for name, _, _, raw in tensors:
        if name == "aligned.f32":
            assert offset % 4 == 0, "aligned.f32 must start on a 4-byte boundary"
        if name == "misaligned.f32":
            assert offset % 4 != 0, "misaligned.f32 must not start on a 4-byte boundary"
        offset += len(raw)
    order = sorted(t[0] for t in tensors)
    return safetensors_bytes(tensors, {"format": "pt", "note": "Fovea ✓ test"}, order)


HUB_CONFIG = {
    "architecture": "vit_base_patch16_224",
    "num_classes": 1000,
    "num_features": 768,
    "global_pool": "token",
    "pretrained_cfg": {
        "tag": "augreg2_in21k_ft_in1k",
        "custom_load": False,
        "input_size": [3, 224, 224],
        "fixed_input_size": True,
        "interpolation": "bicubic",
        "crop_pct": 0.9,
        "crop_mode": "center",
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
        "num_classes": 1000,
        "pool_size": None,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
    },
}

SMALL_CONFIG = {
    "architecture": "vit_small_patch8_224.dino",
    "num_classes": 4,
    "model_args": {"img_size": [32, 48], "embed_dim": 96, "depth": 2, "num_heads": 12,
                   "mlp_ratio": 2.0, "global_pool": "avg", "fc_norm": None,
                   "no_embed_class": True, "reg_tokens": 1, "class_token": True,
                   "drop_path_rate": 0.1},
    "pretrained_cfg": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                       "interpolation": "bilinear", "crop_pct": 1.0},
}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    mixed = mixed_file()
    write(os.path.join(FIXTURES, "mixed.safetensors"), mixed)

    seeds = {
        "st-mixed": (SAFETENSORS, mixed),
        "st-metadata-only": (SAFETENSORS, safetensors_bytes([], {"format": "pt"})),
        "st-f16": (SAFETENSORS, safetensors_bytes(
            [("w", "F16", (2, 2), np.array([1, -1, 0.5, 2], dtype="<f2").tobytes())])),
        "config-hub": (CONFIG, json.dumps(HUB_CONFIG, indent=2).encode()),
        "config-args": (CONFIG, json.dumps(SMALL_CONFIG).encode()),
    }
    with open(os.path.join(ROOT, "fixtures", "cards", "dr-grading.json"), "rb") as f:
        seeds["card-dr-grading"] = (TASK_CARD, f.read())
    for name in os.listdir(CORPUS) if os.path.isdir(CORPUS) else []:
        os.remove(os.path.join(CORPUS, name))
    for name, (selector, data) in seeds.items():
        write(os.path.join(CORPUS, name), bytes([selector]) + data)


if __name__ == "__main__":
    main()

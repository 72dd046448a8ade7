#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz-adapter.c from the PEFT and
MeLo fixture adapters in tests/fixtures/vit/adapters.

Each seed is the selector byte (bit 0: 0 PEFT, 1 MeLo; bit 1: 0 tiny-token,
1 h12-avg), then for PEFT a little-endian u32 length, adapter_config.json
and adapter_model.safetensors, and for MeLo the safetensors file.

    /usr/bin/python3 tests/scripts/make-adapter-corpus.py
"""
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADAPTERS = os.path.join(ROOT, "fixtures", "vit", "adapters")
OUT = os.path.join(ROOT, "fuzz", "corpus", "adapter")

TINY, H12 = 0, 2
PEFT_SEEDS = {
    "peft-layers-rank": TINY,
    "peft-qkv-fc1": H12,
    "peft-rslora-regex": H12,
}
MELO_SEEDS = {
    "melo-tiny_lora_4_8.safetensors": TINY,
}


def read(*parts):
    with open(os.path.join(ADAPTERS, *parts), "rb") as f:
        return f.read()


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    for name, backbone in PEFT_SEEDS.items():
        config = read(name, "adapter_config.json")
        weights = read(name, "adapter_model.safetensors")
        seed = bytes([backbone]) + struct.pack("<I", len(config)) + config + weights
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(seed)
    for name, backbone in MELO_SEEDS.items():
        with open(os.path.join(OUT, name.split(".")[0]), "wb") as f:
            f.write(bytes([backbone | 1]) + read(name))
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Times PyTorch's CPU forward pass (fp32, eager, torch.no_grad) on a hub
CNN folder (config.json + model.safetensors, e.g. from
tools/fovea-make-random-cnn), for a side-by-side with `fovea-cli bench` and
ort-bench.mjs on the same weights. PyTorch is never a dependency of Fovea.

    /usr/bin/python3 tests/scripts/torch-bench.py MODEL_DIR [--threads N]
        [--runs N] [--batch N]...

Prints one JSON line per batch size with the same keys as
`fovea-cli bench --json`: median_s and min_s per image, images_per_s.
Needs Debian's python3-torch and python3-torchvision.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_cnn  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--batch", type=int, action="append")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    network, config = torch_cnn.load_hub(args.model_dir, torch.float32)
    _, height, width = config.get("pretrained_cfg", {}).get("input_size", [3, 224, 224])
    generator = torch.Generator().manual_seed(20240601)
    for batch in args.batch or [1, 8]:
        pixels = torch.rand(batch, 3, height, width, generator=generator) * 4 - 2
        times = []
        with torch.no_grad():
            network(pixels)  # warm-up
            for _ in range(args.runs):
                start = time.perf_counter()
                network(pixels)
                times.append((time.perf_counter() - start) / batch)
        times.sort()
        mid = len(times) // 2
        median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
        print(json.dumps({"runtime": "pytorch " + torch.__version__, "batch": batch,
                          "threads": args.threads, "median_s": median, "min_s": times[0],
                          "images_per_s": 1 / median}))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Fovea's forward pass against PyTorch's on the same weights, in FP32 and
in bf16, interleaved in one run: each round runs `fovea-cli bench` (FP32,
then --precision bf16, each in its own process) and PyTorch (Debian's
python3-torch; bf16 as torch.autocast("cpu", dtype=torch.bfloat16), and
FP32 with --torch-fp32) at each batch size, so that drift in the machine's
load hits every contender alike. PyTorch is never a dependency of Fovea;
this script only measures.

    /usr/bin/python3 tests/scripts/bench-vs-torch.py MODEL_DIR \\
        [--cli build/app/fovea-cli] [--rounds 3] [--runs 5] [--threads 2] \\
        [--batches 1,8] [--torch-runs N] [--torch-fp32]

MODEL_DIR is a hub folder, e.g. the random ViT-B/16 of
tools/fovea-make-random-vit. Prints, per batch and contender, the median
over rounds of each round's median seconds per image: wall time, and the
process's CPU time (all threads), which a busy machine inflates less.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import torch


def load_export_module():
    """export-onnx.py's load_model (a hyphenated file name: no plain import)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    spec = importlib.util.spec_from_file_location("export_onnx",
                                                  os.path.join(here, "export-onnx.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fovea(cli, model_dir, batch, runs, threads, precision):
    out = subprocess.run([cli, "bench", "--json", "--model", model_dir, "--batch", str(batch),
                          "--runs", str(runs), "--threads", str(threads),
                          "--precision", precision],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    return report["median_s"], report["cpu_median_s"]


def torch_pass(model, pixels, bf16):
    with torch.no_grad():
        if bf16:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return model(pixels)
        return model(pixels)


def torch_bench(model, pixels, runs, bf16):
    batch = pixels.shape[0]
    torch_pass(model, pixels, bf16)  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        torch_pass(model, pixels, bf16)
        wall.append((time.perf_counter() - w0) / batch)
        cpu.append((time.process_time() - c0) / batch)
    return statistics.median(wall), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--cli", default="build/app/fovea-cli")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--torch-runs", type=int, default=None,
                        help="timed PyTorch passes per round (default: --runs); fewer where "
                             "PyTorch is slow")
    parser.add_argument("--torch-fp32", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    model, config = load_export_module().load_model(args.model_dir)
    _, height, width = config["pretrained_cfg"]["input_size"]
    batches = [int(b) for b in args.batches.split(",")]
    contenders = ["fovea fp32", "fovea bf16", "torch bf16"] + (["torch fp32"] if args.torch_fp32 else [])
    results = {(b, c): [] for b in batches for c in contenders}

    for r in range(args.rounds):
        for batch in batches:
            pixels = torch.randn(batch, 3, height, width,
                                 generator=torch.Generator().manual_seed(batch))
            for name in contenders:
                if name.startswith("fovea"):
                    figures = fovea(args.cli, args.model_dir, batch, args.runs, args.threads,
                                    name.split()[1])
                else:
                    figures = torch_bench(model, pixels, args.torch_runs or args.runs,
                                          name.endswith("bf16"))
                results[(batch, name)].append(figures)
                print(f"# round {r + 1} batch {batch} {name}: {figures[0]:.4f} s wall, "
                      f"{figures[1]:.4f} s CPU per image", file=sys.stderr)

    print(f"# {config['architecture']}, {args.threads} threads, torch {torch.__version__}, "
          f"{args.rounds} rounds × {args.runs} runs (PyTorch {args.torch_runs or args.runs}); "
          f"medians, seconds per image")
    print("| batch | contender | wall | CPU (all threads) | torch bf16 / this: wall | CPU |")
    print("|---|---|---|---|---|---|")
    for batch in batches:
        ref_wall = statistics.median(w for w, _ in results[(batch, "torch bf16")])
        ref_cpu = statistics.median(c for _, c in results[(batch, "torch bf16")])
        for name in contenders:
            wall = statistics.median(w for w, _ in results[(batch, name)])
            cpu = statistics.median(c for _, c in results[(batch, name)])
            print(f"| {batch} | {name} | {wall:.4f} | {cpu:.4f} | {ref_wall / wall:.2f}× "
                  f"| {ref_cpu / cpu:.2f}× |")


if __name__ == "__main__":
    main()

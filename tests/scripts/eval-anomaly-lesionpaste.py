#!/usr/bin/python3
"""LesionPaste-style evaluation of Fovea's anomaly maps (fovea-cli explain
--kind anomaly) on DRIVE.

A PatchCore bank is built with `fovea-cli anomaly-bank` from the first
--train DRIVE training images (sorted by name: 21..35 by default); the
others (36..40) are held out. --use N keeps only the first N images
(sorted), for a validation split that never touches 36..40:
--use 15 --train 10 builds the bank from 21..30 and pastes into 31..35. Into each held-out image, --variants copies
get synthetic lesions pasted at random places inside the field of view
(DRIVE's own mask): dark-red blot haemorrhages (soft, irregular, 5-14 px
radius, the local background darkened towards red) and clusters of small
yellow hard exudates (2-5 px). Every map is then read back from its 16-bit
PNG, and we report
  - pixel AUROC: map values of all FOV pixels of the lesioned images,
    lesion pixels positive;
  - image AUROC: image scores of the clean held-out images (negatives)
    against the lesioned ones (positives);
as LesionPaste (and PatchCore) report them. Only public data is read; the
images written go to --work (a temporary folder by default) and are not
kept. Needs /usr/bin/python3 with numpy and PIL (Debian's).

Example (the command whose numbers the bundled bank's card quotes):
  /usr/bin/python3 tests/scripts/eval-anomaly-lesionpaste.py \
      --cli build/app/fovea-cli --model resources/models/mobilenetv2-imagenet \
      --stages 6,13 --input-size 320
(a ViT backbone takes --layer N instead of --stages)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

DRIVE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                     "shared", "data", "drive", "training")


def auroc(scores, labels):
    """Mann-Whitney U / (n_pos · n_neg), ties counted half (average ranks)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # Average rank of each run of ties.
    edges = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(scores)]))
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e + 1) / 2.0
    n_pos = labels.sum()
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return (ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def blob_alpha(shape, cx, cy, radius, rng, lobes):
    """A soft irregular blob: the union of a few overlapping ellipses."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    alpha = np.zeros(shape)
    for _ in range(lobes):
        ox, oy = rng.normal(0, radius * 0.35, 2)
        rx, ry = radius * rng.uniform(0.6, 1.0, 2)
        angle = rng.uniform(0, np.pi)
        dx, dy = xx - cx - ox, yy - cy - oy
        u = (dx * np.cos(angle) + dy * np.sin(angle)) / rx
        v = (-dx * np.sin(angle) + dy * np.cos(angle)) / ry
        d = np.sqrt(u * u + v * v)
        alpha = np.maximum(alpha, np.clip((1.0 - d) * 3.0, 0.0, 1.0))
    return alpha


def paste_lesions(rgb, fov, rng):
    """Returns the lesioned image and its lesion mask."""
    out = rgb.astype(np.float64)
    lesion = np.zeros(fov.shape, dtype=bool)
    inside = np.argwhere(fov)
    # Keep lesions away from the FOV edge, as real ones mostly are.
    centre = inside.mean(axis=0)
    radius_fov = np.sqrt(fov.sum() / np.pi)
    kinds = rng.choice(["haemorrhage", "exudate"], size=rng.integers(1, 4))
    for kind in kinds:
        while True:
            y, x = inside[rng.integers(len(inside))]
            if np.hypot(y - centre[0], x - centre[1]) < 0.8 * radius_fov:
                break
        if kind == "haemorrhage":
            alpha = blob_alpha(fov.shape, x, y, rng.uniform(5, 14), rng, lobes=3)
            # Blood absorbs green and blue most: darken towards dark red.
            target = out * np.array([0.55, 0.25, 0.3])
        else:
            alpha = np.zeros(fov.shape)
            for _ in range(rng.integers(3, 8)):
                ex, ey = x + rng.normal(0, 10), y + rng.normal(0, 10)
                alpha = np.maximum(alpha, 0.9 * blob_alpha(fov.shape, ex, ey,
                                                          rng.uniform(2, 5), rng, lobes=1))
            target = np.broadcast_to(np.array([235.0, 205.0, 90.0]), out.shape)
        alpha *= fov
        out = out * (1 - alpha[..., None]) + target * alpha[..., None]
        lesion |= alpha > 0.5
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), lesion


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), done.stdout, done.stderr))
    return done.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cli", required=True, help="path to fovea-cli")
    p.add_argument("--model", required=True, help="backbone folder")
    p.add_argument("--layer", type=int, help="ViT: the block (default: the CLI's)")
    p.add_argument("--stages", help="CNN: blocks, e.g. 6,13 (default: the CLI's)")
    p.add_argument("--input-size", type=int, default=0)
    p.add_argument("--coreset", type=float, default=0.1)
    p.add_argument("--sigma", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0, help="seed of the pasting and the coreset")
    p.add_argument("--train", type=int, default=15, help="images (by name) in the bank")
    p.add_argument("--use", type=int, default=0,
                   help="only the first N images (by name); 0: all")
    p.add_argument("--variants", type=int, default=4, help="lesioned copies per held-out image")
    p.add_argument("--drive", default=DRIVE, help="DRIVE training folder")
    p.add_argument("--work", help="folder for the bank and images (default: temporary)")
    p.add_argument("--bank", help="also keep the bank here")
    args = p.parse_args()

    images_dir = os.path.join(args.drive, "images")
    if not os.path.isdir(images_dir):
        print("SKIP: no DRIVE data at %s" % images_dir)
        return 0
    names = sorted(os.listdir(images_dir))
    if args.use:
        names = names[:args.use]
    train, held = names[:args.train], names[args.train:]
    work = args.work or tempfile.mkdtemp(prefix="fovea-lesionpaste-")
    os.makedirs(work, exist_ok=True)
    bank = args.bank or os.path.join(work, "bank.safetensors")

    cmd = [args.cli, "anomaly-bank", "--model", args.model,
           "--coreset", str(args.coreset), "--seed", str(args.seed), "--sigma", str(args.sigma),
           "--out", bank, "--force"]
    if args.layer is not None:
        cmd += ["--layer", str(args.layer)]
    if args.stages:
        cmd += ["--stages", args.stages]
    if args.input_size:
        cmd += ["--input-size", str(args.input_size)]
    for n in train:
        cmd += ["--images", os.path.join(images_dir, n)]
    start = time.monotonic()
    print(run(cmd).strip())
    build_s = time.monotonic() - start

    rng = np.random.default_rng(args.seed)
    pixel_scores, pixel_labels, image_scores, image_labels = [], [], [], []
    explain_s = []
    for n in held:
        rgb = np.asarray(Image.open(os.path.join(images_dir, n)).convert("RGB"))
        stem = n.split("_")[0]
        fov = np.asarray(Image.open(os.path.join(args.drive, "mask",
                                                 stem + "_training_mask.gif"))) > 0
        cases = [(rgb, np.zeros(fov.shape, dtype=bool), "clean")]
        for v in range(args.variants):
            cases.append(paste_lesions(rgb, fov, rng) + ("lesion%d" % v,))
        for image, lesion, tag in cases:
            path = os.path.join(work, "%s-%s.png" % (stem, tag))
            out = os.path.join(work, "%s-%s.map.png" % (stem, tag))
            Image.fromarray(image).save(path)
            start = time.monotonic()
            result = json.loads(run([args.cli, "explain", "--kind", "anomaly", "--model",
                                     args.model, "--bank", bank, path, "--out", out,
                                     "--json"]))
            explain_s.append(time.monotonic() - start)
            heat = np.asarray(Image.open(out)).astype(np.float64)
            assert heat.shape == fov.shape, (heat.shape, fov.shape)
            image_scores.append(result["score"])
            image_labels.append(tag != "clean")
            if tag != "clean":
                pixel_scores.append(heat[fov])
                pixel_labels.append(lesion[fov])
            print("%-22s score %.4f  peak %s%s" % (os.path.basename(path), result["score"],
                                                   result["peak"],
                                                   "  (lesion pixels %d)" % lesion.sum()
                                                   if tag != "clean" else ""))

    pixel = auroc(np.concatenate(pixel_scores), np.concatenate(pixel_labels))
    image = auroc(image_scores, image_labels)
    print(json.dumps({
        "model": args.model, "layer": args.layer, "stages": args.stages,
        "input_size": args.input_size or None,
        "coreset": args.coreset, "sigma": args.sigma, "seed": args.seed,
        "bank_images": train, "held_out_images": held, "variants": args.variants,
        "pixel_auroc": round(pixel, 4), "image_auroc": round(image, 4),
        "bank_build_s": round(build_s, 2),
        "explain_s_per_image": round(float(np.mean(explain_s)), 3),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""make-shifted-set.py: the validation photographs of a segmentation layout
as five fixed "other cameras", to compare plain with domain augmentation
(the AADG question: does a model hold when the camera changes?).

    OUT/SHIFT/images/NAME   the val photograph, shifted
    OUT/SHIFT/masks/...     links to the original masks (and fov/ if any)
    OUT/split.csv           the val rows alone (file,split), for all shifts

for SHIFT in
    dark       exposure x 0.55 and gamma 1.5 (an underexposed flash)
    washed     contrast x 0.6 around the mean, + 40 (a hazy lens, bright)
    cast       R x 0.75, G x 1.05, B x 1.6 (another sensor's white balance)
    blur       Gaussian blur of 0.4 % of the width and noise sigma 6 (defocus)
    jpeg       JPEG quality 12 after a halving and back (a compressed upload)
Each changes the field of view only (the black surround stays black, as a
camera's does) and is one fixed transform, not drawn at random, so both arms see the same
images. Only the rows that the split table puts in `val` are written; the
held-out rows are never read. This is a proxy: the shifts are of the kind
the domain augmentation draws from, and a labelled set from another camera
(not in ../shared/data) would be the real test.

Usage:
    /usr/bin/python3 scripts/seg-models/make-shifted-set.py ROOT SPLIT_CSV OUT
then, per shift, `fovea-cli evaluate --model DIR --data OUT/SHIFT
--split-file OUT/split.csv --json` (the val rows).
"""
import csv
import io
import os
import sys

import numpy as np
from PIL import Image, ImageFilter


def dark(rgb):
    return 255.0 * (np.clip(rgb * 0.55, 0, 255) / 255.0) ** 1.5


def washed(rgb):
    return (rgb - rgb.mean()) * 0.6 + rgb.mean() + 40.0


def cast(rgb):
    return rgb * np.array([0.75, 1.05, 1.6])


def blur(rgb):
    image = Image.fromarray(np.uint8(rgb))
    radius = 0.004 * image.width
    out = np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float64)
    return out + np.random.default_rng(0).normal(0, 6.0, out.shape)


def jpeg(rgb):
    image = Image.fromarray(np.uint8(rgb))
    small = image.resize((image.width // 2, image.height // 2), Image.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=12)
    back = Image.open(buffer).convert("RGB").resize(image.size, Image.BILINEAR)
    return np.asarray(back, dtype=np.float64)


SHIFTS = {"dark": dark, "washed": washed, "cast": cast, "blur": blur, "jpeg": jpeg}


def link_tree(source, target):
    """Mirrors source's files as symbolic links (masks, fov)."""
    for folder, _, files in os.walk(source):
        relative = os.path.relpath(folder, source)
        os.makedirs(os.path.join(target, relative), exist_ok=True)
        for name in files:
            link = os.path.join(target, relative, name)
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(os.path.join(folder, name)), link)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, split_csv, out = sys.argv[1:]
    with open(split_csv) as f:
        val = [row["file"] for row in csv.DictReader(f) if row["split"] == "val"]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "split.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "split"])
        writer.writerows((name, "val") for name in val)
    for shift, transform in SHIFTS.items():
        target = os.path.join(out, shift)
        os.makedirs(os.path.join(target, "images"), exist_ok=True)
        for sub in ("masks", "fov"):
            if os.path.isdir(os.path.join(root, sub)):
                link_tree(os.path.join(root, sub), os.path.join(target, sub))
        for name in val:
            rgb = np.asarray(Image.open(os.path.join(root, "images", name)).convert("RGB"),
                             dtype=np.float64)
            fov = (rgb[..., 0] > 20)[..., None]
            shifted = np.where(fov, transform(rgb), rgb)
            shifted = np.uint8(np.clip(np.rint(shifted), 0, 255))
            # The same name, so that the split table and masks still match;
            # a JPEG original is rewritten at quality 100, adding no loss
            # of note to the shift itself.
            options = {"quality": 100} if name.lower().endswith((".jpg", ".jpeg")) else {}
            Image.fromarray(shifted).save(os.path.join(target, "images", name), **options)
        print("%s: %d val photographs" % (target, len(val)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

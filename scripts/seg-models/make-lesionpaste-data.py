#!/usr/bin/python3
"""make-lesionpaste-data.py: LesionPaste-style training data (Wang et al.,
"LesionPaste: one-shot anomaly detection for medical images", 2022): real
lesions cut from IDRiD's lesion masks, pasted with MixUp blending into
normal DRIVE photographs, written in the layout `fovea-cli train` takes
for segmentation (README, "Training a segmentation model"):

    OUT/images/STEM.png              the normal photograph with lesions pasted
    OUT/masks/LABEL/STEM.png         where each label's lesions went (0/255;
                                     none written when a label was not pasted)
    OUT/fov/STEM.png                 DRIVE's own field-of-view mask
    OUT/masks/lesion/STEM.png        all of them together (the one label of the
                                     LesionPaste flagger, lesionpaste.card.json)
    OUT/split.csv                    file,split (train / val, or held-out)
    OUT/sources.json                 which normal and which IDRiD lesions made each image

Usage:
    /usr/bin/python3 scripts/seg-models/make-lesionpaste-data.py OUT [--data DIR]
        [--variants 8] [--val-variants 4] [--seed 0]
    /usr/bin/python3 scripts/seg-models/make-lesionpaste-data.py OUT --held-out
        [--variants 4] [--seed 1]

--held-out makes the evaluation set instead (tests/scripts/eval-anomaly-
pasted.py): DRIVE 36-40 as they are (OUT/images/N-clean.png, no mask) and
--variants lesioned copies of each, with lesions cut from the IDRiD
photographs that idrid-lesions.csv holds out; every row's split is
`held-out`. Nothing is chosen on it.

Kept apart, so that validation says something:
- normals: DRIVE training 21-33 make the train images, 34-35 the val images;
  36-40 are never read for training (they are the held-out images of the
  anomaly evaluations, tests/scripts/eval-anomaly-lesionpaste.py and
  eval-anomaly-pasted.py);
- lesion sources: the IDRiD photographs that scripts/splits/idrid-lesions.csv
  puts in `train` give the lesions of the train images, those in `val` the
  lesions of the val images; its `held-out` ones are read by --held-out
  alone.

How a lesion is pasted: the IDRiD photograph and its masks are scaled so
that its field of view is as wide as the DRIVE photograph's (lesions keep
their size relative to the eye), each connected component of a mask is a
lesion, cut with a margin of a few pixels. Its colour is matched to the
place it goes: each channel is multiplied by the ratio of the target's mean
to the source's around the lesion (an illumination gain, clipped to
0.6-1.6, which keeps the lesion's contrast). The soft alpha is the blurred mask times a MixUp weight
lambda ~ U(0.6, 1.0); out = (1 - alpha) target + alpha source. The label
mask is where alpha > 0.5 * lambda. Places are drawn inside 80 % of the
FOV radius. Each image gets 1-6 lesions of random labels (microaneurysms
in clusters of 2-5, as they occur).

Needs /usr/bin/python3 with numpy and PIL (Debian's); no network. The
flagger is trained on OUT by `./scripts/train-seg-models.sh lesionpaste`
and scored against PatchCore by tests/scripts/eval-anomaly-pasted.py.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ["microaneurysms", "haemorrhages", "hard_exudates", "soft_exudates"]
TRAIN_NORMALS = list(range(21, 34))
VAL_NORMALS = [34, 35]
HELD_OUT_NORMALS = list(range(36, 41))
UNION = "lesion"
MARGIN = 4  # pixels of surround cut with a lesion, at DRIVE scale


def fov_of(rgb):
    """A photograph's field of view: red channel above a dark threshold."""
    return rgb[..., 0].astype(np.float64) > 20


def fov_diameter(mask):
    return 2.0 * np.sqrt(mask.sum() / np.pi)


def components(mask):
    """Connected components (8-neighbour) of a small boolean mask, as lists
    of (ys, xs) arrays. Plain flood fill: the masks are at DRIVE scale."""
    seen = np.zeros(mask.shape, dtype=bool)
    h, w = mask.shape
    found = []
    for y0, x0 in np.argwhere(mask):
        if seen[y0, x0]:
            continue
        stack, ys, xs = [(y0, x0)], [], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            ys.append(y)
            xs.append(x)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True
                        stack.append((yy, xx))
        found.append((np.array(ys), np.array(xs)))
    return found


def load_lesions(data, names, target_diameter):
    """{label: [(rgb patch float, mask patch bool, source name)]} from the
    IDRiD photographs named, scaled to target_diameter's FOV."""
    lesions = {label: [] for label in LABELS}
    root = os.path.join(data, "idrid-lesions")
    for name in names:
        stem = os.path.splitext(name)[0]
        photo = Image.open(os.path.join(root, "images", name)).convert("RGB")
        scale = target_diameter / fov_diameter(fov_of(np.asarray(photo)))
        size = (round(photo.width * scale), round(photo.height * scale))
        rgb = np.asarray(photo.resize(size, Image.LANCZOS)).astype(np.float64)
        for label in LABELS:
            path = os.path.join(root, label, stem + ".png")
            if not os.path.exists(path):
                continue
            # Area-averaged, then any quarter covered: a one-pixel
            # microaneurysm survives the reduction.
            mask = Image.open(path).convert("L").resize(size, Image.BOX)
            mask = np.asarray(mask) > 64
            for ys, xs in components(mask):
                y0, y1 = max(ys.min() - MARGIN, 0), min(ys.max() + MARGIN + 1, mask.shape[0])
                x0, x1 = max(xs.min() - MARGIN, 0), min(xs.max() + MARGIN + 1, mask.shape[1])
                if y1 - y0 > 80 or x1 - x0 > 80:
                    continue  # a confluent sheet of exudates: not one lesion
                lesions[label].append((rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1], stem))
    return lesions


def soft_alpha(mask):
    """The mask blurred by a pixel: a pasted edge that does not cut."""
    image = Image.fromarray((mask * 255).astype(np.uint8))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(1.0))).astype(np.float64) / 255.0


def paste(out, masks, fov, lesion, label, cy, cx, rng):
    """Pastes one lesion centred at (cy, cx); returns False if it does not fit."""
    patch, mask, _ = lesion
    h, w = mask.shape
    y0, x0 = cy - h // 2, cx - w // 2
    if y0 < 0 or x0 < 0 or y0 + h > out.shape[0] or x0 + w > out.shape[1]:
        return False
    if not fov[y0:y0 + h, x0:x0 + w].all():
        return False
    region = out[y0:y0 + h, x0:x0 + w]
    ring = ~mask
    if ring.sum() < 4:
        return False
    # Clipped: IDRiD's blue channel is near 0 outside lesions, and an
    # unbounded ratio there painted microaneurysms purple.
    gain = np.clip((region[ring].mean(axis=0) + 8.0) / (patch[ring].mean(axis=0) + 8.0),
                   0.6, 1.6)
    source = np.clip(patch * gain, 0, 255)
    lam = rng.uniform(0.6, 1.0)
    alpha = (soft_alpha(mask) * lam)[..., None]
    out[y0:y0 + h, x0:x0 + w] = (1 - alpha) * region + alpha * source
    masks[label][y0:y0 + h, x0:x0 + w] |= alpha[..., 0] > 0.5 * lam
    return True


def make_image(normal, fov, lesions, rng):
    """One lesioned copy of normal: the image, its label masks, the sources."""
    out = normal.astype(np.float64).copy()
    masks = {label: np.zeros(fov.shape, dtype=bool) for label in LABELS}
    inside = np.argwhere(fov)
    centre = inside.mean(axis=0)
    radius = np.sqrt(fov.sum() / np.pi)
    available = [label for label in LABELS if lesions[label]]
    used = []
    for _ in range(rng.integers(1, 7)):
        label = available[rng.integers(len(available))]
        count = rng.integers(2, 6) if label == "microaneurysms" else 1
        y, x = inside[rng.integers(len(inside))]
        if np.hypot(y - centre[0], x - centre[1]) > 0.8 * radius:
            continue
        for _ in range(count):
            lesion = lesions[label][rng.integers(len(lesions[label]))]
            jy, jx = (rng.normal(0, 12, 2) if count > 1 else (0, 0))
            if paste(out, masks, fov, lesion, label, int(y + jy), int(x + jx), rng):
                used.append({"label": label, "source": lesion[2], "at": [int(x), int(y)]})
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), masks, used


def save_mask(out, label, stem, mask):
    Image.fromarray((mask * 255).astype(np.uint8)).save(
        os.path.join(out, "masks", label, stem + ".png"))


def idrid_split(names_split):
    with open(os.path.join(HERE, "..", "splits", "idrid-lesions.csv")) as f:
        return [row["file"] for row in csv.DictReader(f) if row["split"] == names_split]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    p.add_argument("--variants", type=int, default=8, help="lesioned copies per train normal")
    p.add_argument("--val-variants", type=int, default=4, help="... per val normal")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--held-out", action="store_true",
                   help="the evaluation set: DRIVE 36-40, lesions from IDRiD's held-out photographs")
    args = p.parse_args()

    drive = os.path.join(args.data, "drive", "training")
    if not os.path.isdir(os.path.join(drive, "images")):
        sys.exit("%s: no DRIVE training images" % drive)
    for sub in ["images", "fov"] + ["masks/" + label for label in LABELS + [UNION]]:
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    rng = np.random.default_rng(args.seed)
    first = np.asarray(Image.open(os.path.join(drive, "mask", "21_training_mask.gif"))) > 0
    diameter = fov_diameter(first)

    if args.held_out:
        plan = (("held-out", HELD_OUT_NORMALS, args.variants),)
    else:
        plan = (("train", TRAIN_NORMALS, args.variants),
                ("val", VAL_NORMALS, args.val_variants))
    rows, record = [], {}
    for split, normals, variants in plan:
        lesions = load_lesions(args.data, idrid_split(split), diameter)
        print("%s: %s lesions from %d IDRiD photographs" % (
            split, {k: len(v) for k, v in lesions.items()}, len(idrid_split(split))))
        for n in normals:
            normal = np.asarray(Image.open(os.path.join(drive, "images",
                                                        "%d_training.tif" % n)).convert("RGB"))
            fov_image = Image.open(os.path.join(drive, "mask", "%d_training_mask.gif" % n))
            fov = np.asarray(fov_image) > 0
            cases = []
            if args.held_out:
                cases.append(("%d-clean" % n, normal, {}, []))
            for v in range(variants):
                image, masks, used = make_image(normal, fov, lesions, rng)
                cases.append(("%d-paste%d" % (n, v), image, masks, used))
            for stem, image, masks, used in cases:
                Image.fromarray(image).save(os.path.join(args.out, "images", stem + ".png"))
                fov_image.convert("L").save(os.path.join(args.out, "fov", stem + ".png"))
                union = np.zeros(fov.shape, dtype=bool)
                for label, mask in masks.items():
                    union |= mask
                    if mask.any():
                        save_mask(args.out, label, stem, mask)
                if union.any():
                    save_mask(args.out, UNION, stem, union)
                rows.append((stem + ".png", split))
                record[stem] = {"normal": "%d_training.tif" % n, "lesions": used}
    with open(os.path.join(args.out, "split.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "split"])
        writer.writerows(rows)
    with open(os.path.join(args.out, "sources.json"), "w") as f:
        json.dump({"seed": args.seed, "images": record}, f, indent=1)
    print("%s: %d images (%s)" % (args.out, len(rows), ", ".join(
        "%d %s" % (sum(r[1] == split for r in rows), split) for split, _, _ in plan)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

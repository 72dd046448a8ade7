#!/usr/bin/python3
"""Writes tests/fixtures/clahe/: inputs and OpenCV's CLAHE outputs.

Each image is stored as gzipped raw 8-bit interleaved samples (row-major,
no padding) and listed in manifest.json with its geometry. Each case names
an input, the CLAHE parameters and the expected output file:
  - grey inputs:   cv2.createCLAHE(clip, (tx, ty)).apply(grey)
  - colour inputs: cvtColor(RGB2LAB) -> CLAHE on L -> cvtColor(LAB2RGB)

The images are synthetic (nothing from the shared data set): a noisy
gradient with blobs, and fundus-like photographs with vignetting, an optic
disc and vessels. Run with Debian's python3-opencv and python3-numpy:
    tests/scripts/make-clahe-fixtures.py
"""
import gzip
import json
import os

import cv2
import numpy as np

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "fixtures", "clahe")


def blobs_grey(width, height, rng):
    """A dim gradient with bright and dark blobs and mild noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    img = 40 + 60 * x / width + 30 * y / height
    for _ in range(6):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        rad = rng.uniform(4, 18)
        amp = rng.uniform(-60, 120)
        img += amp * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * rad ** 2))
    img += rng.normal(0, 4, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def synthetic_fundus(width, height, rng):
    """An orange disc on black: vignetting, optic disc, macula, vessels."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    cx, cy = width / 2 + 3, height / 2 - 2
    r = 0.47 * min(width, height)
    d = np.hypot(x - cx, y - cy) / r
    shade = np.clip(1.0 - 0.45 * d ** 2, 0, 1)
    od_x, od_y = cx + 0.45 * r, cy - 0.05 * r
    disc = np.exp(-((x - od_x) ** 2 + (y - od_y) ** 2) / (2 * (0.09 * r) ** 2))
    macula = np.exp(-((x - cx + 0.25 * r) ** 2 + (y - cy) ** 2) / (2 * (0.12 * r) ** 2))
    rgb = np.zeros((height, width, 3))
    rgb[..., 0] = 190 * shade + 60 * disc - 30 * macula
    rgb[..., 1] = 85 * shade + 120 * disc - 25 * macula
    rgb[..., 2] = 30 * shade + 70 * disc - 10 * macula

    vessels = np.zeros((height, width), np.uint8)
    for k in range(7):
        angle = 2 * np.pi * k / 7 + rng.uniform(-0.3, 0.3)
        pts = []
        px, py = od_x, od_y
        for _ in range(12):
            angle += rng.uniform(-0.35, 0.35)
            px += 0.09 * r * np.cos(angle)
            py += 0.09 * r * np.sin(angle)
            pts.append((px, py))
        pts = np.array([(od_x, od_y)] + pts, np.int32)
        cv2.polylines(vessels, [pts], False, 255, thickness=max(1, width // 120))
    vessels = cv2.GaussianBlur(vessels.astype(np.float64), (0, 0), 0.8) / 255
    rgb *= (1 - 0.45 * vessels)[..., None]
    rgb += rng.normal(0, 2, rgb.shape)
    rgb[d > 1] = 0
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def clahe_grey(grey, clip, tiles_x, tiles_y):
    return cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles_x, tiles_y)).apply(grey)


def clahe_colour(rgb, clip, tiles_x, tiles_y):
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    lab[..., 0] = clahe_grey(np.ascontiguousarray(lab[..., 0]), clip, tiles_x, tiles_y)
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def write_raw(name, array):
    # mtime=0 keeps the files byte-identical from run to run.
    with open(os.path.join(OUT_DIR, name), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(np.ascontiguousarray(array).tobytes())


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240611)
    fundus256 = synthetic_fundus(256, 256, rng)
    fundus160 = synthetic_fundus(160, 128, rng)
    inputs = {
        "blobs-97x83": blobs_grey(97, 83, rng),
        "fundus-green-256x256": np.ascontiguousarray(fundus256[..., 1]),
        "fundus-160x128": fundus160,
        "fundus-97x83": synthetic_fundus(97, 83, rng),
        # Grids as fine as the image: the padding is then as large as the
        # image (OpenCV pads both axes when either does not divide).
        "blobs-16x10": blobs_grey(16, 10, rng),
    }
    plan = [
        ("blobs-97x83", 1.0, 8, 8), ("blobs-97x83", 2.0, 8, 8),
        ("blobs-97x83", 4.0, 8, 8), ("blobs-97x83", 1.0, 4, 6),
        ("blobs-97x83", 2.0, 4, 6), ("blobs-97x83", 4.0, 4, 6),
        ("fundus-green-256x256", 2.0, 8, 8), ("fundus-green-256x256", 4.0, 4, 6),
        ("fundus-160x128", 2.0, 8, 8),
        ("fundus-97x83", 1.0, 4, 6), ("fundus-97x83", 4.0, 8, 8),
        ("blobs-16x10", 2.0, 16, 3), ("blobs-16x10", 2.0, 3, 10),
        ("blobs-16x10", 40.0, 5, 5), ("blobs-16x10", 1.0, 1, 1),
    ]

    manifest = {"generator": "tests/scripts/make-clahe-fixtures.py",
                "opencv": cv2.__version__, "inputs": [], "cases": []}
    for name, img in inputs.items():
        write_raw(name + ".raw.gz", img)
        manifest["inputs"].append({
            "name": name, "file": name + ".raw.gz", "width": img.shape[1],
            "height": img.shape[0], "channels": 1 if img.ndim == 2 else img.shape[2]})
    for name, clip, tiles_x, tiles_y in plan:
        img = inputs[name]
        out = (clahe_grey(img, clip, tiles_x, tiles_y) if img.ndim == 2
               else clahe_colour(img, clip, tiles_x, tiles_y))
        expected = "%s-clip%g-%dx%d.raw.gz" % (name, clip, tiles_x, tiles_y)
        write_raw(expected, out)
        manifest["cases"].append({"input": name, "clip_limit": clip, "tiles_x": tiles_x,
                                  "tiles_y": tiles_y, "expected": expected})
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

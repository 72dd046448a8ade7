#!/usr/bin/python3
"""Writes tests/fixtures/resize/: small deterministic images and what PIL's
Image.resize makes of them with BILINEAR and BICUBIC, the reference that
tests/inference/test-resize.c holds fovea_resize() to.

Run from anywhere with Debian's python3-pil and python3-numpy:
    /usr/bin/python3 tests/scripts/make-resize-fixtures.py
Pixels are stored raw (row-major, interleaved, no padding) next to a JSON
manifest that gives each file's size and PIL mode.
"""
import json
import os

import numpy as np
from PIL import Image

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "fixtures", "resize")
CHANNELS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def test_pattern(width, height, channels, rng):
    """Smooth gradients, hard-edged shapes (so bicubic overshoots and has to
    clip) and noise, different in every channel."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        angle = 0.7 + 1.3 * c
        ramp = 127.5 + 127.5 * np.sin((x * np.cos(angle) + y * np.sin(angle))
                                      / (0.21 * (width + height)))
        square = (np.abs(x - width * (0.3 + 0.1 * c)) < width / 6) & \
                 (np.abs(y - height * 0.4) < height / 5)
        disc = (x - width * 0.7) ** 2 + (y - height * (0.6 - 0.1 * c)) ** 2 \
            < (0.15 * min(width, height)) ** 2
        plane = np.where(square, 255.0, ramp)
        plane = np.where(disc, 0.0, plane)
        plane += rng.normal(0.0, 12.0, size=plane.shape)
        planes.append(plane)
    return np.clip(np.rint(np.stack(planes, axis=-1)), 0, 255).astype(np.uint8)


def with_alpha(pixels, rng):
    """Makes the last channel an alpha mask with fully transparent,
    fully opaque and translucent areas."""
    height, width = pixels.shape[:2]
    y, x = np.mgrid[0:height, 0:width]
    alpha = np.clip(x * 255.0 / (width - 1) * 1.4 - 40, 0, 255)
    alpha[: height // 4, :] = 255
    alpha[height // 4: height // 2, : width // 3] = 0
    alpha += np.where((alpha > 0) & (alpha < 255), rng.normal(0, 6, alpha.shape), 0)
    pixels[..., -1] = np.clip(np.rint(alpha), 0, 255).astype(np.uint8)
    return pixels


def make_inputs():
    rng = np.random.RandomState(20240607)
    noise = rng.randint(0, 256, size=(29, 37, 3)).astype(np.uint8)
    return {
        # Pure noise: every output sample depends on every kernel tap.
        "noise-rgb": ("RGB", noise),
        "pattern-rgb": ("RGB", test_pattern(160, 120, 3, rng)),
        "pattern-l": ("L", test_pattern(160, 120, 1, rng)[..., 0]),
        # A 565×584 DRIVE photograph to 224×224, at a fifth of the size.
        "fundus-like-rgb": ("RGB", test_pattern(113, 117, 3, rng)),
        "pattern-rgba": ("RGBA", with_alpha(test_pattern(37, 29, 4, rng), rng)),
        "pattern-la": ("LA", with_alpha(test_pattern(37, 29, 2, rng), rng)),
    }


# (input, output width, output height): downscales by non-integer factors,
# upscales, mixed directions, and one axis left unchanged (PIL then skips
# that pass).
CASES = [
    ("noise-rgb", 71, 61),
    ("noise-rgb", 16, 29),
    ("noise-rgb", 13, 11),
    ("pattern-rgb", 62, 43),
    ("pattern-l", 120, 49),
    ("pattern-l", 25, 170),
    ("pattern-l", 160, 37),
    ("pattern-l", 173, 127),
    ("fundus-like-rgb", 45, 45),
    ("pattern-rgba", 20, 45),
    ("pattern-rgba", 37, 13),
    ("pattern-la", 23, 41),
]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in os.listdir(OUT_DIR):
        os.remove(os.path.join(OUT_DIR, name))

    inputs = make_inputs()
    manifest = {"inputs": {}, "cases": []}
    for name, (mode, pixels) in inputs.items():
        filename = "in-%s.raw" % name
        pixels.tofile(os.path.join(OUT_DIR, filename))
        manifest["inputs"][name] = {
            "file": filename, "mode": mode, "channels": CHANNELS[mode],
            "width": pixels.shape[1], "height": pixels.shape[0]}

    for name, width, height in CASES:
        mode, pixels = inputs[name]
        image = Image.fromarray(pixels, mode)
        for filter_name, pil_filter in FILTERS.items():
            result = np.asarray(image.resize((width, height), pil_filter))
            assert result.shape[:2] == (height, width)
            filename = "out-%s-%dx%d-%s.raw" % (name, width, height, filter_name)
            result.tofile(os.path.join(OUT_DIR, filename))
            manifest["cases"].append({
                "input": name, "filter": filter_name, "file": filename,
                "width": width, "height": height})

    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

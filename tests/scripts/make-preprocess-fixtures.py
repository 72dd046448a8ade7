#!/usr/bin/python3
"""Writes tests/fixtures/preprocess/: small images and the input tensors
PyTorch's evaluation pipelines make of them, the reference that
tests/inference/test-preprocess.c holds fovea_preprocess_image() to.

torchvision is not in Debian, so its transforms are written here with PIL
and numpy, step for step as timm's transforms_imagenet_eval builds them:
    img.convert("RGB")                       (timm's loader)
    Resize(floor(size / crop_pct))           (short side; PIL resize)
      or ResizeKeepRatio for a non-square input size
    CenterCrop(size)                         (Python round(), zero padding)
    ToTensor(), Normalize(mean, std)         (float32)
and the fundus pipeline on an image without a dark surround (its field of
view is the whole square frame), which is a plain resize to the input size.

Run with Debian's python3-pil and python3-numpy:
    /usr/bin/python3 tests/scripts/make-preprocess-fixtures.py
Inputs are stored raw (row-major, interleaved); outputs as little-endian
float32, 3 x height x width; manifest.json describes both.
"""
import json
import math
import os

import numpy as np
from PIL import Image

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "fixtures", "preprocess")
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
HALF = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])


def textured(width, height, channels, rng):
    """Gradients, a hard-edged square and noise, different per channel."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        ramp = 127.5 + 110 * np.sin((x * (1 + c) + y * (2 - c)) / 9.0)
        square = (np.abs(x - width * 0.4) < width / 5) & \
                 (np.abs(y - height * (0.3 + 0.1 * c)) < height / 6)
        plane = np.where(square, 250.0 - 40 * c, ramp)
        plane += rng.normal(0.0, 15.0, size=plane.shape)
        planes.append(plane)
    return np.clip(np.rint(np.stack(planes, axis=-1)), 0, 255).astype(np.uint8)


def make_inputs():
    rng = np.random.RandomState(31337)
    rgba = textured(50, 50, 4, rng)
    rgba[..., 3] = rng.randint(0, 256, size=(50, 50))
    return {
        "landscape-rgb": ("RGB", textured(61, 47, 3, rng)),
        "portrait-l": ("L", textured(40, 64, 1, rng)[..., 0]),
        "square-rgba": ("RGBA", rgba),
        "small-rgb": ("RGB", textured(20, 15, 3, rng)),
        "odd-rgb": ("RGB", textured(45, 32, 3, rng)),
        # Bright everywhere: no dark surround, so no field of view is cut.
        "frame-rgb": ("RGB", (120 + textured(57, 57, 3, rng) // 2).astype(np.uint8)),
    }


# (input, input size h x w, interpolation, crop_pct, fundus_crop, mean/std)
CASES = [
    ("landscape-rgb", (32, 32), "bicubic", 0.875, False, IMAGENET),
    ("landscape-rgb", (32, 32), "bilinear", 1.0, False, HALF),
    ("portrait-l", (32, 32), "bicubic", 0.9, False, IMAGENET),
    # Alpha is dropped before resizing, not composited.
    ("square-rgba", (32, 32), "bicubic", 0.9, False, IMAGENET),
    # Upscaling.
    ("small-rgb", (24, 24), "bicubic", 0.95, False, HALF),
    # (45 - 32) / 2 = 6.5: Python rounds half to even, to 6.
    ("odd-rgb", (32, 32), "bilinear", 1.0, False, IMAGENET),
    # Non-square input size: timm's ResizeKeepRatio, then CenterCrop.
    ("landscape-rgb", (24, 40), "bicubic", 0.9, False, IMAGENET),
    ("portrait-l", (40, 24), "bilinear", 0.8, False, HALF),
    # Fundus pipeline on a frame with no dark surround: plain resize.
    ("frame-rgb", (32, 32), "bicubic", 0.9, True, IMAGENET),
]


def resize_short_side(img, size, resample):
    """torchvision Resize(int): short side to size, long side truncated."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    new_w, new_h = (size, new_long) if w <= h else (new_long, size)
    return img.resize((new_w, new_h), resample)


def resize_keep_ratio(img, scale_size, resample):
    """timm ResizeKeepRatio (longest=0): cover scale_size, keep the ratio."""
    w, h = img.size
    ratio = min(h / scale_size[0], w / scale_size[1])
    return img.resize((round(w / ratio), round(h / ratio)), resample)


def center_crop(img, size):
    """torchvision CenterCrop, including its zero padding."""
    crop_h, crop_w = size
    w, h = img.size
    if crop_w > w or crop_h > h:
        left, top = max((crop_w - w) // 2, 0), max((crop_h - h) // 2, 0)
        padded = Image.new(img.mode, (max(w, crop_w), max(h, crop_h)), 0)
        padded.paste(img, (left, top))
        img = padded
        w, h = img.size
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return img.crop((left, top, left + crop_w, top + crop_h))


def to_normalised_tensor(img, mean, std):
    """ToTensor then Normalize, in float32 as torch computes them."""
    x = np.asarray(img, dtype=np.float32) / np.float32(255)
    x = x.transpose(2, 0, 1)
    mean = np.asarray(mean, dtype=np.float32)[:, None, None]
    std = np.asarray(std, dtype=np.float32)[:, None, None]
    return ((x - mean) / std).astype(np.float32)


def preprocess(img, size, interpolation, crop_pct, fundus_crop, mean, std):
    img = img.convert("RGB")
    resample = FILTERS[interpolation]
    if fundus_crop:
        img = img.resize((size[1], size[0]), resample)
    else:
        scale = [math.floor(s / crop_pct) for s in size]
        if scale[0] == scale[1]:
            img = resize_short_side(img, scale[0], resample)
        else:
            img = resize_keep_ratio(img, scale, resample)
        img = center_crop(img, size)
    return to_normalised_tensor(img, mean, std)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    inputs = make_inputs()
    manifest = {"inputs": [], "cases": []}
    for name, (mode, pixels) in inputs.items():
        file = "in-%s.raw" % name
        with open(os.path.join(OUT_DIR, file), "wb") as f:
            f.write(pixels.tobytes())
        manifest["inputs"].append({"name": name, "mode": mode, "file": file,
                                   "width": pixels.shape[1],
                                   "height": pixels.shape[0]})

    for i, (name, size, interpolation, crop_pct, fundus_crop, (mean, std)) \
            in enumerate(CASES):
        mode, pixels = inputs[name]
        tensor = preprocess(Image.fromarray(pixels, mode), size, interpolation,
                            crop_pct, fundus_crop, mean, std)
        file = "out-%02d-%s-%dx%d.f32" % (i, name, size[1], size[0])
        with open(os.path.join(OUT_DIR, file), "wb") as f:
            f.write(tensor.astype("<f4").tobytes())
        manifest["cases"].append({
            "input": name, "height": size[0], "width": size[1],
            "interpolation": interpolation, "crop_pct": crop_pct,
            "fundus_crop": fundus_crop, "mean": mean, "std": std,
            "file": file})

    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes tests/fixtures/npz/: tiny MedMNIST-style .npz files, good and
malformed, and the input tensors numpy and PIL make of the good ones, the
reference that tests/app/test-train-data.c holds fovea_train_data_load()
to (no augmentation).

An .npz sample skips the FOV crop: it is resized straight to the input
size with PIL (as torchvision's Resize((h, w)) does) when the size
differs, then ToTensor() and Normalize(mean, std) in float32.

The zip files are written here (not with np.savez) with a fixed
timestamp, so running the script again gives the same bytes:
    /usr/bin/python3 tests/scripts/make-npz-fixtures.py
Expected tensors are little-endian float32, 3 x height x width;
manifest.json describes them.
"""
import io
import json
import os
import zipfile

import numpy as np
from PIL import Image

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "fixtures", "npz")
MEAN = [0.5, 0.4, 0.3]
STD = [0.2, 0.25, 0.3]
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def npy_bytes(array, fortran=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asfortranarray(array) if fortran else array,
                              version=(1, 0))
    return buf.getvalue()


def npy_with_header(header_dict_text, data):
    """A version 1.0 .npy with a hand-written header (padded as numpy does)."""
    header = header_dict_text.encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def write_zip(name, entries, compress=True):
    path = os.path.join(OUT_DIR, name)
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w") as z:
        for entry, data in entries.items():
            info = zipfile.ZipInfo(entry + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return path


def normalised(rgb):
    """ToTensor and Normalize in float32, channel-planar."""
    t = rgb.astype(np.float32) / np.float32(255)
    mean = np.array(MEAN, dtype=np.float32)
    std = np.array(STD, dtype=np.float32)
    return ((t - mean) / std).transpose(2, 0, 1).astype("<f4")


def expected(images, index, width, height, filter_name):
    image = images[index]
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.shape[:2] != (height, width):
        image = np.asarray(Image.fromarray(image, "RGB").resize(
            (width, height), FILTERS[filter_name]))
    return normalised(image)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240611)

    train_images = rng.integers(0, 256, size=(6, 5, 4, 3), dtype=np.uint8)
    train_labels = np.array([[0], [1], [2], [1], [0], [2]], dtype=np.int64)
    val_images = rng.integers(0, 256, size=(3, 5, 4), dtype=np.uint8)
    val_labels = np.array([2, 0, 1], dtype=np.int32)
    test_images = rng.integers(0, 256, size=(2, 3, 3, 1), dtype=np.uint8)
    test_labels = np.array([1, 0], dtype=np.uint8)
    # Square samples for the exact checks of flips and quarter turns.
    square_images = rng.integers(0, 256, size=(2, 6, 6, 3), dtype=np.uint8)
    square_labels = np.array([0, 1], dtype=np.int64)
    good = {
        "train_images": npy_bytes(train_images), "train_labels": npy_bytes(train_labels),
        "val_images": npy_bytes(val_images), "val_labels": npy_bytes(val_labels),
        "test_images": npy_bytes(test_images), "test_labels": npy_bytes(test_labels),
        "square_images": npy_bytes(square_images), "square_labels": npy_bytes(square_labels),
    }
    good_path = write_zip("good.npz", good)

    manifest = {"mean": MEAN, "std": STD, "expected": []}
    cases = [("train", train_images, 3, 4, 5, "bicubic"),
             ("train", train_images, 5, 10, 12, "bicubic"),
             ("train", train_images, 0, 9, 7, "bilinear"),
             ("val", val_images, 1, 4, 5, "bicubic"),
             ("test", test_images, 0, 3, 3, "bilinear")]
    for split, images, index, width, height, filter_name in cases:
        name = "expected-%s-%d-%dx%d-%s.f32" % (split, index, width, height, filter_name)
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(expected(images, index, width, height, filter_name).tobytes())
        manifest["expected"].append({"file": name, "split": split, "index": index,
                                     "width": width, "height": height,
                                     "filter": filter_name,
                                     "resized": images.shape[1:3] != (height, width)})

    # The malformed ones: each breaks one rule.
    with open(good_path, "rb") as f:
        good_bytes = f.read()
    with open(os.path.join(OUT_DIR, "truncated.npz"), "wb") as f:
        f.write(good_bytes[:len(good_bytes) // 2])

    stored = write_zip("bad-crc.npz", {"train_images": npy_bytes(train_images),
                                       "train_labels": npy_bytes(train_labels)},
                       compress=False)
    with open(stored, "r+b") as f:
        data = bytearray(f.read())
        at = data.index(b"\x93NUMPY") + 128 + 10   # inside train_images' pixels
        data[at] ^= 0xFF
        f.seek(0)
        f.write(data)

    labels = npy_bytes(train_labels)
    write_zip("wrong-dtype.npz", {"train_images": npy_bytes(train_images.astype(np.float32)),
                                  "train_labels": labels})
    write_zip("fortran.npz", {"train_images": npy_bytes(train_images, fortran=True),
                              "train_labels": labels})
    short_data = train_images.tobytes()[:-7]
    write_zip("size-mismatch.npz", {
        "train_images": npy_with_header(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 5, 4, 3), }", short_data),
        "train_labels": labels})
    write_zip("missing-labels.npz", {"train_images": npy_bytes(train_images)})
    write_zip("count-mismatch.npz", {"train_images": npy_bytes(train_images),
                                     "train_labels": npy_bytes(train_labels[:5])})
    negative = train_labels.copy()
    negative[4, 0] = -1
    write_zip("negative-label.npz", {"train_images": npy_bytes(train_images),
                                     "train_labels": npy_bytes(negative)})
    write_zip("big-endian-labels.npz", {"train_images": npy_bytes(train_images),
                                        "train_labels": npy_bytes(train_labels.astype(">i8"))})
    write_zip("float-labels.npz", {"train_images": npy_bytes(train_images),
                                   "train_labels": npy_bytes(train_labels.astype(np.float32))})
    write_zip("flat-images.npz", {"train_images": npy_bytes(train_images.reshape(6, 60)),
                                  "train_labels": labels})
    # A version 1 header that declares itself shorter than the fixed prefix
    # (libFuzzer found the overflow this once caused).
    write_zip("short-header.npz", {"train_images": b"\x93NUMPY\x01\x00\x00\x00" + b"0123456789",
                                   "train_labels": labels})
    write_zip("two-column-labels.npz", {"train_images": npy_bytes(train_images),
                                        "train_labels": npy_bytes(np.zeros((6, 2), np.int64))})

    # An imbalanced set for balanced sampling: 140 / 40 / 15 / 5.
    counts = [140, 40, 15, 5]
    imbalanced = np.concatenate([np.full(n, k, dtype=np.int64) for k, n in enumerate(counts)])
    imbalanced = rng.permutation(imbalanced)
    write_zip("imbalanced.npz", {
        "train_images": npy_bytes(np.zeros((len(imbalanced), 2, 2), np.uint8)),
        "train_labels": npy_bytes(imbalanced)})

    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

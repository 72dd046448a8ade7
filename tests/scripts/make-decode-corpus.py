#!/usr/bin/python3
"""Writes the decoder test fixtures and the decode fuzz seed corpus.

    /usr/bin/python3 tests/scripts/make-decode-corpus.py   (from the repo root)

tests/fixtures/decode/ gets small images in every variant Fovea reads, plus
manifest.json saying what each one must decode to:
  - "pixels": exact expected samples in a .raw file (row-major, interleaved,
    16-bit samples little-endian), within "tolerance";
  - "corners": expected colours near the four corners (EXIF orientations,
    CMYK), sampled `inset` pixels in from each corner;
  - "scaling": JPEG DCT scaling requests and the size they must give;
  - "too_large": headers that claim a huge image.
The expected values come from an independent path: the numpy arrays the
files were made from, or Pillow's own decoding (for lossy JPEG). PNG and
TIFF variants Pillow cannot write (interlacing, low-bit grey, tiles,
big-endian 16-bit, associated alpha) are written by the small encoders
below, and Pillow reads each back as a cross-check.

tests/fuzz/corpus/decode/ gets a few tiny seeds of every format.
Needs python3-pil and python3-numpy (Debian). Output is deterministic.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "fixtures", "decode")
CORPUS = os.path.join(ROOT, "fuzz", "corpus", "decode")


# ---------------------------------------------------------------- patterns

def pattern(width, height, channels, bits, seed):
    """Varied but deterministic samples; 16-bit ones use both bytes."""
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.RandomState(seed)
    planes = []
    for c in range(channels):
        if bits == 8:
            p = (x * (5 + 2 * c) + y * (3 + c) + rng.randint(0, 40, x.shape)) % 256
        else:
            p = (x * (1237 + 17 * c) + y * (4099 + 31 * c) + rng.randint(0, 997, x.shape)) % 65536
        planes.append(p)
    return np.stack(planes, axis=-1).astype(np.uint8 if bits == 8 else np.uint16)


def quadrants(width, height, colours):
    """Four flat quadrants: top-left, top-right, bottom-left, bottom-right."""
    arr = np.zeros((height, width, len(colours[0])), np.uint8)
    h2, w2 = height // 2, width // 2
    arr[:h2, :w2], arr[:h2, w2:], arr[h2:, :w2], arr[h2:, w2:] = colours
    return arr


# ---------------------------------------------------------------- encoders

def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def pack_row(samples, bits):
    """One PNG row (filter byte 0) from a 1-D array of samples."""
    if bits == 16:
        return b"\0" + samples.astype(">u2").tobytes()
    if bits == 8:
        return b"\0" + samples.astype(np.uint8).tobytes()
    per_byte = 8 // bits
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        byte = 0
        for j, s in enumerate(samples[i:i + per_byte]):
            byte |= int(s) << (8 - bits * (j + 1))
        out.append(byte)
    return b"\0" + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(arr, colour_type, bits, palette=None, trns=None, interlace=False,
              size=None):
    """A PNG from (H, W, C) samples (palette indices for colour type 3)."""
    height, width = arr.shape[:2]
    flat = arr.reshape(height, width, -1)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = flat[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += pack_row(row.reshape(-1), bits)
    w, h = size or (width, height)
    out = b"\x89PNG\r\n\x1a\n"
    out += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, colour_type, 0, 0,
                                          1 if interlace else 0))
    if palette is not None:
        out += png_chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    out += png_chunk(b"IEND", b"")
    return out


TIFF_TYPES = {"SHORT": (3, "H"), "LONG": (4, "I")}


def write_tiff(arr, photometric, order="<", deflate=False, tile=None,
               extra=None, orientation=None, size=None, data_blocks=None):
    """A baseline TIFF from (H, W, C) samples: strips of 8 rows or tiles,
    uncompressed or Deflate (8), either byte order. `size` and
    `data_blocks` forge the header of a bigger image in one strip."""
    height, width, channels = arr.shape
    bits = arr.dtype.itemsize * 8
    samples = arr.astype(order + ("u1" if bits == 8 else "u2"))
    blocks = []
    if data_blocks is not None:
        blocks = data_blocks
    elif tile:
        tw, th = tile
        for ty in range(0, height, th):
            for tx in range(0, width, tw):
                t = np.zeros((th, tw, channels), samples.dtype)
                part = samples[ty:ty + th, tx:tx + tw]
                t[:part.shape[0], :part.shape[1]] = part
                blocks.append(t.tobytes())
    else:
        for y in range(0, height, 8):
            blocks.append(samples[y:y + 8].tobytes())
    if deflate:
        blocks = [zlib.compress(b, 9) for b in blocks]

    data = bytearray()
    offsets = []
    for b in blocks:
        offsets.append(8 + len(data))
        data += b
        if len(data) % 2:
            data += b"\0"
    w, h = size or (width, height)
    tags = {256: ("LONG", [w]), 257: ("LONG", [h]),
            258: ("SHORT", [bits] * channels), 259: ("SHORT", [8 if deflate else 1]),
            262: ("SHORT", [photometric]), 277: ("SHORT", [channels]),
            284: ("SHORT", [1]), 339: ("SHORT", [1] * channels)}
    if tile:
        tags.update({322: ("LONG", [tile[0]]), 323: ("LONG", [tile[1]]),
                     324: ("LONG", offsets), 325: ("LONG", [len(b) for b in blocks])})
    else:
        tags.update({273: ("LONG", offsets), 278: ("LONG", [h if size else 8]),
                     279: ("LONG", [len(b) for b in blocks])})
    if extra is not None:
        tags[338] = ("SHORT", [extra])
    if orientation is not None:
        tags[274] = ("SHORT", [orientation])

    ifd_at = 8 + len(data)
    overflow_at = ifd_at + 2 + 12 * len(tags) + 4
    ifd = struct.pack(order + "H", len(tags))
    overflow = bytearray()
    for tag in sorted(tags):
        kind, values = tags[tag]
        code, fmt = TIFF_TYPES[kind]
        payload = struct.pack(order + fmt * len(values), *values)
        if len(payload) <= 4:
            field = payload.ljust(4, b"\0")
        else:
            field = struct.pack(order + "I", overflow_at + len(overflow))
            overflow += payload
        ifd += struct.pack(order + "HHI", tag, code, len(values)) + field
    ifd += struct.pack(order + "I", 0)
    magic = b"II*\0" if order == "<" else b"MM\0*"
    return magic + struct.pack(order + "I", ifd_at) + bytes(data) + ifd + bytes(overflow)


def pil_bytes(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


# ---------------------------------------------------------------- fixtures

class Fixtures:
    def __init__(self):
        self.manifest = {"pixels": [], "corners": [], "scaling": [], "too_large": []}
        self.raws = {}
        os.makedirs(FIXTURES, exist_ok=True)

    def write(self, name, data):
        with open(os.path.join(FIXTURES, name), "wb") as f:
            f.write(data)

    def raw(self, arr):
        """Stores expected samples once per distinct array; returns its name."""
        arr = np.ascontiguousarray(arr)
        blob = arr.astype("<u2").tobytes() if arr.dtype == np.uint16 else arr.tobytes()
        key = (arr.shape, str(arr.dtype), blob)
        if key not in self.raws:
            self.raws[key] = "expected-%02d.raw" % len(self.raws)
            self.write(self.raws[key], blob)
        return self.raws[key]

    def pixels(self, name, data, expected, tolerance=0, check_with_pil=True):
        """A file that must decode to exactly `expected` (H, W[, C])."""
        expected = expected if expected.ndim == 3 else expected[..., None]
        self.write(name, data)
        if check_with_pil:
            image = Image.open(io.BytesIO(data))
            if image.mode in ("1", "P"):
                image = image.convert(("L", "LA", "RGB", "RGBA")[expected.shape[2] - 1])
            decoded = np.asarray(image)
            decoded = decoded if decoded.ndim == 3 else decoded[..., None]
            if decoded.shape == expected.shape:
                assert np.abs(decoded.astype(int) - expected.astype(int)).max() <= tolerance, name
        height, width, channels = expected.shape
        self.manifest["pixels"].append({
            "file": name, "width": width, "height": height, "channels": channels,
            "bit_depth": expected.dtype.itemsize * 8, "pixels": self.raw(expected),
            "tolerance": tolerance})

    def corners(self, name, data, upright, inset, tolerance, orientation=1):
        """Expected colours near the corners of `upright` (an RGB array)."""
        self.write(name, data)
        h, w = upright.shape[:2]
        points = [(inset, inset), (w - 1 - inset, inset),
                  (inset, h - 1 - inset), (w - 1 - inset, h - 1 - inset)]
        self.manifest["corners"].append({
            "file": name, "width": w, "height": h, "inset": inset,
            "tolerance": tolerance, "orientation": orientation,
            "colours": [[int(v) for v in upright[y, x]] for x, y in points]})

    def save_manifest(self):
        with open(os.path.join(FIXTURES, "manifest.json"), "w") as f:
            json.dump(self.manifest, f, indent=1, sort_keys=True)
            f.write("\n")


def expand_palette(indices, palette, alphas=None):
    rgb = np.asarray(palette, np.uint8)[indices]
    if alphas is None:
        return rgb
    a = np.full(len(palette), 255, np.uint8)
    a[:len(alphas)] = alphas
    return np.dstack([rgb, a[indices]])


def png_fixtures(fx):
    w, h = 37, 23  # odd sizes catch stride and interlace-pass mistakes
    for channels, mode in ((1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")):
        arr = pattern(w, h, channels, 8, channels)
        fx.pixels("png-%s-8.png" % mode.lower(), pil_bytes(
            Image.fromarray(arr.squeeze(-1) if channels == 1 else arr, mode), "PNG"), arr)
    colour_types = {1: 0, 2: 4, 3: 2, 4: 6}
    for channels in (1, 2, 3, 4):
        arr = pattern(w, h, channels, 16, 10 + channels)
        # Pillow reads 16-bit grey only, so this is checked by the C test.
        fx.pixels("png-%dch-16.png" % channels,
                  write_png(arr, colour_types[channels], 16), arr, check_with_pil=False)
    arr = pattern(w, h, 3, 16, 20)
    fx.pixels("png-rgb-16-interlaced.png", write_png(arr, 2, 16, interlace=True), arr,
              check_with_pil=False)
    arr = pattern(w, h, 3, 8, 21)
    fx.pixels("png-rgb-8-interlaced.png", write_png(arr, 2, 8, interlace=True), arr)
    for bits in (1, 2, 4):
        levels = pattern(w, h, 1, 8, 30 + bits) % (1 << bits)
        fx.pixels("png-grey-%dbit.png" % bits, write_png(levels, 0, bits),
                  (levels * (255 // ((1 << bits) - 1))).astype(np.uint8))
    rng = np.random.RandomState(40)
    palette = rng.randint(0, 256, (16, 3))
    indices = pattern(w, h, 1, 8, 41)[..., 0] % 16
    fx.pixels("png-palette-4bit.png", write_png(indices, 3, 4, palette=palette),
              expand_palette(indices, palette))
    alphas = [0, 64, 128, 200, 255, 10]
    fx.pixels("png-palette-trns-interlaced.png",
              write_png(indices, 3, 8, palette=palette, trns=bytes(alphas), interlace=True),
              expand_palette(indices, palette, alphas))
    grey = pattern(w, h, 1, 8, 42)[..., 0]
    key = int(grey[3, 5])
    fx.pixels("png-grey-trns.png", write_png(grey, 0, 8, trns=struct.pack(">H", key)),
              np.dstack([grey, np.where(grey == key, 0, 255).astype(np.uint8)]),
              check_with_pil=False)


def tiff_fixtures(fx):
    w, h = 41, 27
    rgb = pattern(w, h, 3, 8, 50)
    for compression in ("raw", "tiff_lzw", "tiff_adobe_deflate", "packbits"):
        fx.pixels("tiff-rgb-8-%s.tif" % compression.replace("tiff_", ""),
                  pil_bytes(Image.fromarray(rgb), "TIFF", compression=compression), rgb)
    grey = pattern(w, h, 1, 8, 51)[..., 0]
    fx.pixels("tiff-grey-8-lzw.tif", pil_bytes(Image.fromarray(grey), "TIFF",
                                               compression="tiff_lzw"), grey)
    rgba = pattern(w, h, 4, 8, 52)
    fx.pixels("tiff-rgba-8-lzw.tif", pil_bytes(Image.fromarray(rgba), "TIFF",
                                               compression="tiff_lzw"), rgba)
    grey16 = pattern(w, h, 1, 16, 53)[..., 0]
    fx.pixels("tiff-grey-16-lzw.tif", pil_bytes(Image.fromarray(grey16, "I;16"), "TIFF",
                                                compression="tiff_lzw"), grey16)
    # Palette: not read directly, so it exercises the RGBA fallback.
    indexed = Image.fromarray(pattern(w, h, 1, 8, 54)[..., 0] % 32, "P")
    indexed.putpalette(list(np.random.RandomState(55).randint(0, 256, 96)))
    fx.pixels("tiff-palette.tif", pil_bytes(indexed, "TIFF"),
              np.asarray(indexed.convert("RGB")))
    second = Image.fromarray(255 - rgb)
    fx.pixels("tiff-multipage.tif", pil_bytes(Image.fromarray(rgb), "TIFF", save_all=True,
                                              append_images=[second]), rgb)

    rgb16 = pattern(w, h, 3, 16, 56)
    fx.pixels("tiff-rgb-16-tiled-deflate.tif",
              write_tiff(rgb16, 2, deflate=True, tile=(16, 16)), rgb16, check_with_pil=False)
    fx.pixels("tiff-rgb-16-bigendian.tif", write_tiff(rgb16, 2, order=">"), rgb16,
              check_with_pil=False)
    grey_a16 = pattern(w, h, 2, 16, 57)
    fx.pixels("tiff-greyalpha-16-tiled.tif",
              write_tiff(grey_a16, 1, tile=(32, 16), extra=2), grey_a16, check_with_pil=False)
    # Associated (premultiplied) alpha must come back straight; alpha is
    # kept high so that the 8-bit round trip is within 1.
    straight = pattern(w, h, 4, 8, 58)
    straight[..., 3] = 128 + straight[..., 3] // 2
    premultiplied = straight.copy()
    premultiplied[..., :3] = np.round(straight[..., :3].astype(float) * straight[..., 3:] / 255)
    fx.pixels("tiff-rgba-8-premultiplied.tif", write_tiff(premultiplied, 2, extra=1),
              straight, tolerance=1, check_with_pil=False)
    # Orientation 8 (TIFF 6.0): row 0 is the left side, so upright is the
    # stored image turned 90° anticlockwise. (Pillow's libtiff path only
    # flips these files, so it is no reference here.)
    fx.pixels("tiff-rgb-8-orientation8.tif", write_tiff(rgb, 2, orientation=8),
              np.rot90(rgb), check_with_pil=False)


def jpeg_fixtures(fx):
    w, h = 48, 40
    rgb = pattern(w, h, 3, 8, 60)
    for name, params in (("jpeg-rgb.jpg", {"quality": 90}),
                         ("jpeg-rgb-progressive.jpg", {"quality": 90, "progressive": True})):
        data = pil_bytes(Image.fromarray(rgb), "JPEG", **params)
        fx.pixels(name, data, np.asarray(Image.open(io.BytesIO(data))), tolerance=1)
    data = pil_bytes(Image.fromarray(rgb[..., 1]), "JPEG", quality=90)
    fx.pixels("jpeg-grey.jpg", data, np.asarray(Image.open(io.BytesIO(data))), tolerance=1)

    # EXIF orientations: a stored image with one tag each; Pillow's
    # exif_transpose says what upright means.
    colours = [(230, 20, 20), (20, 200, 30), (30, 40, 220), (245, 245, 245)]
    stored = Image.fromarray(quadrants(64, 48, colours))
    for orientation in range(1, 9):
        data = pil_bytes(stored, "JPEG", quality=95, exif=exif_with_orientation(orientation))
        upright = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))
        fx.corners("jpeg-orientation-%d.jpg" % orientation, data, upright, inset=6,
                   tolerance=12, orientation=orientation)
    # CMYK (Pillow writes Adobe-style inverted CMYK): pure inks are
    # unambiguous whatever the conversion formula.
    inks = [(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 255)]
    cmyk = Image.fromarray(quadrants(64, 48, inks), "CMYK")
    fx.corners("jpeg-cmyk.jpg", pil_bytes(cmyk, "JPEG", quality=95),
               quadrants(64, 48, [(0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 0, 0)]),
               inset=6, tolerance=12)

    # DCT scaling: a smooth 256×192 disc, and the rotated 64×48 file.
    y, x = np.mgrid[0:192, 0:256]
    disc = np.clip(220 - np.hypot(x - 128, y - 96) * 2.2, 0, 255)
    big = np.dstack([disc, disc * 0.5, disc * 0.2]).astype(np.uint8)
    fx.write("jpeg-scaling.jpg", pil_bytes(Image.fromarray(big), "JPEG", quality=90))
    for name, width, height, orientation in (("jpeg-scaling.jpg", 256, 192, 1),
                                             ("jpeg-orientation-6.jpg", 64, 48, 6)):
        for min_w, min_h in ((0, 0), (200, 100), (128, 96), (100, 60), (64, 48), (20, 20),
                             (1, 1), (12, 30), (30, 12), (300, 1)):
            denom = 1
            for d in (2, 4, 8):
                out_w, out_h = -(-width // d), -(-height // d)  # ceil
                if orientation >= 5:
                    out_w, out_h = out_h, out_w
                if (min_w or min_h) and out_w >= min_w and out_h >= min_h:
                    denom = d
            up_w, up_h = -(-width // denom), -(-height // denom)
            if orientation >= 5:
                up_w, up_h = up_h, up_w
            fx.manifest["scaling"].append({"file": name, "min_width": min_w, "min_height": min_h,
                                           "scale_denom": denom, "width": up_w, "height": up_h})


def bmp_gif_fixtures(fx):
    w, h = 35, 21
    rgb = pattern(w, h, 3, 8, 70)
    fx.pixels("bmp-rgb-24.bmp", pil_bytes(Image.fromarray(rgb), "BMP"), rgb)
    grey = pattern(w, h, 1, 8, 71)[..., 0]
    fx.pixels("bmp-grey-8.bmp", pil_bytes(Image.fromarray(grey), "BMP"), grey)
    indexed = Image.fromarray(pattern(w, h, 1, 8, 72)[..., 0] % 16, "P")
    indexed.putpalette(list(np.random.RandomState(73).randint(0, 256, 48)))
    fx.pixels("bmp-palette-8.bmp", pil_bytes(indexed, "BMP"), np.asarray(indexed.convert("RGB")))
    bilevel = Image.fromarray((grey > 128).astype(np.uint8) * 255).convert("1")
    fx.pixels("bmp-1bit.bmp", pil_bytes(bilevel, "BMP"), np.asarray(bilevel.convert("L")))

    fx.pixels("gif-palette.gif", pil_bytes(indexed, "GIF"), np.asarray(indexed.convert("RGB")))
    fx.pixels("gif-grey.gif", pil_bytes(Image.fromarray(grey), "GIF"), grey)
    frames = [indexed, Image.fromarray((np.asarray(indexed) + 3) % 16, "P")]
    frames[1].putpalette(indexed.getpalette())
    fx.pixels("gif-animated.gif", pil_bytes(frames[0], "GIF", save_all=True,
                                            append_images=frames[1:], duration=100, loop=0),
              np.asarray(indexed.convert("RGB")))
    # Transparency: index 0 is clear; gdk-pixbuf gives such pixels RGB 0.
    clear = np.asarray(indexed) == 0
    expected = np.dstack([np.asarray(indexed.convert("RGB")), np.where(clear, 0, 255)])
    expected[clear] = 0
    data = pil_bytes(indexed, "GIF", transparency=0)
    alpha = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))[..., 3]
    assert (alpha == expected[..., 3]).all()
    fx.pixels("gif-transparent.gif", data, expected.astype(np.uint8), check_with_pil=False)


def too_large_fixtures(fx):
    """Headers that claim a huge image over tiny (or no) pixel data."""
    huge = 100000
    row = np.zeros((1, 4, 3), np.uint8)
    fx.write("huge.png", write_png(row, 2, 8, size=(huge, huge)))
    jpeg = bytearray(pil_bytes(Image.fromarray(pattern(16, 16, 3, 8, 80)), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    struct.pack_into(">HH", jpeg, sof + 5, 65000, 65000)  # JPEG's maximum is 65535
    fx.write("huge.jpg", bytes(jpeg))
    fx.write("huge.tif", write_tiff(row, 2, size=(huge, huge), data_blocks=[b"\0" * 12]))
    bmp = bytearray(pil_bytes(Image.fromarray(pattern(4, 4, 3, 8, 81)), "BMP"))
    struct.pack_into("<ii", bmp, 18, huge, huge)
    fx.write("huge.bmp", bytes(bmp))
    gif = bytearray(pil_bytes(Image.fromarray(pattern(4, 4, 1, 8, 82)[..., 0]), "GIF"))
    struct.pack_into("<HH", gif, 6, 65535, 65535)  # GIF's maximum
    fx.write("huge.gif", bytes(gif))
    for name in ("huge.png", "huge.jpg", "huge.tif", "huge.bmp", "huge.gif"):
        fx.manifest["too_large"].append({"file": name})


# ---------------------------------------------------------------- corpus

def corpus():
    os.makedirs(CORPUS, exist_ok=True)
    placeholder = os.path.join(CORPUS, "empty.txt")
    if os.path.exists(placeholder):
        os.remove(placeholder)
    rgb = pattern(16, 12, 3, 8, 90)
    grey16a = pattern(16, 12, 2, 16, 91)
    indices = pattern(16, 12, 1, 8, 92)[..., 0] % 8
    palette = np.random.RandomState(93).randint(0, 256, (8, 3))
    indexed = Image.fromarray(indices.astype(np.uint8), "P")
    indexed.putpalette(list(palette.reshape(-1)))
    seeds = {
        "rgb8.png": pil_bytes(Image.fromarray(rgb), "PNG"),
        "greyalpha16.png": write_png(grey16a, 4, 16),
        "palette-trns-interlaced.png": write_png(indices, 3, 4, palette=palette,
                                                 trns=bytes([0, 90, 255]), interlace=True),
        "grey2bit.png": write_png(indices % 4, 0, 2),
        "orientation6.jpg": pil_bytes(Image.fromarray(rgb), "JPEG", quality=80,
                                      exif=exif_with_orientation(6)),
        "progressive-grey.jpg": pil_bytes(Image.fromarray(rgb[..., 0]), "JPEG",
                                          quality=80, progressive=True),
        "cmyk.jpg": pil_bytes(Image.fromarray(np.dstack([rgb, rgb[..., :1]]), "CMYK"),
                              "JPEG", quality=80),
        "rgb8-lzw.tif": pil_bytes(Image.fromarray(rgb), "TIFF", compression="tiff_lzw"),
        "rgb16-tiled-deflate-be.tif": write_tiff(pattern(16, 12, 3, 16, 94), 2, order=">",
                                                 deflate=True, tile=(16, 16)),
        "palette.tif": pil_bytes(indexed, "TIFF", compression="packbits"),
        "rgb24.bmp": pil_bytes(Image.fromarray(rgb), "BMP"),
        "palette8.bmp": pil_bytes(indexed, "BMP"),
        "animated-transparent.gif": pil_bytes(indexed, "GIF", save_all=True, transparency=0,
                                              append_images=[indexed.transpose(
                                                  Image.Transpose.FLIP_LEFT_RIGHT)]),
    }
    for name, data in seeds.items():
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(data)


def main():
    fx = Fixtures()
    png_fixtures(fx)
    tiff_fixtures(fx)
    jpeg_fixtures(fx)
    bmp_gif_fixtures(fx)
    too_large_fixtures(fx)
    fx.save_manifest()
    corpus()


if __name__ == "__main__":
    main()

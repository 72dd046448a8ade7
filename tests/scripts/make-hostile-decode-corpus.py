#!/usr/bin/python3
"""Writes hostile GIF and BMP seeds into the decode fuzz corpus.

    /usr/bin/python3 tests/scripts/make-hostile-decode-corpus.py   (from the repo root)

The same files as tests/app/test-decode-hostile.c builds (see there): a GIF
whose LZW stream holds an invalid code, a 14000 x 14000 GIF with one pixel
of data, and a BMP whose pixel offset would make gdk-pixbuf allocate 4 GiB.
Standard library only; output is deterministic.
"""
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus", "decode")


def make_gif(screen_w, screen_h, frame_w, frame_h, n_pixels, bad_at):
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", screen_w, screen_h, 0x81, 0, 0))
    out += bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    out += b"\x2c" + struct.pack("<HHHHB", 0, 0, frame_w, frame_h, 0) + b"\x02"
    codes, bits, n_bits = bytearray(), 0, 0

    def put(code):
        nonlocal bits, n_bits
        bits |= code << n_bits
        n_bits += 3
        while n_bits >= 8:
            codes.append(bits & 255)
            bits >>= 8
            n_bits -= 8

    for i in range(n_pixels):
        if i % 2 == 0:
            put(4)
        put(7 if i == bad_at else (i * 7 // 3) % 4)
    put(5)
    put(0)
    for at in range(0, len(codes), 255):
        chunk = codes[at:at + 255]
        out += bytes([len(chunk)]) + chunk
    return bytes(out + b"\x00;")


def make_bmp(width, height, offset, bits):
    row = (width * bits + 31) // 32 * 4
    size = 54 + row * abs(height)
    header = struct.pack("<2sIHHIIiiHHIIiiII", b"BM", size, 0, 0, offset or 54, 40,
                         width, height, 1, bits, 0, row * abs(height), 0, 0, 0, 0)
    return header + b"\x80" * (size - 54)


def main():
    os.makedirs(CORPUS, exist_ok=True)
    files = {
        "hostile-corrupt-lzw.gif": make_gif(64, 64, 64, 64, 64 * 64, 2001),
        "hostile-one-pixel.gif": make_gif(14000, 14000, 14000, 14000, 1, -1),
        "hostile-huge-frame.gif": make_gif(16, 16, 65535, 65535, 1, -1),
        "hostile-far-offset.bmp": make_bmp(4, 2, 0xFFFFFFF0, 24),
    }
    for name, data in files.items():
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

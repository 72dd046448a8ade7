"""Reads and writes safetensors files by hand, so the fixture scripts need
only Debian's python3-torch and python3-numpy (there is no safetensors
package in Debian).

The format (https://github.com/huggingface/safetensors): an unsigned 64-bit
little-endian header length, a JSON header mapping each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
end of the header) plus an optional "__metadata__" of strings, then the raw
little-endian tensor bytes.

write() is deterministic: tensors are laid out in name order, the header is
compact JSON with sorted keys, padded with spaces to a multiple of 8 bytes
as the reference implementation does.
"""
import json
import struct

import numpy as np
import torch

# torch dtype -> (safetensors dtype, element size, integer view for the bytes)
_DTYPES = {
    torch.float32: ("F32", 4, torch.int32),
    torch.float16: ("F16", 2, torch.int16),
    torch.bfloat16: ("BF16", 2, torch.int16),
}
_TORCH_DTYPES = {name: dtype for dtype, (name, _, _) in _DTYPES.items()}


def tensor_bytes(tensor):
    """The raw little-endian bytes of a contiguous CPU tensor. numpy has no
    bfloat16, so every dtype goes through an integer view of its bits."""
    _, _, int_view = _DTYPES[tensor.dtype]
    bits = tensor.detach().contiguous().view(int_view).numpy()
    return bits.astype(bits.dtype.newbyteorder("<"), copy=False).tobytes()


def write(path, tensors, metadata=None):
    """Writes {name: torch tensor} (F32, F16 or BF16) to path."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name]
        dtype, _, _ = _DTYPES[tensor.dtype]
        blob = tensor_bytes(tensor)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read(path):
    """Returns ({name: torch tensor}, metadata dict) from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = _TORCH_DTYPES[info["dtype"]]
        _, size, int_view = _DTYPES[dtype]
        count = (end - begin) // size
        bits = np.frombuffer(data, dtype="<i%d" % size, count=count,
                             offset=base + begin)
        tensor = torch.from_numpy(bits.astype("=i%d" % size)).view(dtype)
        tensors[name] = tensor.reshape(info["shape"])
    return tensors, metadata

#!/usr/bin/python3
"""Writes tests/fixtures/torch/: PyTorch checkpoints for the reader in
inference/io/fovea-torch-checkpoint.c, good ones saved by torch.save and bad
ones built by hand, plus the seed corpus tests/fuzz/corpus/torch-checkpoint/.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 tests/scripts/make-torch-checkpoint-fixtures.py
The output is byte-for-byte reproducible (fixed seed; torch.save writes
fixed zip timestamps and names the archive's folder after the file).

Good checkpoints (what test-torch-checkpoint.c expects of each is in
tests/fixtures/torch/README.md):
- state-dict.pt: torch.save of an OrderedDict holding float32, float16,
  bfloat16 and float64 tensors, a non-contiguous view, two tensors sharing
  one storage, a 0-d tensor, an empty tensor, an nn.Parameter and an int64
  num_batches_tracked; state-dict.safetensors holds what Fovea must read
  from it (float64 as F32, views made contiguous, no integer tensor).
- wrapped-*.pt, module-prefix.pt, protocol4.pt, big-endian.pt, deflated.pt:
  the same weights wrapped in a training checkpoint, prefixed "module.",
  pickled with protocol 4, stored big-endian (a byteorder member, as torch
  >= 2.1 writes on big-endian machines), and re-zipped with deflate.
- vit-f16-bin/: the f16-weights ViT fixture as a hub folder holding only
  pytorch_model.bin.
Refused ones: the legacy format, a TorchScript module, pickles that call
os.system / posix.system / builtins.eval (each would touch a canary file in
the working directory), an INST opcode, an unknown opcode, a truncated
data.pkl, a missing storage, a view past its storage's end, a storage of the
wrong size, a stride-0 view that would blow 4 bytes up to 128 MiB, a damaged CRC, a truncated zip and a zip without data.pkl.
"""
import argparse
import collections
import io
import os
import pickle
import shutil
import struct
import sys
import zipfile

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "fixtures", "torch"))
CORPUS_DIR = os.path.normpath(os.path.join(HERE, "..", "fuzz", "corpus", "torch-checkpoint"))
VIT_DIR = os.path.normpath(os.path.join(HERE, "..", "fixtures", "vit", "models"))


def out(name):
    return os.path.join(OUT_DIR, name)


def state_dict():
    """The reference state dict and what Fovea must make of it."""
    g = torch.Generator().manual_seed(17)
    base = torch.randn(4, 5, generator=g)
    shared = torch.randn(3, 4, generator=g)
    sd = collections.OrderedDict()
    sd["linear.weight"] = torch.randn(3, 4, generator=g)
    sd["linear.bias"] = torch.randn(3, generator=g)
    sd["half"] = torch.randn(2, 3, generator=g).half()
    sd["bfloat"] = torch.randn(2, 3, generator=g).bfloat16()
    sd["double"] = torch.randn(2, 2, generator=g, dtype=torch.float64)
    # Columns 1..3 of a 4x5 matrix, transposed: offset 1, strides (1, 5).
    sd["view"] = base[:, 1:4].t()
    # Two rows of one storage: torch.save writes the storage once.
    sd["shared.first"] = shared[0]
    sd["shared.rest"] = shared[1:]
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(2, generator=g))
    sd["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    expected = {}
    for name, tensor in sd.items():
        if not tensor.is_floating_point():
            continue
        t = tensor.detach().contiguous()
        expected[name] = t.float() if t.dtype == torch.float64 else t
    assert not sd["view"].is_contiguous() and sd["view"].storage_offset() == 1
    return sd, expected


def save(obj, name, **kwargs):
    torch.save(obj, out(name), **kwargs)


# ---- hand-made archives ------------------------------------------------------

def zip_members(path):
    with zipfile.ZipFile(path) as z:
        return [(info.filename, z.read(info.filename)) for info in z.infolist()]


def write_zip(name, members):
    """A zip as torch.save lays it out: stored members, fixed timestamps."""
    with zipfile.ZipFile(out(name), "w", compression=zipfile.ZIP_STORED) as z:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)


def torch_like_archive(name, pkl, storages):
    """folder/data.pkl, folder/data/<key> and folder/version."""
    folder = os.path.splitext(name)[0]
    members = [(folder + "/data.pkl", pkl)]
    members += [(folder + "/data/" + key, data) for key, data in storages.items()]
    members.append((folder + "/version", b"3\n"))
    write_zip(name, members)


class Storage:
    """Pickled as a persistent id, as torch.save pickles a storage."""

    def __init__(self, storage_type, key, numel):
        self.pid = ("storage", storage_type, key, "cpu", numel)


class Tensor:
    """Pickled as torch.save pickles a tensor, with any values."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False,
                     collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Storage) else None


def torch_pickle(obj, protocol=2):
    buffer = io.BytesIO()
    TorchPickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def f32_bytes(values):
    return struct.pack("<%df" % len(values), *values)


def bad_views():
    """A view past its storage's end, and a storage member of the wrong size."""
    ten = f32_bytes([float(i) for i in range(10)])
    past = collections.OrderedDict(ok=Tensor(Storage(torch.FloatStorage, "0", 10), 0, [10], [1]))
    past["past_end"] = Tensor(Storage(torch.FloatStorage, "0", 10), 8, [3], [1])
    torch_like_archive("offset-past-end.pt", torch_pickle(past), {"0": ten})
    wrong = collections.OrderedDict(w=Tensor(Storage(torch.FloatStorage, "0", 12), 0, [12], [1]))
    torch_like_archive("storage-size-mismatch.pt", torch_pickle(wrong), {"0": ten})
    # One element seen 2^25 times through stride 0: 128 MiB from 4 bytes.
    expanded = collections.OrderedDict(e=Tensor(Storage(torch.FloatStorage, "0", 1), 0,
                                                [1 << 25], [0]))
    torch_like_archive("expanded-view.pt", torch_pickle(expanded), {"0": f32_bytes([1.0])})


class Payload:
    """What an attacker pickles: unpickling calls function(*args)."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


def opcodes(*parts):
    return b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)


def binunicode(text):
    return b"X" + struct.pack("<I", len(text.encode())) + text.encode()


def malicious(sd):
    # Real torch.save of a real state dict with a payload beside it:
    # pickled as GLOBAL 'posix system' (os.system's module on Linux).
    save({"state_dict": sd, "payload": Payload(os.system, "touch fovea-canary-nested")},
         "evil-nested.pt")
    # Hand-written pickles, each the whole of data.pkl.
    evil = {
        "evil-os-system.pt": opcodes(b"\x80\x02", "cos\nsystem\n",
                                     binunicode("touch fovea-canary-system"), b"\x85R."),
        "evil-posix-system.pt": opcodes(b"\x80\x02", "cposix\nsystem\n",
                                        binunicode("touch fovea-canary-posix"), b"\x85R."),
        "evil-builtins-eval.pt": torch_pickle(Payload(eval, "__import__('os').system("
                                                      "'touch fovea-canary-eval')"), 4),
        "evil-inst.pt": opcodes(b"\x80\x02(", binunicode("touch fovea-canary-inst"),
                                "ios\nsystem\n."),
        "unknown-opcode.pt": opcodes(b"\x80\x02}\xff."),
    }
    assert b"builtins" in evil["evil-builtins-eval.pt"]  # STACK_GLOBAL 'builtins' 'eval'
    for name, pkl in evil.items():
        torch_like_archive(name, pkl, {})


def check_payloads():
    """Each malicious file does run its payload in Python, so the C test's
    canaries mean something: unpickled here in a scratch folder, each
    touches its canary file."""
    import tempfile
    canaries = {"evil-os-system.pt": "fovea-canary-system",
                "evil-posix-system.pt": "fovea-canary-posix",
                "evil-builtins-eval.pt": "fovea-canary-eval",
                "evil-inst.pt": "fovea-canary-inst",
                "evil-nested.pt": "fovea-canary-nested"}
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            for name, canary in canaries.items():
                folder = os.path.splitext(name)[0]
                with zipfile.ZipFile(out(name)) as z:
                    pkl = z.read(folder + "/data.pkl")
                if name == "evil-nested.pt":
                    torch.load(out(name))
                else:
                    pickle.loads(pkl)
                assert os.path.exists(canary), name
        finally:
            os.chdir(old)


def damaged(good):
    members = zip_members(out(good))
    folder = members[0][0].split("/")[0]
    # data.pkl cut in half.
    torch_like_archive("truncated-pkl.pt",
                       members[0][1][:len(members[0][1]) // 2],
                       {m.split("/")[-1]: d for m, d in members if "/data/" in m})
    # A storage member left out.
    write_zip("missing-storage.pt", [(m, d) for m, d in members if m != folder + "/data/0"])
    # No data.pkl at all.
    write_zip("no-data-pkl.pt", [(m, d) for m, d in members if not m.endswith("data.pkl")])
    # One byte of a storage flipped: its CRC no longer matches.
    with open(out(good), "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(out(good)) as z:
        info = z.getinfo(folder + "/data/0")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    data[info.header_offset + 30 + name_len + extra_len] ^= 0x40
    with open(out("crc-mismatch.pt"), "wb") as f:
        f.write(data)
    # The zip cut before its central directory.
    with open(out("truncated-zip.pt"), "wb") as f:
        f.write(bytes(data[:len(data) // 2]))


def deflated(name):
    """A copy of a checkpoint re-zipped with deflate (as zip tools do)."""
    members = zip_members(out(name))
    folder = members[0][0].split("/")[0]
    with zipfile.ZipFile(out("deflated.pt"), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for member, data in members:
            info = zipfile.ZipInfo(member.replace(folder + "/", "deflated/", 1),
                                   date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def big_endian(sd):
    """state-dict.pt's storages byte-swapped, with a byteorder member."""
    save(sd, "big-endian.pt")
    members = zip_members(out("big-endian.pt"))
    # Storage keys are numbered in order of first use, one per tensor here
    # except shared.rest, which reuses shared.first's storage.
    sizes = []
    for name, tensor in sd.items():
        if name != "shared.rest":
            sizes.append(tensor.element_size())
    assert len(sizes) == sum("/data/" in m for m, _ in members)
    swapped = []
    for member, data in members:
        if "/data/" in member:
            size = sizes[int(member.split("/")[-1])]
            a = np.frombuffer(data, dtype="<u%d" % size) if size > 1 else None
            data = a.byteswap().tobytes() if a is not None else data
        swapped.append((member, data))
    swapped.append(("big-endian/byteorder", b"big"))
    write_zip("big-endian.pt", swapped)


def legacy():
    """The pre-1.6 format (torch/serialization.py, _legacy_save): pickles of
    a magic number, the protocol version, sys_info, the object and its
    storage keys, then the storages. torch.save's own legacy output names
    storages by memory address, so this one is written by hand: an empty
    state dict, which torch.load reads."""
    sys_info = {"protocol_version": 1001, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    with open(out("legacy.pt"), "wb") as f:
        for obj in (0x1950a86a20f9469cfc6c, 1001, sys_info, collections.OrderedDict(), []):
            f.write(pickle.dumps(obj, protocol=2))
    assert torch.load(out("legacy.pt")) == collections.OrderedDict()


def vit_bin():
    """f16-weights as a hub folder with only pytorch_model.bin."""
    src = os.path.join(VIT_DIR, "f16-weights")
    dst = out("vit-f16-bin")
    os.makedirs(dst, exist_ok=True)
    shutil.copyfile(os.path.join(src, "config.json"), os.path.join(dst, "config.json"))
    tensors, _ = safetensors_io.read(os.path.join(src, "model.safetensors"))
    sd = collections.OrderedDict((k, tensors[k]) for k in sorted(tensors))
    torch.save(sd, os.path.join(dst, "pytorch_model.bin"))


def write_corpus():
    """The fuzzer's seeds (tests/fuzz/fuzz-torch-checkpoint.c): whole
    torch.save files after a 0 byte, and the same files' data.pkl and
    storages packed after a 1 byte: n, n sizes (uint32 LE), the storages,
    then the pickle."""
    if os.path.isdir(CORPUS_DIR):
        shutil.rmtree(CORPUS_DIR)
    os.makedirs(CORPUS_DIR)
    for name in ("state-dict.pt", "protocol4.pt", "wrapped-state_dict.pt", "big-endian.pt",
                 "offset-past-end.pt", "evil-nested.pt"):
        stem = os.path.splitext(name)[0]
        with open(out(name), "rb") as f:
            whole = f.read()
        with open(os.path.join(CORPUS_DIR, "file-" + stem), "wb") as f:
            f.write(b"\x00" + whole)
        members = dict(zip_members(out(name)))
        storages = []
        while "%s/data/%d" % (stem, len(storages)) in members:
            storages.append(members["%s/data/%d" % (stem, len(storages))])
        packed = bytes([1, len(storages)])
        packed += b"".join(struct.pack("<I", len(s)) for s in storages)
        packed += b"".join(storages) + members[stem + "/data.pkl"]
        with open(os.path.join(CORPUS_DIR, "pickle-" + stem), "wb") as f:
            f.write(packed)


def main():
    torch.manual_seed(0)
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):
            if entry != "README.md":
                path = out(entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    os.makedirs(OUT_DIR, exist_ok=True)
    sd, expected = state_dict()
    save(sd, "state-dict.pt")
    safetensors_io.write(out("state-dict.safetensors"), expected, {"format": "pt"})
    args = argparse.Namespace(model="resnet50", lr=0.1, epochs=90)
    save({"epoch": 3, "arch": "resnet50", "state_dict": sd, "args": args,
          "best_acc": np.float64(0.875), "optimizer": {"state": {}, "param_groups": [
              {"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1]}]}},
         "wrapped-state_dict.pt")
    save({"model": sd, "step": 1000}, "wrapped-model.pt")
    save({"model_state_dict": sd, "loss": torch.tensor(0.25)}, "wrapped-model_state_dict.pt")
    save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), "module-prefix.pt")
    save(sd, "protocol4.pt", pickle_protocol=4)
    big_endian(sd)
    deflated("state-dict.pt")
    legacy()
    save([sd["linear.weight"]], "not-a-dict.pt")
    save({"epoch": 3, "weights": [sd["linear.weight"]]}, "no-state-dict.pt")
    torch.jit.save(torch.jit.script(torch.nn.ReLU()), out("torchscript.pt"))
    bad_views()
    malicious(sd)
    check_payloads()
    damaged("state-dict.pt")
    vit_bin()

    write_corpus()
    for name in sorted(os.listdir(OUT_DIR)):
        path = out(name)
        if os.path.isfile(path):
            print("%-32s %6d bytes" % (name, os.path.getsize(path)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Converts Google's ImageNet MobileNetV2 1.0/224 uint8 TFLite model
(../shared/data/pretrained/mobilenet_v2_1.0_224_quant.tflite, Apache-2.0)
to a torchvision-layout hub folder, resources/models/mobilenetv2-imagenet/:

  config.json        {"architecture": "torchvision/mobilenet_v2", ...}
  model.safetensors  torchvision's state-dict names, F16
  README.md          the model card, with the measurements below
  LICENSE            the Apache-2.0 text the weights come under

A dev-time script (DESIGN.md, "Pretrained weights"): Debian's python3-
flatbuffers, -numpy, -torch, -torchvision and -pil only, no TensorFlow.

    tests/scripts/convert-tflite-mobilenetv2.py [--check]

The conversion:
- the .tflite flatbuffer is read by hand (the few tables of TFLite's
  schema.fbs that are needed, with python3-flatbuffers' Table);
- weights are dequantised, f = scale * (q - zero_point), per tensor or per
  channel; int32 biases with scale = input scale * weight scale;
- the operators are walked and checked against torchvision's
  mobilenet_v2 (kernel, stride, groups, ReLU6 after the expand and
  depthwise convolutions and none after the projection, residual ADDs,
  the 1280-channel last convolution, global average pool, the 1x1 logits
  convolution as classifier.1 with 1001 outputs, background at 0);
- TFLite folded the BatchNorms into the convolutions; torchvision's
  convolutions have no bias, so each BatchNorm is written as an identity
  carrying the folded bias: weight 1, bias = folded bias, running_mean 0,
  running_var 1 - eps, which F16 stores as exactly 1.0 (see BN_EPS);
- TensorFlow's SAME padding is kept as model_args.pad_type = "same"
  (torch_mobilenetv2_same.py runs it).

Every run measures the converted folder (top-5 on cat.bmp and bird.bmp
under SAME and under torchvision's symmetric padding, and an emulation of
the uint8 TFLite graph) and writes the figures into the card; --check
also prints them and fails unless they agree with what the source model
is known to do. The output is byte-identical from run to run.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import flatbuffers
import numpy as np
import torch
import torch.nn as nn
from flatbuffers import number_types as N
from flatbuffers.table import Table
from PIL import Image
from torchvision.ops.misc import Conv2dNormActivation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_mobilenetv2_same  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PRETRAINED = os.path.normpath(os.path.join(REPO, "..", "shared", "data",
                                           "pretrained"))
TFLITE_NAME = "mobilenet_v2_1.0_224_quant.tflite"
OUT = os.path.join(REPO, "resources", "models", "mobilenetv2-imagenet")
IMAGES = ("cat.bmp", "bird.bmp")

# torchvision's BatchNorm2d eps. running_var = 1 - eps makes the BatchNorm
# exactly x + bias in float32; F16 has no 1 - 1e-5 (its step below 1 is
# 2^-11) and rounds it to 1.0, which leaves a scale of 1/sqrt(1 + 1e-5)
# = 1 - 5e-6, forty times under F16's own rounding of the weights.
BN_EPS = 1e-5

# TFLite's BuiltinOperator codes (schema.fbs) that this graph uses.
OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
       22: "RESHAPE", 25: "SOFTMAX"}
# ActivationFunctionType.
ACTIVATIONS = {0: None, 1: "RELU", 3: "RELU6"}
# TensorType -> numpy dtype, for the buffers this model holds.
TENSOR_TYPES = {0: "<f4", 2: "<i4", 3: "u1", 9: "i1"}


# --- A minimal reader of TFLite's flatbuffer (schema.fbs) ------------------

class FlatTable:
    """One flatbuffer table; fields are addressed by their index in the
    schema (a field's vtable slot is 4 + 2 * index)."""

    def __init__(self, buf, pos):
        self.tab = Table(buf, pos)

    def _offset(self, field):
        return self.tab.Offset(4 + 2 * field)

    def scalar(self, field, flags, default=0):
        o = self._offset(field)
        return self.tab.Get(flags, self.tab.Pos + o) if o else default

    def vector(self, field, flags):
        """A vector of scalars as a numpy array (empty when absent)."""
        o = self._offset(field)
        if not o:
            return np.zeros(0, dtype=N.to_numpy_type(flags))
        return np.array(self.tab.GetVectorAsNumpy(flags, o))

    def table(self, field):
        o = self._offset(field)
        if not o:
            return None
        return FlatTable(self.tab.Bytes, self.tab.Indirect(self.tab.Pos + o))

    def tables(self, field):
        o = self._offset(field)
        if not o:
            return []
        start = self.tab.Vector(o)
        return [FlatTable(self.tab.Bytes, self.tab.Indirect(start + 4 * i))
                for i in range(self.tab.VectorLen(o))]

    def string(self, field):
        o = self._offset(field)
        return self.tab.String(self.tab.Pos + o).decode() if o else ""


def read_options(code, opts):
    """The builtin options this converter needs, as a dict.
    Conv2DOptions: padding, stride_w, stride_h, fused_activation_function,
    dilation_w_factor, dilation_h_factor. DepthwiseConv2DOptions: the same
    with depth_multiplier before the activation. Pool2DOptions: padding,
    stride_w, stride_h, filter_width, filter_height, activation.
    AddOptions: activation. SoftmaxOptions: beta."""
    i8, i32 = N.Int8Flags, N.Int32Flags
    if code == "CONV_2D":
        return dict(padding=opts.scalar(0, i8),
                    stride=(opts.scalar(2, i32), opts.scalar(1, i32)),
                    act=opts.scalar(3, i8),
                    dilation=(opts.scalar(5, i32, 1), opts.scalar(4, i32, 1)))
    if code == "DEPTHWISE_CONV_2D":
        return dict(padding=opts.scalar(0, i8),
                    stride=(opts.scalar(2, i32), opts.scalar(1, i32)),
                    multiplier=opts.scalar(3, i32),
                    act=opts.scalar(4, i8),
                    dilation=(opts.scalar(6, i32, 1), opts.scalar(5, i32, 1)))
    if code == "AVERAGE_POOL_2D":
        return dict(padding=opts.scalar(0, i8),
                    stride=(opts.scalar(2, i32), opts.scalar(1, i32)),
                    filter=(opts.scalar(4, i32), opts.scalar(3, i32)),
                    act=opts.scalar(5, i8))
    if code == "ADD":
        return dict(act=opts.scalar(0, i8))
    if code == "SOFTMAX":
        return dict(beta=opts.scalar(0, N.Float32Flags))
    return {}


def read_tflite(path):
    """(tensors, operators, inputs, outputs) of the model's one subgraph.
    A tensor: name, shape, type, data (numpy, None for activations), scale,
    zero_point (arrays) and qdim. An operator: code, inputs, outputs,
    options."""
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    if buf[4:8] != b"TFL3":
        raise SystemExit("%s: not a TFLite model (no TFL3 identifier)" % path)
    # Model: version, operator_codes, subgraphs, description, buffers.
    model = FlatTable(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset,
                                                  buf, 0))
    # OperatorCode: deprecated_builtin_code (int8), custom_code, version,
    # builtin_code (int32, newer files); the larger of the two is the code.
    codes = [max(c.scalar(0, N.Int8Flags), c.scalar(3, N.Int32Flags))
             for c in model.tables(1)]
    buffers = [b.vector(0, N.Uint8Flags) for b in model.tables(4)]
    subgraphs = model.tables(2)
    if len(subgraphs) != 1:
        raise SystemExit("expected one subgraph, found %d" % len(subgraphs))
    graph = subgraphs[0]  # SubGraph: tensors, inputs, outputs, operators

    tensors = []
    for t in graph.tables(0):
        # Tensor: shape, type, buffer, name, quantization.
        shape = [int(d) for d in t.vector(0, N.Int32Flags)]
        ttype = t.scalar(1, N.Int8Flags)
        raw = buffers[t.scalar(2, N.Uint32Flags)]
        data = None
        if raw.size:
            data = np.frombuffer(raw.tobytes(), dtype=TENSOR_TYPES[ttype])
            data = data.reshape(shape).astype(data.dtype.newbyteorder("="))
        # QuantizationParameters: min, max, scale, zero_point, details
        # (a union: type and value), quantized_dimension.
        q = t.table(4)
        scale = q.vector(2, N.Float32Flags) if q else np.zeros(0)
        zero = q.vector(3, N.Int64Flags) if q else np.zeros(0)
        tensors.append(dict(name=t.string(3), shape=shape, type=ttype,
                            data=data, scale=scale.astype(np.float64),
                            zero_point=zero.astype(np.int64),
                            qdim=q.scalar(6, N.Int32Flags) if q else 0))

    operators = []
    for op in graph.tables(3):
        # Operator: opcode_index, inputs, outputs, builtin_options_type,
        # builtin_options.
        code = codes[op.scalar(0, N.Uint32Flags)]
        if code not in OPS:
            raise SystemExit("unexpected TFLite operator code %d" % code)
        opts = op.table(4)
        operators.append(dict(
            code=OPS[code],
            inputs=[int(i) for i in op.vector(1, N.Int32Flags)],
            outputs=[int(i) for i in op.vector(2, N.Int32Flags)],
            options=read_options(OPS[code], opts) if opts else {}))
    return (tensors, operators, [int(i) for i in graph.vector(1, N.Int32Flags)],
            [int(i) for i in graph.vector(2, N.Int32Flags)])


# --- Dequantisation ------------------------------------------------------

def dequantise(tensor, scale=None):
    """f = scale * (q - zero_point) in float64, per tensor or per channel
    along the tensor's quantized_dimension."""
    scale = tensor["scale"] if scale is None else scale
    zero = tensor["zero_point"] if tensor["zero_point"].size else np.zeros(1)
    q = tensor["data"].astype(np.float64)
    if scale.size <= 1:
        return (q - zero.reshape(-1)[0]) * scale.reshape(-1)[0]
    shape = [1] * q.ndim
    shape[tensor["qdim"]] = -1
    return (q - zero.reshape(shape)) * scale.reshape(shape)


def bias_scale(tensors, op):
    """An int32 bias's scale: the input scale times the weight scale(s).
    The file stores it too; a mismatch means the graph is not the usual
    quantised convolution."""
    scale = tensors[op["inputs"][0]]["scale"] * tensors[op["inputs"][1]]["scale"]
    stored = tensors[op["inputs"][2]]["scale"]
    if not np.allclose(stored, scale, rtol=1e-5, atol=0):
        raise SystemExit("bias scale of %s is not input scale x weight scale"
                         % tensors[op["inputs"][2]]["name"])
    return scale


# --- The TFLite graph as a list of layers --------------------------------

def graph_layers(tensors, operators):
    """Walks the operators and returns (convs, classifier): each conv a dict
    of weight (torch layout, float64), bias, stride, groups, act and
    residual (an ADD takes its output and the block's input); the
    classifier the logits 1x1 convolution as a Linear's weight and bias.
    Checks the head: global AVERAGE_POOL_2D, 1x1 logits CONV_2D, RESHAPE,
    SOFTMAX."""
    convs = []
    producer = {}  # tensor -> index into convs of the conv writing it
    classifier = None
    head = []  # the operators from the global pool on
    for op in operators:
        code, opts = op["code"], op["options"]
        if head or code == "AVERAGE_POOL_2D":
            head.append(code)
        if code in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w, b = tensors[op["inputs"][1]], tensors[op["inputs"][2]]
            if opts["padding"] != 0 or opts["dilation"] != (1, 1):
                raise SystemExit("%s: expected SAME padding, no dilation"
                                 % w["name"])
            weight = dequantise(w)
            bias = b["data"].astype(np.float64) * bias_scale(tensors, op)
            if code == "CONV_2D":
                # TFLite [O, H, W, I] -> torch [O, I, H, W].
                weight = weight.transpose(0, 3, 1, 2)
                groups = 1
            else:
                # TFLite [1, H, W, C * multiplier] -> torch [C, 1, H, W].
                if opts["multiplier"] != 1:
                    raise SystemExit("%s: depth multiplier %d"
                                     % (w["name"], opts["multiplier"]))
                weight = weight.transpose(3, 0, 1, 2)
                groups = weight.shape[0]
            if head:
                # The 1x1 convolution after the pool is the logits layer,
                # torchvision's Linear classifier.1.
                classifier = dict(weight=weight.reshape(weight.shape[:2]),
                                  bias=bias, act=ACTIVATIONS[opts["act"]])
                continue
            producer[op["outputs"][0]] = len(convs)
            convs.append(dict(name=w["name"].split(";")[0], weight=weight,
                              bias=bias, stride=opts["stride"], groups=groups,
                              act=ACTIVATIONS[opts["act"]], residual=False,
                              input=op["inputs"][0]))
        elif code == "ADD":
            # A residual: a projection's output plus its block's input,
            # which is the input of the expand convolution two before it
            # (MobileNetV2's residual blocks all have an expansion).
            a, b = op["inputs"]
            last = producer.get(a, -1)
            other = b
            if last < 0:
                last, other = producer.get(b, -1), a
            if last < 2 or ACTIVATIONS[opts["act"]] is not None or \
                    other != convs[last - 2]["input"]:
                raise SystemExit("an ADD that does not close a residual block")
            convs[last]["residual"] = True
        elif code == "AVERAGE_POOL_2D":
            x = tensors[op["inputs"][0]]
            if list(opts["filter"]) != x["shape"][1:3] or opts["act"] != 0:
                raise SystemExit("AVERAGE_POOL_2D is not a global pool")
        elif code not in ("RESHAPE", "SOFTMAX"):
            raise SystemExit("unexpected operator %s" % code)
    if head != ["AVERAGE_POOL_2D", "CONV_2D", "RESHAPE", "SOFTMAX"]:
        raise SystemExit("unexpected head %s" % head)
    if classifier["act"] is not None:
        raise SystemExit("the logits convolution has an activation")
    return convs, classifier


# --- Mapping onto torchvision --------------------------------------------

def torchvision_slots(model):
    """torchvision mobilenet_v2's convolutions in forward order, each with
    the BatchNorm after it, whether a ReLU6 follows, and whether its
    output is the last of a residual block."""
    modules = dict(model.named_modules())
    slots = []
    for name, module in model.named_modules():
        if not isinstance(module, nn.Conv2d):
            continue
        parent_name, _, index = name.rpartition(".")
        parent = modules[parent_name]
        # The BatchNorm is the next child of the same Sequential.
        bn_name = "%s.%d" % (parent_name, int(index) + 1)
        assert isinstance(modules[bn_name], nn.BatchNorm2d), bn_name
        # Conv2dNormActivation = Conv, BN, ReLU6; a bare Conv2d inside an
        # InvertedResidual's `conv` is the linear projection.
        relu6 = isinstance(parent, Conv2dNormActivation)
        block = modules.get(name.split(".conv.")[0]) if ".conv." in name else None
        residual = (block is not None and not relu6
                    and getattr(block, "use_res_connect", False))
        slots.append(dict(conv=name, bn=bn_name, act="RELU6" if relu6 else None,
                          residual=residual, module=module))
    return slots


def state_dict_from_graph(convs, classifier, num_classes):
    """torchvision's state dict (float64 numpy) for the TFLite layers,
    after checking that the two graphs have the same structure."""
    model = torchvision_model(num_classes)
    slots = torchvision_slots(model)
    if len(slots) != len(convs):
        raise SystemExit("TFLite has %d convolutions, torchvision %d"
                         % (len(convs), len(slots)))
    state = {}
    for slot, layer in zip(slots, convs):
        module = slot["module"]
        checks = [
            ("shape", tuple(module.weight.shape), layer["weight"].shape),
            ("stride", tuple(module.stride), tuple(layer["stride"])),
            ("groups", module.groups, layer["groups"]),
            ("activation", slot["act"], layer["act"]),
            ("residual", slot["residual"], layer["residual"]),
        ]
        for what, want, got in checks:
            if want != got:
                raise SystemExit("%s <- %s: %s %s, TFLite has %s"
                                 % (slot["conv"], layer["name"], what, want, got))
        out = layer["weight"].shape[0]
        state[slot["conv"] + ".weight"] = layer["weight"]
        # The BatchNorm as an identity that adds the folded bias.
        state[slot["bn"] + ".weight"] = np.ones(out)
        state[slot["bn"] + ".bias"] = layer["bias"]
        state[slot["bn"] + ".running_mean"] = np.zeros(out)
        state[slot["bn"] + ".running_var"] = np.full(out, 1 - BN_EPS)
    if slots[-1]["module"].out_channels != 1280:
        raise SystemExit("the last convolution is not 1280 channels")
    if classifier["weight"].shape != model.classifier[1].weight.shape:
        raise SystemExit("classifier shape %s" % (classifier["weight"].shape,))
    state["classifier.1.weight"] = classifier["weight"]
    state["classifier.1.bias"] = classifier["bias"]
    # Every parameter and running statistic, none extra (torchvision fills
    # in num_batches_tracked, which eval mode never reads).
    expected = {k for k in model.state_dict() if "num_batches_tracked" not in k}
    assert set(state) == expected, set(state) ^ expected
    return state


def torchvision_model(num_classes, pad_type=""):
    return torch_mobilenetv2_same.mobilenet_v2(num_classes, pad_type)


# --- Measurements --------------------------------------------------------

def topk(probs, labels, k=5):
    values, indices = torch.topk(probs, k)
    return [(int(i), labels[int(i)], float(v)) for v, i in zip(values, indices)]


def crop_uint8(image, pretrained_cfg):
    """The eval transform's resize and crop, left in 8-bit pixels for the
    uint8 graph."""
    transform = torch_mobilenetv2_same.eval_transform(pretrained_cfg)
    resize, crop = transform.transforms[:2]
    return np.asarray(crop(resize(image.convert("RGB"))))


def run_uint8_graph(tensors, operators, graph_input, pixels):
    """Emulates the uint8 TFLite graph: each operator in float64 on the
    dequantised inputs, SAME padding, fused activation, then the result
    re-quantised to its output tensor's uint8 grid, as the integer kernels
    do (not bit-exact: TFLite's fixed-point multipliers round differently).
    Returns the dequantised logits (the input of SOFTMAX)."""
    def real(i):
        t = tensors[i]
        return (values[i] - float(t["zero_point"][0])) * float(t["scale"][0])

    def quantise(i, x):
        t = tensors[i]
        q = torch.round(x / float(t["scale"][0])) + float(t["zero_point"][0])
        return q.clamp(0, 255)

    def activation(x, act):
        if act == 3:
            return x.clamp(0, 6)
        return x.clamp(min=0) if act == 1 else x

    # NHWC uint8 -> NCHW; the input tensor's own quantisation gives the
    # real values, (q - 128) / 128.
    values = {graph_input: torch.from_numpy(pixels.astype(np.float64))
              .permute(2, 0, 1).unsqueeze(0)}
    logits = None
    for op in operators:
        code, opts = op["code"], op["options"]
        out = op["outputs"][0]
        if code in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x = real(op["inputs"][0])
            w = torch.from_numpy(dequantise(tensors[op["inputs"][1]]))
            b = tensors[op["inputs"][2]]
            bias = torch.from_numpy(b["data"] * bias_scale(tensors, op))
            if code == "CONV_2D":
                w, groups = w.permute(0, 3, 1, 2), 1
            else:
                w = w.permute(3, 0, 1, 2)
                groups = w.shape[0]
            conv = torch_mobilenetv2_same.Conv2dSame(
                w.shape[1] * groups, w.shape[0], w.shape[2:],
                opts["stride"], groups=groups).double()
            conv.weight.data, conv.bias.data = w.contiguous(), bias
            with torch.no_grad():
                y = activation(conv(x), opts["act"])
        elif code == "ADD":
            y = activation(real(op["inputs"][0]) + real(op["inputs"][1]),
                           opts["act"])
        elif code == "AVERAGE_POOL_2D":
            y = real(op["inputs"][0]).mean(dim=(2, 3), keepdim=True)
        elif code == "RESHAPE":
            values[out] = values[op["inputs"][0]].reshape(1, -1)
            continue
        elif code == "SOFTMAX":
            logits = real(op["inputs"][0]).reshape(-1)
            continue
        values[out] = quantise(out, y)
    return logits


def measure(folder, tflite, images):
    """Top-5 of the written folder under SAME and symmetric padding, and
    of the emulated uint8 graph, for each image."""
    tensors, operators, inputs, _ = tflite
    torch.set_num_threads(1)  # the same float sums on every run
    results = {}
    for pad in ("same", ""):
        model, config = torch_mobilenetv2_same.load_hub_folder(folder, pad)
        labels = config["label_names"]
        for path in images:
            with Image.open(path) as image:
                x = torch_mobilenetv2_same.preprocess(image,
                                                      config["pretrained_cfg"])
            with torch.no_grad():
                probs = model(x).softmax(-1)[0]
            results[(os.path.basename(path), pad or "symmetric")] = \
                topk(probs, labels)
    for path in images:
        with Image.open(path) as image:
            pixels = crop_uint8(image, config["pretrained_cfg"])
        logits = run_uint8_graph(tensors, operators, inputs[0], pixels)
        results[(os.path.basename(path), "uint8")] = \
            topk(logits.softmax(-1), labels)
    return results


MODES = (("same", "converted F16, TF SAME padding (model_args.pad_type)"),
         ("symmetric", "converted F16, torchvision's symmetric padding"),
         ("uint8", "emulated uint8 TFLite graph (reference)"))


def format_results(results, images):
    lines = []
    for path in images:
        name = os.path.basename(path)
        for mode, title in MODES:
            lines.append("%s, %s:" % (name, title))
            for index, label, p in results[(name, mode)]:
                lines.append("  %.4f  %4d  %s" % (p, index, label))
    return "\n".join(lines)


def check(results):
    """What the source model is known to do: the cat is an Egyptian or
    tabby cat at ~0.9 under SAME padding, the converted model agrees with
    the uint8 graph on both images' top-1, and symmetric padding is worse."""
    problems = []
    cat = results[("cat.bmp", "same")][0]
    if cat[1] not in ("Egyptian cat", "tabby, tabby cat") or cat[2] < 0.8:
        problems.append("cat.bmp under SAME: %s %.4f" % (cat[1], cat[2]))
    for name in ("cat.bmp", "bird.bmp"):
        same = results[(name, "same")][0]
        ref = results[(name, "uint8")][0]
        if same[0] != ref[0]:
            problems.append("%s: top-1 %s, uint8 graph %s"
                            % (name, same[1], ref[1]))
        sym = dict((i, p) for i, _, p in results[(name, "symmetric")])
        if sym.get(same[0], 0.0) >= same[2]:
            problems.append("%s: symmetric padding is not worse" % name)
    return problems


# --- Output ----------------------------------------------------------------

def read_labels(path):
    with open(path, encoding="utf-8") as f:
        labels = [line.rstrip("\n") for line in f]
    if len(labels) != 1001 or labels[0] != "background":
        raise SystemExit("%s: expected 1001 labels, background first" % path)
    return labels


def config_json(labels):
    return {
        "architecture": "torchvision/mobilenet_v2",
        "num_classes": len(labels),
        "pretrained_cfg": {
            # The TFLite input is uint8 with scale 1/128, zero point 128:
            # pixels to [-1, 1].
            "mean": [0.5, 0.5, 0.5],
            "std": [0.5, 0.5, 0.5],
            "input_size": [3, 224, 224],
            "interpolation": "bilinear",
            # TF-slim's ImageNet eval crop: the central 87.5 %.
            "crop_pct": 0.875,
            "license": "apache-2.0",
        },
        "model_args": {"pad_type": "same"},
        # timm's hub configs keep the class names as a root list.
        "label_names": labels,
    }


CARD = """\
# MobileNetV2 1.0/224, ImageNet (converted from TFLite)

Google's ImageNet MobileNetV2 (width 1.0, 224x224 input, 1001 classes),
the uint8 quantisation-aware-trained TFLite model
`{tflite}` as distributed in Google's Coral test_data repository
(github.com/google-coral/test_data; sha256
`{sha256}`), converted to
torchvision's `mobilenet_v2` layout. It is the pretrained backbone that
Fovea's bundled models are fine-tuned from.

**Research use only.** Not a medical device; ImageNet classes only.

## Licence

Apache-2.0, as the source model (the text is in `LICENSE`). The
conversion changes the storage format and precision, not the network.

## Files

- `config.json`: `architecture` `torchvision/mobilenet_v2`, 1001 classes,
  `pretrained_cfg` (mean = std = 0.5, i.e. pixels scaled to [-1, 1];
  224x224; bilinear; crop_pct 0.875), `model_args.pad_type` `same`, and
  `label_names`, the 1001 ImageNet class names in timm's style (a root
  list, index = output), `background` at 0.
- `model.safetensors`: torchvision's state-dict names (`features.0.0`,
  `features.N.conv...`, `features.18.0`, `classifier.1`), every tensor F16,
  {tensors} tensors, {params} values. No `num_batches_tracked`.

## Conversion

Made by `tests/scripts/convert-tflite-mobilenetv2.py` (no TensorFlow):

- Weights dequantised, f = scale x (q - zero point), per tensor; the int32
  biases with scale = input scale x weight scale. Stored as F16.
- The TFLite graph is checked against torchvision's: ReLU6 after the
  expand and depthwise convolutions, none after the projections; residual
  ADDs where torchvision has them; 1280 channels in the last convolution;
  global average pool; the 1x1 logits convolution becomes `classifier.1`
  (1280 -> 1001, background kept at index 0).
- TFLite folded the BatchNorms into the convolutions. torchvision's
  convolutions have no bias, so each BatchNorm is written as an identity
  that adds the folded bias: weight 1, bias = folded bias,
  running_mean 0, running_var 1 - eps (eps = 1e-5), which F16 stores as
  1.0, so eval-mode BatchNorm multiplies by 1/sqrt(1 + 1e-5) (1 - 5e-6,
  well under F16's rounding of the weights). These are not real batch
  statistics: fine-tune with the BatchNorms in eval mode (or frozen), as
  batch statistics would undo the folding.
- Padding: the network was trained with TensorFlow's SAME padding, which
  pads the stride-2 3x3 convolutions by one pixel at the bottom and right
  only (torchvision pads one on every side; stride-1 3x3 convolutions pad
  one on every side in both). `model_args.pad_type` `same` asks for
  TensorFlow's; `tests/scripts/torch_mobilenetv2_same.py` runs it in
  PyTorch. With torchvision's padding the predictions lose confidence
  (below).
- Input: pixels scaled to [-1, 1] by mean = std = 0.5 (the TFLite input
  takes (q - 128) / 128, within 1/128 of it).

## Measurements

Top-5 softmax probabilities (over the 1001 outputs) on the two Coral test
images, preprocessed by `pretrained_cfg` (timm's eval transform: short side
to 256, bilinear, centre crop 224, mean = std = 0.5), PyTorch {torch} on
CPU. The reference is an emulation of the uint8 TFLite graph (float
arithmetic, every activation re-quantised to its uint8 grid; not bit-exact
with TFLite's integer kernels) on the same 224x224 crop.

```
{results}
```

F16 storage: the largest logit difference on cat.bmp between the F16
weights and the float64 dequantised ones is {delta:.4f}.
"""


def write_folder(out, state, labels, tflite_path, license_path):
    os.makedirs(out, exist_ok=True)
    tensors = {name: torch.from_numpy(value).to(torch.float16)
               for name, value in state.items()}
    for name, tensor in tensors.items():
        if not torch.isfinite(tensor).all():
            raise SystemExit("%s overflows F16" % name)
    with open(tflite_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    safetensors_io.write(os.path.join(out, "model.safetensors"), tensors,
                         {"format": "pt", "source": os.path.basename(tflite_path),
                          "source_sha256": digest})
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config_json(labels), f, indent=2, ensure_ascii=False)
        f.write("\n")
    shutil.copyfile(license_path, os.path.join(out, "LICENSE"))
    return digest, tensors


def f16_delta(state, folder, image_path, pretrained_cfg):
    """The largest logit difference on one image between the written F16
    folder and the float64 dequantised weights (BatchNorm exact)."""
    exact = torchvision_model(len(state["classifier.1.bias"]), "same").double()
    exact.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    half, _ = torch_mobilenetv2_same.load_hub_folder(folder, "same")
    with Image.open(image_path) as image:
        x = torch_mobilenetv2_same.preprocess(image, pretrained_cfg)
    with torch.no_grad():
        return float((exact(x.double()) - half(x).double()).abs().max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pretrained", default=PRETRAINED,
                        help="folder with the .tflite, imagenet_labels.txt, "
                             "LICENSE-apache-2.0.txt, cat.bmp, bird.bmp")
    parser.add_argument("--out", default=OUT, help="hub folder to write")
    parser.add_argument("--check", action="store_true",
                        help="print the measurements and fail unless they "
                             "match the source model's known behaviour")
    args = parser.parse_args()

    tflite_path = os.path.join(args.pretrained, TFLITE_NAME)
    labels = read_labels(os.path.join(args.pretrained, "imagenet_labels.txt"))
    tflite = read_tflite(tflite_path)
    tensors, operators, _, _ = tflite
    convs, classifier = graph_layers(tensors, operators)
    state = state_dict_from_graph(convs, classifier, len(labels))
    digest, written = write_folder(
        args.out, state, labels, tflite_path,
        os.path.join(args.pretrained, "LICENSE-apache-2.0.txt"))

    images = [os.path.join(args.pretrained, name) for name in IMAGES]
    results = measure(args.out, tflite, images)
    text = format_results(results, images)
    delta = f16_delta(state, args.out, images[0],
                      config_json(labels)["pretrained_cfg"])
    card = CARD.format(tflite=TFLITE_NAME, sha256=digest,
                       tensors=len(written),
                       params=sum(t.numel() for t in written.values()),
                       torch=torch.__version__.split("+")[0], results=text,
                       delta=delta)
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(card)
    print("wrote %s (%d convolutions, %d tensors)"
          % (args.out, len(convs), len(written)))

    if args.check:
        print(text)
        print("max |logit(F16) - logit(float64 weights)| on cat.bmp: %.4f"
              % delta)
        problems = check(results)
        for problem in problems:
            print("FAIL:", problem)
        if problems:
            sys.exit(1)
        print("check: OK")


if __name__ == "__main__":
    main()

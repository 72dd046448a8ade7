"""torchvision's mobilenet_v2 with TensorFlow "SAME" padding, for the
models converted from TFLite (resources/models/mobilenetv2-imagenet/, made
by convert-tflite-mobilenetv2.py), plus the loader and the timm eval
transform that the parity scripts share.

Why the padding matters: TensorFlow's SAME padding puts the odd pixel of a
stride-2 convolution's padding at the bottom and right (a 3x3 stride-2
convolution on 224 pixels pads 0 above/left and 1 below/right), while
torchvision pads 1 on every side. The weights learnt under one sampling
grid are shifted by a pixel under the other, which costs most of the
accuracy. For stride 1 the two agree (3x3: 1 on every side).

The wrapper keeps torchvision's modules and names (features.0.0.weight,
features.N.conv..., classifier.1.weight), so a state dict loads unchanged:
only the convolutions with a kernel larger than 1 are swapped for
Conv2dSame, which pads as TensorFlow does for whatever input size it gets.
"""
import json
import math
import os
import sys

import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

# timm's DEFAULT_CROP_PCT, for a config without crop_pct.
DEFAULT_CROP_PCT = 0.875


def same_padding(size, kernel, stride, dilation):
    """TensorFlow's SAME padding along one axis: (before, after), the odd
    pixel after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """An nn.Conv2d (same parameters, same names) that pads like
    TensorFlow's SAME instead of by its own `padding`."""

    def forward(self, x):
        top, bottom = same_padding(x.shape[-2], self.kernel_size[0],
                                   self.stride[0], self.dilation[0])
        left, right = same_padding(x.shape[-1], self.kernel_size[1],
                                   self.stride[1], self.dilation[1])
        x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0,
                        self.dilation, self.groups)


def use_same_padding(model):
    """Swaps, in place, every Conv2d with a kernel larger than 1 for a
    Conv2dSame that shares its parameters. Returns the model."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not nn.Conv2d or child.kernel_size == (1, 1):
                continue
            same = Conv2dSame(child.in_channels, child.out_channels,
                              child.kernel_size, child.stride, 0,
                              child.dilation, child.groups,
                              child.bias is not None)
            same.weight = child.weight
            same.bias = child.bias
            setattr(parent, name, same)
    return model


def mobilenet_v2(num_classes=1001, pad_type="same"):
    """torchvision.models.mobilenet_v2 in eval mode, random weights;
    pad_type "same" (TensorFlow) or "" (torchvision's symmetric)."""
    if pad_type not in ("same", ""):
        raise ValueError("pad_type %r: expected 'same' or ''" % pad_type)
    model = torchvision.models.mobilenet_v2(weights=None,
                                            num_classes=num_classes)
    if pad_type == "same":
        use_same_padding(model)
    return model.eval()


def load_hub_folder(path, pad_type=None):
    """(model, config) from a hub folder (config.json + model.safetensors).
    pad_type None takes the config's model_args.pad_type; the weights are
    loaded as float32 with strict names."""
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    if config.get("architecture") != "torchvision/mobilenet_v2":
        raise ValueError("%s: not a torchvision/mobilenet_v2 folder" % path)
    if pad_type is None:
        pad_type = config.get("model_args", {}).get("pad_type", "")
    model = mobilenet_v2(config["num_classes"], pad_type)
    tensors, _ = safetensors_io.read(os.path.join(path, "model.safetensors"))
    # torchvision's BatchNorms fill in a missing num_batches_tracked.
    model.load_state_dict({k: v.float() for k, v in tensors.items()},
                          strict=True)
    return model, config


def eval_transform(pretrained_cfg):
    """timm's eval transform for a pretrained_cfg: resize the short side to
    floor(size / crop_pct), centre crop, ToTensor, Normalize."""
    _, height, width = pretrained_cfg["input_size"]
    crop_pct = pretrained_cfg.get("crop_pct", DEFAULT_CROP_PCT)
    interpolation = {
        "bilinear": transforms.InterpolationMode.BILINEAR,
        "bicubic": transforms.InterpolationMode.BICUBIC,
    }[pretrained_cfg.get("interpolation", "bilinear")]
    return transforms.Compose([
        transforms.Resize(math.floor(min(height, width) / crop_pct),
                          interpolation=interpolation),
        transforms.CenterCrop((height, width)),
        transforms.ToTensor(),
        transforms.Normalize(pretrained_cfg["mean"], pretrained_cfg["std"]),
    ])


def preprocess(image, pretrained_cfg):
    """A PIL image to the model's [1, 3, H, W] float32 input."""
    return eval_transform(pretrained_cfg)(image.convert("RGB")).unsqueeze(0)

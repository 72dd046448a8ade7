"""PyTorch references for Fovea's CNNs (inference/cnn/): torchvision's own
ResNets and MobileNetV2, a small module with timm's mobilenetv2_100 tensor
names (timm is not in Debian), and TensorFlow's SAME padding.

What follows timm and torchvision:
- timm's resnet18/34/50 are torchvision's networks under the same names
  (conv1, bn1, layerN.M.convK/bnK, layerN.M.downsample.{0,1}, fc).
- timm's mobilenetv2_100 (efficientnet.py, _gen_mobilenet_v2 at width 1.0):
  conv_stem + bn1 + ReLU6; blocks.0.0 a DepthwiseSeparableConv (conv_dw,
  bn1, ReLU6, conv_pw, bn2, no activation, no skip for 32 -> 16); then
  InvertedResidual blocks (conv_pw, bn1, ReLU6, conv_dw, bn2, ReLU6,
  conv_pwl, bn3) with a skip when the stride is 1 and the widths match;
  conv_head + bn2 + ReLU6; global pool; classifier. BatchNorm eps 1e-5.
- global_pool: "avg", "max", or "avgmax" (the mean of the two, as timm's
  SelectAdaptivePool2d). num_classes 0 leaves the pooled features.
- pad_type "same": every Conv2d and MaxPool2d pads as TensorFlow's SAME
  (timm's pad_same): total max((ceil(i / s) - 1) s + (k - 1) d + 1 - i, 0),
  half of it (rounded down) before, the rest after, with F.pad (-inf for
  the max pool), then runs with padding 0.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import safetensors_io

TORCHVISION_PREFIX = "torchvision/"
# (expansion, channels, blocks, stride) of MobileNetV2.
MOBILENET_V2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def pad_same(x, kernel, stride, dilation, value=0.0):
    """TensorFlow's SAME padding of x (N, C, H, W), as timm's pad_same."""
    pads = []
    for size, k, s, d in zip(x.shape[-2:], kernel, stride, dilation):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return F.pad(x, [left, right, top, bottom], value=value)


class Conv2dSame(nn.Conv2d):
    def forward(self, x):
        x = pad_same(x, self.kernel_size, self.stride, self.dilation)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MaxPool2dSame(nn.MaxPool2d):
    def forward(self, x):
        pair = nn.modules.utils._pair
        kernel, stride, dilation = pair(self.kernel_size), pair(self.stride), pair(self.dilation)
        x = pad_same(x, kernel, stride, dilation, value=-math.inf)
        return F.max_pool2d(x, kernel, stride, 0, dilation, self.ceil_mode)


def use_same_padding(module):
    """Swaps every Conv2d and MaxPool2d under module for its SAME-padded
    twin, in place (the tensor names do not change)."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            child.__class__ = Conv2dSame
        elif isinstance(child, nn.MaxPool2d):
            child.__class__ = MaxPool2dSame
        else:
            use_same_padding(child)
    return module


def conv_bn(in_chs, out_chs, kernel, stride=1, groups=1):
    conv = nn.Conv2d(in_chs, out_chs, kernel, stride, (kernel - 1) // 2, groups=groups,
                     bias=False)
    return conv, nn.BatchNorm2d(out_chs)


class DepthwiseSeparable(nn.Module):
    def __init__(self, in_chs, out_chs, stride):
        super().__init__()
        self.conv_dw, self.bn1 = conv_bn(in_chs, in_chs, 3, stride, groups=in_chs)
        self.conv_pw, self.bn2 = conv_bn(in_chs, out_chs, 1)
        self.has_skip = stride == 1 and in_chs == out_chs

    def forward(self, x):
        y = self.bn2(self.conv_pw(F.relu6(self.bn1(self.conv_dw(x)))))
        return x + y if self.has_skip else y


class InvertedResidual(nn.Module):
    def __init__(self, in_chs, out_chs, stride, expansion):
        super().__init__()
        mid = in_chs * expansion
        self.conv_pw, self.bn1 = conv_bn(in_chs, mid, 1)
        self.conv_dw, self.bn2 = conv_bn(mid, mid, 3, stride, groups=mid)
        self.conv_pwl, self.bn3 = conv_bn(mid, out_chs, 1)
        self.has_skip = stride == 1 and in_chs == out_chs

    def forward(self, x):
        y = F.relu6(self.bn1(self.conv_pw(x)))
        y = F.relu6(self.bn2(self.conv_dw(y)))
        y = self.bn3(self.conv_pwl(y))
        return x + y if self.has_skip else y


class TimmMobileNetV2(nn.Module):
    """timm's mobilenetv2_100, its tensor names and arithmetic."""

    def __init__(self, num_classes=1000, in_chans=3):
        super().__init__()
        self.conv_stem, self.bn1 = conv_bn(in_chans, 32, 3, 2)
        stages, in_chs = [], 32
        for expansion, chs, count, stride in MOBILENET_V2_STAGES:
            blocks = []
            for i in range(count):
                s = stride if i == 0 else 1
                blocks.append(DepthwiseSeparable(in_chs, chs, s) if expansion == 1
                              else InvertedResidual(in_chs, chs, s, expansion))
                in_chs = chs
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.conv_head, self.bn2 = conv_bn(in_chs, 1280, 1)
        self.classifier = nn.Linear(1280, num_classes) if num_classes > 0 else nn.Identity()

    def features(self, x):
        x = F.relu6(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        return F.relu6(self.bn2(self.conv_head(x)))


def global_pool(x, kind):
    avg = F.adaptive_avg_pool2d(x, 1).flatten(1)
    if kind == "avg":
        return avg
    peak = F.adaptive_max_pool2d(x, 1).flatten(1)
    return peak if kind == "max" else 0.5 * (avg + peak)


class Network(nn.Module):
    """A config.json's network: torchvision's (or the timm module above),
    its forward pass split at the feature map, the pooling chosen by the
    config. The wrapped model's tensor names are the state dict's."""

    def __init__(self, config):
        super().__init__()
        arch = config["architecture"]
        args = config.get("model_args", {})
        self.num_classes = args.get("num_classes", config.get("num_classes", 1000))
        self.pool = args.get("global_pool", config.get("global_pool", "avg"))
        name = arch[len(TORCHVISION_PREFIX):] if arch.startswith(TORCHVISION_PREFIX) \
            else arch.split(".")[0]
        classes = max(self.num_classes, 1)
        if name.startswith("resnet"):
            self.kind = "resnet"
            model = getattr(torchvision.models, name)(num_classes=classes)
            head = "fc"
        elif name == "mobilenet_v2":
            self.kind = "torchvision_mobilenet"
            model = torchvision.models.mobilenet_v2(num_classes=classes)
            head = "classifier"
        elif name == "mobilenetv2_100":
            self.kind = "timm_mobilenet"
            model = TimmMobileNetV2(num_classes=self.num_classes)
            head = None
        else:
            raise ValueError(f"unknown architecture {arch}")
        if self.num_classes == 0 and head is not None:
            setattr(model, head, nn.Identity())
        if args.get("pad_type", "") == "same":
            use_same_padding(model)
        self.model = model

    def feature_map(self, x):
        m = self.model
        if self.kind == "resnet":
            x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
            return m.layer4(m.layer3(m.layer2(m.layer1(x))))
        return m.features(x)

    def forward(self, x):
        pooled = global_pool(self.feature_map(x), self.pool)
        head = self.model.fc if self.kind == "resnet" else self.model.classifier
        return head(pooled)


def load_hub(model_dir, dtype=torch.float64):
    """The Network of a hub folder (config.json + model.safetensors), its
    weights loaded strictly, in eval mode, computing in dtype."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    weights, _ = safetensors_io.read(os.path.join(model_dir, "model.safetensors"))
    network = Network(config).to(dtype)
    network.model.load_state_dict({k: v.to(dtype) for k, v in weights.items()}, strict=True)
    return network.eval(), config

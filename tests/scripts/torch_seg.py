"""PyTorch reference for Fovea's segmentation networks (inference/seg/):
a module with segmentation_models_pytorch's Unet tensor names and
arithmetic for the mobilenet_v2 encoder (smp is not in Debian), written
from smp's documented structure, not its code:

- encoder: torchvision's MobileNetV2 without its classifier (smp's
  MobileNetV2Encoder subclasses it), so its tensors are encoder.features.N.
  Its stages are features[:2], [2:4], [4:7], [7:14] and [14:] (strides 2
  to 32; 16, 24, 32, 96 and 1280 channels), after the input itself.
- decoder: the input (stride 1) is dropped; from the deepest feature up,
  each of five blocks upsamples ×2 (nearest), concatenates the next skip
  (none for the last), then conv1 and conv2, each Conv2dReLU =
  Sequential(Conv2d 3×3 padding 1 without bias, BatchNorm2d, ReLU):
  decoder.blocks.N.convK.{0,1}. Widths decoder_channels (default
  256, 128, 64, 32, 16). No centre block, no attention.
- segmentation_head.0: Conv2d 3×3 padding 1 with a bias, to the classes;
  then the activation (None: logits).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import safetensors_io

ENCODER_CHANNELS = [16, 24, 32, 96, 1280]
STAGE_ENDS = [2, 4, 7, 14, 19]  # features[start:end] of each stage
DEFAULT_DECODER = [256, 128, 64, 32, 16]


class MobileNetV2Encoder(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        model = torchvision.models.mobilenet_v2()
        if in_channels != 3:
            stem = model.features[0][0]
            model.features[0][0] = nn.Conv2d(in_channels, stem.out_channels, 3, 2, 1,
                                             bias=False)
        self.features = model.features

    def forward(self, x):
        outputs, start = [], 0
        for end in STAGE_ENDS:
            x = self.features[start:end](x)
            outputs.append(x)
            start = end
        return outputs


def conv_relu(in_chs, out_chs):
    return nn.Sequential(nn.Conv2d(in_chs, out_chs, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_chs), nn.ReLU())


class DecoderBlock(nn.Module):
    def __init__(self, in_chs, skip_chs, out_chs):
        super().__init__()
        self.conv1 = conv_relu(in_chs + skip_chs, out_chs)
        self.conv2 = conv_relu(out_chs, out_chs)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class UnetDecoder(nn.Module):
    def __init__(self, decoder_channels):
        super().__init__()
        deep_first = ENCODER_CHANNELS[::-1]
        in_chs = [deep_first[0]] + list(decoder_channels[:-1])
        skip_chs = deep_first[1:] + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o) for i, s, o
                                    in zip(in_chs, skip_chs, decoder_channels))

    def forward(self, features):
        deep_first = features[::-1]
        x, skips = deep_first[0], deep_first[1:]
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


class Unet(nn.Module):
    def __init__(self, config):
        super().__init__()
        decoder = config.get("decoder_channels", DEFAULT_DECODER)
        self.activation = config.get("activation")
        self.encoder = MobileNetV2Encoder(config.get("in_channels", 3))
        self.decoder = UnetDecoder(decoder)
        self.segmentation_head = nn.Sequential(
            nn.Conv2d(decoder[-1], config.get("classes", 1), 3, padding=1))

    def forward(self, x):
        """The logits, before the activation."""
        return self.segmentation_head(self.decoder(self.encoder(x)))

    def probabilities(self, logits):
        if self.activation in ("softmax", "softmax2d"):
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits)


def load_hub(model_dir, dtype=torch.float64):
    """The Unet of a hub folder, its weights loaded strictly, in eval mode."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    weights, _ = safetensors_io.read(os.path.join(model_dir, "model.safetensors"))
    network = Unet(config).to(dtype)
    network.load_state_dict({k: v.to(dtype) for k, v in weights.items()}, strict=True)
    return network.eval(), config

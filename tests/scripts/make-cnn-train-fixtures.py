#!/usr/bin/python3
"""Writes tests/fixtures/cnn-train/: the references the CNN training code
(inference/train/fovea-train-cnn*.c, tests/inference/test-train-cnn.c) is
held to.

Run from anywhere with Debian's python3-torch and python3-torchvision:
    /usr/bin/python3 tests/scripts/make-cnn-train-fixtures.py
The output is byte-for-byte reproducible.

The networks are torchvision's own mobilenet_v2, resnet18 (BasicBlock) and
resnet50 (Bottleneck), at their real widths, so that the C side runs them
from the engine's description of the architecture. Their weights would be
megabytes, so they are not stored: every weight is a function of its name
that C computes bit for bit the same (hash_tensor below, and the test's
copy), and the fixtures keep the tensor list (a "manifest" in the
metadata), the inputs, the logits and, for each gradient, its largest
magnitude and its values at 32 indices drawn from the same hash. BatchNorm
running statistics and affine parameters are random, so folding is
exercised. The input images (batch 2, 3 × H × W) are 2 · hash_uniform
("pixels:", tag) likewise.

models/MODEL.json: {"config": the config.json the C side uses,
"manifest": [[name, shape], ...] of the model's tensors, "pixels": the
images' hash tag} for MODEL in mobilenet, resnet18, resnet50, same. The
tag is the candidate whose activations stay furthest from ReLU's and
ReLU6's kinks and max pooling's ties (kink_margin): near one, float32
and float64 may fall on different sides and the gradients differ for a
reason that is not a fault.
cases/NAME.safetensors, metadata "model": MODEL; tensors: logits,
dlogits (of the mean cross-entropy for "labels"), and for each trained
tensor T
"gradmax.T" (max |grad|) and "grad.T" (grad at sample_indices (T)).
  full-*:    every convolution and the head trained; BatchNorm frozen
             (eval mode: running statistics), gradients of the weights.
  lora-*:    LoRA (PEFT's Conv2d LoRA: lora_A 1×1 conv in → r, lora_B
             1×1 conv r → out, scale alpha / r) on every 1×1 stride-1
             convolution, rank 4, alpha 8, and a new 3-class head named
             as the model's; their values hashed from "lora:" + name.
  head-*:    the backbone frozen, a new 3-class head (hashed likewise).
  frozen:    nothing trained: "features_grad", the gradient of the last
             feature map (NHWC, as the C side keeps it), whole.
  trajectory: 5 steps of torch.optim.AdamW (lr 1e-3, weight decay 0.05
             on 2-D and 4-D weights only, foreach=False) on full
             mobilenet_v2 in float32: "losses" and, per parameter, its
             final values at the sample indices ("final.T") and its
             largest magnitude ("finalmax.T").
"same": mobilenet_v2 with TensorFlow's SAME padding (model_args.pad_type
"same": asymmetric, the odd pixel bottom/right), on 36 × 30 images so that
both even and odd sizes are padded.
Everything but the trajectory is computed in float64 from float32
weights and inputs, and stored as float32.
"""
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "fixtures", "cnn-train"))
BATCH = 2
RANK = 4
ALPHA = 8.0
NEW_CLASSES = 3
SAMPLES = 32
MASK64 = (1 << 64) - 1

# ---- weights from names (the C test has the same functions) ----


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for byte in text.encode():
        h ^= byte
        h = (h * 0x100000001b3) & MASK64
    return h


def splitmix64(x):
    """splitmix64's output function on a numpy uint64 array (wrapping)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash_uniform(tag, name, n):
    """n float32 in [-1, 1): (top 24 bits of splitmix64 (fnv (tag + name)
    + i)) / 2^23 - 1, exact in float32."""
    with np.errstate(over="ignore"):
        seed = np.uint64(fnv1a64(tag + name))
        bits = splitmix64(seed + np.arange(n, dtype=np.uint64)) >> np.uint64(40)
    return (bits.astype(np.float32) * np.float32(2.0 ** -23) - np.float32(1.0))


def sample_indices(name, n):
    """The elements of a tensor the fixtures keep: all of a small one,
    else 32 drawn from the hash of "sample:" + name."""
    if n <= SAMPLES * 4:
        return np.arange(n, dtype=np.int64)
    with np.errstate(over="ignore"):
        seed = np.uint64(fnv1a64("sample:" + name))
        picks = splitmix64(seed + np.arange(SAMPLES, dtype=np.uint64))
    return (picks % np.uint64(n)).astype(np.int64)


def hash_tensor(tag, name, shape):
    """A tensor's value from its name and shape, float32:
    4-D (convolution) and 2-D (linear) weights U(±√(6 / fan_in)) and
    U(±1 / √fan_in); running_var 1 + 0.5 u, running_mean 0.2 u; BatchNorm
    weight 0.2 + 0.1 u and other vectors (BatchNorm and head biases)
    u ± 2, the sign of u's: each channel's activations then sit well on
    one side of ReLU's kink (alive or dead), which keeps the parity of
    float32 against float64 gradients from hinging on a rounding (see
    kink_margin)."""
    n = int(np.prod(shape))
    u = hash_uniform(tag, name, n)
    if len(shape) == 4:
        fan_in = shape[1] * shape[2] * shape[3]
        value = u * np.float32(math.sqrt(6.0 / fan_in))
    elif len(shape) == 2:
        value = u * np.float32(1.0 / math.sqrt(shape[1]))
    elif name.endswith(".running_var"):
        value = np.float32(1.0) + np.float32(0.5) * u
    elif name.endswith(".running_mean"):
        value = np.float32(0.2) * u
    elif name.endswith(".weight"):
        value = np.float32(0.2) + np.float32(0.1) * u
    else:
        value = np.where(u < 0, u - np.float32(2.0), u + np.float32(2.0)).astype(np.float32)
    return torch.from_numpy(value.astype(np.float32).reshape(shape))


def fill_model(model):
    """Sets every parameter and BatchNorm statistic from its name; returns
    the manifest."""
    manifest = []
    state = model.state_dict()
    for name in sorted(state):
        tensor = state[name]
        if tensor.dtype != torch.float32:  # num_batches_tracked
            continue
        tensor.copy_(hash_tensor("", name, list(tensor.shape)))
        manifest.append([name, list(tensor.shape)])
    return manifest


# ---- models ----


class TfSamePadding:
    """TensorFlow's SAME padding on every convolution and max pool of a
    torchvision model: padding 0 in the module, and before it the total
    padding ceil(in / stride) outputs need, the odd pixel bottom/right.
    Parameter names do not change."""

    @staticmethod
    def pads(size, kernel, stride, dilation):
        out = (size + stride - 1) // stride
        total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
        return total // 2, total - total // 2

    @classmethod
    def apply(cls, model):
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                kernel, stride, dilation = module.kernel_size, module.stride, module.dilation
                module.padding = (0, 0)
            elif isinstance(module, nn.MaxPool2d):
                k = module.kernel_size
                kernel, stride = (k, k) if isinstance(k, int) else k
                s = module.stride
                stride = (s, s) if isinstance(s, int) else s
                dilation = (1, 1)
                module.padding = 0
            else:
                continue

            def hook(m, inputs, kernel=kernel, stride=stride, dilation=dilation):
                x = inputs[0]
                top, bottom = cls.pads(x.shape[2], kernel[0], stride[0], dilation[0])
                left, right = cls.pads(x.shape[3], kernel[1], stride[1], dilation[1])
                value = -math.inf if isinstance(m, nn.MaxPool2d) else 0.0
                return (F.pad(x, (left, right, top, bottom), value=value),)
            module.register_forward_pre_hook(hook)


def build(arch, classes, same=False):
    if arch == "mobilenet_v2":
        model = torchvision.models.mobilenet_v2(num_classes=classes)
        config_arch = "torchvision/mobilenet_v2"
    else:
        model = getattr(torchvision.models, arch)(num_classes=classes)
        config_arch = arch   # timm's resnets have torchvision's names
    manifest = fill_model(model)
    if same:
        TfSamePadding.apply(model)
    model.eval()
    config = {"architecture": config_arch, "num_classes": classes,
              "model_args": {"pad_type": "same"} if same else {},
              "pretrained_cfg": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}
    return model, manifest, config


def head_module(arch):
    return "classifier.1" if arch == "mobilenet_v2" else "fc"


def features_of(model, arch, x):
    """The last feature map (before pooling)."""
    if arch == "mobilenet_v2":
        return model.features(x)
    m = model
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    return m.layer4(m.layer3(m.layer2(m.layer1(x))))


def classify(model, arch, features):
    pooled = F.adaptive_avg_pool2d(features, 1).flatten(1)
    head = model.classifier if arch == "mobilenet_v2" else model.fc
    return head(pooled)


class PeftConvLora(nn.Module):
    """PEFT's LoRA on a Conv2d (peft.tuners.lora.layer.Conv2d), 1×1 case:
    base (x) + scale · lora_B (lora_A (x))."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        self.lora_A = nn.Conv2d(base.in_channels, rank, 1, bias=False)
        self.lora_B = nn.Conv2d(rank, base.out_channels, 1, bias=False)
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + self.scale * self.lora_B(self.lora_A(x))


def lora_targets(model):
    return [name for name, m in model.named_modules()
            if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1) and m.stride == (1, 1)
            and m.groups == 1]


# ---- cases ----


def f32(t):
    return t.detach().float().contiguous()


def cross_entropy_dlogits(logits, labels):
    logits = logits.detach().requires_grad_(True)
    loss = F.cross_entropy(logits, labels)
    (dlogits,) = torch.autograd.grad(loss, logits)
    return dlogits.float()


def add_grads(tensors, named):
    """gradmax.T and grad.T (at the sample indices) for each (C name, tensor)."""
    for name, param in named:
        grad = param.grad.detach().reshape(-1)
        tensors["gradmax." + name] = f32(grad.abs().max().reshape(1))
        tensors["grad." + name] = f32(grad[torch.from_numpy(sample_indices(name, grad.numel()))])


def run_case(model, arch, pixels, labels):
    features = features_of(model, arch, pixels.double())
    logits = classify(model, arch, features)
    dlogits = cross_entropy_dlogits(logits, labels)
    return features, logits, dlogits


def full_case(model, arch, pixels, labels):
    m = _double(model)
    _, logits, dlogits = run_case(m, arch, pixels, labels)
    logits.backward(dlogits.double())
    tensors = {"labels": labels.float(), "logits": f32(logits), "dlogits": dlogits}
    named = [(n, p) for n, p in m.named_parameters() if p.dim() > 1 or n.startswith(head_module(arch))]
    add_grads(tensors, named)
    return tensors


def _double(model):
    import copy
    m = copy.deepcopy(model).double()
    for name, p in m.named_parameters():
        # BatchNorm's γ and β are frozen, as in the C trainer
        p.requires_grad_(p.dim() > 1 or name.startswith("fc") or name.startswith("classifier"))
    return m


def new_head(model, arch):
    parent_name, _, child = head_module(arch).rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    old = getattr(parent, child)
    head = nn.Linear(old.in_features, NEW_CLASSES).double()
    name = head_module(arch)
    head.weight.data.copy_(hash_tensor("lora:", name + ".weight", [NEW_CLASSES, old.in_features]))
    head.bias.data.copy_(hash_tensor("lora:", name + ".bias", [NEW_CLASSES]))
    setattr(parent, child, head)
    return [(name + ".weight", head.weight), (name + ".bias", head.bias)]


def adapted_case(model, arch, pixels, labels, lora):
    m = _double(model)
    for p in m.parameters():
        p.requires_grad_(False)
    trained = []
    if lora:
        for name in lora_targets(m):
            parent_name, _, child = name.rpartition(".")
            parent = m.get_submodule(parent_name)
            wrapped = PeftConvLora(getattr(parent, child), RANK, ALPHA).double()
            a = wrapped.lora_A.weight
            b = wrapped.lora_B.weight
            a.data.copy_(hash_tensor("lora:", name + ".lora_A", [RANK, a.shape[1], 1, 1]))
            # B is zero at PEFT's init; random here so that A's gradient is not
            b.data.copy_(0.05 * hash_tensor("lora:", name + ".lora_B", [b.shape[0], RANK, 1, 1]))
            setattr(parent, child, wrapped)
            trained += [(name + ".lora_A", a), (name + ".lora_B", b)]
    trained += new_head(m, arch)
    for _, p in trained:
        p.requires_grad_(True)
    _, logits, dlogits = run_case(m, arch, pixels, labels)
    logits.backward(dlogits.double())
    tensors = {"labels": labels.float(), "logits": f32(logits), "dlogits": dlogits}
    add_grads(tensors, trained)
    return tensors


def frozen_case(model, arch, pixels, labels):
    m = _double(model)
    for p in m.parameters():
        p.requires_grad_(False)
    features = features_of(m, arch, pixels.double()).detach().requires_grad_(True)
    logits = classify(m, arch, features)
    dlogits = cross_entropy_dlogits(logits, labels)
    logits.backward(dlogits.double())
    return {"labels": labels.float(), "logits": f32(logits),
            "dlogits": dlogits, "features_grad": f32(features.grad.permute(0, 2, 3, 1))}


def kink_margin(model, arch, x):
    """How far the network's inputs stay from where its gradient jumps:
    the smallest distance of a ReLU input from 0 (ReLU6: from 0 and 6),
    and of a max pool window's maximum from its runner-up. Within float32
    rounding of such a point, C and PyTorch may take different sides of
    it and their gradients then differ by a whole term, however right the
    code."""
    margins = []

    def act_hook(module, inputs):
        v = inputs[0].detach()
        d = v.abs()
        if isinstance(module, nn.ReLU6):
            d = torch.minimum(d, (v - 6).abs())
        margins.append(d.min().item())

    def pool_hook(module, inputs):
        v = F.pad(inputs[0].detach(), (1, 1, 1, 1), value=-math.inf)
        windows = F.unfold(v, 3, stride=2).reshape(v.shape[0], v.shape[1], 9, -1)
        top = windows.topk(2, dim=2).values
        # a tie at zero is harmless: ReLU below passes no gradient there
        gap = torch.where(top[:, :, 0] > 0, top[:, :, 0] - top[:, :, 1],
                          torch.full_like(top[:, :, 0], math.inf))
        margins.append(gap.min().item())

    handles = [m.register_forward_pre_hook(act_hook) for m in model.modules()
               if isinstance(m, (nn.ReLU, nn.ReLU6))]
    handles += [m.register_forward_pre_hook(pool_hook) for m in model.modules()
                if isinstance(m, nn.MaxPool2d)]
    with torch.no_grad():
        classify(model, arch, features_of(model, arch, x.to(next(model.parameters()).dtype)))
    for handle in handles:
        handle.remove()
    return min(margins)


def with_lora(model, arch):
    """The LoRA case's network (float64), for margins."""
    m = _double(model)
    for name in lora_targets(m):
        parent_name, _, child = name.rpartition(".")
        parent = m.get_submodule(parent_name)
        wrapped = PeftConvLora(getattr(parent, child), RANK, ALPHA).double()
        wrapped.lora_A.weight.data.copy_(
            hash_tensor("lora:", name + ".lora_A", list(wrapped.lora_A.weight.shape)))
        wrapped.lora_B.weight.data.copy_(
            0.05 * hash_tensor("lora:", name + ".lora_B", list(wrapped.lora_B.weight.shape)))
        setattr(parent, child, wrapped)
    return m


def no_decay(name, param):
    return param.dim() <= 1


def trajectory_margins(model, arch, pixels, labels):
    """kink_margin before each of the trajectory's five steps."""
    margins = []
    trajectory_case(model, arch, pixels, labels, margins)
    return margins


def trajectory_case(model, arch, pixels, labels, margins=None):
    import copy
    m = copy.deepcopy(model)
    params = [(n, p) for n, p in m.named_parameters() if p.dim() > 1 or n.startswith("classifier")]
    for n, p in m.named_parameters():
        p.requires_grad_(any(n == q for q, _ in params))
    decay = [p for n, p in params if not no_decay(n, p)]
    rest = [p for n, p in params if no_decay(n, p)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                                   {"params": rest, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False)
    losses = []
    for _ in range(5):
        if margins is not None:
            margins.append(kink_margin(m, arch, pixels))
        optimizer.zero_grad()
        logits = classify(m, arch, features_of(m, arch, pixels))
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    tensors = {"labels": labels.float(),
               "losses": torch.tensor(losses, dtype=torch.float32)}
    for name, p in params:
        flat = p.detach().reshape(-1)
        tensors["finalmax." + name] = f32(flat.abs().max().reshape(1))
        tensors["final." + name] = f32(flat[torch.from_numpy(sample_indices(name, flat.numel()))])
    return tensors


def main():
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(20260607)
    if os.path.exists(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(os.path.join(OUT_DIR, "cases"))
    os.makedirs(os.path.join(OUT_DIR, "models"))

    def write_case(name, tensors, model_name):
        safetensors_io.write(os.path.join(OUT_DIR, "cases", name + ".safetensors"),
                             {k: v.contiguous() for k, v in tensors.items()},
                             {"model": model_name})

    def pixels(tag, h, w):
        """Like the weights, from the hash: 2 · u, batch × 3 × h × w."""
        u = hash_uniform("pixels:", tag, BATCH * 3 * h * w) * np.float32(2.0)
        return torch.from_numpy(u.reshape(BATCH, 3, h, w))

    def pick_pixels(prefix, model, arch, h, w, trajectory, labels):
        """Of 48 candidate images, those whose every case stays furthest
        from a kink (kink_margin): the base network, its LoRA version,
        and for the trajectory each of its float32 steps."""
        lora = with_lora(model, arch)
        base = _double(model)
        scored = []
        for k in range(48):
            x = pixels("%s:%d" % (prefix, k), h, w)
            scored.append((min(kink_margin(base, arch, x), kink_margin(lora, arch, x)), k))
        scored.sort(reverse=True)
        best = scored[0]
        if trajectory:
            best = (-1, -1)
            for margin, k in scored[:6]:
                x = pixels("%s:%d" % (prefix, k), h, w)
                margin = min(margin, min(trajectory_margins(model, arch, x, labels)))
                best = max(best, (margin, k))
        print("%s: pixels %d, kink margin %.3g" % (prefix, best[1], best[0]))
        return "%s:%d" % (prefix, best[1])

    # (case prefix, arch, classes, same, height, width)
    models = [
        ("mobilenet", "mobilenet_v2", 5, False, 40, 32),
        ("resnet18", "resnet18", 4, False, 40, 32),
        ("resnet50", "resnet50", 4, False, 32, 32),
        ("same", "mobilenet_v2", 5, True, 36, 30),
    ]
    for prefix, arch, classes, same, h, w in models:
        model, manifest, config = build(arch, classes, same)
        labels = torch.randint(0, classes, (BATCH,), generator=generator)
        new_labels = torch.randint(0, NEW_CLASSES, (BATCH,), generator=generator)
        tag = pick_pixels(prefix, model, arch, h, w, prefix == "mobilenet", labels)
        x = pixels(tag, h, w)
        with open(os.path.join(OUT_DIR, "models", prefix + ".json"), "w") as f:
            json.dump({"config": config, "manifest": manifest, "pixels": tag}, f,
                      sort_keys=True, separators=(",", ":"))
            f.write("\n")
        write_case("full-" + prefix, full_case(model, arch, x, labels), prefix)
        if prefix in ("mobilenet", "resnet50", "same"):
            write_case("lora-" + prefix, adapted_case(model, arch, x, new_labels, True),
                       prefix)
        if prefix in ("mobilenet", "resnet18"):
            write_case("head-" + prefix, adapted_case(model, arch, x, new_labels, False),
                       prefix)
        if prefix == "mobilenet":
            write_case("frozen", frozen_case(model, arch, x, labels), prefix)
            write_case("trajectory", trajectory_case(model, arch, x, labels), prefix)

    total = sum(os.path.getsize(os.path.join(root, f))
                for root, _, files in os.walk(OUT_DIR) for f in files)
    print("wrote %s (%d bytes)" % (OUT_DIR, total))


if __name__ == "__main__":
    main()

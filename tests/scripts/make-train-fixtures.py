#!/usr/bin/python3
"""Writes tests/fixtures/train/: the references the C training code
(inference/train/fovea-train-vit.c, tests/inference/test-train-vit.c) is held to.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 tests/scripts/make-train-fixtures.py
The output is byte-for-byte reproducible.

models/NAME/        small timm-layout ViTs with random weights (config.json +
                    model.safetensors, as make-vit-fixtures.py writes them).
cases/NAME.safetensors, one per case:
  full cases (token, avg-reg, avg-norm): pixel_values (3 images), logits,
    dlogits = d F.cross_entropy(logits, labels) / d logits, and
    "grad.<timm name>" for every parameter, from backpropagating the stored
    (float32) dlogits.
  LoRA cases (lora-qv: q and v slices of qkv, alpha 8; lora-fc1-proj: fc1 and
    proj, alpha 6 with rsLoRA; rank 4, on model "token", with a new 3-class
    head): the trained tensors under the C names ("blocks.0.attn.qkv.q.lora_A",
    "head.weight", ...), random and non-zero (B too, so A's gradients are
    not zero), then logits, dlogits and "grad.<name>" for each.
  frozen: model "token" as is; logits, dlogits and "block_input_grad.K", the
    gradient of block K's input.
  trajectory: 5 steps of torch.optim.AdamW (lr 1e-3, betas (0.9, 0.999), eps
    1e-8, weight_decay 0.05 on matrices only: not on biases, norms,
    pos_embed, cls_token, reg_token) on F.cross_entropy with a fixed batch
    and labels, training every weight of "token" in float32: "labels" (as
    floats), "losses" (the loss of each step, before its update) and
    "final.<timm name>" for every parameter.
Everything but the trajectory is computed in float64 from the float32
weights and inputs and stored as float32.
"""
import json
import math
import os
import shutil
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_vit  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "fixtures", "train"))
BATCH = 3
RANK = 4

MODELS = {
    # Class-token pooling, the final norm before pooling.
    "token": {"num_classes": 5,
              "model_args": {"img_size": 16, "patch_size": 4, "embed_dim": 32, "depth": 2,
                             "num_heads": 4, "mlp_ratio": 4.0, "qkv_bias": True,
                             "class_token": True, "global_pool": "token"}},
    # No class token, two register tokens outside the position embedding,
    # mean of the patch tokens then fc_norm, no qkv bias.
    "avg-reg": {"num_classes": 3,
                "model_args": {"img_size": 16, "patch_size": 4, "embed_dim": 32, "depth": 2,
                               "num_heads": 4, "mlp_ratio": 2.0, "qkv_bias": False,
                               "class_token": False, "reg_tokens": 2,
                               "no_embed_class": True, "global_pool": "avg",
                               "fc_norm": True}},
    # Class and register token in the position embedding, the final norm
    # on every token, then the mean of the patch tokens (fc_norm off).
    "avg-norm": {"num_classes": 4,
                 "model_args": {"img_size": 16, "patch_size": 4, "embed_dim": 32, "depth": 1,
                                "num_heads": 2, "mlp_ratio": 3.0, "qkv_bias": True,
                                "class_token": True, "reg_tokens": 1,
                                "no_embed_class": False, "global_pool": "avg",
                                "fc_norm": False}},
}

# name: (targets as C names, alpha, use_rslora)
LORA_CASES = {
    "lora-qv": (["attn.qkv.q", "attn.qkv.v"], 8.0, False),
    "lora-fc1-proj": (["attn.proj", "mlp.fc1"], 6.0, True),
}
LORA_CLASSES = 3


def randn(generator, *shape):
    return torch.randn(*shape, generator=generator, dtype=torch.float32)


def init_weights(model, generator):
    """Random weights with LayerNorm weights and biases far from 1 and 0
    and scales that keep activations O(1), as make-vit-fixtures.py."""
    for name, param in sorted(model.named_parameters()):
        if name.endswith("bias"):
            value = 0.1 * randn(generator, *param.shape)
        elif ".norm" in name or name.startswith(("norm.", "fc_norm.")):
            value = 1.0 + 0.2 * randn(generator, *param.shape)
        elif name in ("cls_token", "reg_token", "pos_embed"):
            value = 0.5 * randn(generator, *param.shape)
        else:
            value = randn(generator, *param.shape) / math.sqrt(param[0].numel())
        param.data.copy_(value)


def build_model(spec, generator):
    model = torch_vit.VisionTransformer(num_classes=spec["num_classes"], **spec["model_args"])
    init_weights(model, generator)
    return model


def model_config(spec):
    size = spec["model_args"]["img_size"]
    return {
        "architecture": "vit_tiny_patch16_224",
        "num_classes": spec["num_classes"],
        "global_pool": spec["model_args"]["global_pool"],
        "model_args": spec["model_args"],
        "pretrained_cfg": {"input_size": [3, size, size], "fixed_input_size": False,
                           "interpolation": "bicubic", "crop_pct": 0.9,
                           "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
                           "num_classes": spec["num_classes"]},
    }


def write_model(name, spec, model):
    folder = os.path.join(OUT_DIR, "models", name)
    os.makedirs(folder)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(model_config(spec), f, indent=2, sort_keys=True)
        f.write("\n")
    tensors = {k: v.detach().clone() for k, v in model.state_dict().items()}
    safetensors_io.write(os.path.join(folder, "model.safetensors"), tensors, {"format": "pt"})


def f32(tensor):
    return tensor.detach().float().contiguous()


def cross_entropy_dlogits(logits, labels):
    """dlogits of the mean cross-entropy, rounded to float32 as stored."""
    logits = logits.detach().requires_grad_(True)
    loss = F.cross_entropy(logits, labels)
    (dlogits,) = torch.autograd.grad(loss, logits)
    return dlogits.float()


def forward_keeping_blocks(model, pixels):
    """VisionTransformer.forward, keeping each block's input (grads retained)."""
    x, grid = model.patch_embed(pixels)
    x = model._pos_embed(x, grid)
    inputs = []
    for block in model.blocks:
        if x.requires_grad:
            x.retain_grad()
        inputs.append(x)
        x, _ = block(x)
    x = model.norm(x)
    prefix = model.num_prefix_tokens
    pooled = x[:, 0] if model.global_pool == "token" else x[:, prefix:].mean(dim=1)
    return model.head(model.fc_norm(pooled)), inputs


def full_case(name, model, pixels, labels):
    m64 = _double_copy(model)
    logits, _ = forward_keeping_blocks(m64, pixels.double())
    dlogits = cross_entropy_dlogits(logits, labels)
    logits.backward(dlogits.double())
    tensors = {"pixel_values": pixels, "logits": f32(logits), "dlogits": dlogits}
    for pname, param in m64.named_parameters():
        tensors["grad." + pname] = f32(param.grad)
    return tensors


def _double_copy(model):
    import copy
    return copy.deepcopy(model).double()


class SliceLora(nn.Module):
    """LoRA updates on slices of a layer's output (Fovea's Q/K/V targets):
    y[:, off : off + n] += scale · B·(A·x) for each slice."""

    def __init__(self, base, slices, rank, scale):
        super().__init__()
        self.base = base
        self.slices = slices  # [(offset, width)]
        self.scale = scale
        self.a = nn.ParameterList()
        self.b = nn.ParameterList()
        for _, width in slices:
            self.a.append(nn.Parameter(torch.zeros(rank, base.in_features)))
            self.b.append(nn.Parameter(torch.zeros(width, rank)))

    def forward(self, x):
        y = self.base(x)
        parts = []
        start = 0
        for (offset, width), a, b in zip(self.slices, self.a, self.b):
            parts.append(y[..., start:offset])
            parts.append(y[..., offset:offset + width] + self.scale * ((x @ a.t()) @ b.t()))
            start = offset + width
        parts.append(y[..., start:])
        return torch.cat(parts, dim=-1)


def lora_case(base, targets, alpha, rslora, pixels, labels, generator):
    """The base model with LoRA on targets and a new head; returns the
    case's tensors."""
    model = _double_copy(base)
    for p in model.parameters():
        p.requires_grad_(False)
    scale = alpha / math.sqrt(RANK) if rslora else alpha / RANK
    dim = model.head.in_features
    trained = {}  # C name -> parameter
    for i, block in enumerate(model.blocks):
        slices = [t for t in targets if t.startswith("attn.qkv.")]
        if slices:
            offsets = [({"q": 0, "k": 1, "v": 2}[t[-1]] * dim, dim) for t in slices]
            lora = SliceLora(block.attn.qkv, offsets, RANK, scale).double()
            block.attn.qkv = lora
            for t, a, b in zip(slices, lora.a, lora.b):
                trained["blocks.%d.%s.lora_A" % (i, t)] = a
                trained["blocks.%d.%s.lora_B" % (i, t)] = b
        for t in targets:
            if t.startswith("attn.qkv."):
                continue
            parent_name, _, child = t.rpartition(".")
            parent = block.get_submodule(parent_name)
            lora = torch_vit.PeftLoraLinear(getattr(parent, child), RANK, alpha, rslora).double()
            setattr(parent, child, lora)
            trained["blocks.%d.%s.lora_A" % (i, t)] = lora.lora_A.weight
            trained["blocks.%d.%s.lora_B" % (i, t)] = lora.lora_B.weight
    model.head = nn.Linear(dim, LORA_CLASSES).double()
    trained["head.weight"] = model.head.weight
    trained["head.bias"] = model.head.bias
    tensors = {}
    for name in sorted(trained):
        param = trained[name]
        if name.endswith("lora_A"):
            value = randn(generator, *param.shape) / math.sqrt(param.shape[1])
        elif name.endswith("lora_B"):
            value = randn(generator, *param.shape) / math.sqrt(param.shape[1])
        elif name == "head.weight":
            value = randn(generator, *param.shape) / math.sqrt(dim)
        else:
            value = 0.1 * randn(generator, *param.shape)
        param.data.copy_(value.double())
        param.requires_grad_(True)
        tensors[name] = value
    logits, _ = forward_keeping_blocks(model, pixels.double())
    dlogits = cross_entropy_dlogits(logits, labels)
    logits.backward(dlogits.double())
    tensors.update({"pixel_values": pixels, "logits": f32(logits), "dlogits": dlogits})
    for name, param in trained.items():
        tensors["grad." + name] = f32(param.grad)
    return tensors


def frozen_case(model, pixels, labels):
    m64 = _double_copy(model)
    for p in m64.parameters():
        p.requires_grad_(False)
    logits, inputs = forward_keeping_blocks(m64, pixels.double().requires_grad_(True))
    dlogits = cross_entropy_dlogits(logits, labels)
    logits.backward(dlogits.double())
    tensors = {"pixel_values": pixels, "logits": f32(logits), "dlogits": dlogits}
    for k, x in enumerate(inputs):
        tensors["block_input_grad.%d" % k] = f32(x.grad)
    return tensors


def no_decay(name, param):
    """timm's param_groups_weight_decay: 1-D tensors, biases and
    no_weight_decay() (pos_embed, cls_token, reg_token) are not decayed."""
    return param.ndim <= 1 or name.endswith(".bias") or \
        name in ("pos_embed", "cls_token", "reg_token")


def trajectory_case(base, pixels, labels):
    import copy
    model = copy.deepcopy(base)
    decay = [p for n, p in model.named_parameters() if not no_decay(n, p)]
    rest = [p for n, p in model.named_parameters() if no_decay(n, p)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                                   {"params": rest, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        logits = model(pixels)[0]
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    tensors = {"pixel_values": pixels, "labels": labels.float(),
               "losses": torch.tensor(losses, dtype=torch.float32)}
    for name, param in model.named_parameters():
        tensors["final." + name] = f32(param)
    return tensors


def random_pixels(generator, size):
    return torch.randn(BATCH, 3, size, size, generator=generator)


def main():
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(20240607)
    if os.path.exists(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(os.path.join(OUT_DIR, "cases"))

    def write_case(name, tensors):
        safetensors_io.write(os.path.join(OUT_DIR, "cases", name + ".safetensors"),
                             {k: v.contiguous() for k, v in tensors.items()})

    models = {}
    for name, spec in MODELS.items():
        models[name] = build_model(spec, generator)
        write_model(name, spec, models[name])
        size = spec["model_args"]["img_size"]
        pixels = random_pixels(generator, size)
        labels = torch.randint(0, spec["num_classes"], (BATCH,), generator=generator)
        write_case(name, full_case(name, models[name], pixels, labels))

    base = models["token"]
    pixels = random_pixels(generator, 16)
    labels = torch.randint(0, LORA_CLASSES, (BATCH,), generator=generator)
    for name, (targets, alpha, rslora) in LORA_CASES.items():
        write_case(name, lora_case(base, targets, alpha, rslora, pixels, labels, generator))

    labels = torch.randint(0, MODELS["token"]["num_classes"], (BATCH,), generator=generator)
    write_case("frozen", frozen_case(base, pixels, labels))
    write_case("trajectory", trajectory_case(base, pixels, labels))

    total = sum(os.path.getsize(os.path.join(root, f))
                for root, _, files in os.walk(OUT_DIR) for f in files)
    print("wrote %s (%d bytes)" % (OUT_DIR, total))


if __name__ == "__main__":
    main()

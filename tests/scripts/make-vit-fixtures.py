#!/usr/bin/python3
"""Writes tests/fixtures/vit/: small timm-layout Vision Transformers with
random weights, PEFT and MeLo LoRA adapters for them, normalised inputs and
what the PyTorch reference (torch_vit.py) makes of them. The C engine's
tests hold inference/ to these within manifest.json's tolerance_rel.

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 tests/scripts/make-vit-fixtures.py
The output is byte-for-byte reproducible. tests/fixtures/vit/README.md
describes the layout; besides it, cases/NAME.rollout.safetensors holds the
attention rollout of the cases in ROLLOUT_CASES ("rollout", N x gh x gw,
torch_vit.attention_rollout of the float64 attention maps), for
tests/inference/test-rollout.c.
"""
import copy
import json
import math
import os
import re
import shutil
import sys

import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import torch_vit  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "fixtures", "vit"))
TOLERANCE_REL = 1e-4
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# config.json of each model: the architecture gives timm's defaults, which
# model_args override (tiny-token leaves mlp_ratio, qkv_bias, class_token
# and global_pool at the defaults on purpose). pretrained_num_classes
# differs from num_classes where the root value must win.
MODELS = {
    "tiny-token": {
        "architecture": "vit_tiny_patch16_224",
        "num_classes": 5,
        "pretrained_num_classes": 1000,
        "model_args": {"img_size": 32, "patch_size": 8, "embed_dim": 48,
                       "depth": 2, "num_heads": 3},
        "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
        "dtype": torch.float32,
    },
    # 12 heads of 8 channels: a head-layout bug cannot hide.
    "h12-avg": {
        "architecture": "vit_base_patch16_224",
        "num_classes": 4,
        "model_args": {"img_size": 32, "patch_size": 8, "embed_dim": 96,
                       "depth": 2, "num_heads": 12, "mlp_ratio": 2.0,
                       "qkv_bias": True, "class_token": True,
                       "global_pool": "avg", "fc_norm": True,
                       "reg_tokens": 1, "no_embed_class": True},
        "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
        "dtype": torch.float32,
    },
    # Half-precision weights; no class token, avg pool with the final norm
    # before pooling (fc_norm false), no qkv bias. Its embeddings are small
    # (variance about 1e-3) so that LayerNorm's eps shows: 1e-5 instead of
    # 1e-6 changes its outputs by far more than the tolerance.
    "f16-weights": {
        "embed_scale": 0.03,
        "architecture": "vit_small_patch8_224",
        "num_classes": 3,
        "model_args": {"img_size": 16, "patch_size": 8, "embed_dim": 32,
                       "depth": 1, "num_heads": 2, "mlp_ratio": 3.0,
                       "qkv_bias": False, "class_token": False,
                       "global_pool": "avg", "fc_norm": False},
        "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
        "dtype": torch.float16,
    },
    # bfloat16 weights; class token and two register tokens, all three in
    # the position embedding.
    "bf16-weights": {
        "architecture": "vit_tiny_patch16_384",
        "num_classes": 3,
        "model_args": {"img_size": 16, "patch_size": 8, "embed_dim": 32,
                       "depth": 1, "num_heads": 4, "mlp_ratio": 2.0,
                       "qkv_bias": True, "class_token": True,
                       "global_pool": "token", "reg_tokens": 2,
                       "no_embed_class": False},
        "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
        "dtype": torch.bfloat16,
    },
}

# PEFT LoRA folders: the adapter_config.json keys that differ from PEFT's
# defaults. lora_B is random (PEFT starts it at zero) so the update shows.
PEFT_ADAPTERS = {
    # qkv and fc1 in every block, alpha != r, the head in modules_to_save.
    "peft-qkv-fc1": {
        "model": "h12-avg",
        "config": {"r": 4, "lora_alpha": 6, "target_modules": ["qkv", "fc1"],
                   "modules_to_save": ["head"]},
    },
    # A regex target_modules (full match) and rsLoRA scaling alpha/sqrt(r).
    "peft-rslora-regex": {
        "model": "h12-avg",
        "config": {"r": 4, "lora_alpha": 4, "use_rslora": True,
                   "target_modules": r"blocks\.0\.attn\.proj|.*\.mlp\.fc2"},
    },
    # Only block 1, and per-module rank and alpha.
    "peft-layers-rank": {
        "model": "tiny-token",
        "config": {"r": 2, "lora_alpha": 5, "target_modules": ["proj", "fc2"],
                   "layers_to_transform": [1], "layers_pattern": "blocks",
                   "rank_pattern": {"mlp.fc2": 6},
                   "alpha_pattern": {"attn.proj": 3}},
    },
}

# MeLo files: (model, rank, alpha, classes of the new head).
MELO_ADAPTERS = {
    "melo-tiny": ("tiny-token", 4, 8, 7),
}

# (case, model, adapter, height, width, batch, outputs).
CASES = [
    ("tiny-token", "tiny-token", None, 32, 32, 2, ["logits", "attention", "patch_tokens"]),
    # The first image of the case above, alone.
    ("tiny-token-batch1", "tiny-token", None, 32, 32, 1, ["logits"]),
    # Position embedding resampled up and down (antialiasing matters there).
    ("tiny-token-48", "tiny-token", None, 48, 48, 2, ["logits", "attention", "patch_tokens"]),
    ("tiny-token-24", "tiny-token", None, 24, 24, 2, ["logits", "patch_tokens"]),
    ("h12-avg", "h12-avg", None, 32, 32, 2, ["logits", "attention", "patch_tokens"]),
    # Not square, with no_embed_class (nothing is excluded from resampling).
    ("h12-avg-40x24", "h12-avg", None, 40, 24, 2, ["logits", "patch_tokens"]),
    ("f16-weights", "f16-weights", None, 16, 16, 2, ["logits", "attention", "patch_tokens"]),
    ("bf16-weights", "bf16-weights", None, 16, 16, 2, ["logits", "attention", "patch_tokens"]),
    # Three prefix tokens kept out of the resampling.
    ("bf16-weights-24x32", "bf16-weights", None, 24, 32, 2, ["logits"]),
    ("h12-avg-peft-qkv-fc1", "h12-avg", "adapters/peft-qkv-fc1", 32, 32, 2,
     ["logits", "attention", "patch_tokens"]),
    ("h12-avg-peft-rslora-regex", "h12-avg", "adapters/peft-rslora-regex", 32, 32, 2,
     ["logits", "patch_tokens"]),
    ("tiny-token-peft-layers-rank", "tiny-token", "adapters/peft-layers-rank", 32, 32, 2,
     ["logits", "attention", "patch_tokens"]),
    ("tiny-token-melo", "tiny-token", "adapters/melo-tiny_lora_4_8.safetensors", 32, 32, 2,
     ["logits", "attention", "patch_tokens"]),
    ("tiny-token-melo-48", "tiny-token", "adapters/melo-tiny_lora_4_8.safetensors", 48, 48, 2,
     ["logits"]),
]

# Cases whose attention rollout is written too: class-token pooling, avg
# pooling with class and register tokens, no class token, a larger grid.
ROLLOUT_CASES = ("tiny-token", "h12-avg", "f16-weights", "tiny-token-48")


def randn(generator, *shape):
    return torch.randn(*shape, generator=generator, dtype=torch.float32)


def init_weights(model, generator):
    """Random weights where every LayerNorm weight and bias is far from 1
    and 0, with scales that keep activations and attention logits O(1)."""
    for name, param in sorted(model.named_parameters()):
        if name.endswith("bias"):
            value = 0.1 * randn(generator, *param.shape)
        elif ".norm" in name or name.startswith(("norm.", "fc_norm.")):
            value = 1.0 + 0.2 * randn(generator, *param.shape)
        elif name in ("cls_token", "reg_token", "pos_embed"):
            value = 0.5 * randn(generator, *param.shape)
        else:
            fan_in = param[0].numel()
            value = randn(generator, *param.shape) / math.sqrt(fan_in)
        param.data.copy_(value)


def build_model(spec, generator):
    """The model with random weights, rounded to its storage dtype."""
    args = dict(spec["model_args"])
    model = torch_vit.VisionTransformer(num_classes=spec["num_classes"], **args)
    init_weights(model, generator)
    for name, param in model.named_parameters():
        if name.startswith(("patch_embed.", "pos_embed")):
            param.data.mul_(spec.get("embed_scale", 1.0))
        param.data.copy_(param.data.to(spec["dtype"]).float())
    return model


def model_config(spec):
    """config.json as timm's push_to_hub writes it."""
    args = spec["model_args"]
    size = args["img_size"]
    return {
        "architecture": spec["architecture"],
        "num_classes": spec["num_classes"],
        "num_features": args["embed_dim"],
        "global_pool": args.get("global_pool", "token"),
        "model_args": args,
        "pretrained_cfg": {
            "tag": "fovea_fixture",
            "custom_load": False,
            "input_size": [3, size, size],
            "fixed_input_size": False,
            "interpolation": "bicubic",
            "crop_pct": 0.9,
            "crop_mode": "center",
            "mean": spec["mean"],
            "std": spec["std"],
            "num_classes": spec.get("pretrained_num_classes", spec["num_classes"]),
            "pool_size": None,
            "first_conv": "patch_embed.proj",
            "classifier": "head",
        },
    }


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def write_model(name, spec, model):
    folder = os.path.join(OUT_DIR, "models", name)
    os.makedirs(folder)
    write_json(os.path.join(folder, "config.json"), model_config(spec))
    tensors = {k: v.to(spec["dtype"]) for k, v in model.state_dict().items()}
    safetensors_io.write(os.path.join(folder, "model.safetensors"), tensors,
                         {"format": "pt"})


def peft_config(model_name, overrides):
    """A complete adapter_config.json, PEFT's defaults then the overrides."""
    config = {
        "alpha_pattern": {}, "auto_mapping": None,
        "base_model_name_or_path": "fovea-fixtures/" + model_name,
        "bias": "none", "fan_in_fan_out": False, "inference_mode": True,
        "init_lora_weights": True, "layer_replication": None,
        "layers_pattern": None, "layers_to_transform": None, "loftq_config": {},
        "lora_alpha": 8, "lora_dropout": 0.0, "megatron_config": None,
        "megatron_core": "megatron.core", "modules_to_save": None,
        "peft_type": "LORA", "r": 8, "rank_pattern": {}, "revision": None,
        "target_modules": None, "task_type": None, "use_dora": False,
        "use_rslora": False,
    }
    config.update(overrides)
    return config


def layer_index(name, pattern):
    """The N of <pattern>.N. in a module name. PEFT's own regex,
    '.*\\.{pattern}\\.(\\d+)\\.', needs a '.' before the pattern, which a bare
    timm model's names ('blocks.1.attn.proj') lack; this keeps its meaning."""
    match = re.match(r"(?:.*\.)?%s\.(\d+)\." % pattern, name)
    return int(match.group(1)) if match else None


def peft_targets(model, config):
    """Module names PEFT's check_target_module_exists selects."""
    targets = []
    for name, module in model.named_modules():
        patterns = config["target_modules"]
        if isinstance(patterns, str):
            found = re.fullmatch(patterns, name) is not None
        else:
            found = name in patterns or any(name.endswith("." + p) for p in patterns)
            layers = config["layers_to_transform"]
            if found and layers is not None:
                found = layer_index(name, config["layers_pattern"] or "[^.]*") in layers
        if found:
            assert isinstance(module, nn.Linear), name
            targets.append(name)
    return targets


def pattern_value(patterns, name, default):
    """PEFT's get_pattern_key: the first key with (.*\\.)?(key)$ matching."""
    for key, value in patterns.items():
        if re.match(r"(.*\.)?(%s)$" % key, name):
            return value
    return default


def make_peft_adapter(name, spec, base, generator):
    """Writes the PEFT folder and returns the adapted model."""
    config = peft_config(spec["model"], spec["config"])
    model = copy.deepcopy(base)
    tensors = {}
    for target in peft_targets(model, config):
        r = pattern_value(config["rank_pattern"], target, config["r"])
        alpha = pattern_value(config["alpha_pattern"], target, config["lora_alpha"])
        parent_name, _, child = target.rpartition(".")
        parent = model.get_submodule(parent_name)
        lora = torch_vit.PeftLoraLinear(getattr(parent, child), r, alpha,
                                        config["use_rslora"])
        fan_in = lora.lora_A.in_features
        lora.lora_A.weight.data.copy_(randn(generator, r, fan_in) / math.sqrt(fan_in))
        lora.lora_B.weight.data.copy_(randn(generator, lora.lora_B.out_features, r)
                                      / math.sqrt(r))
        setattr(parent, child, lora)
        prefix = "base_model.model." + target
        tensors[prefix + ".lora_A.weight"] = lora.lora_A.weight.data
        tensors[prefix + ".lora_B.weight"] = lora.lora_B.weight.data
    for module_name in config["modules_to_save"] or []:
        module = model.get_submodule(module_name)
        init_weights(module, generator)
        for param_name, param in module.named_parameters():
            tensors["base_model.model.%s.%s" % (module_name, param_name)] = param.data
    folder = os.path.join(OUT_DIR, "adapters", name)
    os.makedirs(folder)
    write_json(os.path.join(folder, "adapter_config.json"), config)
    safetensors_io.write(os.path.join(folder, "adapter_model.safetensors"), tensors,
                         {"format": "pt"})
    return model


def make_melo_adapter(name, spec, base, generator):
    """Writes <name>_lora_<r>_<alpha>.safetensors as MeLo's
    save_lora_parameters does and returns the adapted model."""
    _, r, alpha, classes = spec
    model = copy.deepcopy(base)
    w_as, w_bs = [], []
    for block in model.blocks:
        melo = torch_vit.MeloQkv(block.attn.qkv, r, alpha // r)
        dim = melo.dim
        for a, b in ((melo.linear_a_q, melo.linear_b_q), (melo.linear_a_v, melo.linear_b_v)):
            a.weight.data.copy_(randn(generator, r, dim) / math.sqrt(dim))
            b.weight.data.copy_(randn(generator, dim, r) / math.sqrt(r))
            w_as.append(a.weight.data)
            w_bs.append(b.weight.data)
        block.attn.qkv = melo
    # MeLo saves the new head's weight only; the head here has no bias.
    dim = model.head.in_features
    model.head = nn.Linear(dim, classes)
    model.head.weight.data.copy_(randn(generator, classes, dim) / math.sqrt(dim))
    model.head.bias.data.zero_()
    tensors = {"fc_%din_%dout" % (dim, classes): model.head.weight.data}
    for i, (w_a, w_b) in enumerate(zip(w_as, w_bs)):
        tensors["w_a_%03d" % i] = w_a
        tensors["w_b_%03d" % i] = w_b
    safetensors_io.write(os.path.join(OUT_DIR, "adapters", "%s_lora_%d_%d.safetensors"
                                      % (name, r, alpha)), tensors)
    return model


def random_pixels(spec, generator, batch, height, width):
    """Uniform [0, 1) pixels normalised with the model's mean and std."""
    pixels = torch.rand(batch, 3, height, width, generator=generator)
    mean = torch.tensor(spec["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(spec["std"]).view(1, 3, 1, 1)
    return (pixels - mean) / std


def run(model, pixels, dtype):
    with torch.no_grad():
        return copy.deepcopy(model).to(dtype)(pixels.to(dtype))


def max_rel_error(got, want):
    return float((got - want).abs().max() / want.abs().max())


def write_case(name, model, pixels, outputs):
    """Expected outputs computed in float64 from the float32 weights and
    inputs, stored as float32. Returns the largest relative error of a
    float32 forward pass, the error a float32 engine can expect."""
    logits, attentions, patch_tokens = run(model, pixels, torch.float64)
    logits32, attentions32, patch_tokens32 = run(model, pixels, torch.float32)
    tensors = {"pixel_values": pixels, "logits": logits.float()}
    errors = [max_rel_error(logits32, logits)]
    if "attention" in outputs:
        for i, (attn, attn32) in enumerate(zip(attentions, attentions32)):
            tensors["attention.%d" % i] = attn.float()
            errors.append(max_rel_error(attn32, attn))
    if "patch_tokens" in outputs:
        tensors["patch_tokens"] = patch_tokens.float()
        errors.append(max_rel_error(patch_tokens32, patch_tokens))
    safetensors_io.write(os.path.join(OUT_DIR, "cases", name + ".safetensors"), tensors)
    return max(errors), logits


def write_rollout(name, model, pixels):
    """The reference rollout, from float64 attention maps. Returns the
    largest relative error of the rollout of a float32 forward pass."""
    grid = (pixels.shape[2] // model.patch_embed.proj.kernel_size[0],
            pixels.shape[3] // model.patch_embed.proj.kernel_size[1])
    rollouts = [torch_vit.attention_rollout(run(model, pixels, dtype)[1],
                                            model.num_prefix_tokens,
                                            model.global_pool, grid)
                for dtype in (torch.float64, torch.float32)]
    safetensors_io.write(os.path.join(OUT_DIR, "cases", name + ".rollout.safetensors"),
                         {"rollout": rollouts[0].float()})
    return max_rel_error(rollouts[1].double(), rollouts[0])


def folder_size(path):
    return sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(path) for f in files)


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(20240611)
    # README.md is written by hand; everything else is regenerated.
    for sub in ("models", "adapters", "cases"):
        shutil.rmtree(os.path.join(OUT_DIR, sub), ignore_errors=True)
        os.makedirs(os.path.join(OUT_DIR, sub))

    bases = {}
    for name, spec in MODELS.items():
        bases[name] = build_model(spec, generator)
        write_model(name, spec, bases[name])
    adapted = {}  # path in the manifest -> (adapted model, MeLo scale or None)
    for name, spec in PEFT_ADAPTERS.items():
        path = "adapters/" + name
        adapted[path] = (make_peft_adapter(name, spec, bases[spec["model"]], generator),
                         None)
    for name, spec in MELO_ADAPTERS.items():
        _, r, alpha, _ = spec
        path = "adapters/%s_lora_%d_%d.safetensors" % (name, r, alpha)
        adapted[path] = (make_melo_adapter(name, spec, bases[spec[0]], generator),
                         alpha // r)

    manifest = {"tolerance_rel": TOLERANCE_REL, "cases": []}
    first_inputs = {}
    for name, model_name, adapter, height, width, batch, outputs in CASES:
        spec = MODELS[model_name]
        key = (model_name, height, width)
        if key in first_inputs and batch <= first_inputs[key].shape[0]:
            pixels = first_inputs[key][:batch]
        else:
            pixels = random_pixels(spec, generator, batch, height, width)
            first_inputs.setdefault(key, pixels)
        model, melo_scale = adapted[adapter] if adapter else (bases[model_name], None)
        error, logits = write_case(name, model, pixels, outputs)
        change = ""
        if adapter:
            bare = run(bases[model_name], pixels, torch.float64)[0]
            if bare.shape == logits.shape:
                change = ", adapter changes logits by %.2f" % max_rel_error(bare, logits)
        if name in ROLLOUT_CASES:
            change += ", rollout float32 error %.1e" % write_rollout(name, model, pixels)
        print("case %-28s %-10s %dx%dx%d  float32 error %.1e%s"
              % (name, model_name, batch, height, width, error, change))
        manifest["cases"].append({
            "name": name, "model": model_name, "adapter": adapter,
            "melo_scale": melo_scale,
            "height": height, "width": width, "outputs": outputs,
        })
    write_json(os.path.join(OUT_DIR, "manifest.json"), manifest)

    for sub in ("models", "adapters", "cases"):
        for entry in sorted(os.listdir(os.path.join(OUT_DIR, sub))):
            path = os.path.join(OUT_DIR, sub, entry)
            print("%8d  %s/%s" % (folder_size(path) if os.path.isdir(path)
                                  else os.path.getsize(path), sub, entry))
    print("%8d  total in %s" % (folder_size(OUT_DIR), OUT_DIR))


if __name__ == "__main__":
    main()

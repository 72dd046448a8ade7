"""A small PyTorch re-implementation of timm's VisionTransformer (timm is not
in Debian), with timm's tensor names and semantics, plus PEFT and MeLo LoRA
wrappers. It is the reference the C engine (inference/vit/fovea-vit.c) is held
to by the fixtures that make-vit-fixtures.py writes.

What follows timm (models/vision_transformer.py, layers/pos_embed.py):
- patch_embed.proj is a Conv2d with kernel = stride = patch size; its output
  is flattened row-major over the grid.
- Prefix tokens are the class token, then the register tokens.
- no_embed_class: pos_embed covers only the patches and is added before the
  prefix tokens are concatenated; otherwise it covers prefix + patches and is
  added after.
- Pre-norm blocks: x + attn(norm1(x)), then x + mlp(norm2(x)); LayerNorm eps
  1e-6; exact (erf) GELU; the fused qkv output is split as (3, heads,
  head_dim); attention = softmax(q kᵀ · head_dim^-0.5) v.
- global_pool 'token' takes the class token; 'avg' averages the patch tokens
  only (the prefix tokens excluded).
- fc_norm defaults to (global_pool == 'avg'); when set, the final `norm` is
  Identity and `fc_norm` is applied after pooling.
- A size other than img_size resamples pos_embed as resample_abs_pos_embed
  does: the prefix part (absent with no_embed_class) is kept, the patch part
  is reshaped to the trained grid (1, D, gh, gw), resized with
  F.interpolate(mode='bicubic', antialias=True, align_corners=False) and
  flattened back row-major.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LAYER_NORM_EPS = 1e-6


def resample_abs_pos_embed(pos_embed, new_grid, old_grid, num_prefix_tokens):
    """timm's resample_abs_pos_embed, for a pos_embed [1, prefix + gh*gw, D]."""
    if tuple(new_grid) == tuple(old_grid):
        return pos_embed
    prefix = pos_embed[:, :num_prefix_tokens]
    grid = pos_embed[:, num_prefix_tokens:]
    dim = grid.shape[-1]
    grid = grid.reshape(1, old_grid[0], old_grid[1], dim).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=tuple(new_grid), mode="bicubic",
                         antialias=True, align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim)
    return torch.cat([prefix, grid], dim=1)


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)
        grid = x.shape[-2:]
        return x.flatten(2).transpose(1, 2), grid


class Attention(nn.Module):
    def __init__(self, dim, num_heads, qkv_bias):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(batch, tokens, dim)
        return self.proj(x), attn


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio, qkv_bias):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        y, attn = self.attn(self.norm1(x))
        x = x + y
        x = x + self.mlp(self.norm2(x))
        return x, attn


class VisionTransformer(nn.Module):
    """timm's VisionTransformer for the options the engine supports; args
    are the config.json model_args (timm's keyword names)."""

    def __init__(self, img_size, patch_size, embed_dim, depth, num_heads,
                 num_classes, mlp_ratio=4.0, qkv_bias=True, class_token=True,
                 global_pool="token", no_embed_class=False, fc_norm=None,
                 reg_tokens=0, in_chans=3):
        super().__init__()
        assert global_pool in ("token", "avg")
        assert class_token or global_pool != "token"
        use_fc_norm = global_pool == "avg" if fc_norm is None else fc_norm
        self.global_pool = global_pool
        self.no_embed_class = no_embed_class
        self.num_prefix_tokens = int(class_token) + reg_tokens
        self.grid = (img_size // patch_size, img_size // patch_size)
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        self.cls_token = (nn.Parameter(torch.zeros(1, 1, embed_dim))
                          if class_token else None)
        self.reg_token = (nn.Parameter(torch.zeros(1, reg_tokens, embed_dim))
                          if reg_tokens else None)
        embed_len = self.grid[0] * self.grid[1]
        if not no_embed_class:
            embed_len += self.num_prefix_tokens
        self.pos_embed = nn.Parameter(torch.zeros(1, embed_len, embed_dim))
        self.blocks = nn.ModuleList(
            [Block(embed_dim, num_heads, mlp_ratio, qkv_bias) for _ in range(depth)])
        final_norm = nn.LayerNorm(embed_dim, eps=LAYER_NORM_EPS)
        self.norm = nn.Identity() if use_fc_norm else final_norm
        self.fc_norm = final_norm if use_fc_norm else nn.Identity()
        self.head = nn.Linear(embed_dim, num_classes)

    def _pos_embed(self, x, grid):
        prefix_in_pos = 0 if self.no_embed_class else self.num_prefix_tokens
        pos_embed = resample_abs_pos_embed(self.pos_embed, grid, self.grid, prefix_in_pos)
        prefix = [t.expand(x.shape[0], -1, -1)
                  for t in (self.cls_token, self.reg_token) if t is not None]
        if self.no_embed_class:
            return torch.cat(prefix + [x + pos_embed], dim=1)
        return torch.cat(prefix + [x], dim=1) + pos_embed

    def forward(self, pixels):
        """Returns (logits [N, C], attention maps [N, heads, T, T] per block,
        patch tokens [N, P, D] after the final norm)."""
        x, grid = self.patch_embed(pixels)
        x = self._pos_embed(x, grid)
        attentions = []
        for block in self.blocks:
            x, attn = block(x)
            attentions.append(attn)
        x = self.norm(x)
        patch_tokens = x[:, self.num_prefix_tokens:]
        pooled = x[:, 0] if self.global_pool == "token" else patch_tokens.mean(dim=1)
        return self.head(self.fc_norm(pooled)), attentions, patch_tokens


def attention_rollout(attentions, num_prefix_tokens, global_pool, grid):
    """Attention rollout (Abnar & Zuidema 2020) as inference/explain/fovea-rollout.h
    computes it: per block A' = 0.5 * mean over heads of A + 0.5 * I, the
    product A'_last ... A'_first, and of it the row the head reads (the class
    token's for 'token', the mean of the patch tokens' rows for 'avg') over
    the patch tokens, min-max normalised to 0..1 (zeros when flat). Takes
    the forward's attention maps [N, heads, T, T]; returns [N, gh, gw]."""
    batch, _, tokens, _ = attentions[0].shape
    eye = torch.eye(tokens, dtype=attentions[0].dtype)
    rollout = eye.expand(batch, tokens, tokens)
    for attn in attentions:
        rollout = (0.5 * attn.mean(dim=1) + 0.5 * eye) @ rollout
    if global_pool == "token":
        row = rollout[:, 0]
    else:
        row = rollout[:, num_prefix_tokens:].mean(dim=1)
    patches = row[:, num_prefix_tokens:]
    lo = patches.min(dim=1, keepdim=True).values
    span = patches.max(dim=1, keepdim=True).values - lo
    flat = span <= 0
    normalised = (patches - lo) / torch.where(flat, torch.ones_like(span), span)
    normalised = torch.where(flat, torch.zeros_like(normalised), normalised)
    return normalised.reshape(batch, grid[0], grid[1])


class PeftLoraLinear(nn.Module):
    """PEFT's lora.Linear (no dropout, fan_in_fan_out false, bias 'none'):
    y = base(x) + scaling · lora_B(lora_A(x)), scaling = lora_alpha / r, or
    lora_alpha / sqrt(r) with use_rslora."""

    def __init__(self, base, r, alpha, use_rslora):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        self.scaling = alpha / math.sqrt(r) if use_rslora else alpha / r

    def forward(self, x):
        return self.base_layer(x) + self.scaling * self.lora_B(self.lora_A(x))


class MeloQkv(nn.Module):
    """MeLo's _LoRA_qkv_timm: the fused qkv with rank-r updates added to its
    q slice [..., :D] and v slice [..., -D:], each times alpha // r."""

    def __init__(self, qkv, r, scale):
        super().__init__()
        dim = qkv.in_features
        self.qkv = qkv
        self.dim = dim
        self.scale = scale
        self.linear_a_q = nn.Linear(dim, r, bias=False)
        self.linear_b_q = nn.Linear(r, dim, bias=False)
        self.linear_a_v = nn.Linear(dim, r, bias=False)
        self.linear_b_v = nn.Linear(r, dim, bias=False)

    def forward(self, x):
        qkv = self.qkv(x)
        new_q = self.linear_b_q(self.linear_a_q(x))
        new_v = self.linear_b_v(self.linear_a_v(x))
        qkv[:, :, :self.dim] += self.scale * new_q
        qkv[:, :, -self.dim:] += self.scale * new_v
        return qkv

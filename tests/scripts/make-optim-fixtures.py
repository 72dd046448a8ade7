#!/usr/bin/python3
"""Writes tests/fixtures/optim/: what PyTorch and the textbook definitions
make of random inputs, the references that tests/inference/test-loss-optim.c
and test-metrics.c hold fovea-loss.c, fovea-optim.c and fovea-metrics.c to.

Run from anywhere with Debian's python3-torch and python3-numpy:
    /usr/bin/python3 tests/scripts/make-optim-fixtures.py

  losses.json    F.cross_entropy (weight, label_smoothing, ignore_index),
                 F.mse_loss and F.binary_cross_entropy_with_logits
                 (pos_weight): the loss and its gradient from autograd, in
                 float64 on float32 inputs (the C code sums in double).
  adamw.json     ten torch.optim.AdamW (foreach=False) steps in float32 on
                 random tensors and gradients, with and without weight
                 decay, with a learning rate that changes every step.
  schedule.json  the warm-up then cosine schedule, from torch's own
                 LinearLR (start_factor 1/warmup) and CosineAnnealingLR.
  clip.json      torch.nn.utils.clip_grad_norm_ in float32.
  metrics.json   accuracy, ROC AUC, MedMNIST's macro AUC and quadratic
                 weighted kappa on random data with many ties.

Debian has no scikit-learn, so the metric references are computed here
from their textbook definitions, deliberately not the way the C code does
it: AUC as the share of (positive, negative) pairs ordered correctly,
ties counting half (the Mann-Whitney U statistic, which is what
sklearn.metrics.roc_auc_score's trapezoidal area equals), over all pairs
(O(n²)), where C ranks with average ranks; kappa from the confusion matrix
as sklearn.metrics.cohen_kappa_score(labels=range(K), weights="quadratic")
computes it.

Every float32 value is written as the JSON number of its exact double
value, so the C side reads back the very same bits.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "fixtures", "optim")


def f32_list(values):
    """float32 values as exact doubles (a nested list keeps its shape)."""
    return np.asarray(values, dtype=np.float32).astype(np.float64).tolist()


def f64_list(values):
    return np.asarray(values, dtype=np.float64).tolist()


# ---- losses ----

def cross_entropy_case(rng, batch, n_classes, weighted, smoothing, scale=3.0,
                       ignore=0):
    logits = (rng.standard_normal((batch, n_classes)) * scale).astype(np.float32)
    labels = rng.randint(0, n_classes, size=batch)
    labels[:ignore] = -100  # PyTorch's default ignore_index
    weights = (rng.uniform(0.2, 3.0, size=n_classes).astype(np.float32)
               if weighted else None)
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(weights, dtype=torch.float64) if weighted else None
    loss = F.cross_entropy(x, torch.tensor(labels), weight=w,
                           label_smoothing=smoothing)
    loss.backward()
    return {"batch": batch, "n_classes": n_classes,
            "logits": f32_list(logits.ravel()), "labels": labels.tolist(),
            "weights": f32_list(weights) if weighted else None,
            "smoothing": smoothing, "loss": loss.item(),
            "grad": f64_list(x.grad.numpy().ravel())}


def mse_case(rng, batch):
    outputs = (rng.standard_normal(batch) * 2 + 1).astype(np.float32)
    targets = rng.randint(0, 5, size=batch).astype(np.float32)
    x = torch.tensor(outputs, dtype=torch.float64, requires_grad=True)
    loss = F.mse_loss(x, torch.tensor(targets, dtype=torch.float64))
    loss.backward()
    return {"batch": batch, "outputs": f32_list(outputs),
            "targets": f32_list(targets), "loss": loss.item(),
            "grad": f64_list(x.grad.numpy())}


def bce_case(rng, batch, pos_weight, scale=3.0, soft=False):
    logits = (rng.standard_normal(batch) * scale).astype(np.float32)
    if soft:
        targets = rng.uniform(0, 1, size=batch).astype(np.float32)
    else:
        targets = rng.randint(0, 2, size=batch).astype(np.float32)
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    pw = torch.tensor([pos_weight], dtype=torch.float64) if pos_weight > 0 else None
    loss = F.binary_cross_entropy_with_logits(
        x, torch.tensor(targets, dtype=torch.float64), pos_weight=pw)
    loss.backward()
    return {"batch": batch, "logits": f32_list(logits),
            "targets": f32_list(targets), "pos_weight": pos_weight,
            "loss": loss.item(), "grad": f64_list(x.grad.numpy())}


def make_losses(rng):
    return {
        "cross_entropy": [
            cross_entropy_case(rng, 8, 5, False, 0.0),
            cross_entropy_case(rng, 16, 7, True, 0.0),
            cross_entropy_case(rng, 16, 7, False, 0.1),
            cross_entropy_case(rng, 32, 7, True, 0.1),
            cross_entropy_case(rng, 5, 2, True, 0.3),
            cross_entropy_case(rng, 9, 5, True, 0.2, ignore=3),
            cross_entropy_case(rng, 12, 4, False, 0.0, ignore=2),
            # Logits in the hundreds: exp would overflow without the shift.
            cross_entropy_case(rng, 6, 5, True, 0.1, scale=200.0),
        ],
        "mse": [mse_case(rng, 1), mse_case(rng, 17), mse_case(rng, 64)],
        "bce": [
            bce_case(rng, 16, 0.0),
            bce_case(rng, 16, 3.5),
            bce_case(rng, 33, 0.25),
            bce_case(rng, 8, 2.0, soft=True),
            bce_case(rng, 10, 1.5, scale=60.0),
        ],
    }


# ---- AdamW ----

PARAM_SHAPES = [("w1", [7, 5], True), ("b1", [13, 1], False),
                ("w2", [16, 3], True), ("g", [2, 1], False)]


def adamw_case(rng, config, steps=10):
    params = []
    torch_params = []
    for name, shape, decay in PARAM_SHAPES:
        value = rng.standard_normal(shape).astype(np.float32)
        grads = []
        for step in range(steps):
            g = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 1)).astype(np.float32)
            g[rng.uniform(size=shape) < 0.1] = 0.0
            grads.append(g)
        tensor = torch.tensor(value, requires_grad=True)
        torch_params.append(tensor)
        params.append({"name": name, "shape": shape, "decay": decay,
                       "value": f32_list(value.ravel()),
                       "grads": [f32_list(g.ravel()) for g in grads]})
    groups = [
        {"params": [t for t, (_, _, d) in zip(torch_params, PARAM_SHAPES) if d],
         "weight_decay": config["weight_decay"]},
        {"params": [t for t, (_, _, d) in zip(torch_params, PARAM_SHAPES) if not d],
         "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=config["lr"],
                            betas=(config["beta1"], config["beta2"]),
                            eps=config["eps"], foreach=False)
    lrs = [config["lr"] * (0.3 + 0.7 * (s + 1) / steps) for s in range(steps)]
    for step in range(steps):
        for tensor, param in zip(torch_params, params):
            tensor.grad = torch.tensor(np.asarray(param["grads"][step], dtype=np.float32)
                                       .reshape(param["shape"]))
        for group in opt.param_groups:
            group["lr"] = lrs[step]
        opt.step()
    for tensor, param in zip(torch_params, params):
        state = opt.state[tensor]
        param["final_value"] = f32_list(tensor.detach().numpy().ravel())
        param["final_m"] = f32_list(state["exp_avg"].numpy().ravel())
        param["final_v"] = f32_list(state["exp_avg_sq"].numpy().ravel())
    return {"config": config, "lrs": lrs, "params": params}


def make_adamw(rng):
    return {"cases": [
        adamw_case(rng, {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999,
                         "eps": 1e-8, "weight_decay": 0.05}),
        adamw_case(rng, {"lr": 3e-3, "beta1": 0.9, "beta2": 0.999,
                         "eps": 1e-8, "weight_decay": 0.0}),
        adamw_case(rng, {"lr": 5e-2, "beta1": 0.8, "beta2": 0.95,
                         "eps": 1e-6, "weight_decay": 0.3}),
    ]}


# ---- schedule ----

def torch_schedule(peak, min_lr, warmup, total):
    """Warm-up from LinearLR, whose factor 1/w + (1 - 1/w)·s/(w-1) is
    (s+1)/w; then CosineAnnealingLR over total-1-warmup steps, which ends
    at eta_min on the last step."""
    def sgd():
        return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak)
    lrs = []
    if warmup > 0:
        opt = sgd()
        sched = torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=1.0 / warmup, end_factor=1.0,
            total_iters=max(warmup - 1, 1))
        for _ in range(warmup):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    opt = sgd()
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=total - 1 - warmup, eta_min=min_lr)
    for _ in range(warmup, total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def make_schedule():
    cases = []
    for peak, min_lr, warmup, total in [(1e-3, 1e-5, 5, 30), (3e-4, 0.0, 0, 12),
                                        (5e-2, 1e-3, 3, 4 + 3), (1e-3, 1e-6, 20, 200)]:
        cases.append({"peak": peak, "min_lr": min_lr, "warmup": warmup,
                      "total": total, "lrs": torch_schedule(peak, min_lr, warmup, total)})
    return {"cases": cases}


# ---- clipping ----

def clip_case(rng, max_norm, scale):
    grads = [(rng.standard_normal(n) * scale).astype(np.float32) for n in (37, 5, 128)]
    tensors = [torch.zeros(len(g), requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    if max_norm > 0:
        norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm).item()
    else:
        # Only measuring: torch has no such mode; its norm is the reference.
        norm = torch.norm(torch.stack([torch.norm(t.grad) for t in tensors])).item()
    return {"max_norm": max_norm, "grads": [f32_list(g) for g in grads],
            "norm": norm, "clipped": [f32_list(t.grad.numpy()) for t in tensors]}


def make_clip(rng):
    # The last case's norm (~1e-4) is small enough for torch's 1e-6 in the
    # coefficient to matter at the percent level.
    return {"cases": [clip_case(rng, 1.0, 1.0), clip_case(rng, 0.5, 0.01),
                      clip_case(rng, 100.0, 1.0), clip_case(rng, 0.0, 1.0),
                      clip_case(rng, 5e-5, 1e-5)]}


# ---- metrics ----

def pairwise_auc(scores, positive):
    """Share of (positive, negative) pairs with the positive scored higher,
    ties counting half; NaN when a class is absent."""
    pos = scores[positive].astype(np.float64)[:, None]
    neg = scores[~positive].astype(np.float64)[None, :]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def quadratic_kappa(truth, predicted, k):
    keep = (truth >= 0) & (truth < k) & (predicted >= 0) & (predicted < k)
    observed = np.zeros((k, k))
    np.add.at(observed, (truth[keep], predicted[keep]), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    i, j = np.mgrid[0:k, 0:k]
    w = (i - j) ** 2
    return float(1 - (w * observed).sum() / (w * expected).sum())


def auc_case(rng, n, decimals, prevalence):
    positive = rng.uniform(size=n) < prevalence
    scores = np.round(rng.standard_normal(n) + 0.8 * positive, decimals).astype(np.float32)
    return {"scores": f32_list(scores), "positive": positive.tolist(),
            "auc": pairwise_auc(scores, positive)}


def classify_case(rng, n, k, absent=None):
    labels = rng.randint(0, k, size=n)
    if absent is not None:
        labels[labels == absent] = (absent + 1) % k
    logits = rng.standard_normal((n, k)) + 1.2 * np.eye(k)[labels]
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    probs = np.round(probs, 2).astype(np.float32)  # ties, within and across rows
    aucs = [pairwise_auc(probs[:, c], labels == c) for c in range(k)]
    aucs = [a for a in aucs if not np.isnan(a)]
    return {"n_classes": k, "probs": f32_list(probs.ravel()), "labels": labels.tolist(),
            "accuracy": float(np.mean(np.argmax(probs, axis=1) == labels)),
            "macro_auc": float(np.mean(aucs))}


def kappa_case(rng, n, k, noise, drop_grade=None, invalid=0):
    truth = rng.randint(0, k, size=n)
    predicted = np.clip(truth + np.round(rng.standard_normal(n) * noise).astype(int), 0, k - 1)
    if drop_grade is not None:
        truth[truth == drop_grade] = drop_grade + 1
        predicted[predicted == drop_grade] = drop_grade - 1
    predicted[:invalid] = k + 2
    return {"n_classes": k, "truth": truth.tolist(), "predicted": predicted.tolist(),
            "kappa": quadratic_kappa(truth, predicted, k)}


def make_metrics(rng):
    return {
        "auc": [auc_case(rng, 200, 1, 0.3), auc_case(rng, 57, 0, 0.5),
                auc_case(rng, 400, 3, 0.1), auc_case(rng, 31, 2, 0.8)],
        "classify": [classify_case(rng, 300, 5), classify_case(rng, 120, 7, absent=3),
                     classify_case(rng, 90, 2)],
        "kappa": [kappa_case(rng, 250, 5, 0.8), kappa_case(rng, 100, 5, 2.0),
                  kappa_case(rng, 80, 3, 0.5),
                  # Grade 2 used by neither grading: the weights still
                  # follow the grade values (labels=range(K)).
                  kappa_case(rng, 150, 5, 1.0, drop_grade=2),
                  kappa_case(rng, 60, 5, 1.0, invalid=4)],
    }


def write(name, data):
    with open(os.path.join(OUT_DIR, name), "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    rng = np.random.RandomState(20240611)
    write("losses.json", make_losses(rng))
    write("adamw.json", make_adamw(rng))
    write("schedule.json", make_schedule())
    write("clip.json", make_clip(rng))
    write("metrics.json", make_metrics(rng))


if __name__ == "__main__":
    main()

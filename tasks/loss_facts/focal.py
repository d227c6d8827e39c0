"""IM-3a: per example, focal loss = (1 − p_t)^γ × cross-entropy, checked on the harness's
own focal loss (``harness.train.trainer.focal_loss``, what ``trainer.loss=focal`` trains)
against torch's cross-entropy over a grid of p_t in float64; and its autograd gradient
against the formula's. The gradient wrt the logits is g(p_t) × cross-entropy's, with
g = (1 − p_t)^(γ−1)·((1 − p_t) − γ p_t ln p_t) ≥ (1 − p_t)^γ: the factor a training step
feels is not the loss's (shown beside it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig

from harness.train.search import row, share
from harness.train.trainer import focal_loss

# margins z = ln(p_t/(1 − p_t)) = i·30/5,000 for |i| ≤ 5,000: 10,001 values of p_t from
# 9.4e-14 to 1 − 9.4e-14, p_t = 0.5 (z = 0) exactly on the grid, split over the chunks;
# every chunk also checks z = 0 itself (the seed's example)
Z_MAX, Z_STEPS = 30.0, 5_000
# setting -> (γ, classes); the wrong classes share 1 − p_t in proportions drawn per chunk
SETTINGS = {"γ = 2, 2 classes": (2.0, 2), "γ = 2, 10 classes": (2.0, 10),
            "γ = 1, 2 classes": (1.0, 2), "γ = 5, 2 classes": (5.0, 2)}

LOSS = "focal/CE against (1 − p_t)^γ: |p_t the ratio implies − p_t|, largest"
GRAD = "∂focal/∂z by autograd against g(p_t)·∂CE/∂z: absolute error, largest"
HALF = "focal/CE at p_t = 0.5 against 0.5^γ (0.25 at γ = 2): absolute error"
# shown beside them
LOSS_AT_HALF = "focal/CE at p_t = 0.5 (the loss's factor)"
GRAD_AT_HALF = "∂focal/∂z ÷ ∂CE/∂z at p_t = 0.5 (the gradient's factor)"


def logits(z: np.ndarray, wrong: np.ndarray) -> torch.Tensor:
    """(len(z), 1 + len(wrong)) logits whose class 0 has p_t = σ(z): the true logit 0, the
    wrong ones ln w_j − z (Σ w = 1), so Σ_{j≠t} e^{z_j} = e^{−z} exactly as in the formula."""
    return torch.tensor(np.c_[np.zeros_like(z), np.log(wrong)[None, :] - z[:, None]])


def reference(z: np.ndarray, wrong: np.ndarray, gamma: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(1 − p_t, g(p_t), ∂CE/∂z) from the margins in float64, each to a few ε relative:
    1 − p_t = σ(−z), ln p_t = −ln(1 + e^{−z}), softmax's wrong entries (1 − p_t)·w."""
    q, log_p = 1 / (1 + np.exp(z)), -np.logaddexp(0.0, -z)
    p = 1 / (1 + np.exp(-z))
    g = q ** (gamma - 1) * (q - gamma * p * log_p)
    return q, g, np.c_[-q, q[:, None] * wrong[None, :]]


def check(z: np.ndarray, wrong: np.ndarray, gamma: float, focal_fn=focal_loss
          ) -> dict[str, float]:
    """The members' values on margins ``z``: the focal loss (the harness's, or ``focal_fn``
    in the tests) and torch's cross-entropy (label 0), their ratio and gradients, against
    the formula."""
    x = logits(z, wrong).requires_grad_()
    y = torch.zeros(len(z), dtype=torch.long)
    focal = focal_fn(x, y, gamma)
    ce = F.cross_entropy(x, y, reduction="none")
    d_focal, = torch.autograd.grad(focal.sum(), x)
    d_ce, = torch.autograd.grad(ce.sum(), x)
    q, g, d_ref = reference(z, wrong, gamma)
    implied = (focal / ce).detach().numpy() ** (1 / gamma)  # 1 − p_t the ratio implies
    return {LOSS: np.abs(implied - q).max(),
            GRAD: np.abs(d_focal.numpy() - g[:, None] * d_ref).max(),
            "ratio": (focal / ce).detach().numpy(), "grad ratio": (d_focal / d_ce)[:, 0].numpy()}


def im3(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """IM-3a, one chunk, per setting: the chunk's share of the margin grid and z = 0."""
    z = share(np.arange(-Z_STEPS, Z_STEPS + 1), cfg, replicate) * (Z_MAX / Z_STEPS)
    rows = []
    for setting, (gamma, classes) in SETTINGS.items():
        wrong = rng.dirichlet(np.ones(classes - 1))
        grid, half = check(z, wrong, gamma), check(np.zeros(1), wrong, gamma)
        rows += [row(setting, LOSS, max(grid[LOSS], half[LOSS]), len(z) + 1, part="IM-3a"),
                 row(setting, GRAD, max(grid[GRAD], half[GRAD]), len(z) + 1, part="IM-3a"),
                 row(setting, HALF, abs(half["ratio"][0] - 0.5 ** gamma), 1, part="IM-3a"),
                 row(setting, LOSS_AT_HALF, half["ratio"][0], 1, part="IM-3a"),
                 row(setting, GRAD_AT_HALF, half["grad ratio"][0], 1, part="IM-3a")]
    return pd.DataFrame(rows)

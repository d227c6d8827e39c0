"""LS-1a: how the gradient wrt the logit grows with the error under cross-entropy and
under the squared error on the probability. With p = σ(z) and label 1, error e = 1 − p:
∂CE/∂z = p − y, of size e, rising with the error everywhere; ∂MSE/∂z = 2(p − y)p(1 − p),
of size 2e²(1 − e), rising up to e = 2/3 and falling back to 0 as e → 1 (the sigmoid's
saturation). Checked by autograd on torch's own losses over a grid of errors (float64)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig

from harness.train.search import row, share

# margins z = i·16/5,000 for |i| ≤ 5,000: 10,001 errors e = σ(−z) from 1.1e-7 to
# 1 − 1.1e-7, e = 0.5 exactly on the grid; chunk r takes every 8th (its own grid, step
# 0.0256 in z, so neighbours are the chunk's neighbours)
Z_MAX, Z_STEPS = 16.0, 5_000
SIGMOID, SOFTMAX = "p = σ(z), label 1", "softmax, 10 classes"
CLASSES = 10
# "误差增大…梯度会增大" judged where the example is still on the right side of the boundary
# (e ≤ 0.5); "误差很大" read as confidently wrong, e ≥ 0.9 (p_t ≤ 0.1)
SMALL, LARGE = 0.5, 0.9
# at the grid's largest error (1 − e ≈ 1.1e-7) a gradient proportional to 1 − e is
# ~1e-6 of its peak, one that levels off O(1): "toward 0" is below 1e-3 of the peak
VANISH = 1e-3

CE_GROWS = "CE: |∂L/∂z| rises with the error: smallest relative rise between neighbours"
MSE_RISES = (f"MSE: |∂L/∂z| rises with the error up to e = {SMALL}: smallest relative rise "
             "between neighbours")
MSE_FALLS = (f"MSE: |∂L/∂z| falls as the error grows past e = {LARGE}: largest relative "
             "change between neighbours")
MSE_VANISHES = "MSE: |∂L/∂z| at the largest error ÷ its peak"
# shown beside them
CE_IS_ERROR = "CE: ||∂L/∂z| − e|, largest"
MSE_PEAK = "MSE: the error where |∂L/∂z| peaks"
RATIO = "MSE ÷ CE: |∂L/∂z| ratio, largest"
TRUE_VANISHES = "MSE: |∂L/∂z_true| (the true class's logit alone) at the largest error ÷ its peak"


def logits(z: np.ndarray, wrong: np.ndarray) -> torch.Tensor:
    """(len(z), 1 + len(wrong)) logits whose class 0 has p = σ(z): the true logit 0 and the
    wrong ones ln w_j − z (Σ w = 1), the wrong mass e shared in proportions w."""
    return torch.tensor(np.c_[np.zeros_like(z), np.log(wrong)[None, :] - z[:, None]])


def gradients(z: np.ndarray, wrong: np.ndarray | None) -> dict[str, torch.Tensor]:
    """Per margin, the size of ∂L/∂z by autograd for CE and MSE (torch's own losses, label
    1 / class 0): on p = σ(z) (``wrong`` None), or on softmax outputs (the Euclidean norm
    over every logit, and the true logit's entry alone)."""
    if wrong is None:
        x = torch.tensor(z).requires_grad_()
        one = torch.ones_like(x)
        ce = F.binary_cross_entropy_with_logits(x, one, reduction="sum")
        mse = F.mse_loss(torch.sigmoid(x), one, reduction="sum")
        return {"ce": torch.autograd.grad(ce, x)[0].abs(),
                "mse": torch.autograd.grad(mse, x)[0].abs()}
    x = logits(z, wrong).requires_grad_()
    y = torch.zeros(len(z), dtype=torch.long)
    ce = F.cross_entropy(x, y, reduction="sum")
    mse = F.mse_loss(torch.softmax(x, -1), F.one_hot(y, x.shape[1]).double(), reduction="sum")
    d_mse = torch.autograd.grad(mse, x)[0]
    return {"ce": torch.autograd.grad(ce, x)[0].norm(dim=1), "mse": d_mse.norm(dim=1),
            "mse true": d_mse[:, 0].abs()}


def rises(g: np.ndarray, e: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Relative changes (g_{i+1} − g_i)/g_i between neighbouring errors (``e`` ascending)
    with both ends in [lo, hi]."""
    keep = (e[:-1] >= lo) & (e[1:] <= hi)
    return (np.diff(g) / g[:-1])[keep]


def ls1(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-1a, one chunk, per setting: the gradients on the chunk's share of the error grid,
    ordered by the error; the wrong classes' shares w drawn per chunk (Dirichlet(1))."""
    z = share(np.arange(Z_STEPS, -Z_STEPS - 1, -1), cfg, replicate) * (Z_MAX / Z_STEPS)
    e = 1 / (1 + np.exp(z))  # ascending: z runs from +16 down
    rows = []
    for setting, wrong in ((SIGMOID, None), (SOFTMAX, rng.dirichlet(np.ones(CLASSES - 1)))):
        g = {k: v.numpy() for k, v in gradients(z, wrong).items()}
        ce, mse = g["ce"], g["mse"]
        found = {CE_GROWS: rises(ce, e, 0, 1).min(), MSE_RISES: rises(mse, e, 0, SMALL).min(),
                 MSE_FALLS: rises(mse, e, LARGE, 1).max(), MSE_VANISHES: mse[-1] / mse.max(),
                 MSE_PEAK: e[mse.argmax()], RATIO: (mse / ce).max()}
        if wrong is None:
            found[CE_IS_ERROR] = np.abs(ce - e).max()
        else:
            found[TRUE_VANISHES] = g["mse true"][-1] / g["mse true"].max()
        rows += [row(setting, m, v, len(z), part="LS-1a") for m, v in found.items()]
    return pd.DataFrame(rows)

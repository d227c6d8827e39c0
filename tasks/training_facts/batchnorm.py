"""BD-8: after BN (before γ, β) every feature of a layer's input has batch mean 0 and
variance 1 (BD-8a), and is normally distributed (BD-8b)?

A small digits net is trained briefly inside the search (torch, float32), with BN after
the ReLU (the placement 001 recommends) or before it; BN's own function
(``F.batch_norm`` in training mode, no affine) is then applied in float64 to the BN
layer's inputs on held-out digits, in batches of the training batch size. BN is an affine
map per feature, x̂ = (x − mean)/√(var + ε): it fixes the first two moments but leaves
the shape (skewness, kurtosis) as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from scipy.stats import normaltest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from harness.train.search import row

HIDDEN, EPOCHS, BATCH, LR = 32, 10, 64, 1e-2  # a few seconds of Adam on digits
ALPHA = 0.05  # each feature's normality test (D'Agostino–Pearson K², skewness + kurtosis)
AFTER, BEFORE = "BN after ReLU", "BN before ReLU"
AFFINE = "BN after ReLU, after the trained γ and β"  # shown
MEAN = "|batch mean of x̂|, largest over features and batches"
VAR = "|batch variance of x̂ − var/(var + ε)|, largest over features and batches"
NORMAL = f"share of features whose x̂ fails a normality test (α = {ALPHA})"
# shown beside them
ONE = "|batch variance of x̂ − 1|, largest over features and batches"
CONSTANT = "share of features constant in a batch (x̂ ≡ 0: variance 0, not 1)"
SKEW = "|skewness| of x̂, median over features and batches"
SHAPE = "|Δ skewness| + |Δ excess kurtosis| across BN, largest"


def net(placement: str) -> nn.Sequential:
    """64 → HIDDEN → 10 with one BN layer after the ReLU (AFTER) or before it."""
    act = [nn.ReLU(), nn.BatchNorm1d(HIDDEN)] if placement == AFTER else [
        nn.BatchNorm1d(HIDDEN), nn.ReLU()]
    return nn.Sequential(nn.Linear(64, HIDDEN), *act, nn.Linear(HIDDEN, 10))


def trained(placement: str, x: torch.Tensor, y: torch.Tensor, seed: int) -> nn.Sequential:
    """``net(placement)`` after EPOCHS epochs of Adam in shuffled batches of BATCH."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = net(placement)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        for _ in range(EPOCHS):
            for idx in torch.randperm(len(x)).split(BATCH):
                opt.zero_grad()
                F.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
    return model


def split(rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_train, x_held_out, y_train): digits scaled to [0, 1], a stratified 80/20 split of
    the rng's own."""
    data = load_digits()
    x_tr, x_te, y_tr, _ = train_test_split(data.data / 16, data.target, test_size=0.2,
                                           stratify=data.target,
                                           random_state=int(rng.integers(2**31)))
    return (torch.tensor(x_tr, dtype=torch.float32), torch.tensor(x_te, dtype=torch.float32),
            torch.tensor(y_tr))


def moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: (skewness, excess kurtosis), by the standardized central moments."""
    c = x - x.mean(axis=0)
    m2 = (c**2).mean(axis=0)
    return (c**3).mean(axis=0) / m2**1.5, (c**4).mean(axis=0) / m2**2 - 3


def checks(x: torch.Tensor, eps: float, affine: tuple[torch.Tensor, torch.Tensor] | None
           ) -> dict[str, float]:
    """BN on one batch ``x`` (batch × features, float64) by torch's own function: the
    members' values (with ``affine``, only the shape of γx̂ + β is looked at)."""
    var = x.var(dim=0, unbiased=False)
    xh = F.batch_norm(x, None, None, training=True, eps=eps)
    live = (var > 0).numpy()
    out = xh if affine is None else xh * affine[0] + affine[1]
    after, before = out.numpy()[:, live], x.numpy()[:, live]
    skew, kurt = moments(after)
    found = {NORMAL: (normaltest(after, axis=0).pvalue < ALPHA).mean(),
             SKEW: np.median(np.abs(skew))}
    if affine is None:
        skew0, kurt0 = moments(before)
        found |= {MEAN: xh.mean(dim=0).abs().max().item(),
                  VAR: (xh.var(dim=0, unbiased=False) - var / (var + eps)).abs().max().item(),
                  ONE: (xh.var(dim=0, unbiased=False) - 1).abs().max().item(),
                  CONSTANT: 1 - live.mean(), SHAPE: (np.abs(skew - skew0)
                                                     + np.abs(kurt - kurt0)).max()}
    return found


def bd8(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """BD-8, one chunk: per placement, a net trained on the chunk's own split of digits;
    BN (before γ, β; and, shown, after them) on its BN layer's inputs over the held-out
    digits in batches of BATCH: the largest errors, the normality tests' rejection share
    and the shape statistics over every (batch, feature)."""
    x_tr, x_te, y_tr = split(rng)
    batches = torch.randperm(len(x_te), generator=torch.Generator().manual_seed(
        int(rng.integers(2**31))))[:len(x_te) // BATCH * BATCH].split(BATCH)
    rows = []
    for placement in (AFTER, BEFORE):
        model = trained(placement, x_tr, y_tr, int(rng.integers(2**31)))
        bn = next(m for m in model if isinstance(m, nn.BatchNorm1d))
        with torch.no_grad():
            inputs = model[:2 if placement == AFTER else 1](x_te).double()
            gamma, beta = bn.weight.double(), bn.bias.double()
        for setting, affine in [(placement, None)] + (
                [(AFFINE, (gamma, beta))] if placement == AFTER else []):
            found = pd.DataFrame([checks(inputs[i], bn.eps, affine) for i in batches])
            for member in found:
                how = "max" if member not in (NORMAL, SKEW, CONSTANT) else (
                    "median" if member == SKEW else "mean")
                rows.append(row(setting, member, found[member].agg(how),
                                len(batches) * HIDDEN))
    return pd.DataFrame(rows)



"""LS-8: the hinge, logistic and cross-entropy losses as convex upper bounds of the 0-1
loss, checked on a grid of margins m = f·y with torch's own losses where it has them."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig

from harness.train.search import row, share

Loss = Callable[[torch.Tensor], torch.Tensor]
# margins: m = i/5000 for |i| ≤ 50,000 (m ∈ [−10, 10], 0 exactly on the grid, 100,001
# points: the design notes' 10⁵); the cross-entropy of a prediction f ∈ [−1, 1] lives on
# m ∈ (−1, 1]: m = i/50,000 for −50,000 < i ≤ 50,000
WIDE, WIDE_STEPS = 10.0, 50_000
UNIT_STEPS = 50_000
LN, LOG2 = "ln", "log₂"


def hinge(m: torch.Tensor) -> torch.Tensor:
    """max(0, 1 − m)."""
    return torch.clamp(1 - m, min=0)


def logistic(m: torch.Tensor) -> torch.Tensor:
    """log(1 + e^(−m)) as torch computes it: binary cross-entropy with logits m, label 1."""
    return F.binary_cross_entropy_with_logits(m, torch.ones_like(m), reduction="none")


def cross_entropy(m: torch.Tensor) -> torch.Tensor:
    """−log((1 + m)/2): torch's binary cross-entropy of the probability p = (1 + f)/2 that a
    prediction f ∈ [−1, 1] gives the label, label 1 (m = f·y)."""
    p = (1 + m) / 2
    return F.binary_cross_entropy(p, torch.ones_like(p), reduction="none")


def exponential(m: torch.Tensor) -> torch.Tensor:
    """e^(−m), AdaBoost's loss (listed in the seed; shown)."""
    return torch.exp(-m)


# setting -> (loss, log base divisor, margin grid: (steps per unit, smallest i, largest i))
LOSSES: dict[str, tuple[Loss, float, tuple[int, int, int]]] = {
    "hinge": (hinge, 1.0, (WIDE_STEPS // 10, -WIDE_STEPS, WIDE_STEPS)),
    "exponential": (exponential, 1.0, (WIDE_STEPS // 10, -WIDE_STEPS, WIDE_STEPS)),
    **{f"logistic, {b}": (logistic, d, (WIDE_STEPS // 10, -WIDE_STEPS, WIDE_STEPS))
       for b, d in ((LN, 1.0), (LOG2, math.log(2)))},
    **{f"cross-entropy, {b}": (cross_entropy, d, (UNIT_STEPS, 1 - UNIT_STEPS, UNIT_STEPS))
       for b, d in ((LN, 1.0), (LOG2, math.log(2)))},
}
BOUND = "1[m ≤ 0] − ℓ(m), largest"
CONVEX = "(ℓ(m − δ) − 2ℓ(m) + ℓ(m + δ)) / max(1, ℓ(m)), smallest (δ the grid step)"
TOUCH = "ℓ(m) − 1[m ≤ 0], smallest"
PARTS = {"hinge": "LS-8a", "exponential": "LS-8a", "logistic": "LS-8b",
         "cross-entropy": "LS-8c"}


def ls8(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-8, one chunk: per loss of LOSSES, on the chunk's share of its margin grid (every
    R-th point), the largest excess of the 0-1 loss over ℓ, the smallest second difference
    with the grid's neighbours (relative), and the smallest gap ℓ − 0-1 (where ℓ touches)."""
    rows = []
    for setting, (loss, base, (per_unit, lo, hi)) in LOSSES.items():
        i = lo + share(np.arange(hi - lo + 1), cfg, replicate)
        inner = (i > lo) & (i < hi)
        m = torch.tensor(i, dtype=torch.float64) / per_unit
        left, mid, right = (loss(torch.tensor(np.clip(i + j, lo, hi), dtype=torch.float64)
                                 / per_unit) / base for j in (-1, 0, 1))  # ends: unused
        zero_one = (m <= 0).double()
        second = ((left - 2 * mid + right) / torch.clamp(mid, min=1))[torch.tensor(inner)]
        part = PARTS[setting.split(",")[0]]
        rows += [row(setting, BOUND, (zero_one - mid).max(), m.numel(), part=part),
                 row(setting, CONVEX, second.min(), int(inner.sum()), part=part),
                 row(setting, TOUCH, (mid - zero_one).min(), m.numel(), part=part)]
    return pd.DataFrame(rows)



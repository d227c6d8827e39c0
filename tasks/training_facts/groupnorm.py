"""NM-1: GroupNorm with one group is LayerNorm and with C groups InstanceNorm (before the
affine step), and for an (N, C, H, W) input GN, IN and LN compute N·G, N·C and N
mean/variance pairs, BN "一 个" (one).

The identities are checked on torch's own modules over random shapes; the pairs are
counted from the modules themselves, not from a formula: an output depends on exactly the
inputs that share its mean and variance, so the groups a module normalizes over are the
connected components of its Jacobian's non-zero pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from torch import nn
from torch.autograd.functional import jacobian

from harness.train.search import row

SHAPES, COUNTED = 32, 8  # random shapes per chunk: for the identities; for the counts
LIMITS = (8, 16, 8, 8)  # the identities' N, C, H, W are drawn from 1 … these (H·W ≥ 2)
COUNT_LIMITS = (4, 8, 4, 4)  # the counts' (a Jacobian of up to 512² entries each)
# the identities' tolerance on max |a − b| / max(1, max |b|): float64, 1e-12 (≈ 10⁴ ulp:
# different reduction orders over ≤ 1024 elements stay far below it); float32, 1e-5
# (≈ 80 ulp of 2⁻²³); a real difference, e.g. an unbiased variance (a factor
# √(n/(n − 1))) or another ε, is ≥ 5e-4 at these sizes (declared before the search)
TOL = {"float64": 1e-12, "float32": 1e-5}
LN = "|GroupNorm(1, C) − LayerNorm over (C, H, W)|, relative, largest"
IN = "|GroupNorm(C, C) − InstanceNorm2d|, relative, largest"
GN_PAIRS = "|pairs − N·G| (GroupNorm, G a divisor of C)"
IN_PAIRS = "|pairs − N·C| (InstanceNorm2d)"
LN_PAIRS = "|pairs − N| (LayerNorm over (C, H, W))"
BN_ONE = "|pairs − 1| (BatchNorm2d: the seed's 一 个)"
BN_C = "|pairs − C| (BatchNorm2d)"  # shown: what BN computes
COUNTS = "(N, C, H, W) input"


def shape(rng: np.random.Generator, limits: tuple[int, ...]) -> tuple[int, ...]:
    """A random (N, C, H, W) within ``limits``, with H·W ≥ 2 (InstanceNorm needs two
    spatial elements in training mode)."""
    while True:
        s = tuple(int(rng.integers(1, m + 1)) for m in limits)
        if s[2] * s[3] >= 2:
            return s


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a − b| / max(1, max |b|)."""
    return ((a - b).abs().max() / b.abs().max().clamp(min=1)).item()


def identities(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """NM-1a, one chunk: SHAPES random shapes, a standard-normal input each, in both
    dtypes: GroupNorm(1, C) against LayerNorm((C, H, W)) and GroupNorm(C, C) against
    InstanceNorm2d(C), affine off (torch's default ε = 1e-5 everywhere)."""
    worst = {(d, m): 0.0 for d in TOL for m in (LN, IN)}
    for _ in range(SHAPES):
        n, c, h, w = shape(rng, LIMITS)
        x = torch.from_numpy(rng.standard_normal((n, c, h, w)))
        for dtype in TOL:
            xd = x.to(getattr(torch, dtype))
            pairs = {LN: (nn.GroupNorm(1, c, affine=False),
                          nn.LayerNorm((c, h, w), elementwise_affine=False)),
                     IN: (nn.GroupNorm(c, c, affine=False), nn.InstanceNorm2d(c))}
            for member, (gn, other) in pairs.items():
                worst[dtype, member] = max(worst[dtype, member], relative(gn(xd), other(xd)))
    return pd.DataFrame([row(d, m, v, SHAPES) for (d, m), v in worst.items()])


def pairs(module: nn.Module, x: torch.Tensor) -> int:
    """How many mean/variance pairs ``module`` computes on ``x``: the connected components
    of the non-zero pattern of its Jacobian (outputs × inputs)."""
    jac = jacobian(module, x, vectorize=True).reshape(x.numel(), x.numel())
    linked = csr_matrix((jac != 0).numpy() | (jac != 0).numpy().T)
    return int(connected_components(linked, directed=False)[0])


def counts(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """NM-1b, NM-1c, one chunk: COUNTED random shapes (float64, standard-normal inputs,
    G a random divisor of C): each module's pairs against the seed's count."""
    worst = dict.fromkeys((GN_PAIRS, IN_PAIRS, LN_PAIRS, BN_ONE, BN_C), 0)
    for _ in range(COUNTED):
        n, c, h, w = shape(rng, COUNT_LIMITS)
        g = int(rng.choice([d for d in range(1, c + 1) if c % d == 0]))
        x = torch.from_numpy(rng.standard_normal((n, c, h, w)))
        bn = nn.BatchNorm2d(c, affine=False, dtype=torch.float64)  # training mode
        found = {GN_PAIRS: (nn.GroupNorm(g, c, affine=False), n * g),
                 IN_PAIRS: (nn.InstanceNorm2d(c), n * c),
                 LN_PAIRS: (nn.LayerNorm((c, h, w), elementwise_affine=False), n),
                 BN_ONE: (bn, 1), BN_C: (bn, c)}
        for member, (module, said) in found.items():
            worst[member] = max(worst[member], abs(pairs(module, x) - said))
    return pd.DataFrame([row(COUNTS, m, v, COUNTED) for m, v in worst.items()])

"""BD-10a: a sample's LayerNorm and GroupNorm outputs do not depend on the rest of its
batch; its BatchNorm output in train mode does.

Checked on torch's own modules over random shapes: sample 0 of a batch is normalized
twice, once with its companions and once with them replaced by fresh draws, and the two
outputs of sample 0 are compared. BatchNorm in eval mode (running statistics) is shown:
at test time it is per-sample too, which is why the claim is about training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn

from harness.train.search import row

from .groupnorm import LIMITS, relative, shape

SHAPES = 32  # random (N, C, H, W) per chunk, N ≥ 2, within groupnorm's LIMITS
# The design's tolerance on max |a − b| / max(1, max |b|) in float32: a per-sample
# statistic gives sample 0 the same arithmetic in both batches (0 in practice; 1e-6 is
# ~8 ulp of 2⁻²³). BN's train-mode change is at least BN_MOVES on every shape: replacing
# N − 1 of N standard-normal samples moves a channel's batch mean by ~1/√(N·H·W) of its
# SD; over 32 shapes of up to 8·8·8 elements the smallest change found in a look at one
# chunk before the rule was 6e-2 (BN_MOVES sits over an order below); below the LN tolerance
# (no change at all) refutes.
TOL, BN_MOVES = 1e-6, 1e-3
LN = "LayerNorm over (C, H, W): change of sample 0's output, relative, largest"
GN = "GroupNorm(G, C), G a random divisor of C: change of sample 0's output, largest"
BN = "BatchNorm2d, train mode: change of sample 0's output, relative, smallest"
BN_EVAL = "BatchNorm2d, eval mode (running statistics): change, largest"  # shown
SETTING = "float32, (N, C, H, W), N ≥ 2"


def companions(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """One chunk: SHAPES random shapes; per shape and module, sample 0's output with its
    companions and with them replaced (standard-normal inputs, affine off, ε = 1e-5)."""
    worst = {LN: 0.0, GN: 0.0, BN: np.inf, BN_EVAL: 0.0}
    for _ in range(SHAPES):
        n, c, h, w = shape(rng, (LIMITS[0] - 1, *LIMITS[1:]))
        n += 1
        g = int(rng.choice([d for d in range(1, c + 1) if c % d == 0]))
        x = torch.from_numpy(rng.standard_normal((n, c, h, w)).astype(np.float32))
        other = torch.cat([x[:1], torch.from_numpy(
            rng.standard_normal((n - 1, c, h, w)).astype(np.float32))])
        bn = nn.BatchNorm2d(c, affine=False)
        for member, module, train in (
                (LN, nn.LayerNorm((c, h, w), elementwise_affine=False), True),
                (GN, nn.GroupNorm(g, c, affine=False), True), (BN, bn, True),
                (BN_EVAL, bn, False)):
            change = relative(module.train(train)(other)[0], module(x)[0])
            worst[member] = (min if member == BN else max)(worst[member], change)
    return pd.DataFrame([row(SETTING, m, v, SHAPES) for m, v in worst.items()])

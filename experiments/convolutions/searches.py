"""The searches behind the convolution claims: each checks one chunk of a stated search on
torch's own modules and returns rows (setting, member, value, points) for the Check
family (harness/train/search.py). Parameter counts come from modules built on the meta
device, so a 2048-channel layer costs no memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from torch import nn

CHANNELS = 2048  # C_in and C_out are searched over 1 … CHANNELS
DRAWS = 64  # C_in values per chunk (replicate) of a search
KERNELS = (1, 3, 5, 7)
C_OUTS = (32, 64, 128, 256, 512, 1024)  # CV-1's settings: the output channels judged
BIAS_C_OUT = 256  # ... and the primary's with biases (scope)
CV1_FORMULA = "|torch count − formula|"
CV1_NEAR = "|9 × ratio − 1| at K = 3"


def count(*modules: nn.Module) -> int:
    """Parameters of the modules, as torch holds them."""
    return sum(p.numel() for m in modules for p in m.parameters())


def separable(c_in: int, c_out: int, k: int, bias: bool) -> tuple[int, int]:
    """(parameters of a depthwise k×k conv (groups = c_in) then a 1×1 conv, parameters of a
    standard k×k conv), both c_in → c_out, built on the meta device."""
    def conv(i: int, o: int, kk: int, groups: int = 1) -> nn.Conv2d:
        return nn.Conv2d(i, o, kk, groups=groups, bias=bias, device="meta")
    return (count(conv(c_in, c_in, k, groups=c_in), conv(c_in, c_out, 1)),
            count(conv(c_in, c_out, k)))


def separable_formula(c_in: int, c_out: int, k: int, bias: bool) -> tuple[int, int]:
    """The same two counts (of arrays too) by the textbook formula: K²·C_in + C_in·C_out
    (+ C_in + C_out biases) against K²·C_in·C_out (+ C_out)."""
    return (k * k * c_in + c_in * c_out + bias * (c_in + c_out),
            k * k * c_in * c_out + bias * c_out)


def chunk(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> np.ndarray:
    """Chunk ``replicate``'s share of the channel counts 1 … CHANNELS (every R-th, R the
    replicates), in the order the rng shuffles them: the chunks cover the grid exactly
    once, whatever the seed."""
    return rng.permutation(np.arange(1 + replicate, CHANNELS + 1, cfg.trainer.replicates))


def cv1(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-1, one chunk: for every output channel count of C_OUTS without biases (the
    settings; one with biases beside them), the ratio separable / standard at K = 3 by the
    formula over the chunk's whole share of C_in, and torch's counts against the formula
    at DRAWS of those C_in, every kernel of KERNELS and bias off and on."""
    c_in = chunk(cfg, replicate, rng)
    rows = []
    for c_out, bias in [*((c, False) for c in C_OUTS), (BIAS_C_OUT, True)]:
        sep, std = separable_formula(c_in, c_out, 3, bias)
        formula = max(abs(a - b) for c in c_in[:DRAWS].tolist() for k in KERNELS
                      for both in (False, True) for a, b in zip(
                          separable(c, c_out, k, both), separable_formula(c, c_out, k, both),
                          strict=True))
        setting = f"C_out = {c_out}" + (", with biases" if bias else "")
        rows += [{"setting": setting, "member": CV1_FORMULA, "value": formula,
                  "points": min(DRAWS, c_in.size) * len(KERNELS) * 2},
                 {"setting": setting, "member": CV1_NEAR,
                  "value": float(np.max(np.abs(9 * sep / std - 1))), "points": c_in.size}]
    return pd.DataFrame(rows)

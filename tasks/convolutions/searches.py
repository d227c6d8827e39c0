"""The searches behind the convolution claims CV-1 … CV-3 (CV-4's: :mod:`.pointwise`;
CV-5's: :mod:`.boxes`): each checks one chunk of a stated search on torch's own modules
and returns rows (setting, member, value, points) for the Check family
(harness/train/search.py). Parameter counts and multiply-adds come from modules built on
the meta device, so a 2048-channel layer costs no memory; receptive fields and linearity
from float64 modules with weights drawn from the chunk's seed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from harness.train.search import share

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
    return rng.permutation(share(np.arange(1, CHANNELS + 1), cfg, replicate))


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


# ---- CV-2 and CV-3: receptive fields, parameters, multiply-adds and linearity
STACK_CHANNELS = (1, 16, 64, 256)  # C of CV-2's and CV-3a's counts (C in = C out)
# ... and of their receptive fields: a field is set by the kernels' shapes, C only adds
# paths through channels, and C = 256 costs 0.1 s a net in float64
FIELD_CHANNELS = (1, 16, 64)
STACKS = {"two 3×3 vs one 5×5": 2, "three 3×3 vs one 7×7": 3}  # CV-2's settings: layers
FACTORED = (7, 3, 5)  # CV-3's n (1×n then n×1 against n×n); 7 the primary
GRID = 17  # the feature map the multiply-adds are counted on: Inception v3's 1×7 grid
# an affine map's affinity defect is rounding: a sum of at most 7²·64 = 3136 float64
# products rounds by ≤ 3136·2⁻⁵³ ≈ 3.5e-13 of the sum of |terms|; 1e-9 leaves a factor of
# 3000 for cancellation. A defect 1000× above that is no rounding: non-linear
ROUNDING, NONLINEAR = 1e-9, 1e-6
LINEAR_CHANNELS = (1, 16, 64)  # C of the linearity checks (C in = C out)
FIELD = "input pixels off the K×K receptive field"
FORMULA = CV1_FORMULA
FEWER = "stacked / single parameters"
MACS = "|pair / single multiply-adds − 2/n|"
SINGLE_DEFECT, PAIR_DEFECT = "n×n conv: affinity defect", "1×n, n×1 pair: affinity defect"
BETWEEN = {"ReLU between (Inception v3)": nn.ReLU, "nothing between": nn.Identity}


def generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from the chunk's rng (weights and inputs are its draws)."""
    return torch.Generator().manual_seed(int(rng.integers(2 ** 62)))


def randomized(net: nn.Module, g: torch.Generator) -> nn.Module:
    """``net`` in float64 with every parameter drawn N(0, 1) from ``g`` (the checks below
    hold for almost every weight, so the scale of an initialisation does not matter)."""
    net = net.double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))
    return net


def off_field(net: nn.Module, c: int, k: int) -> int:
    """Input pixels where the receptive field of ``net``'s centre output differs from the
    k×k square around the centre: the support of ∂(Σ_channels out[centre])/∂input
    (autograd), on a (k + 4)² input, against the square (their symmetric difference)."""
    side = k + 4
    x = torch.zeros(1, c, side, side, dtype=torch.float64, requires_grad=True)
    out = net(x)
    grad, = torch.autograd.grad(out[0, :, out.shape[2] // 2, out.shape[3] // 2].sum(), x)
    square = torch.zeros(side, side, dtype=torch.bool)
    square[2:-2, 2:-2] = True
    return int(((grad[0] != 0).any(0) ^ square).sum())


def conv(c: int, k: int | tuple[int, int], bias: bool = True, device: str = "cpu"
         ) -> nn.Conv2d:
    """A C → C conv with kernel k, padded to keep the map's size."""
    kh, kw = (k, k) if isinstance(k, int) else k
    return nn.Conv2d(c, c, (kh, kw), padding=(kh // 2, kw // 2), bias=bias, device=device)


def stack(c: int, layers: int, bias: bool = True, device: str = "cpu") -> nn.Sequential:
    """``layers`` stacked 3×3 convs, C → C (CV-2)."""
    return nn.Sequential(*(conv(c, 3, bias, device) for _ in range(layers)))


def factored(c: int, n: int, between: type[nn.Module] = nn.Identity, bias: bool = True,
             device: str = "cpu") -> nn.Sequential:
    """A 1×n conv, ``between``, then an n×1 conv, C → C (CV-3)."""
    return nn.Sequential(conv(c, (1, n), bias, device), between(), conv(c, (n, 1), bias, device))


def cv2(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-2, one chunk: per setting (L stacked 3×3 convs against one K×K, K = 2L + 1), both
    receptive fields under freshly drawn weights at every C of FIELD_CHANNELS, and at
    every C of STACK_CHANNELS torch's parameter counts (bias off and on) against
    9L·C² (+ L·C) and K²·C² (+ C)."""
    g, rows = generator(rng), []
    for setting, layers in STACKS.items():
        k, off, formula, fewer = 2 * layers + 1, 0, 0, 0.0
        for c in FIELD_CHANNELS:
            off += (off_field(randomized(stack(c, layers), g), c, k)
                    + off_field(randomized(conv(c, k), g), c, k))
        for c in STACK_CHANNELS:
            for bias in (False, True):
                small = count(stack(c, layers, bias, "meta"))
                large = count(conv(c, k, bias, "meta"))
                formula = max(formula, abs(small - layers * (9 * c * c + bias * c)),
                              abs(large - (k * k * c * c + bias * c)))
                fewer = max(fewer, small / large)
        n = len(STACK_CHANNELS)
        rows += [{"setting": setting, "member": FIELD, "value": off,
                  "points": len(FIELD_CHANNELS)},
                 {"setting": setting, "member": FORMULA, "value": formula, "points": 4 * n},
                 {"setting": setting, "member": FEWER, "value": fewer, "points": 2 * n}]
    return pd.DataFrame(rows)


def multiply_adds(net: nn.Module, c: int) -> int:
    """Multiply-adds of ``net`` (on the meta device) on one C × GRID × GRID map, as torch's
    own flop counter counts them (2 flops per multiply-add; biases not counted)."""
    with FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, c, GRID, GRID, device="meta"))
    return counter.get_total_flops() // 2


def cv3a(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-3a, one chunk: per n of FACTORED (the settings), the receptive fields of 1×n then
    n×1 and of n×n under freshly drawn weights at every C of FIELD_CHANNELS, and at every
    C of STACK_CHANNELS torch's parameter counts (bias off and on) against 2n·C² (+ 2C)
    and n²·C² (+ C), and the ratio of their multiply-adds on the same map against 2/n."""
    g, rows = generator(rng), []
    for n in FACTORED:
        off, formula, macs = 0, 0, 0.0
        for c in FIELD_CHANNELS:
            off += (off_field(randomized(factored(c, n), g), c, n)
                    + off_field(randomized(conv(c, n), g), c, n))
        for c in STACK_CHANNELS:
            for bias in (False, True):
                formula = max(formula, abs(count(factored(c, n, bias=bias, device="meta"))
                                           - 2 * (n * c * c + bias * c)),
                              abs(count(conv(c, n, bias, "meta")) - (n * n * c * c + bias * c)))
            ratio = (multiply_adds(factored(c, n, device="meta"), c)
                     / multiply_adds(conv(c, n, device="meta"), c))
            macs = max(macs, abs(ratio - 2 / n))
        size, setting = len(STACK_CHANNELS), f"n = {n}"
        rows += [{"setting": setting, "member": FIELD, "value": off,
                  "points": len(FIELD_CHANNELS)},
                 {"setting": setting, "member": FORMULA, "value": formula, "points": 4 * size},
                 {"setting": setting, "member": MACS, "value": macs, "points": size}]
    return pd.DataFrame(rows)


def affinity_defect(f: nn.Module, shape: tuple[int, ...], g: torch.Generator) -> float:
    """How far ``f`` is from affine on random inputs: ‖f(ax + by) − a·f(x) − b·f(y)‖∞ over
    ‖a·f(x)‖∞ + ‖b·f(y)‖∞, with x, y ~ N(0, 1), a ~ U(−1, 2) and b = 1 − a (an affine
    combination, so a bias, which makes a conv affine, is not taken for a non-linearity)."""
    x, y = (torch.randn(shape, generator=g, dtype=torch.float64) for _ in range(2))
    a = float(3 * torch.rand((), generator=g, dtype=torch.float64) - 1)
    with torch.no_grad():
        fx, fy = a * f(x), (1 - a) * f(y)
        return float((f(a * x + (1 - a) * y) - fx - fy).abs().max()
                     / (fx.abs().max() + fy.abs().max()))


def cv3b(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-3b, one chunk: for every n of FACTORED and C of LINEAR_CHANNELS, freshly drawn
    weights and inputs (C × GRID × GRID), the affinity defect of the n×n conv (its largest
    over n and C) and of 1×n, [ReLU or nothing], n×1 (its smallest: every pair must show
    its non-linearity), per setting of BETWEEN."""
    g, rows = generator(rng), []
    size = len(FACTORED) * len(LINEAR_CHANNELS)
    for setting, between in BETWEEN.items():
        single, pair = 0.0, math.inf
        for n in FACTORED:
            for c in LINEAR_CHANNELS:
                shape = (1, c, GRID, GRID)
                single = max(single, affinity_defect(randomized(conv(c, n), g), shape, g))
                pair = min(pair, affinity_defect(randomized(factored(c, n, between), g),
                                                 shape, g))
        rows += [{"setting": setting, "member": SINGLE_DEFECT, "value": single, "points": size},
                 {"setting": setting, "member": PAIR_DEFECT, "value": pair, "points": size}]
    return pd.DataFrame(rows)

"""CV-4's searches: what a 1×1 convolution does, checked on torch's own modules (float64,
weights and inputs drawn from the chunk's seed; parameter counts and shapes on the meta
device). Each search returns rows (setting, member, value, points) for the Check family
(harness/train/search.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn
from torch.func import jacrev

from .searches import FORMULA, affinity_defect, count, generator, randomized

MIXED_CHANNELS = 256  # CV-4a and CV-4c draw C_in and C_out from 1 … MIXED_CHANNELS
RESIZED_CHANNELS = 2048  # CV-4b draws them from 1 … RESIZED_CHANNELS (meta device)
LAYERS = 16  # random layers (C_in, C_out, map size) per chunk, CV-4a and CV-4c
SHAPES = 64  # random layers per chunk and setting, CV-4b
SIDE = 16  # maps are 1 … SIDE pixels a side (CV-4a, CV-4b); CV-4c's are SIDE × SIDE

# CV-4a
LINEAR_GAP = "|1×1 conv − nn.Linear per pixel| / max|output|"
OFF_PIXEL = "∂out/∂in ≠ 0 off the output's own pixel"
UNMIXED = "(C_out, C_in) pairs with ∂out/∂in = 0 at its own pixel"
EVERY_PIXEL = "C_in and C_out ≤ 256"
# CV-4b
SHAPE = "sizes of the output ≠ (N, C_out, H, W)"
SHRINK, GROW = "降维: C_out < C_in", "升维: C_out > C_in"
# CV-4c
DEFECT = "affinity defect"
AFTER = {"the 1×1 conv alone": nn.Identity, "the 1×1 conv then a ReLU": nn.ReLU}


def draw_channels(rng: np.random.Generator, top: int) -> tuple[int, int]:
    """(C_in, C_out), each uniform on 1 … top."""
    c_in, c_out = rng.integers(1, top + 1, 2)
    return int(c_in), int(c_out)


def centre_jacobian(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """∂ layer(x)[0, :, centre] / ∂x[0] (torch.func.jacrev): every output channel at the
    centre pixel against every input entry."""
    def centre(z: torch.Tensor) -> torch.Tensor:
        return layer(z)[0, :, z.shape[2] // 2, z.shape[3] // 2]
    return jacrev(centre)(x)[:, 0]


def cv4a(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-4a, one chunk: LAYERS random 1×1 convs (with biases) against nn.Linear holding
    the same weights, applied at every pixel of random N(0, 1) maps; and the Jacobian of the
    conv's output at one pixel (every channel) in a 3×3 input (torch.func.jacrev): it must
    be non-zero for every (C_out, C_in) pair at that pixel and zero at the 8 others."""
    g = generator(rng)
    gap, off, unmixed = 0.0, 0, 0
    for _ in range(LAYERS):
        c_in, c_out = draw_channels(rng, MIXED_CHANNELS)
        layer = randomized(nn.Conv2d(c_in, c_out, 1), g)
        linear = nn.Linear(c_in, c_out).double()
        linear.load_state_dict({"weight": layer.weight.flatten(1), "bias": layer.bias})
        side = int(rng.integers(1, SIDE + 1))
        x = torch.randn(2, c_in, side, side, generator=g, dtype=torch.float64)
        with torch.no_grad():
            out = layer(x)
            per_pixel = linear(x.movedim(1, -1)).movedim(-1, 1)
        gap = max(gap, float((out - per_pixel).abs().max() / out.abs().max()))
        x3 = torch.randn(1, c_in, 3, 3, generator=g, dtype=torch.float64)
        jac = centre_jacobian(layer, x3)  # (C_out, C_in, 3, 3)
        own = torch.zeros(3, 3, dtype=torch.bool)
        own[1, 1] = True
        off += int((jac[..., ~own] != 0).sum())
        unmixed += int((jac[..., own] == 0).sum())
    return pd.DataFrame([{"setting": EVERY_PIXEL, "member": m, "value": v, "points": LAYERS}
                         for m, v in ((LINEAR_GAP, gap), (OFF_PIXEL, off), (UNMIXED, unmixed))])


def cv4b(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-4b, one chunk: per setting, SHAPES random 1×1 convs C_in → C_out (C_out below
    or above C_in) on the meta device: the output's shape on a random N × C_in × H × W
    input against (N, C_out, H, W), and torch's parameter count (bias off and on) against
    C_in·C_out (+ C_out)."""
    rows = []
    for setting in (SHRINK, GROW):
        wrong, formula = 0, 0
        for _ in range(SHAPES):
            low, high = sorted(rng.choice(RESIZED_CHANNELS, 2, replace=False) + 1)
            c_in, c_out = (high, low) if setting == SHRINK else (low, high)
            n, h, w = rng.integers(1, SIDE + 1, 3)
            for bias in (False, True):
                layer = nn.Conv2d(int(c_in), int(c_out), 1, bias=bias, device="meta")
                formula = max(formula, abs(count(layer) - (c_in * c_out + bias * c_out)))
            shape = layer(torch.empty(n, c_in, h, w, device="meta")).shape
            wrong += sum(a != b for a, b in zip(shape, (n, c_out, h, w), strict=True))
        rows += [{"setting": setting, "member": SHAPE, "value": wrong, "points": SHAPES},
                 {"setting": setting, "member": FORMULA, "value": formula,
                  "points": 2 * SHAPES}]
    return pd.DataFrame(rows)


def cv4c(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-4c, one chunk: per setting of AFTER, LAYERS random 1×1 convs (with biases), alone
    or followed by a ReLU, and the smallest affinity defect among them on C_in × SIDE ×
    SIDE inputs (every layer must show its non-linearity)."""
    g, rows = generator(rng), []
    for setting, after in AFTER.items():
        defect = min(affinity_defect(
            nn.Sequential(randomized(nn.Conv2d(c_in, c_out, 1), g), after()),
            (1, c_in, SIDE, SIDE), g)
            for c_in, c_out in (draw_channels(rng, MIXED_CHANNELS) for _ in range(LAYERS)))
        rows.append({"setting": setting, "member": DEFECT, "value": defect, "points": LAYERS})
    return pd.DataFrame(rows)

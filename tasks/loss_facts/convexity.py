"""LS-9: with a sigmoid output, the squared error is non-convex in the weights and the
cross-entropy convex, checked by autograd's second derivatives and Hessians (float64),
and apart, for one hidden layer, by midpoint convexity along segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.autograd.functional import hessian
from torch.func import functional_call, grad, vmap

from harness.train.search import row, share

GRID, PER_UNIT = 20, 1000  # w = i/1000 on [−20, 20]: 40,001 points, split over the chunks
WEIGHTS = 32  # logistic-regression weight points per chunk: 8 × 32 = 256 Hessians
SCALES = (-1.0, 1.5)  # their norm, log₁₀-uniform: 0.1 … ~30 (logits from ~0.1 to ~100)
HIDDEN = 8  # sigmoid units of the one-hidden-layer network
PAIRS = 32  # random segments per chunk and loss, besides one between permuted optima
FIT_STEPS = 50  # L-BFGS iterations to a (local) optimum of the network
PRIMARY, NET = "sigmoid unit and logistic regression", "one hidden layer"

MSE_1D = "(σ(w) − 1)²: second derivative, smallest"
CE_1D = "−ln σ(w): second derivative, smallest"
MSE_LR = "squared error, logistic regression: Hessian λmin/|λ|max, smallest"
CE_LR = "cross-entropy, logistic regression: Hessian λmin/|λ|max, smallest"
MSE_NET = "squared error, one hidden layer: L(midpoint)/mean L(ends) − 1, largest"
CE_NET = "cross-entropy, one hidden layer: L(midpoint)/mean L(ends) − 1, largest"


def squared(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean (σ(z) − y)²."""
    return ((torch.sigmoid(z) - y) ** 2).mean()


def cross_entropy(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean −[y ln σ(z) + (1 − y) ln(1 − σ(z))], torch's binary cross-entropy with logits."""
    return F.binary_cross_entropy_with_logits(z, y)


LOSSES = {"squared error": squared, "cross-entropy": cross_entropy}


def data() -> tuple[torch.Tensor, torch.Tensor]:
    """Breast cancer (569 samples), standardized, with a column of ones (the bias)."""
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    return torch.tensor(np.c_[x, np.ones(len(x))]), torch.tensor(y, dtype=torch.float64)


def second_derivatives(w: torch.Tensor) -> dict[str, torch.Tensor]:
    """d²/dw² of (σ(w) − 1)² and of −ln σ(w) at every w, by autograd."""
    one = torch.ones((), dtype=torch.float64)
    return {MSE_1D: vmap(grad(grad(lambda v: squared(v, one))))(w),
            CE_1D: vmap(grad(grad(lambda v: cross_entropy(v, one))))(w)}


def curvature(loss, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> float:
    """λmin/|λ|max of the Hessian of loss(x·w, y) in w (scale-free: eigvalsh's rounding is
    ~d·ε of the largest eigenvalue)."""
    eig = torch.linalg.eigvalsh(hessian(lambda v: loss(x @ v, y), w, vectorize=True))
    return float(eig.min() / eig.abs().max())


def midpoint_excess(loss, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator
                    ) -> float:
    """Largest L(midpoint)/mean L(ends) − 1 over PAIRS segments between two random
    networks (torch's default init) and one between a fitted network and the same network
    with its hidden units permuted (equal losses at the ends)."""
    torch.manual_seed(int(rng.integers(2**62)))

    def net() -> nn.Module:
        return nn.Sequential(nn.Linear(x.shape[1], HIDDEN), nn.Sigmoid(),
                             nn.Linear(HIDDEN, 1)).double()

    model = net()

    def at(params: dict[str, torch.Tensor]) -> float:
        return float(loss(functional_call(model, params, x)[:, 0], y))

    def params(m: nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in m.named_parameters()}

    opt = torch.optim.LBFGS(model.parameters(), max_iter=FIT_STEPS)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        out = loss(model(x)[:, 0], y)
        out.backward()
        return out

    opt.step(closure)
    fitted = params(model)
    roll = np.roll(np.arange(HIDDEN), 1)  # a permutation that moves every unit
    permuted = {"0.weight": fitted["0.weight"][roll], "0.bias": fitted["0.bias"][roll],
                "2.weight": fitted["2.weight"][:, roll], "2.bias": fitted["2.bias"]}
    ends = [(fitted, permuted), *((params(net()), params(net())) for _ in range(PAIRS))]
    return max(at({k: (a[k] + b[k]) / 2 for k in a}) / ((at(a) + at(b)) / 2) - 1
               for a, b in ends)


def ls9(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-9, one chunk: second derivatives on the chunk's share of the w grid; Hessians
    of both losses of logistic regression at WEIGHTS random weights; and, for one hidden
    layer, both losses' largest midpoint excess (:func:`midpoint_excess`)."""
    w = torch.tensor(share(np.arange(2 * GRID * PER_UNIT + 1), cfg, replicate) - GRID * PER_UNIT,
                     dtype=torch.float64) / PER_UNIT
    rows = [row(PRIMARY, m, v.min(), w.numel(), part="LS-9")
            for m, v in second_derivatives(w).items()]
    x, y = data()
    u = rng.standard_normal((WEIGHTS, x.shape[1]))
    u *= 10.0 ** rng.uniform(*SCALES, (WEIGHTS, 1)) / np.linalg.norm(u, axis=1, keepdims=True)
    for member, loss in ((MSE_LR, squared), (CE_LR, cross_entropy)):
        rows.append(row(PRIMARY, member,
                        min(curvature(loss, x, y, torch.tensor(v)) for v in u), WEIGHTS,
                        part="LS-9"))
    for member, loss in ((MSE_NET, squared), (CE_NET, cross_entropy)):
        rows.append(row(NET, member, midpoint_excess(loss, x, y, rng), PAIRS + 1, part="LS-9"))
    return pd.DataFrame(rows)

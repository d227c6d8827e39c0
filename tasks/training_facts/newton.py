"""OP-6: along Newton's iterations on L2-regularized logistic regression, does the inverse
Hessian keep decreasing (Loewner order), and is it what shrinks Newton's steps?

The objective is scikit-learn's, F(w, b) = ½‖w‖² + C Σ log(1 + exp(−yᵢ(xᵢ·w + b))), the
intercept b unpenalized, in float64 from (w, b) = 0. Its Hessian is H = P + C X̃ᵀDX̃ with
P = diag(1, …, 1, 0) and D = diag(pᵢ(1 − pᵢ)); since p(1 − p) ≤ ¼ with equality at
p = ½, i.e. at the start, H(w) ⪯ H(0) for every w: the inverse can only grow away from
w = 0. The search checks the Loewner order at every iteration of every path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from scipy.linalg import cho_factor, cho_solve, eigh
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.preprocessing import StandardScaler

from harness.train.search import row, share

# the L2 strength: scikit-learn's default C = 1 at the centre of a grid of four per decade
# over 10⁻² … 10² (C = 1/λ: strong to weak regularization), split over the chunks
C_GRID = tuple(10.0 ** (k / 4) for k in range(-8, 9))
GTOL = 1e-10  # stop when ‖∇F‖ ≤ GTOL·‖∇F(0)‖ (quadratic convergence gets there in a few)
MAX_ITER = 100
ARMIJO = 1e-4  # backtracking: the full step unless F fails to fall by ARMIJO·s·gᵀΔ
# "keeps decreasing" read as H⁻¹ₖ₊₁ ⪯ H⁻¹ₖ; a violation is −λmin(H⁻¹ₖ − H⁻¹ₖ₊₁) relative
# to λmax(H⁻¹ₖ), judged beyond 1e-10 (the design notes' tolerance: float64 inverses of the
# Hessians met here are exact to ~κ·2⁻⁵³, far below it; declared before the search)
TOL = 1e-10
BREAST, SYNTHETIC = "breast_cancer (standardized)", "make_classification (500 × 20)"
VIOLATION = "−λmin(H⁻¹ₖ − H⁻¹ₖ₊₁) / λmax(H⁻¹ₖ), largest over iterations"
# shown beside it (not judged): what the inverse Hessian and the gradient do along a path
LAMBDA = "λmax(H⁻¹) at the last iterate / at 0, smallest over paths"
TRACE = "trace(H⁻¹) at the last iterate / at 0, smallest over paths"
GRAD = "‖∇F‖ at the last iterate / at 0, largest over paths"
STEP = "Newton step ‖H⁻¹∇F‖ at the last iterate / at 0, largest over paths"


@dataclass(frozen=True)
class Path:
    """One Newton path: per iterate k = 0 … K, the iterate, the Hessian, the gradient's norm
    and the Newton step's norm ‖H⁻¹g‖ (the step actually taken is s·H⁻¹g, s from
    backtracking)."""

    thetas: list[np.ndarray]
    hessians: list[np.ndarray]
    grads: np.ndarray
    steps: np.ndarray
    theta: np.ndarray  # the last iterate (w, b)


def newton(x: np.ndarray, y: np.ndarray, c: float) -> Path:
    """Damped Newton (full step unless backtracking must shorten it) from (w, b) = 0."""
    xt, pen = np.c_[x, np.ones(len(x))], np.r_[np.ones(x.shape[1]), 0.0]
    sign = 2.0 * y - 1.0

    def objective(t: np.ndarray) -> float:
        return 0.5 * pen @ t**2 + c * np.logaddexp(0.0, -sign * (xt @ t)).sum()

    theta, thetas, hessians, grads, steps = np.zeros(xt.shape[1]), [], [], [], []
    for _ in range(MAX_ITER):
        p = expit(xt @ theta)
        g = pen * theta + c * xt.T @ (p - y)
        h = np.diag(pen) + c * (xt.T * (p * (1 - p))) @ xt
        delta = -cho_solve(cho_factor(h), g)
        thetas.append(theta), hessians.append(h)
        grads.append(np.linalg.norm(g)), steps.append(np.linalg.norm(delta))
        if grads[-1] <= GTOL * grads[0]:
            break
        s, f0 = 1.0, objective(theta)
        while objective(theta + s * delta) > f0 + ARMIJO * s * g @ delta and s > 1e-10:
            s /= 2
        theta = theta + s * delta
    return Path(thetas, hessians, np.array(grads), np.array(steps), theta)


def inverse(h: np.ndarray) -> np.ndarray:
    """H⁻¹ by Cholesky, symmetrized."""
    inv = cho_solve(cho_factor(h), np.eye(len(h)))
    return (inv + inv.T) / 2


def violations(path: Path) -> np.ndarray:
    """Per iteration k: −λmin(H⁻¹ₖ − H⁻¹ₖ₊₁) / λmax(H⁻¹ₖ) (> 0: H⁻¹ did not decrease)."""
    inv = [inverse(h) for h in path.hessians]
    return np.array([-eigh(a - b, eigvals_only=True)[0] / eigh(a, eigvals_only=True)[-1]
                     for a, b in zip(inv, inv[1:], strict=False)])


def dataset(setting: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A setting's data, standardized: breast_cancer as shipped, or a fresh
    make_classification draw (5 informative features of 20, scikit-learn's 1% label noise)."""
    if setting == BREAST:
        x, y = load_breast_cancer(return_X_y=True)
    else:
        x, y = make_classification(500, 20, n_informative=5,
                                   random_state=int(rng.integers(2**31)))
    return StandardScaler().fit_transform(x), y.astype(float)


def op6(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """OP-6, one chunk: the Newton path at each C of the chunk's share of C_GRID, on
    breast_cancer and on one make_classification draw; the Loewner check at every
    iteration, and the inverse Hessian's and the gradient's end-to-start ratios beside it."""
    rows = []
    for setting in (BREAST, SYNTHETIC):
        x, y = dataset(setting, rng)
        paths = [newton(x, y, c) for c in share(C_GRID, cfg, replicate)]
        worst = [violations(p) for p in paths]
        inv = [(inverse(p.hessians[0]), inverse(p.hessians[-1])) for p in paths]
        pairs = sum(v.size for v in worst)
        rows += [row(setting, VIOLATION, max(v.max() for v in worst), pairs),
                 row(setting, LAMBDA, min(np.linalg.eigvalsh(b)[-1] / np.linalg.eigvalsh(a)[-1]
                                          for a, b in inv), len(paths)),
                 row(setting, TRACE, min(np.trace(b) / np.trace(a) for a, b in inv), len(paths)),
                 row(setting, GRAD, max(p.grads[-1] / p.grads[0] for p in paths), len(paths)),
                 row(setting, STEP, max(p.steps[-1] / p.steps[0] for p in paths), len(paths))]
    return pd.DataFrame(rows)

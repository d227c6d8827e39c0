"""OP-5a, OP-5b: SGD with a constant step on a strongly convex objective, and gradient
descent with a fixed step near the optimum.

Each chunk draws its problems and start afresh and runs, in float64 numpy, per-example
SGD (the seed's loop: shuffle, one example a step) at three constant steps and with a
decaying one, and full-batch gradient descent at two fixed steps in the stable range
(0, 2/L). Suboptimality is relative, (f − f*)/(f(x₀) − f*), with f* from a closed form
(least squares) or Newton's method (logistic), both to float64 precision. Three
problems: noisy ridge regression (the primary), L2 logistic regression on breast_cancer,
and a consistent least-squares system (noise-free, n > d: every example's gradient
vanishes at the optimum, the interpolation regime)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.preprocessing import StandardScaler

from harness.train.search import row

# SGD epochs; the level is the geometric mean of the last WINDOW epoch-ends, the fall the
# least-squares line through the log epoch-ends of the second half; values below ROUNDING
# (float64's floor here, relative suboptimality ~1e-31) count as ROUNDING
EPOCHS, WINDOW, GD_STEPS, ROUNDING = 40, 10, 2000, 1e-30
SGD_STEPS = (1.0, 0.5, 0.25)  # × 1/L_max, L_max the largest per-example smoothness
GD_FIXED = (1.0, 1.8)  # × 1/L: η = 1/L and one in (1/L, 2/L)
RIDGE, LOGISTIC, INTERPOLATION = ("noisy ridge (make_regression, λ = 0.01)",
                                  "L2 logistic (breast_cancer, λ = 1)",
                                  "consistent least squares (noise-free, λ = 0)")
LEVEL = "SGD η = {:g}/L_max: relative suboptimality, geometric mean of the last 10 epochs"
FALL = "SGD η = {:g}/L_max: fall over epochs 21–40 (least-squares line, log scale)"
DECAY = "SGD η_t = (1/L_max)/(1 + t/n): relative suboptimality at T"  # shown
GD = "GD η = {:g}/L: relative suboptimality after 2000 steps"


@dataclass(frozen=True)
class Problem:
    """f(w) = mean loss + λ/2·‖w‖², its per-example gradient, and its constants."""

    x: np.ndarray
    y: np.ndarray
    lam: float
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (margins or residuals, y) -> per ex.
    dloss: Callable[[np.ndarray, np.ndarray], np.ndarray]  # its derivative in the same
    curvature: float  # sup of the loss's second derivative (1 least squares, 1/4 logistic)

    def f(self, w: np.ndarray) -> np.ndarray:
        return self.loss(w @ self.x.T, self.y).mean(-1) + self.lam / 2 * (w**2).sum(-1)

    def grad(self, w: np.ndarray) -> np.ndarray:
        return self.dloss(w @ self.x.T, self.y) @ self.x / len(self.y) + self.lam * w

    def smoothness(self) -> tuple[float, float]:
        """(L, L_max): of f, and the largest of one example's term."""
        n = len(self.y)
        return (self.curvature * np.linalg.eigvalsh(self.x.T @ self.x / n)[-1] + self.lam,
                self.curvature * (self.x**2).sum(1).max() + self.lam)


def least_squares(x: np.ndarray, y: np.ndarray, lam: float) -> Problem:
    return Problem(x, y, lam, lambda z, t: (z - t) ** 2 / 2, lambda z, t: z - t, 1.0)


def logistic(x: np.ndarray, y: np.ndarray, lam: float) -> Problem:
    """Labels ±1: loss log(1 + exp(−y·z))."""
    return Problem(x, y, lam, lambda z, t: np.logaddexp(0, -t * z),
                   lambda z, t: -t / (1 + np.exp(t * z)), 0.25)


def optimum(p: Problem) -> float:
    """f*: Newton's method from 0 (one step for least squares), to float64 precision."""
    w, n = np.zeros(p.x.shape[1]), len(p.y)
    for _ in range(1 if p.curvature == 1.0 else 30):
        z = p.x @ w
        second = np.ones(n) if p.curvature == 1.0 else (s := 1 / (1 + np.exp(-z))) * (1 - s)
        hess = (p.x.T * second) @ p.x / n + p.lam * np.eye(len(w))
        w = w - np.linalg.solve(hess, p.grad(w))
    return float(p.f(w))


def problems(rng: np.random.Generator) -> dict[str, Problem]:
    """The chunk's three problems: fresh make_regression draws (n = 200, d = 10,
    standardized, centred targets), breast_cancer standardized (labels ±1)."""
    def regression(noise: float) -> tuple[np.ndarray, np.ndarray]:
        x, y = make_regression(200, 10, noise=noise, random_state=int(rng.integers(2**31 - 1)))
        return StandardScaler().fit_transform(x), y - y.mean()

    xb, yb = load_breast_cancer(return_X_y=True)
    return {RIDGE: least_squares(*regression(10.0), 0.01),
            LOGISTIC: logistic(StandardScaler().fit_transform(xb), 2.0 * yb - 1, 1.0),
            INTERPOLATION: least_squares(*regression(0.0), 0.0)}


def relative(p: Problem, w: np.ndarray, w0: np.ndarray, f_star: float) -> np.ndarray:
    """(f(w) − f*)/(f(w₀) − f*), per row of ``w``."""
    return (p.f(w) - f_star) / (p.f(w0) - f_star)


def op5(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """One chunk: per problem, one start w₀ ~ N(0, I); SGD at every step size (and the
    decaying one) on one shuffled order per epoch, GD at both fixed steps."""
    rows = []
    for setting, p in problems(rng).items():
        n, d = p.x.shape
        big, big_max = p.smoothness()
        f_star, w0 = optimum(p), rng.standard_normal(d)
        eta = np.array([*SGD_STEPS, 1.0]) / big_max  # the last: the decaying run's η₀
        w, curve, t = np.tile(w0, (len(eta), 1)), [], 0
        for _ in range(EPOCHS):
            for i in rng.permutation(n):
                step = eta.copy()
                step[-1] /= 1 + t / n
                w -= step[:, None] * (p.dloss(w @ p.x[i], p.y[i])[:, None] * p.x[i]
                                      + p.lam * w)
                t += 1
            curve.append(relative(p, w, w0, f_star))
        logs = np.log(np.maximum(curve, ROUNDING))
        end = np.exp(logs[-WINDOW:].mean(0))
        half = EPOCHS // 2  # the fall: exp(−slope × epochs) over the second half
        fall = np.exp(-np.polyfit(np.arange(half), logs[half:], 1)[0] * half)
        g = np.tile(w0, (len(GD_FIXED), 1))
        for _ in range(GD_STEPS):
            g -= (np.array(GD_FIXED) / big)[:, None] * p.grad(g)
        rows += [row(setting, m.format(c), v[k], EPOCHS * n) for k, c in enumerate(SGD_STEPS)
                 for m, v in ((LEVEL, end), (FALL, fall))]
        rows += [row(setting, DECAY, curve[-1][-1], EPOCHS * n)]
        rows += [row(setting, GD.format(c), v, GD_STEPS)
                 for c, v in zip(GD_FIXED, relative(p, g, w0, f_star), strict=True)]
    return pd.DataFrame(rows)



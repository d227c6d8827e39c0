"""The search behind OP-4a: iterations of Newton's method, L-BFGS and gradient descent to a
relative suboptimality on L2-regularized logistic regression.

The objective is scikit-learn's, F(w, b) = ½‖w‖² + C Σ log(1 + exp(−yᵢ(xᵢ·w + b))) with
C = 1/(λn), i.e. n·C times the mean log-loss plus λ/2·‖w‖² (the intercept unpenalized),
from (w, b) = 0 in float64. Newton's path is OP-6's (damped Newton,
:func:`tasks.training_facts.newton.newton`); L-BFGS is scipy's L-BFGS-B (memory 10, its
own line search, no early stop); gradient descent runs at every fixed step of a grid in
units of 1/L, L = λmax(X̃ᵀX̃)/4·C + 1 the smoothness bound of F, all steps in one batched
loop, and keeps its best. F* is the lower of Newton's and L-BFGS's last F (Newton's, at a
gradient 1e-10 of its start's). A method's count is the first iteration k with
F(θₖ) − F* ≤ TARGET·(F(θ₀) − F*), the cap where never."""

from __future__ import annotations

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from harness.train.search import row
from tasks.training_facts.newton import newton

LAMBDA = 1e-2  # the design notes' λ, per example (C = 1/(λn))
TARGET = 1e-8  # relative suboptimality (F − F*)/(F0 − F*)
CAP = 50_000  # iterations of gradient descent and of L-BFGS; "never" counts as the cap
# gradient descent's fixed steps, in units of 1/L, quarter-octaves from 1/4 to 1024: every
# step below 2/L converges, and longer ones may, where the curvature met is far below L
# (L is the curvature at θ₀, where every p(1 − p) is ¼; a confident example's is far
# below), even after F first rises above F(θ₀); a step whose F overflows diverged
GD_STEPS = tuple(2.0 ** (k / 4) for k in range(-8, 41))
SUBSAMPLE = 0.8  # a breast_cancer replicate: a random 80% of its 569 rows, standardized
BREAST = "breast_cancer (a random 80% per replicate, standardized)"
SYNTHETIC = "make_classification (2,000 × 100, 10 informative, a fresh draw per replicate)"
SETTINGS = (BREAST, SYNTHETIC)

NEWTON, LBFGS, GD = "Newton", "L-BFGS", "gradient descent (best fixed step)"
METHODS = (GD, NEWTON, LBFGS)
ITERATIONS = "iterations to the target: {}"
EVALUATIONS = "L-BFGS: objective and gradient evaluations to the target"
GD_STEP = "gradient descent: its best fixed step × L"


def data(setting: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A replicate's design (standardized, an intercept column appended) and 0/1 labels."""
    if setting == BREAST:
        x, y = load_breast_cancer(return_X_y=True)
        keep = rng.choice(len(x), int(SUBSAMPLE * len(x)), replace=False)
        x, y = x[keep], y[keep]
    else:
        x, y = make_classification(2_000, 100, n_informative=10,
                                   random_state=int(rng.integers(2**31)))
    return np.c_[StandardScaler().fit_transform(x), np.ones(len(x))], y.astype(float)


class Logistic:
    """F, ∇F and the smoothness bound L on one design ``xt`` (intercept column last)."""

    def __init__(self, xt: np.ndarray, y: np.ndarray) -> None:
        self.xt, self.y, self.c = xt, y, 1.0 / (LAMBDA * len(y))
        self.sign = 2.0 * y - 1.0
        self.pen = np.r_[np.ones(xt.shape[1] - 1), 0.0]
        self.smooth = np.linalg.eigvalsh(xt.T @ xt)[-1] / 4 * self.c + 1.0

    def value(self, theta: np.ndarray) -> np.ndarray:
        """F at ``theta`` (d,) or at each column of (d, k)."""
        margins = self.sign[:, None] * (self.xt @ theta.reshape(len(self.pen), -1))
        pen = self.pen[:, None] * theta.reshape(len(self.pen), -1) ** 2
        out = 0.5 * pen.sum(0) + self.c * np.logaddexp(0.0, -margins).sum(0)
        return out if theta.ndim > 1 else float(out[0])

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """∇F at ``theta`` (d,) or at each column of (d, k)."""
        t = theta.reshape(len(self.pen), -1)
        g = self.pen[:, None] * t + self.c * self.xt.T @ (expit(self.xt @ t) - self.y[:, None])
        return g if theta.ndim > 1 else g[:, 0]


def first_below(values: np.ndarray, bound: float) -> int:
    """The first index of ``values`` at or below ``bound``; CAP where none is."""
    hit = np.flatnonzero(values <= bound)
    return int(hit[0]) if hit.size else CAP


def descend(f: Logistic, reached: float) -> np.ndarray:
    """F after every iteration 0 … of gradient descent at each step of GD_STEPS (columns),
    until the first step reaches F ≤ ``reached`` (the best step's count is that iteration)
    or CAP iterations; a step whose F is no longer finite diverged and is +inf from then."""
    theta = np.zeros((f.xt.shape[1], len(GD_STEPS)))
    eta = np.array(GD_STEPS) / f.smooth
    values = [f.value(theta)]
    diverged = np.zeros(len(GD_STEPS), bool)
    with np.errstate(all="ignore"):
        for _ in range(CAP):
            theta = theta - eta * f.grad(theta)
            value = f.value(theta)
            diverged |= ~np.isfinite(value)
            values.append(np.where(diverged, np.inf, value))
            if (values[-1] <= reached).any() or diverged.all():
                break
    return np.array(values)


def lbfgs(f: Logistic) -> tuple[np.ndarray, np.ndarray]:
    """F after every L-BFGS iteration 0 … and the evaluations used by then."""
    values, evals, counted = [f.value(np.zeros(f.xt.shape[1]))], [0], [0]

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        counted[0] += 1
        return f.value(theta), f.grad(theta)

    def record(theta: np.ndarray) -> None:
        values.append(f.value(theta))
        evals.append(counted[0])

    minimize(fun, np.zeros(f.xt.shape[1]), jac=True, method="L-BFGS-B", callback=record,
             options={"maxiter": CAP, "ftol": 0.0, "gtol": 0.0, "maxcor": 10})
    return np.array(values), np.array(evals)


def iterations_to_target(cfg: DictConfig, replicate: int, rng: np.random.Generator
                         ) -> pd.DataFrame:
    """OP-4a, one chunk (one replicate): per setting the replicate's data, each method's
    iterations to the target, L-BFGS's evaluations and gradient descent's chosen step."""
    rows = []
    with threadpool_limits(1):
        for setting in SETTINGS:
            xt, y = data(setting, rng)
            f = Logistic(xt, y)
            path = newton(xt[:, :-1], y, f.c)
            newton_values = np.array([f.value(t) for t in path.thetas])
            quasi, evals = lbfgs(f)
            best = min(newton_values.min(), quasi.min())
            bound = best + TARGET * (newton_values[0] - best)
            gd = descend(f, bound)
            per_step = [first_below(gd[:, j], bound) for j in range(len(GD_STEPS))]
            j = int(np.argmin(per_step))
            lbfgs_hit = first_below(quasi, bound)
            counts = {GD: per_step[j], NEWTON: first_below(newton_values, bound),
                      LBFGS: lbfgs_hit}
            rows += [row(setting, ITERATIONS.format(m), counts[m], 1) for m in METHODS]
            rows += [row(setting, EVALUATIONS, evals[lbfgs_hit] if lbfgs_hit < len(evals)
                         else np.nan, 1),
                     row(setting, GD_STEP, GD_STEPS[j], 1)]
    return pd.DataFrame(rows)

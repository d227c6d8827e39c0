"""The searches behind LS-2 (robust losses against squared loss under outliers) and LS-7
(smooth-L1 against L1 under descent with a fixed step).

Each function draws one chunk (a replicate, its own rng) and returns rows (setting,
member, value, points) for :class:`harness.judge.measures.Resampled`
(harness/train/search.py); a chunk is a fresh make_regression draw (independent) or a
random split of diabetes (overlapping: the claims correct for it). Everything is numpy,
scipy and scikit-learn in float64, on one thread. Sizes keep the experiment's full run
under 20 s on one core; QuantileRegressor's linear program is the slow part, so n stays
at the design notes' 200.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import HuberRegressor, LinearRegression, QuantileRegressor
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from harness.train.search import row

# ---- shared: data and the convex fits
N, D, NOISE = 200, 5, 1.0  # make_regression's training draw (the design notes)
N_TEST = 1_000  # clean test points drawn with the same coefficients
DELTA = 1.0  # smooth-L1's threshold, in raw units of y (Fast R-CNN's, the seed's formula)
HUBER_EPSILON = 1.35  # scikit-learn's default: 95% efficiency under Gaussian noise
MODELS = ("MSE", "Huber", "smooth-L1", "MAE")
NEWTON_TOL = 1e-12  # smooth-L1's solver stops at a largest gradient entry below this


def with_intercept(x: np.ndarray) -> np.ndarray:
    """x with a column of ones appended (every fit has an intercept, as scikit-learn's)."""
    return np.hstack([x, np.ones((len(x), 1))])


def smooth_l1(r: np.ndarray) -> np.ndarray:
    """The seed's smooth-L1 per residual: 0.5 r² where |r| < δ, |r| − 0.5 otherwise (δ = 1;
    for other δ, Huber's δ|r| − δ²/2)."""
    a = np.abs(r)
    return np.where(a < DELTA, 0.5 * r * r, DELTA * a - 0.5 * DELTA**2)


def smooth_l1_fit(x: np.ndarray, y: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The smooth-L1 optimum (weights, intercept last) by semismooth Newton from ``start``:
    the Hessian is Xᵀ D X / n over the residuals inside ±δ, so once that set settles one
    step solves the problem exactly; an Armijo backtracking keeps every step a descent.
    A tight solver: LS-7 measures suboptimality against it to 1e-3 of the loss."""
    xi, n = with_intercept(x), len(y)

    def loss(w: np.ndarray) -> float:
        return float(smooth_l1(y - xi @ w).mean())

    w = start.astype(np.float64)
    for _ in range(100):
        r = y - xi @ w
        grad = -xi.T @ np.clip(r, -DELTA, DELTA) / n
        if np.abs(grad).max() < NEWTON_TOL:
            break
        inside = xi[np.abs(r) < DELTA]
        hess = inside.T @ inside / n + 1e-12 * np.eye(xi.shape[1])
        step, t, f0 = np.linalg.solve(hess, -grad), 1.0, loss(w)
        while loss(w + t * step) > f0 + 1e-4 * t * (grad @ step) and t > 1e-12:
            t /= 2
        w = w + t * step
    return w


def fits(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, np.ndarray], int]:
    """({model: (weights, intercept last)}, the fits that raised a ConvergenceWarning):
    least squares; HuberRegressor (ε = 1.35 in units of its jointly fitted scale, no
    penalty); smooth-L1 (Huber at δ = 1 in raw units, from the MAE fit); MAE as
    QuantileRegressor (median, no penalty, HiGHS: an exact linear program)."""
    def pack(model: object) -> np.ndarray:
        return np.r_[model.coef_, model.intercept_]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        out = {"MSE": pack(LinearRegression().fit(x, y)),
               "Huber": pack(HuberRegressor(epsilon=HUBER_EPSILON, alpha=0.0,
                                            max_iter=1_000).fit(x, y)),
               "MAE": pack(QuantileRegressor(quantile=0.5, alpha=0.0,
                                             solver="highs").fit(x, y))}
    out["smooth-L1"] = smooth_l1_fit(x, y, out["MAE"])
    unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {m: out[m] for m in MODELS}, unconverged


def regression_draw(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(x, y, x_test, y_test, β): make_regression's N + N_TEST points with noise SD 1 and
    its coefficients (every feature informative, no bias), the first N for training."""
    x, y, coef = make_regression(N + N_TEST, D, noise=NOISE, coef=True,
                                 random_state=int(rng.integers(2**31)))
    return x[:N], y[:N], x[N:], y[N:], coef


# ---- LS-2: clean-test RMSE of the four fits under contamination
EPSILONS = (0.0, 0.05, 0.1, 0.2)  # the training share made outliers
SHIFT = 10.0  # y-outliers: y + 10 SD(y) (one-sided, gross)
LEVERAGE = 10.0  # leverage points: x × 10, y the truth there with its sign flipped
LEVERAGE_EPSILON, DIABETES_EPSILON = 0.1, 0.1
DIABETES_TEST = 0.2  # diabetes: the held-out share of each random split
RMSE, COEF = "clean-test RMSE", "‖β̂ − β‖"


def y_setting(eps: float, data: str = "") -> str:
    return f"{data + ', ' if data else ''}y-outliers, ε = {eps:g}"


LEVERAGE_SETTING = f"leverage points, ε = {LEVERAGE_EPSILON:g}"
UNCONVERGED = "fits with a ConvergenceWarning"


def contaminate(x: np.ndarray, y: np.ndarray, eps: float, order: np.ndarray,
                coef: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with the first round(ε n) rows of ``order`` made outliers: y + SHIFT × SD(y)
    (one-sided gross errors); with ``coef``, leverage points instead: x × LEVERAGE and y
    = −x·β there (the truth at the moved point, its sign flipped)."""
    x, y = x.copy(), y.copy()
    bad = order[: round(eps * len(y))]
    if coef is None:
        y[bad] += SHIFT * y.std()
    else:
        x[bad] *= LEVERAGE
        y[bad] = -x[bad] @ coef
    return x, y


def score(setting: str, x: np.ndarray, y: np.ndarray, x_test: np.ndarray,
          y_test: np.ndarray, coef: np.ndarray | None = None) -> list[dict[str, object]]:
    """Rows of one contaminated fit: per model the clean-test RMSE (judged) and, where β is
    known, ‖β̂ − β‖ (shown); the convergence warnings (shown)."""
    fitted, unconverged = fits(x, y)
    xt, rows = with_intercept(x_test), []
    for model, w in fitted.items():
        rmse = np.sqrt(np.mean((y_test - xt @ w) ** 2))
        rows.append(row(setting, model, rmse, len(y_test)))
        if coef is not None:
            rows.append(row(setting, f"{COEF}: {model}", np.linalg.norm(w[:-1] - coef), 1))
    return [*rows, row(setting, UNCONVERGED, unconverged, len(fitted))]


def contamination(cfg: DictConfig, replicate: int, rng: np.random.Generator
                  ) -> pd.DataFrame:
    """LS-2, one chunk: a fresh make_regression draw with y-outliers at every ε (nested:
    the same rows first) and leverage points at ε = 0.1; a random 80/20 split of diabetes
    (features standardized by the training split) clean and with y-outliers at ε = 0.1.
    The test sets are never contaminated."""
    rows: list[dict[str, object]] = []
    with threadpool_limits(1):
        x, y, x_test, y_test, coef = regression_draw(rng)
        order = rng.permutation(N)
        for eps in EPSILONS:
            rows += score(y_setting(eps), *contaminate(x, y, eps, order), x_test, y_test,
                          coef)
        rows += score(LEVERAGE_SETTING, *contaminate(x, y, LEVERAGE_EPSILON, order, coef),
                      x_test, y_test, coef)
        xd, yd = load_diabetes(return_X_y=True)
        xa, xb, ya, yb = train_test_split(xd, yd, test_size=DIABETES_TEST,
                                          random_state=int(rng.integers(2**31)))
        mu, sd = xa.mean(0), xa.std(0)
        xa, xb = (xa - mu) / sd, (xb - mu) / sd
        order = rng.permutation(len(ya))
        for eps in (0.0, DIABETES_EPSILON):
            rows += score(y_setting(eps, "diabetes"), *contaminate(xa, ya, eps, order),
                          xb, yb)
    return pd.DataFrame(rows)


# ---- LS-7: steps until the loss stays at a relative suboptimality, at a fixed step
# (revised after the five seeds' review: a settling time, not a first hit; see ls7.py)
# full-batch GD and Adam: below the 1e-3 to 2.4e-2 band L1 ends in under full-batch GD
# (the five seeds' runs), so the target tells a loss that settles from one that hovers
TARGET = 1e-4  # (f − f*) / f*, each loss against its own optimum f*
BUDGET = 1_000  # steps; a run that has not settled by then counts as BUDGET (a lower bound)
BATCH = 20  # minibatch SGD's batch (10% of N), drawn without replacement each step
# half-decades around 2/L (L ≈ λmax(XᵀX/n) ≈ 1.3), extended by 10 because Adam's
# smooth-L1 step was at the old grid's top (3)
STEP_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
TAIL = 0.1  # the end: the last 10% of the steps
OPTIMIZERS = ("full-batch GD", f"minibatch SGD (batch {BATCH})", "Adam (full batch)")
LOSSES = ("L1", "smooth-L1")
# minibatch SGD at a fixed step never settles (its noise band, 0.5–9%, holds both
# losses): it is judged on the mean (f − f*)/f* over the last 10% of the steps instead
SGD_LEVEL = "mean (f − f*)/f* over the last 10% of steps"
# the step per optimizer and loss: the grid's best on 8 pilot draws under
# default_rng([PILOT_SEED, k]) (a seed no verdict reads; tests/test_robust_regression.py
# derives them again with choose_steps): the lowest median settling steps (SGD: the lowest
# median end level), ties broken by the lowest median band
PILOT_SEED, PILOT_DRAWS = 101, 8
STEPS = {("full-batch GD", "L1"): 0.3, ("full-batch GD", "smooth-L1"): 1.0,
         (OPTIMIZERS[1], "L1"): 0.3, (OPTIMIZERS[1], "smooth-L1"): 0.3,
         ("Adam (full batch)", "L1"): 0.1, ("Adam (full batch)", "smooth-L1"): 0.3}
ADAM = (0.9, 0.999, 1e-8)  # torch's and the paper's defaults
BAND = "band over the last 10% of steps: {}"


def psi(loss: str) -> Callable[[np.ndarray], np.ndarray]:
    """The loss's derivative in the residual (L1: sign; smooth-L1: clip to ±δ)."""
    return np.sign if loss == "L1" else (lambda r: np.clip(r, -DELTA, DELTA))


def per_residual(loss: str) -> Callable[[np.ndarray], np.ndarray]:
    return np.abs if loss == "L1" else smooth_l1


def optima(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Each loss's own optimal mean loss f*: L1's by QuantileRegressor's linear program
    (the median's pinball loss is half the absolute loss, so its minimizer is L1's);
    smooth-L1's by the semismooth Newton solver (gradient below 1e-12)."""
    xi = with_intercept(x)
    q = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(x, y)
    w1 = np.r_[q.coef_, q.intercept_]
    ws = smooth_l1_fit(x, y, w1)
    return {"L1": float(np.abs(y - xi @ w1).mean()),
            "smooth-L1": float(smooth_l1(y - xi @ ws).mean())}


def descend(x: np.ndarray, y: np.ndarray, loss: str, optimizer: str,
            steps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(BUDGET + 1, len(steps)) full-data mean loss along BUDGET updates from w = 0, one
    column per step size (run side by side): full-batch GD, minibatch SGD (the same
    batches for every column) or full-batch Adam."""
    xi, n = with_intercept(x), len(y)
    w = np.zeros((xi.shape[1], len(steps)))
    m, v = np.zeros_like(w), np.zeros_like(w)
    f = np.empty((BUDGET + 1, len(steps)))
    grad_of, value_of = psi(loss), per_residual(loss)
    b1, b2, eps = ADAM
    for t in range(BUDGET + 1):
        r = y[:, None] - xi @ w
        f[t] = value_of(r).mean(0)
        if t == BUDGET:
            break
        if optimizer == OPTIMIZERS[1]:
            idx = rng.choice(n, BATCH, replace=False)
            g = -xi[idx].T @ grad_of(r[idx]) / BATCH
        else:
            g = -xi.T @ grad_of(r) / n
        if optimizer == OPTIMIZERS[2]:
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            g = (m / (1 - b1 ** (t + 1))) / (np.sqrt(v / (1 - b2 ** (t + 1))) + eps)
        w = w - steps * g
    return f


def settle(f: np.ndarray, fstar: float, target: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: the settling step, the first step after which (f − f*)/f* never exceeds
    ``target`` up to BUDGET (BUDGET where it is still above at the end: not settled); the
    band, max − min of (f − f*)/f* over the last TAIL of the steps; their mean."""
    above = (f - fstar) / fstar > target
    settled = np.where(above[-1], BUDGET, BUDGET + 1 - above[::-1].argmax(0))
    tail = ((f - fstar) / fstar)[-int(TAIL * BUDGET):]
    return settled.astype(float), tail.max(0) - tail.min(0), tail.mean(0)


def race(x: np.ndarray, y: np.ndarray, optimizer: str, steps: dict[str, np.ndarray],
         seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per loss, (the judged value, the band) at each of its step sizes: the settling step
    (minibatch SGD: the mean end level); SGD's batches drawn from ``seed``, the same for
    both losses."""
    fstar, out = optima(x, y), {}
    for loss in LOSSES:
        settled, band, level = settle(descend(x, y, loss, optimizer, steps[loss],
                                              np.random.default_rng(seed)),
                                      fstar[loss], TARGET)
        out[loss] = (level if optimizer == OPTIMIZERS[1] else settled, band)
    return out


def settling(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-7 (revised), one chunk: a fresh make_regression draw (n = 200, d = 5, noise 1);
    per optimizer both losses run BUDGET steps from 0 at their STEPS; rows: the settling
    step per loss (minibatch SGD: the mean end level) (judged) and the band over the last
    10% of the steps (shown)."""
    rows: list[dict[str, object]] = []
    with threadpool_limits(1):
        x, y, *_ = regression_draw(rng)
        seed = int(rng.integers(2**31))
        for opt in OPTIMIZERS:
            got = race(x, y, opt, {loss: np.array([STEPS[opt, loss]]) for loss in LOSSES},
                       seed)
            points = int(TAIL * BUDGET) if opt == OPTIMIZERS[1] else BUDGET
            for loss, (value, band) in got.items():
                rows += [row(opt, loss, value[0], points),
                         row(opt, BAND.format(loss), band[0], int(TAIL * BUDGET))]
    return pd.DataFrame(rows)


def pilot(draws: int = PILOT_DRAWS) -> list[dict[str, dict[str, tuple]]]:
    """Every grid step's (judged value, band) per optimizer and loss on ``draws`` pilot
    draws under default_rng([PILOT_SEED, k]), a seed no verdict reads."""
    grid, results = np.array(STEP_GRID), []
    with threadpool_limits(1):
        for k in range(draws):
            rng = np.random.default_rng([PILOT_SEED, k])
            x, y, *_ = regression_draw(rng)
            seed = int(rng.integers(2**31))
            results.append({opt: race(x, y, opt, dict.fromkeys(LOSSES, grid), seed)
                            for opt in OPTIMIZERS})
    return results


def choose_steps(draws: int = PILOT_DRAWS) -> dict[tuple[str, str], float]:
    """The grid's best step per optimizer and loss on the pilot draws: the lowest median
    settling step (SGD: end level), ties broken by the lowest median band (how STEPS was
    chosen)."""
    results, chosen = pilot(draws), {}
    for opt in OPTIMIZERS:
        for loss in LOSSES:
            value = np.median([r[opt][loss][0] for r in results], axis=0)
            band = np.median([r[opt][loss][1] for r in results], axis=0)
            chosen[opt, loss] = float(STEP_GRID[np.lexsort((band, value))[0]])
    return chosen

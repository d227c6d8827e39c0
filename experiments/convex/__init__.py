"""Does full-batch gradient descent find the global optimum of a convex objective? BS-6.

No 2018 original: seed 001 lists it among batch gradient descent's advantages. Setup
(conf/preset/bgd.yaml): logistic regression (no hidden layer, softmax over 2 logits,
mean cross-entropy) trained by plain full-batch gradient descent (SGD on the whole
training split, no momentum, zero init) on each replicate's own Gaussian-mixture
dataset. The reference is scikit-learn's unpenalized LogisticRegression fitted to the
same replicate's training split, regenerated from the config (harness.train.data
.make_dataset): the same objective, since softmax over 2 logits is logistic regression
in the logit difference (w1 − w0, b1 − b0), so its training loss is the global minimum.
The optimum is computed here, at analysis time, not by the trainer: the rule reads
final.csv (the trained loss) and the report also the ``params`` probe's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from hydra import compose
from omegaconf import DictConfig
from scipy.optimize import linprog
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from harness.judge.claims import Claim, Experiment, Settings
from harness.judge.families import Equivalent
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet, hydra_context
from harness.train.data import make_dataset

NAME = "convex"
# = trainer.replicates in conf/experiment/convex.yaml (tested): planned_replicates of
# BS-6, the default 8 (see BS6_SD: any n >= 2 has full power at its margin)
REPLICATES = 8
# Relative training-loss gap (f(θ_T) − f*)/f* counted as "at the optimum": 0.1% of the
# optimal loss (≈ 5e-4 nats here), four orders above float32's evaluation error (~1e-7).
MARGIN = 1e-3
# Step sizes (= optim.lr of the two grids, tested against every replicate's data):
# STABLE ≤ 1/L, L the smoothness constant of the mean cross-entropy in all parameters:
# the claim's scope, and its only judged setting; UNSTABLE > 2/λmax(∇²f(θ*)), so θ* is a
# repelling fixed point of the GD map (and > 2/L, since λmax(∇²f(θ*)) ≤ L). Both
# outcomes are theorems here (η = 6 was chosen above 2/λ* on every replicate, and the
# 4000 steps exceed the convex bound at η = 0.75), so η = 6 is a shown demonstration of
# why the claim needs a step-size condition, never a setting that could refute it.
STABLE, UNSTABLE = 0.75, 6.0
SETTINGS = {STABLE: "η=0.75 ≤ 1/L", UNSTABLE: "η=6 > 2/λ*"}  # optim.lr -> setting
PRIMARY = SETTINGS[STABLE]
# Pilot SD of the relative gap at η = 0.75: a pilot of 8 replicates (this sweep with
# trainer.replicates=8, before the full run: the same 8 seeded replicates, hence the same
# datasets, as the verdict's, so it is a check of the noise level, not an independent
# estimate), 90% CI [−3.05e-8, 6.67e-8] -> SD = half-width
# / t(0.95, 7) · √8 = 7.3e-8: float32 rounding of the loss, nothing else. margin/SD ≈
# 14000: 2 replicates would already have full power (the YAML's 8 is the floor).
BS6_SD = 7.3e-8


@dataclass(frozen=True)
class Optimum:
    """scikit-learn's solution on one dataset's training split, and the constants that
    place the step sizes (all in the model's own parameters W, b)."""

    loss: float  # f*: mean cross-entropy at the optimum (nats)
    theta: np.ndarray  # (w1 − w0, b1 − b0) at the optimum: coef_ then intercept_
    smoothness: float  # L = λmax(X̃ᵀX̃/n)/2, X̃ = [X, 1]
    curvature: float  # λmax(∇²f(θ*))
    grad_norm: float  # ‖∇f(θ*)‖ in (w1 − w0, b1 − b0): how exact the reference is
    separable: bool  # a separating hyperplane exists (no finite optimum)


def augmented(x: np.ndarray) -> np.ndarray:
    """[X, 1]: the inputs with the bias's constant column."""
    return np.hstack([x, np.ones((len(x), 1))])


def logistic_loss(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """Mean cross-entropy of the logit difference θᵀ[x, 1], in float64."""
    z = augmented(x) @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def smoothness(x: np.ndarray) -> float:
    """Smoothness constant of the mean cross-entropy in the model's parameters (W, b).

    In the logit difference θ the Hessian is mean σ'(z) x̃x̃ᵀ ⪯ X̃ᵀX̃/(4n); the two
    logits' parameters see it as [[H, −H], [−H, H]], whose top eigenvalue is 2λmax(H).
    """
    xt = augmented(x)
    return float(np.linalg.eigvalsh(xt.T @ xt / len(x)).max() / 2)


def curvature(x: np.ndarray, theta: np.ndarray) -> float:
    """λmax of the Hessian in (W, b) at θ: 2λmax(mean σ'(z) x̃x̃ᵀ)."""
    xt = augmented(x)
    p = expit(xt @ theta)
    return float(2 * np.linalg.eigvalsh((xt * (p * (1 - p))[:, None]).T @ xt / len(x)).max())


def separable(x: np.ndarray, y: np.ndarray) -> bool:
    """Is there θ with (2y − 1)·θᵀx̃ ≥ 1 for every sample (linear-program feasibility)?
    Then the loss has no minimizer (it tends to 0 along θ) and no optimum to reach."""
    xt = augmented(x)
    a = -(2 * y - 1)[:, None] * xt
    res = linprog(np.zeros(xt.shape[1]), A_ub=a, b_ub=-np.ones(len(x)),
                  bounds=[(None, None)] * xt.shape[1], method="highs")
    return bool(res.status == 0)


def fit_optimum(x: np.ndarray, y: np.ndarray) -> Optimum:
    """scikit-learn's unpenalized logistic regression (lbfgs, tight tolerance)."""
    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x, y)
    theta = np.r_[model.coef_[0], model.intercept_]
    grad = augmented(x).T @ (expit(augmented(x) @ theta) - y) / len(x)
    return Optimum(logistic_loss(x, y, theta), theta, smoothness(x), curvature(x, theta),
                   float(np.linalg.norm(grad)), separable(x, y))


@cache
def compose_data(overrides: tuple[str, ...]) -> DictConfig:
    """The data config of the experiment composed with ``overrides`` (plain ones: the
    two grids differ only in the step size, so they share their datasets)."""
    with hydra_context():
        return compose("config", overrides=[f"experiment={NAME}", *overrides]).data


@cache
def optimum(overrides: tuple[str, ...], dataset: int) -> Optimum:
    """The optimum on dataset ``dataset`` of the experiment composed with ``overrides``
    (the data are regenerated exactly as the trainer drew them)."""
    ds = make_dataset(compose_data(overrides), dataset)
    return fit_optimum(ds.x_train, ds.y_train)


def with_optimum(rs: RunSet) -> pd.DataFrame:
    """final.csv with each replicate's ``optimum_loss`` (f* of its own dataset) and
    ``gap`` = (train_loss − f*)/f*. Synthetic runs carry ``optimum_loss`` already."""
    fin = rs.final
    if fin.empty or "optimum_loss" in fin:
        return fin.assign(gap=(fin.train_loss - fin.optimum_loss) / fin.optimum_loss)
    plain = tuple(o for o in rs.overrides if "," not in o)
    f_star = fin.dataset.astype(int).map(lambda d: optimum(plain, d).loss)
    return fin.assign(optimum_loss=f_star, gap=(fin.train_loss - f_star) / f_star)


@dataclass(frozen=True)
class RelativeGap(Measure):
    """BS-6's one member: per replicate, (f(θ_T) − f*)/f*, f* scikit-learn's optimum on
    the replicate's own training split (:func:`with_optimum`), in the setting named by
    the step size (SETTINGS)."""

    factor: Factor = Factor("member", ("relative gap",), "member")
    label: str = "relative training-loss gap (f(θ_T) − f*)/f*"
    grid: str | None = None
    by: str = "setting"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        fin = with_optimum(rs)
        if fin.empty:
            return fin
        name = [next((n for lr, n in SETTINGS.items() if np.isclose(x, lr)), "")
                for x in fin.lr.astype(float)]
        return fin.assign(setting=name, member="relative gap")

    def value_column(self) -> str:
        return "gap"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """f* = 0.5 nats on every replicate and f(θ_T) at the table's gap."""
        lr = {n: x for x, n in SETTINGS.items()}
        frames = [pd.DataFrame({
            "grid": "main" if lr[name] == STABLE else "unstable", "preset": "bgd",
            "lr": lr[name], "replicate": np.arange(len(t.clusters)),
            "dataset": t.clusters.astype(float), "optimum_loss": 0.5,
            "train_loss": 0.5 * (1 + t.values[:, 0])}) for name, t in tables.items()]
        return RunSet.from_tables(NAME, ["preset", "lr"], pd.concat(frames, ignore_index=True))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        lr = {n: x for x, n in SETTINGS.items()}
        return {"optim.lr": [lr[s] for s in settings]}

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        rows = []
        for name, part in self.cached_rows(rs).groupby("setting", sort=False):
            gap = part.gap.to_numpy(float)
            rows.append({"setting": name, "judged": name in judged,
                         "lr": float(part.lr.iloc[0]), "mean f(θ_T)": part.train_loss.mean(),
                         "mean f*": part.optimum_loss.mean(), "mean relative gap": gap.mean(),
                         "largest gap": np.nanmax(gap),
                         "replicates within margin": int((np.abs(gap) < MARGIN).sum()),
                         "replicates": int(np.isfinite(gap).sum())})
        return {"Relative training-loss gap after the last step, per step size":
                pd.DataFrame(rows)}, []



EXPERIMENT = Experiment(
    name=NAME,
    title="Convex objective: does full-batch gradient descent reach the global optimum?",
    original="""No experiment in the original work. Seed 001 lists, among batch gradient
descent's advantages, that the full-data direction points more accurately towards the
extremum, so that on a convex objective BGD always (一定) finds the global optimum; it
names no step size. Our design: logistic regression (d = 12, class-1 mean 1/i in
dimension i, Σ = I, n = 500 split 400/100, every replicate its own dataset) trained by
full-batch gradient descent from zero init, against scikit-learn's optimum of the same
objective on the same replicate's training split.""",
    claims=[
        Claim(
            "BS-6", "001", "当目标函数是凸函数时BGD一定能找到全局最优解",
            "On a convex objective (unpenalized logistic regression on non-separable "
            "data), full-batch gradient descent with a step size η ≤ 1/L (L the "
            "objective's smoothness constant) reaches the global optimum: its final "
            "training loss equals the minimum that scikit-learn computes for the same "
            "objective on the same data (within 0.1%). The quote names no step size; "
            "'一定' (always) holds only under such a condition, which a step size at "
            "which the optimum is unstable (shown, not judged) makes visible.",
            measure=RelativeGap(), rule=Equivalent(margin=MARGIN),
            settings=Settings(PRIMARY, shown={SETTINGS[UNSTABLE]: (
                f"η = {UNSTABLE:g} > 2/λmax(∇²f(θ*)) on every replicate makes the optimum "
                "a repelling fixed point of the GD map, so GD cannot settle there (a "
                "theorem, outside the claim's step-size condition)")}),
            notes=("f*: scikit-learn's optimum on each replicate's own training split; the "
                   "distance of the parameters from it is on this page's *Parameters* table.",
                   f"η = {STABLE:g} ≤ 1/L with 4000 full-batch steps from zero init, a budget "
                   "after which the convex bound f(θ_T) − f* ≤ ‖θ0 − θ*‖²/(2ηT) lies below "
                   "the margin on every replicate, makes convergence a theorem: the run "
                   "checks the implementation and float32 arithmetic, not an open question."),
            min_effect=MARGIN, pilot_sd=BS6_SD, equivalence_margin=MARGIN,
            replicates=REPLICATES,
            revision=f"Changed after the seed-0 run: η = {UNSTABLE:g} is shown, not judged, "
                     f"and the claim is scoped to η ≤ 1/L (η = {STABLE:g} alone decides). "
                     f"The earlier rule judged both steps and gave mixed (η = {UNSTABLE:g} "
                     "refuted). Review finding: both outcomes are theorems (η above "
                     "2/λmax makes the optimum repelling), so judging η = "
                     f"{UNSTABLE:g} tested arithmetic, not the quote, which names no step."),
    ],
)

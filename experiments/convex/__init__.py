"""Does full-batch gradient descent find the global optimum of a convex objective? BS-6.

f* is computed here, at analysis time: scikit-learn's unpenalized logistic regression on each
replicate's training split, regenerated from the config. Softmax over 2 logits is logistic
regression in θ = (w1 − w0, b1 − b0), so f* is the trainer's objective's global minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import ClassVar

import numpy as np
import pandas as pd
from hydra import compose
from omegaconf import DictConfig
from sklearn.linear_model import LogisticRegression

from harness.judge.claims import THEOREM, Claim, Experiment, Settings
from harness.judge.families import Equivalent
from harness.judge.measures import Context, Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet, hydra_context
from harness.train.data import make_dataset

NAME = "convex"
# (f(θ_T) − f*)/f* counted as "at the optimum": 0.1% of f* (≈ 5e-4 nats here), four orders
# above float32's evaluation error (~1e-7).
MARGIN = 1e-3
# optim.lr of the two grids: ≤ 1/L and > 2/λmax(∇²f(θ*)) (≥ 2/L) on every replicate's data
# (tested); what each makes a theorem is the claim's note and shown text below.
STABLE, UNSTABLE = 0.75, 6.0
SETTINGS = {STABLE: "η=0.75 ≤ 1/L", UNSTABLE: "η=6 > 2/λ*"}  # optim.lr -> setting
LR = {name: lr for lr, name in SETTINGS.items()}
PRIMARY = SETTINGS[STABLE]
# Pilot SD of the gap at η = 0.75: this sweep's 8 replicates before the full run (the same
# seeded datasets as the verdict's: a noise-level check, not an independent estimate), 90% CI
# [−3.05e-8, 6.67e-8] -> SD = half-width / t(0.95, 7) · √8 = 7.3e-8 (float32 rounding).
# margin/SD ≈ 14000: 2 replicates have full power; the planned 8 = trainer.replicates (tested).
BS6_SD = 7.3e-8


@dataclass(frozen=True)
class Optimum:
    """scikit-learn's solution on one training split."""

    loss: float  # f*: mean cross-entropy at the optimum (nats)
    theta: np.ndarray  # (w1 − w0, b1 − b0) at the optimum: coef_ then intercept_


def augmented(x: np.ndarray) -> np.ndarray:
    """[X, 1]: the inputs with the bias's column."""
    return np.hstack([x, np.ones((len(x), 1))])


def logistic_loss(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """Mean cross-entropy of the logit difference θᵀ[x, 1], in float64."""
    z = augmented(x) @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


@cache
def compose_data(overrides: tuple[str, ...]) -> DictConfig:
    """The data config composed with ``overrides`` (the plain ones: the two grids differ
    only in the step size, so they share their datasets)."""
    with hydra_context():
        return compose("config", overrides=[f"experiment={NAME}", *overrides]).data


@cache
def optimum(overrides: tuple[str, ...], dataset: int) -> Optimum:
    """scikit-learn's unpenalized logistic regression (lbfgs, tight tolerance) on dataset
    ``dataset``, regenerated exactly as the trainer drew it."""
    ds = make_dataset(compose_data(overrides), dataset)
    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(ds.x_train, ds.y_train)
    theta = np.r_[model.coef_[0], model.intercept_]
    return Optimum(logistic_loss(ds.x_train, ds.y_train, theta), theta)


@dataclass(frozen=True)
class RelativeGap(Measure):
    """BS-6's one member: per replicate, (f(θ_T) − f*)/f*, the setting named by the step."""

    factor: Factor = Factor("member", ("relative gap",), "member")
    label: str = "relative training-loss gap (f(θ_T) − f*)/f*"
    grid: str | None = None
    by: str = "setting"
    value_name: ClassVar[str] = "gap"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        # f* of each replicate's own dataset (synthetic runs carry it)
        fin = rs.final
        if fin.empty:
            return fin
        if "optimum_loss" not in fin:
            plain = tuple(o for o in rs.overrides if "," not in o)
            fin = fin.assign(optimum_loss=fin.dataset.astype(int).map(
                lambda d: optimum(plain, d).loss))
        name = [next((n for lr, n in SETTINGS.items() if np.isclose(x, lr)), "")
                for x in fin.lr.astype(float)]
        return fin.assign(gap=(fin.train_loss - fin.optimum_loss) / fin.optimum_loss,
                          setting=name, member="relative gap")

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """f* = 0.5 nats on every replicate and f(θ_T) at the table's gap."""
        runs = self._long(tables, "gap")
        lr = runs.setting.map(LR)
        return RunSet.from_tables(NAME, ["preset", "lr"], runs.assign(
            grid=np.where(lr == STABLE, "main", "unstable"), preset="bgd", lr=lr,
            optimum_loss=0.5, train_loss=0.5 * (1 + runs.gap)))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"optim.lr": [LR[s] for s in settings]}

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
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
            quantifier="all", settings=Settings(PRIMARY, shown={SETTINGS[UNSTABLE]: (
                f"η = {UNSTABLE:g} > 2/λmax(∇²f(θ*)) on every replicate makes the optimum "
                "a repelling fixed point of the GD map, so GD cannot settle there (a "
                "theorem, outside the claim's step-size condition)")}),
            notes=("f*: scikit-learn's optimum on each replicate's own training split; the "
                   "distance of the parameters from it is on this page's *Parameters* table.",
                   f"η = {STABLE:g} ≤ 1/L with 4000 full-batch steps from zero init, a budget "
                   "after which the convex bound f(θ_T) − f* ≤ ‖θ0 − θ*‖²/(2ηT) lies below "
                   "the margin on every replicate, makes convergence a theorem: the run "
                   "checks the implementation and float32 arithmetic, not an open question."),
            min_effect=MARGIN, pilot_sd=BS6_SD, equivalence_margin=MARGIN, category=THEOREM,
            revision=f"Changed after the seed-0 run: η = {UNSTABLE:g} is shown, not judged, "
                     f"and the claim is scoped to η ≤ 1/L (η = {STABLE:g} alone decides). "
                     f"The earlier rule judged both steps and gave mixed (η = {UNSTABLE:g} "
                     "refuted). Review finding: both outcomes are theorems (η above "
                     "2/λmax makes the optimum repelling), so judging η = "
                     f"{UNSTABLE:g} tested arithmetic, not the quote, which names no step."),
    ],
    sweep_jobs=1,  # light points: one process is faster (results/bench.md)
)

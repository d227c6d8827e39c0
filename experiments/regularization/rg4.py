"""RG-4: L2 (or L1) reduces overfitting (the generalization gap in cross-entropy) without
lowering test accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.loss_gap import LOSS_GAP_MIN, LOSS_GAP_WHY
from harness.judge.claims import Claim, Settings
from harness.judge.families import Guarded
from harness.judge.gates import Premise
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet

from .paths import PENALTIES, REPLICATES, by_replicate, labelled, reg_rows, runset

OVERFIT_LAMBDAS = (1e-4, 1e-3, 1e-2)  # RG-4
# RG-4: overfitting is the generalization gap in cross-entropy, test − training loss (nats),
# the accuracy gap it replaced being saturated (training accuracy 1.0 on digits); its
# smallest effect is BD-1b's and BD-2's, LOSS_GAP_MIN (experiments/loss_gap.py).
RG4_SD = 0.157  # seed 0, L2 λ = 1e-4 (calibration and power only)
# ... "without lowering test accuracy": non-inferiority by one point (2 of 200 test
# images, half of LOSS_GAP_MIN): a λ must show test accuracy above −RG4_NI of λ = 0's (95% CI)
RG4_NI = 0.01
RG4_GUARD_SD = 0.015  # seed 0, test accuracy change at L2 λ = 1e-4: 0.011 ± 0.015
BASE_GAP, BASE_TEST = 0.38, 0.90  # the plain net's gap (nats, seed 0), test accuracy
BASELINE = "gap at λ = 0"


def gain(lam: float) -> str:
    return f"gap reduction, λ = {lam:g}"


def guard(lam: float) -> str:
    return f"test acc change, λ = {lam:g}"


@dataclass(frozen=True)
class Overfit(Measure):
    """Per replicate and penalty: the gap (test − training cross-entropy) at λ = 0 and,
    per λ, its reduction and the test accuracy change, replicate r paired across λ."""

    by: str = "setting"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        df = labelled(rs.sel(preset="overfit")).sort_values("replicate")
        if df.empty or not (df.penalty == "none").any():
            return pd.DataFrame()
        df = df.assign(gap=df.test_loss - df.train_loss)
        base, out = df[df.penalty == "none"], []
        gap0, test0 = base.gap.to_numpy(float), base.test_acc.to_numpy(float)
        for name, pen in PENALTIES.items():
            cols = {BASELINE: gap0}
            for lam, g in df[df.penalty == pen].groupby("lam"):
                cols[gain(lam)] = gap0 - g.gap.to_numpy(float)
                cols[guard(lam)] = g.test_acc.to_numpy(float) - test0
            if len(cols) > 1:  # the penalty has runs
                out.append(by_replicate(rs, {level: {"value": v} for level, v in cols.items()},
                                        "level", "overfit", setting=name))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """λ = 0 at test accuracy BASE_TEST and the first setting's gap over a training
        loss of 0.01 (shared, as in the grid); each λ at the test accuracy and gap its
        changes give."""
        first = next(iter(tables.values()))
        gap0, clusters = first.column(BASELINE), first.clusters
        test0, train = np.full(gap0.size, BASE_TEST), np.full(gap0.size, 0.01)
        frames = [reg_rows("overfit_l1", "overfit", 0.0, 0.0, dataset=clusters,
                           train_loss=train, test_loss=train + gap0, test_acc=test0)]
        for name, t in tables.items():
            pen = PENALTIES[name]
            for lam in OVERFIT_LAMBDAS:
                l1, l2 = (lam, 0.0) if pen == "l1" else (0.0, lam)
                frames.append(reg_rows(f"overfit_{pen}", "overfit", l1, l2, dataset=clusters,
                                       train_loss=train, test_acc=test0 + t.column(guard(lam)),
                                       test_loss=train + gap0 - t.column(gain(lam))))
        return runset(frames)

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": ["overfit"]}


OVERFIT = Overfit(Factor("level", (*map(gain, OVERFIT_LAMBDAS), *map(guard, OVERFIT_LAMBDAS),
                                   BASELINE)),
                  "generalization gap (test − training cross-entropy) reduction, λ = 0 − λ "
                  "(preset overfit: digits, "
                  "200 training images, 100-100 ReLU, 1500 steps; λ sum-reduced)",
                  grid=("overfit_l1", "overfit_l2"))

RG4 = Claim(
    "RG-4", "004",
    "L2正则化…解决过拟合问题",
    "L2 regularization (L1 as a second setting) reduces overfitting, the generalization "
    "gap (test − training cross-entropy), on a task where the unregularized model "
    "overfits, without "
    f"lowering test accuracy (by more than {RG4_NI:g}), at some penalty strength.",
    rule=Guarded(tuple(f"λ = {lam:g}" for lam in OVERFIT_LAMBDAS),
                 tuple(map(gain, OVERFIT_LAMBDAS)), tuple(map(guard, OVERFIT_LAMBDAS)),
                 RG4_NI, "test accuracy", guard_sd=RG4_GUARD_SD),
    measure=OVERFIT,
    gates=(Premise(OVERFIT, BASELINE, what="the generalization gap at λ = 0 (the plain net "
                   "overfits)", pilot=BASE_GAP),),
    quantifier="primary", settings=Settings("L2", robustness=("L1",)),
    min_effect=LOSS_GAP_MIN, pilot_sd=RG4_SD,
    notes=("The plain net's training loss ends ≈ 0, so its generalization gap is its "
           "held-out cross-entropy: how confidently it errs, where the test-accuracy guard "
           "counts how often; a penalty narrows the gap both by raising the training loss "
           "and by lowering the held-out one.",),
    revision=LOSS_GAP_WHY + "inconclusive under seed 0 (L2, the primary; λ = 1e-4: 0.011 "
             "[0.003, 0.019], inside ±0.02), refuted under seed 1 (λ = 0.01: no meaningful "
             "effect, −0.005 [−0.018, 0.007]) and supported under seed 17 (λ = 1e-4: 0.018 "
             "[0.010, 0.026]): a supported ↔ refuted flip on a gain at the smallest effect, "
             "the review's finding. The plain net's gap (the premise's pilot, calibration "
             "only) is seed 0's too.",
    replicates=REPLICATES)

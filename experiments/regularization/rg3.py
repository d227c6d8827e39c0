"""RG-3: L2 in the loss and decoupled weight decay (an implementation check)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Context, Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet

from .paths import REPLICATES, datasets, reg_rows, runset

SAME_TOL = 1e-4  # relative max difference of final weights: "same trajectory" (float32)
DIFF_TOL = 1e-2  # ... and "different"
RG3_GRIDS = {"adam": ("rg3_adam_penalty", "rg3_adamw_decay"),  # (L2 in the loss, decay)
             "sgd": ("rg3_sgd_penalty", "rg3_sgd_decay")}
MEMBER = "max |a − b| / max |b|"


def final_first_layer(rs: RunSet, grid: str) -> np.ndarray | None:
    """(replicates, entries): the first-layer weights at the end of ``grid``'s run."""
    fl = rs.sel("first_layer", grid=grid)
    if fl.empty:
        return None
    fl = fl[fl.step == fl.step.max()].sort_values(["replicate", "index"])
    return fl.value.to_numpy(float).reshape(fl.replicate.nunique(), -1)


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b).max(1) / np.abs(b).max(1)


@dataclass(frozen=True)
class WeightGap(Measure):
    """Per replicate and optimizer: MEMBER of the final first-layer weights."""

    factor: Factor = Factor("member", (MEMBER,), "statistic")
    label: str = ("relative difference of the final first-layer weights, max |a − b| / "
                  "max |b| (a = L2 in the loss, b = decoupled decay)")
    grid: tuple[str, ...] = tuple(g for pair in RG3_GRIDS.values() for g in pair)
    by: str = "optimizer"
    value_name: ClassVar[str] = "gap"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        ds, frames = datasets(rs, "decay"), []
        for name, (a, b) in RG3_GRIDS.items():
            wa, wb = final_first_layer(rs, a), final_first_layer(rs, b)
            if wa is not None and wb is not None:
                frames.append(pd.DataFrame({"optimizer": name, "member": MEMBER,
                                            "replicate": np.arange(len(wa)), "dataset": ds,
                                            "gap": relative_difference(wa, wb)}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Runs whose weights differ by exactly the table's values: b = (1, 0, −½, ¼) in
        every replicate (max |b| = 1), a = b but for d at the entry where b is 0."""
        frames, layer, b = [], [], np.array([1.0, 0.0, -0.5, 0.25])
        rng = np.random.default_rng(0)  # the four runs' accuracies and norms, shown only
        for name, t in tables.items():
            r = len(t.clusters)
            a = np.tile(b, (r, 1))
            a[:, 1] = t.column(MEMBER)
            for grid, w in zip(RG3_GRIDS[name], (a, np.tile(b, (r, 1))), strict=True):
                frames.append(reg_rows(grid, "decay", 0.0, 0.0, dataset=t.clusters,
                                       test_acc=rng.uniform(0.6, 0.8, r),
                                       weight_l2=rng.uniform(3, 10, r)))
                layer.append(pd.DataFrame({"grid": grid, "step": 750, "replicate": np.repeat(
                    np.arange(r), b.size), "index": np.tile(np.arange(b.size), r),
                    "value": w.reshape(-1)}))
        return runset(frames, first_layer=pd.concat(layer, ignore_index=True))

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        fin, ds, runs = rs.final, datasets(rs, "decay"), []
        for g in self.grid:
            f = fin[fin.grid == g].sort_values("replicate")
            if f.empty:
                continue
            acc, norm = (stats.mean_ci(f[c].to_numpy(float), clusters=ds)
                         for c in ("test_acc", "weight_l2"))
            runs.append({"run": g, "test acc": acc.mean, "test acc ci_low": acc.ci_low,
                         "test acc ci_high": acc.ci_high, "norm of all weights": norm.mean,
                         "norm ci_low": norm.ci_low, "norm ci_high": norm.ci_high})
        return {"The four runs (mean over replicates, 95% CI)": pd.DataFrame(runs)}, []

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": ["decay"]}  # the four rg3_* grids, the only ones on it


RG3 = Claim(
    "RG-3", "000",
    "L2权重衰减和L2正则化的区别: L2正则式在损失函数中的添加正则项,"
    "而L2权重衰减是在权重更新回传时添加惩罚项",
    "L2-in-the-loss and decoupled weight decay give the same trajectory under plain SGD "
    "(up to the lr rescaling) but different results under Adam. Both halves follow from "
    "the update rules as torch.optim implements them (Adam rescales the penalty's gradient "
    "2λw per coordinate, AdamW's decay is not rescaled), so this is an implementation "
    "check, not an empirical claim. Preset decay: λ·Σw² with λ = 0.005 in the loss vs "
    "weight_decay = 0.01 (= 2λ, torch multiplies it by lr), under SGD (lr 0.1) and Adam vs "
    "AdamW (lr 0.003).",
    measure=WeightGap(),
    # adam: different in every replicate; the same (float32 rounding) in every one refutes
    rule=Check((Bound(MEMBER, "above", DIFF_TOL, refute="every", refute_at=SAME_TOL),),
               by_setting=(("sgd", (Bound(MEMBER, "below", SAME_TOL),)),)),
    quantifier="all", settings=Settings("adam", ("sgd",)),
    min_effect=DIFF_TOL, null_value=DIFF_TOL, replicates=REPLICATES, category=IMPLEMENTATION)

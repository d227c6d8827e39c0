"""RG-3: L2 in the loss and decoupled weight decay (an implementation check)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.claims import (
    IMPLEMENTATION,
    LABEL_RULE,
    Claim,
    Outcome,
    Setting,
    Settings,
    missing,
)
from harness.judge.families import Custom
from harness.track.results import RunSet

from .paths import REPLICATES, datasets, reg_rows, runset

SAME_TOL = 1e-4  # relative max difference of final weights: "same trajectory" (float32)
DIFF_TOL = 1e-2  # ... and "different" (RG-3)
RG3_GRIDS = {"sgd": ("rg3_sgd_penalty", "rg3_sgd_decay"),
             "adam": ("rg3_adam_penalty", "rg3_adamw_decay")}


def final_first_layer(rs: RunSet, grid: str) -> np.ndarray | None:
    """(R, entries) first-layer weights at the end of the run of ``grid``."""
    fl = rs.sel("first_layer", grid=grid)
    if fl.empty:
        return None
    fl = fl[fl.step == fl.step.max()].sort_values(["replicate", "index"])
    return fl.value.to_numpy(float).reshape(fl.replicate.nunique(), -1)


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per replicate: max |a − b| / max |b|."""
    return np.abs(a - b).max(1) / np.abs(b).max(1)


def decide_rg3(rs: RunSet) -> Outcome:
    w = {g: final_first_layer(rs, g) for pair in RG3_GRIDS.values() for g in pair}
    if any(v is None for v in w.values()):
        return missing("RG-3 needs the four rg3_* runs")
    settings, rows = [], []
    for name in ("adam", "sgd"):
        a, b = RG3_GRIDS[name]
        rel = relative_difference(w[a], w[b])
        k = len(rel)
        lo, hi = float(rel.min()), float(rel.max())
        if name == "sgd":  # the same trajectory in every replicate (float32 rounding)
            verdict = stats.SUPPORTED if hi < SAME_TOL else stats.REFUTED
            value, null = hi, SAME_TOL
            how = f"largest over replicates {'<' if hi < SAME_TOL else '≥'} {SAME_TOL:g}"
        else:  # different in every replicate; the same in every one refutes
            verdict = stats.decide(lo > DIFF_TOL, hi < SAME_TOL)
            value, null = (hi, SAME_TOL) if verdict == stats.REFUTED else (lo, DIFF_TOL)
            how = {stats.SUPPORTED: f"smallest over replicates > {DIFF_TOL:g}",
                   stats.REFUTED: f"largest over replicates < {SAME_TOL:g}",
                   stats.INCONCLUSIVE: f"smallest over replicates ≤ {DIFF_TOL:g}, largest "
                                       f"≥ {SAME_TOL:g}"}[verdict]
        settings.append(Setting(name, verdict, stats.Effect(value, value, value, k,
                                                            math.nan, k, null), how))
        rows.append({"optimizer": name, "L2 in the loss": a, "decoupled decay": b,
                     "min": lo, "mean": float(rel.mean()), "max": hi, "verdict": verdict})
    fin, ds = rs.final, datasets(rs, "decay")
    runs = []
    for g in w:
        f = fin[fin.grid == g].sort_values("replicate")
        acc = stats.mean_ci(f.test_acc.to_numpy(float), clusters=ds)
        norm = stats.mean_ci(f.weight_l2.to_numpy(float), clusters=ds)
        runs.append({"run": g, "test acc": acc.mean, "test acc ci_low": acc.ci_low,
                     "test acc ci_high": acc.ci_high, "norm of all weights": norm.mean,
                     "norm ci_low": norm.ci_low, "norm ci_high": norm.ci_high})
    return Outcome(settings, {
        "Relative difference of the final first-layer weights, max |a − b| / max |b| per "
        "replicate, over replicates": pd.DataFrame(rows),
        "The four runs (mean over replicates, 95% CI)": pd.DataFrame(runs)})


def simulate_rg3(rng: np.random.Generator, planted: bool, broken: bool = False) -> RunSet:
    """Final first-layer weights of the four runs. Planted: SGD penalty = decay up to
    float32 rounding (1e-7), Adam ≠ AdamW in every replicate (relative noise 0.5). Not
    planted (least favourable for the primary adam): one replicate, drawn at random, has
    Adam and AdamW exactly DIFF_TOL apart (the boundary of "different in every
    replicate"), the others differ as planted; sgd (robustness) as planted. ``broken``
    (tests): the reverse, an implementation that decays inside Adam and not in SGD."""
    r, n = REPLICATES, 50
    base = {g: rng.normal(0, 0.5, (r, n)) for g in ("rg3_sgd_penalty", "rg3_adam_penalty")}
    tiny, big = 1e-7, 0.5
    base["rg3_sgd_decay"] = base["rg3_sgd_penalty"] * (
        1 + rng.normal(0, big if broken else tiny, (r, n)))
    base["rg3_adamw_decay"] = base["rg3_adam_penalty"] * (
        1 + rng.normal(0, tiny if broken else big, (r, n)))
    if not planted and not broken:
        # max |a − b| / max |b| = DIFF_TOL exactly in floating point: the decay run's
        # largest |w| is 1.0 and the two differ only at an entry where it is 0
        i = rng.integers(r)
        b = base["rg3_adamw_decay"][i] / np.abs(base["rg3_adamw_decay"][i]).max()
        b[np.argmin(np.abs(b))] = 0.0
        a = b.copy()
        a[b == 0.0] = DIFF_TOL
        base["rg3_adamw_decay"][i], base["rg3_adam_penalty"][i] = b, a
    frames, layer = [], []
    for g, w in base.items():
        frames.append(reg_rows(g, "decay", 0.0, 0.0, test_acc=rng.uniform(0.6, 0.8, r),
                               weight_l2=rng.uniform(3, 10, r)))
        layer.append(pd.DataFrame({"grid": g, "step": 750, "replicate": np.repeat(
            np.arange(r), n), "index": np.tile(np.arange(n), r), "value": w.reshape(-1)}))
    return runset(frames, first_layer=pd.concat(layer, ignore_index=True))


RG3 = Claim(
    "RG-3",
    "000",
    "L2权重衰减和L2正则化的区别: L2正则式在损失函数中的添加正则项,"
    "而L2权重衰减是在权重更新回传时添加惩罚项",
    "L2-in-the-loss and decoupled weight decay give the same trajectory under "
    "plain SGD (up to the lr rescaling) but different results under Adam. Both "
    "halves follow from the update rules as torch.optim implements them (Adam "
    "rescales the penalty's gradient 2λw per coordinate, AdamW's decay is not "
    "rescaled), so this is an implementation check, not an empirical claim.",
    rule=Custom(
        decide=decide_rg3,
        words="Per replicate, max |a − b| / max |b| over the final first-layer weights (a "
              "= L2 in the loss, b = decoupled decay). sgd: supported if below "
              f"{SAME_TOL:g} (float32 rounding) in every replicate, else refuted; the "
              "statistic is the largest over replicates. adam: supported if above "
              f"{DIFF_TOL:g} in every replicate (statistic: the smallest), refuted if "
              f"below {SAME_TOL:g} in every replicate (statistic: the largest), else "
              "inconclusive. Deterministic comparisons: the statistic has no sampling CI. "
              + LABEL_RULE,
        runs="preset decay: λ·Σw² with λ = 0.005 in the loss vs weight_decay = 0.01 (= 2λ, "
             "torch multiplies it by lr), under SGD (lr 0.1) and Adam vs AdamW (lr 0.003); "
             "settings adam (primary: the case the distinction is about) and sgd",
        effect_label="relative difference of the final first-layer weights, max |a − b| "
                     "/ max |b| (smallest over replicates)",
        simulate=simulate_rg3),
    settings=Settings("adam"),
    min_effect=DIFF_TOL,
    null_value=DIFF_TOL,
    category=IMPLEMENTATION)

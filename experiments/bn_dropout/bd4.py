"""BD-4: at test time BN normalizes with the running statistics, not the test batch's (an
implementation check on the batch_norm probe). Its decide and simulate stay together here
(to become a Check family)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from experiments.bn_dropout.common import (
    AXES,
    LR,
    NAME,
    PRIMARY,
    REPLICATES,
    SETTINGS,
    TASKS,
    effect_row,
    label,
    last_step,
)
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
from harness.track.results import RunSet, dataset_of

RUNNING_TOL = 1e-4  # eval output vs hand-written running-stat normalization (float32)
BATCH_MIN = 1e-2  # eval vs batch-statistics output must differ by at least this
RUN_KEYS = ["grid", "batch_norm", "dropout", "dropout_placement", "dropout_scaling",
            "bn_after_activation"]
PROBE_SD = 0.1  # relative (log-normal) SD across replicates of the probe's statistics
BD4_CONDITIONS = ("running", "batch")  # the two conditions of support


def decide_bd4(rs: RunSet) -> Outcome:
    bn = rs.table("batch_norm")
    if bn.empty:
        return missing("BD-4 needs BN runs with the batch_norm probe")
    settings, rows = [], []
    found = {(p, int(w)) for p, w in bn[["preset", "width"]].drop_duplicates()
             .itertuples(index=False)}
    fin = rs.final
    for s in [s for s in SETTINGS if s in found] + sorted(found - set(SETTINGS)):
        last = last_step(bn[(bn.preset == s[0]) & (bn.width == s[1])])
        running = float(last.eval_vs_running.max())
        per_rep = last.groupby("replicate").eval_vs_batch.mean()
        eff = stats.mean_ci(per_rep.to_numpy(float), null=BATCH_MIN, clusters=dataset_of(
            fin[(fin.preset == s[0]) & (fin.width == s[1])], per_rep.index))
        if running > BATCH_MIN:
            verdict, k = stats.REFUTED, eff.n_datasets
            eff = stats.Effect(running, running, running, eff.n, math.nan, k, BATCH_MIN)
            how = f"eval output ≠ running-statistics normalization (max |Δ| > {BATCH_MIN:g})"
        else:
            verdict = stats.decide(running < RUNNING_TOL and eff.ci_low > BATCH_MIN,
                                   eff.ci_high < BATCH_MIN)
            where = ("above" if eff.ci_low > BATCH_MIN else
                     "below" if eff.ci_high < BATCH_MIN else "reaches")
            how = (f"eval = running statistics (max |Δ| {running:.1e} "
                   f"{'<' if running < RUNNING_TOL else '≥'} {RUNNING_TOL:g}); eval vs batch "
                   f"statistics: 95% CI {where} {BATCH_MIN:g}")
        settings.append(Setting(label(s), verdict, eff, how))
        rows.append({"setting": label(s), "BN runs": len(last[RUN_KEYS].drop_duplicates()),
                     "max |eval − running| (abs)": running,
                     **effect_row(stats.mean_ci(per_rep.to_numpy(float)), "eval vs batch, ")})
    table = pd.DataFrame(rows).drop(columns=["eval vs batch, p"])
    return Outcome(settings, {
        "Every BN layer of every BN run at its last evaluation: eval-mode output vs a "
        "normalization by the running statistics written out by hand (max absolute "
        "difference), and vs a normalization by the batch's own statistics (mean |Δ| / "
        "output std per replicate, averaged over layers and runs)": table})


def _sim_probe(rng: np.random.Generator,
               rows: Callable[[tuple[str, int]], dict[str, tuple[float, float]]]) -> RunSet:
    """A batch_norm probe table (two evaluations, one BN+dropout run per setting) with each
    column drawn log-normally: rows(setting) = column -> (mean, rel. SD), the mean being
    the expectation (the log-normal's median is mean · exp(−SD²/2))."""
    r, frames, final = REPLICATES, [], []
    for s in SETTINGS:
        keys = {"grid": "sim", "preset": s[0], "width": s[1], "batch_norm": True,
                "bn_after_activation": False, "dropout": 0.3, "dropout_placement": "every",
                "lr": LR, "dropout_scaling": "inverted"}
        for step in (0, 600):
            frames.append(pd.DataFrame({**keys, "step": step, "replicate": np.arange(r),
                                        "layer": 0, **{
                                            c: v * np.exp(rng.normal(-sd ** 2 / 2, sd, r))
                                            for c, (v, sd) in rows(s).items()}}))
        final.append(pd.DataFrame({**keys, "replicate": np.arange(r),
                                   "dataset": np.arange(r, dtype=float)}))
    return RunSet.from_tables(NAME, AXES, pd.concat(final, ignore_index=True),
                              batch_norm=pd.concat(frames, ignore_index=True))


def simulate_bd4(rng: np.random.Generator, planted: bool, broken: bool = False,
                 boundary: str | None = None) -> RunSet:
    """Planted: eval mode uses the running statistics (as torch does): eval vs running
    ≈ 1e-6 (float32), eval vs batch 0.055 (the pilot's), every setting. Not planted
    (least favourable), in the primary setting one of the two conditions, drawn at
    random (or ``boundary``), at its boundary and the other as planted: "running": the
    largest |eval − running| exactly RUNNING_TOL (in one replicate, drawn at random);
    "batch": eval vs batch statistics BATCH_MIN in expectation. Robustness settings
    planted. ``broken`` (tests): eval mode uses the batch's statistics everywhere."""
    good = {"eval_vs_running": (1e-6, 0.5), "eval_vs_batch": (0.055, PROBE_SD),
            "var_shift": (1.0, PROBE_SD)}
    if broken:
        bad = {**good, "eval_vs_running": (0.055, PROBE_SD), "eval_vs_batch": (1e-6, 0.5)}
        return _sim_probe(rng, lambda s: bad)
    if planted:
        boundary = None
    elif boundary is None:
        boundary = BD4_CONDITIONS[rng.integers(len(BD4_CONDITIONS))]
    at_null = {**good, "eval_vs_batch": (BATCH_MIN, PROBE_SD)} if boundary == "batch" \
        else good
    runs = _sim_probe(rng, lambda s: at_null if s == PRIMARY else good)
    if boundary == "running":
        bn = runs.table("batch_norm")
        rows = bn.index[(bn.preset == PRIMARY[0]) & (bn.width == PRIMARY[1])
                        & (bn.step == bn.step.max())]
        bn.loc[rows[rng.integers(len(rows))], "eval_vs_running"] = RUNNING_TOL
    return runs


CLAIM = Claim(
    "BD-4", "004", "测试阶段,可以根据训练数据…得到全局的均值和方差",
    "At test time BN normalizes with global statistics (running averages of the "
    "training batches' means and variances), not the test batch's. An "
    "implementation check of torch's BatchNorm.",
    rule=Custom(
        decide=decide_bd4,
        words="Per setting: supported if the eval outputs equal the running-statistics "
              f"normalization written out by hand (max |Δ| < {RUNNING_TOL:g}, float32) and "
              "differ from the batch-statistics one (95% t CI over replicates of mean |Δ| "
              f"/ output std above {BATCH_MIN:g}); refuted if they differ from the running "
              f"one by more than {BATCH_MIN:g} or the CI against the batch one lies below "
              f"{BATCH_MIN:g}; else inconclusive. " + LABEL_RULE,
        runs=f"every BN run, batch_norm probe at the last evaluation; {TASKS}",
        effect_label="eval-mode BN output vs batch-statistics output, mean |Δ| / std "
                     f"(tested against {BATCH_MIN:g})",
        simulate=simulate_bd4),
    settings=Settings(label(PRIMARY)), min_effect=BATCH_MIN, null_value=BATCH_MIN,
    category=IMPLEMENTATION)

"""The implementation checks, on the probes' tables: BD-4 (eval-mode BN normalizes with the
running statistics; its decide and simulate stay together, to become a Check family) and
BD-5 (with dropout, the eval output equals the train-time expectation, equivalence within
±SCALE_TOL)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.bn_dropout.common import (
    AXES,
    DEFAULTS,
    LR,
    NAME,
    PLACEMENTS,
    PRIMARY,
    RATES,
    REPLICATES,
    SETTINGS,
    TASKS,
    effect_row,
    label,
    last_step,
    ordered,
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
from harness.judge.families import Custom, Equivalent
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
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
    for s in ordered(found):
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


def simulate_bd4(rng: np.random.Generator, planted: bool, broken: bool = False,
                 boundary: str | None = None) -> RunSet:
    """A batch_norm probe table (evaluations at steps 0 and 600, one BN+dropout run per
    setting), each column drawn log-normally around its expectation (median mean ·
    exp(−SD²/2)). Planted: eval mode uses the running statistics (as torch does): eval vs
    running ≈ 1e-6 (float32), eval vs batch 0.055 (the pilot's), every setting. Not
    planted (least favourable), in the primary setting one of the two conditions, drawn
    at random (or ``boundary``), at its boundary and the other as planted: "running": the
    largest |eval − running| exactly RUNNING_TOL (in one replicate, drawn at random);
    "batch": eval vs batch statistics BATCH_MIN in expectation. Robustness settings
    planted. ``broken`` (tests): eval mode uses the batch's statistics everywhere."""
    good = {"eval_vs_running": (1e-6, 0.5), "eval_vs_batch": (0.055, PROBE_SD),
            "var_shift": (1.0, PROBE_SD)}  # column -> (mean, relative SD)
    if planted or broken:
        boundary = None
    elif boundary is None:
        boundary = BD4_CONDITIONS[rng.integers(len(BD4_CONDITIONS))]
    if broken:
        good = {**good, "eval_vs_running": (0.055, PROBE_SD), "eval_vs_batch": (1e-6, 0.5)}
    at_null = {**good, "eval_vs_batch": (BATCH_MIN, PROBE_SD)} if boundary == "batch" \
        else good
    r, frames, final = REPLICATES, [], []
    for s in SETTINGS:
        keys = {"grid": "sim", "preset": s[0], "width": s[1], "batch_norm": True,
                "bn_after_activation": False, "dropout": 0.3, "dropout_placement": "every",
                "lr": LR, "dropout_scaling": "inverted"}
        for step in (0, 600):
            frames.append(pd.DataFrame({**keys, "step": step, "replicate": np.arange(r),
                                        "layer": 0, **{
                                            c: v * np.exp(rng.normal(-sd ** 2 / 2, sd, r))
                                            for c, (v, sd) in (at_null if s == PRIMARY
                                                               else good).items()}}))
        final.append(pd.DataFrame({**keys, "replicate": np.arange(r),
                                   "dataset": np.arange(r, dtype=float)}))
    bn = pd.concat(frames, ignore_index=True)
    if boundary == "running":
        rows = bn.index[(bn.preset == PRIMARY[0]) & (bn.width == PRIMARY[1])
                        & (bn.step == bn.step.max())]
        bn.loc[rows[rng.integers(len(rows))], "eval_vs_running"] = RUNNING_TOL
    return RunSet.from_tables(NAME, AXES, pd.concat(final, ignore_index=True), batch_norm=bn)


BD4 = Claim(
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


SCALINGS = {"test": "plain dropout, × (1−p) at test",
            "inverted": "inverted dropout, × 1/(1−p) in training"}
PLAIN_SETTINGS = (("bn_digits", 128), ("bn_gaussian", 32))  # the plain-dropout runs
# The scale ⟨E[train], eval⟩ / ‖eval‖² must be 1 within ±SCALE_TOL. A missing rescaling
# gives 1 − p or 1/(1 − p) (0.9 / 1.11 at the smallest p swept, 0.1), far outside;
# Monte-Carlo noise is ~1e-3.
SCALE_TOL = 0.02
# Pilot: per-replicate SD of scale − 1 of the deciding run (90% CI half-width / t(0.95, 23)
# · √24), the noisiest setting: digits w32, inverted dropout (digits w128 plain, the
# primary: 0.0027).
BD5_SD = 0.0131


def scaling_label(setting: tuple[str, int], scaling: str) -> str:
    return f"{label(setting)} / {SCALINGS[scaling]}"


SCALING_OF = {scaling_label(s, c): (s, c) for s in SETTINGS for c in SCALINGS
              if c == "inverted" or s in PLAIN_SETTINGS}  # setting -> (task, scaling)
RUN_OF = {f"BN {bn}, rate {p:g}, {place}": (bn, p, place)  # a dropout run, in words
          for bn in (False, True) for p in RATES["bn_digits"] for place in PLACEMENTS}


@dataclass(frozen=True)
class ProbeScale(Measure):
    """The dropout probe's scale − 1 per replicate (mean over its rows) at each run's last
    evaluation; a setting is task and width × dropout scaling, a member one dropout run
    (BN, rate, placement)."""

    factor: Factor = Factor("run", tuple(RUN_OF), "dropout run")
    label: str = ("eval-output scale against the train-time expectation, ⟨E[train], eval⟩ / "
                  "‖eval‖² − 1")
    grid: str | tuple[str, ...] | None = None
    by: str = "setting"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        do = rs.table("dropout")
        if do.empty or "scale" not in do:
            return pd.DataFrame()
        do = do.assign(**{k: v for k, v in DEFAULTS.items() if k not in do})
        fin, frames = rs.final, []
        for name, (s, scaling) in SCALING_OF.items():
            last = last_step(do[(do.preset == s[0]) & (do.width == s[1])
                                & (do.dropout_scaling == scaling)])
            per = last.groupby(["batch_norm", "dropout", "dropout_placement", "replicate"]
                               ).scale.mean().reset_index()
            frames.append(per.assign(
                setting=name, scale=per.scale - 1.0,
                run=[f"BN {bool(b)}, rate {float(p):g}, {place}" for b, p, place in zip(
                    per.batch_norm, per.dropout, per.dropout_placement, strict=True)],
                dataset=dataset_of(fin[(fin.preset == s[0]) & (fin.width == s[1])],
                                   per.replicate.to_numpy())))
        return pd.concat(frames, ignore_index=True)

    def value_column(self) -> str:
        return "scale"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """One probe row per run and replicate at the last evaluation (step 600)."""
        rows = self._long(tables, "scale")
        task = rows.setting.map(SCALING_OF)
        run = rows.run.map(RUN_OF)
        rows = rows.assign(preset=[t[0][0] for t in task], width=[t[0][1] for t in task],
                           dropout_scaling=[t[1] for t in task],
                           batch_norm=[r[0] for r in run], dropout=[r[1] for r in run],
                           dropout_placement=[r[2] for r in run], scale=rows.scale + 1.0,
                           step=600).drop(columns=["setting", "run"])
        axes = ["preset", "width", "batch_norm", "dropout", "dropout_placement",
                "dropout_scaling"]
        return RunSet.from_tables(NAME, axes, rows.drop(columns=["scale", "step"]),
                                  dropout=rows.drop(columns=["dataset"]))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": sorted({SCALING_OF[n][0][0] for n in settings}),
                "model.width": sorted({SCALING_OF[n][0][1] for n in settings}),
                "model.dropout_scaling": sorted({SCALING_OF[n][1] for n in settings}),
                "model.dropout": sorted({r[1] for r in RUN_OF.values()})}


BD5 = Claim(
    "BD-5", "004", "在测试的时候没有神经元被丢弃,因此输出值需要按dropout比率缩小",
    "At test time no unit is dropped, so the outputs must be scaled by the dropout "
    "ratio: with plain dropout the eval output × (1−p) (the quote's scheme), with "
    "inverted dropout × 1/(1−p) in training instead; either way the eval output "
    "equals the train-time expectation. An implementation check of the model's "
    "dropout (a model that forgets the rescaling must fail it).",
    measure=ProbeScale(), rule=Equivalent(margin=SCALE_TOL),
    settings=Settings(scaling_label(PRIMARY, "test"), tuple(SCALING_OF)[1:]),
    notes=(f"A missing rescaling gives scale 1 − p or 1/(1 − p): at p = 0.1, the "
           f"smallest rate swept, 0.1 off, five times the margin {SCALE_TOL:g}; "
           "tests/test_bn_dropout.py plants one and checks that it is refuted.",),
    min_effect=SCALE_TOL, pilot_sd=BD5_SD, replicates=REPLICATES, null_value=0.0,
    equivalence_margin=SCALE_TOL, category=IMPLEMENTATION)

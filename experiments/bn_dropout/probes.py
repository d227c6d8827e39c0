"""The implementation checks, on the probes' tables: BD-4 (eval-mode BN normalizes with the
running statistics) and BD-5 (dropout's eval output equals the train-time expectation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from experiments.bn_dropout.common import (
    AXES,
    LR,
    NAME,
    PLACEMENTS,
    PRIMARY,
    RATES,
    REPLICATES,
    SETTING_OF,
    SETTINGS,
    label,
    ordered,
    task_selection,
    with_defaults,
)
from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check, Equivalent, MeanBound
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet, dataset_of

# Pilot: eval vs batch statistics 0.055 with a relative SD of 0.1 across replicates
PROBE_SD = 0.1
RUNNING, BATCH = "eval vs running, max |Δ|", "eval vs batch, mean |Δ| / std"


def _of(frame: pd.DataFrame, s: tuple[str, int]) -> pd.DataFrame:
    return frame[(frame.preset == s[0]) & (frame.width == s[1])]


def _last(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.step == frame.step.max()]


@dataclass(frozen=True)
class BatchNormProbe(Measure):
    """The batch_norm probe at each BN run's last evaluation, per replicate: the largest
    |eval-mode output − a normalization by the running statistics written out by hand|,
    and the mean |eval-mode output − a normalization by the batch's own statistics| /
    output std (every BN layer and run); a setting is a task and width."""

    factor: Factor = Factor("member", (RUNNING, BATCH), "check")
    label: str = "eval-mode BN output against normalizations written out by hand"
    grid: str | tuple[str, ...] | None = None
    by: str = "setting"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        bn = rs.table("batch_norm")
        if bn.empty:
            return pd.DataFrame()
        frames = []
        for s in ordered(set(zip(bn.preset, bn.width.astype(int), strict=True))):
            per = _last(_of(bn, s)).groupby("replicate").agg(
                **{RUNNING: ("eval_vs_running", "max"), BATCH: ("eval_vs_batch", "mean")})
            long = per.reset_index().melt("replicate", var_name="member")
            frames.append(long.assign(setting=label(s), dataset=dataset_of(
                _of(rs.final, s), long.replicate.to_numpy())))
        return pd.concat(frames, ignore_index=True)

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """One probe row per replicate at the last evaluation (step 600) of one BN run with
        dropout 0.3 per setting, carrying the table's two members."""
        rows = self._long(tables, "value").pivot(
            index=["setting", "replicate", "dataset"], columns="member", values="value")
        rows = rows.reset_index()
        task = rows.setting.map(SETTING_OF)
        keys = {"grid": "sim", "preset": [t[0] for t in task], "width": [t[1] for t in task],
                "batch_norm": True, "bn_after_activation": False, "dropout": 0.3,
                "dropout_placement": "every", "lr": LR, "dropout_scaling": "inverted",
                "replicate": rows.replicate}
        bn = pd.DataFrame({**keys, "step": 600, "layer": 0, "var_shift": 1.0,
                           "eval_vs_running": rows[RUNNING], "eval_vs_batch": rows[BATCH]})
        return RunSet.from_tables(NAME, AXES, pd.DataFrame({**keys, "dataset": rows.dataset}),
                                  batch_norm=bn)

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {**task_selection({SETTING_OF[n] for n in settings}),
                "model.batch_norm": [True]}


BD4 = Claim(
    "BD-4", "004", "测试阶段,可以根据训练数据…得到全局的均值和方差",
    "At test time BN normalizes with global statistics (running averages of the "
    "training batches' means and variances), not the test batch's. An "
    "implementation check of torch's BatchNorm.",
    measure=BatchNormProbe(),
    # float32 rounding keeps the first under 1e-4; an output normalized by the batch's
    # statistics differs from the running one's by more than 1e-2
    rule=Check((Bound(RUNNING, "below", 1e-4, refute_at=1e-2), MeanBound(BATCH, "above", 1e-2)),
               headline=BATCH),
    quantifier="all", settings=Settings(label(PRIMARY), tuple(label(s) for s in SETTINGS[1:])),
    min_effect=1e-2, pilot_sd=0.055 * PROBE_SD, replicates=REPLICATES, null_value=1e-2,
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
    evaluation; a setting is task and width × dropout scaling, a member one dropout run."""

    factor: Factor = Factor("run", tuple(RUN_OF), "dropout run")
    label: str = ("eval-output scale against the train-time expectation, ⟨E[train], eval⟩ / "
                  "‖eval‖² − 1")
    grid: str | tuple[str, ...] | None = None
    by: str = "setting"
    value_name: ClassVar[str] = "scale"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        do = rs.table("dropout")
        if do.empty or "scale" not in do:
            return pd.DataFrame()
        do, frames = with_defaults(do), []
        for name, (s, scaling) in SCALING_OF.items():
            per = _last(_of(do, s)[_of(do, s).dropout_scaling == scaling]).groupby(
                ["batch_norm", "dropout", "dropout_placement", "replicate"]
            ).scale.mean().reset_index()
            frames.append(per.assign(
                setting=name, scale=per.scale - 1.0,
                run=[f"BN {bool(b)}, rate {float(p):g}, {place}" for b, p, place in zip(
                    per.batch_norm, per.dropout, per.dropout_placement, strict=True)],
                dataset=dataset_of(_of(rs.final, s), per.replicate.to_numpy())))
        return pd.concat(frames, ignore_index=True)

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """One probe row per run and replicate at the last evaluation (step 600)."""
        rows = self._long(tables, "scale")
        axes = ["preset", "width", "dropout_scaling", "batch_norm", "dropout",
                "dropout_placement"]
        keys = [(*s, scaling, *RUN_OF[r]) for (s, scaling), r in zip(
            rows.setting.map(SCALING_OF), rows.run, strict=True)]
        rows = rows.assign(**dict(zip(axes, zip(*keys, strict=True), strict=True)),
                           scale=rows.scale + 1.0, step=600).drop(columns=["setting", "run"])
        return RunSet.from_tables(NAME, axes, rows.drop(columns=["scale", "step"]),
                                  dropout=rows.drop(columns=["dataset"]))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {**task_selection({SCALING_OF[n][0] for n in settings}),
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
    quantifier="all", settings=Settings(scaling_label(PRIMARY, "test"), tuple(SCALING_OF)[1:]),
    notes=(f"A missing rescaling gives scale 1 − p or 1/(1 − p): at p = 0.1, the "
           f"smallest rate swept, 0.1 off, five times the margin {SCALE_TOL:g}; "
           "tests/test_bn_dropout.py plants one and checks that it is refuted.",),
    min_effect=SCALE_TOL, pilot_sd=BD5_SD, replicates=REPLICATES, null_value=0.0,
    equivalence_margin=SCALE_TOL, category=IMPLEMENTATION,
    revision="Changed after the seed-0 run (1b6894c), with its data in view (5d7398e): the "
             "statistic went from |mean of 100 train-mode draws − eval output| / ‖eval‖ in "
             "Monte-Carlo-error units (supported if every run's 95% CI lies below 2, "
             "refuted above 2.5) to the eval output's scale against the train-time "
             "expectation, ⟨E[train], eval⟩ / ‖eval‖² − 1, equivalent to 0 within "
             f"±{SCALE_TOL:g} (TOST, 90% CIs); runs of plain dropout scaled × (1−p) at "
             "test (the quote's scheme, not run at seed 0) became settings beside inverted "
             "dropout, digits w128's the primary. The earlier rule gave supported in all "
             "three settings (digits w128: 1.01 [0.996, 1.02] error units, against 2). Why "
             "(5d7398e): test the quote's scheme as well as inverted dropout, with a "
             "missing rescale refutable: it gives scale 0.9 or 1.11 at p = 0.1, five "
             "times the margin (the old ratio: 3.0 against its 2.5 bound).")

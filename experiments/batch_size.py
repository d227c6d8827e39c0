"""Batch size vs held-out accuracy, runtime and loss oscillation: claims BS-1 ... BS-5a/b.

Faithful setup: Abid (2018) Exp 8 (preset abid2018). Two grids (conf/experiment/
batch_size.yaml): ``main`` sweeps abid2018 and its controls (each a preset in
conf/preset/: same_steps, lr_scaled, lr_sqrt, sgd, identity_cov) over the batch sizes
with many replicates per run, evaluated once per epoch and tracing the full training loss
over the updates after each evaluation (BS-5's bursts); ``timing`` (preset timing:
abid2018's network and data, one model per run, 30 epochs) repeats each batch size as
independent runs, launched one at a time after everything else, in rounds (every batch
size once per round, so a slow drift of the machine touches every batch size alike);
each run logs cpu_per_wall (its process CPU seconds / wall seconds over the training
loop), and BS-1 is inconclusive where any fell below CPU_BOUND (the run shared its
core); the 1-minute load averages at its start and end are tabled as context.
Runtime verdicts (BS-1, BS-3's time axis) read only the timing
runs (:func:`timing_runs`, grid == "timing"); accuracy and oscillation verdicts read only
the main grid, whose wall times (final.csv ``time_to_target_s``, run ``train_time_s``) no
rule reads (a test checks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats as sps  # noqa: E402

from harness.core import stats  # noqa: E402
from harness.judge.claims import (  # noqa: E402
    LABEL_RULE,
    Claim,
    Experiment,
    Outcome,
    Setting,
    Settings,
    Verdict,
    missing,
)
from harness.judge.families import NULL, PLANTED, Custom, Monotone, Paired  # noqa: E402
from harness.judge.families.base import steps as member_effects  # noqa: E402
from harness.judge.gates import CpuBound  # noqa: E402
from harness.judge.measures import Factor, Final, Measure  # noqa: E402
from harness.judge.table import Table, level_summary  # noqa: E402
from harness.pages import plots  # noqa: E402
from harness.pages.plots import band, band_frame  # noqa: E402
from harness.track.results import RunSet  # noqa: E402

NAME = "batch_size"
PRIMARY = "abid2018"
# BS-2's settings: Exp 8's protocol (150 epochs, one learning rate for every batch size)
# with what the quote leaves open varied (the optimizer: sgd; the data's conditioning:
# identity_cov). same_steps drops the fixed-epochs premise the quote was measured under
# (its "monotonically decreasing" is a statement about 150-epoch runs): a control, shown
# (judged = no) but never a member that can refute the quote; lr_scaled and lr_sqrt
# change the rate with the batch and are shown only.
# BS-5's settings: seed 001's quote is about SGD, so sgd is primary; the update budget
# does not enter a matched-loss comparison, so same_steps is a setting here.
BS5_PRIMARY = "sgd"
BS5_SETTINGS = Settings(BS5_PRIMARY, ("abid2018", "same_steps", "identity_cov"), shown={
    "lr_scaled": "it changes the learning rate with the batch",
    "lr_sqrt": "it changes the learning rate with the batch"})
CONTROLS = ("lr_sqrt", "lr_scaled", "same_steps")  # BS-4's controls, tabled
LR_CONTROLS = ("lr_sqrt", "lr_scaled")  # BS-4's judged ones: the quote names the rate
PRESET_ORDER = ("abid2018", "sgd", "identity_cov", "same_steps", "lr_scaled", "lr_sqrt")
BATCHES = (1, 4, 16, 64, 256, 400)
REPLICATES = 24  # trainer.replicates of conf/experiment/batch_size.yaml (a test checks)
TIMING_REPEATS = 10  # trainer.repeat values of the timing grid (a test checks)
# BS-1's contention check: a timing run's cpu_per_wall (metric: process CPU seconds /
# wall seconds over the training loop). A single-threaded run (trainer.threads = 1) that
# had a core to itself gives ≈ 1; below 0.9 it waited for its core (other work shared
# it) while it was timed, and BS-1 is inconclusive (the offending runs are named). The
# 1-minute load averages (load_avg_start, load_avg_1m) are tabled as context only: they
# lag (a 1-minute average mostly reflects the previous minute).
CPU_BOUND = 0.9
TARGET_FRACTION = 0.95  # BS-3's target: 0.95 × the replicate's own Bayes accuracy
ORIGINAL_TARGET = 0.8  # the original's absolute threshold (shown, not used by a rule)
JITTER_FLOOR = 1e-9  # below float32 resolution of a relative change: "flat"
# Abid (2018) Exp 8 (fidelity audit of the notebook's arrays): TRAINING accuracy at epochs
# 10, 20, ..., 140 (14 points, mean over his 4 datasets; the accuracy he plotted and
# called "test accuracy"), his 150-epoch runtime of one model (last repeat only, graph
# build and the 14 evaluations included) and his time to training accuracy 0.8 (first
# point of the mean curve at ≥ 0.8 × runtime/10 × index: his formula, not epoch/150).
ORIGINAL_CURVES = {
    1: [.79, .83, .87, .92, .94, .93, .97, .99, .99, .99, .975, .985, .955, .996],
    4: [.76, .84, .87, .89, .86, .88, .91, .945, .95, .97, .975, .975, .98, .993],
    16: [.70, .795, .84, .85, .89, .89, .90, .89, .91, .93, .93, .93, .94, .95],
    64: [.68, .75, .79, .815, .82, .86, .87, .89, .89, .89, .895, .894, .90, .905],
    256: [.625, .66, .70, .75, .77, .795, .80, .82, .84, .86, .87, .875, .88, .882],
    400: [.60, .63, .64, .66, .70, .72, .74, .755, .78, .80, .815, .82, .836, .853],
}
ORIGINAL_EPOCH_POINTS = list(range(10, 150, 10))  # epochs of ORIGINAL_CURVES' entries
ORIGINAL = pd.DataFrame({
    "batch_size": [1, 4, 16, 64, 256, 400],
    "accuracy": [ORIGINAL_CURVES[b][-1] for b in (1, 4, 16, 64, 256, 400)],  # epoch 140
    "runtime_s": [54, 16, 4.3, 2.1, 1.4, 1.2],
    "time_to_0.8_s": [5.4, 1.6, 0.9, 0.7, 1.0, 1.2],  # 64: 0.6-0.8 across his figures
})
ORIGINAL_EPOCHS = 150
LIKE_EPOCH = 140  # the original's last accuracy point: our evaluation at epoch 140
SAME_STEPS = 1171  # trainer.steps of conf/preset/same_steps.yaml: floor(150·500/64)
BURST = 20  # trainer.jitter_burst of conf/experiment/batch_size.yaml (a test checks)

# ---------------------------------------------------------------- data access


def main_rows(rs: RunSet, preset: str = PRIMARY, table: str = "final") -> pd.DataFrame:
    """Rows of ``table`` from the main grid under ``preset`` (never the timing runs)."""
    df = rs.table(table)
    if df.empty or "grid" not in df:
        return df
    return df[(df.grid == "main") & (df.preset == preset)]


def presets(rs: RunSet) -> list[str]:
    """Presets of the main grid that have runs, in the declared order first."""
    df = rs.final
    if df.empty:
        return []
    found = df[df.grid == "main"].preset.unique().tolist()
    return [p for p in PRESET_ORDER if p in found] + [p for p in found if p not in
                                                      PRESET_ORDER]


def by_preset(rs: RunSet, table: str = "final") -> dict[str, pd.DataFrame]:
    """Rows of ``table`` from the main grid, split by preset (one pass)."""
    df = rs.table(table)
    if df.empty or "grid" not in df:
        return {}
    return {str(p): g for p, g in df[df.grid == "main"].groupby("preset", sort=False)}


def wide_frame(df: pd.DataFrame | None, metric: str
               ) -> tuple[list[int], dict[int, np.ndarray], np.ndarray]:
    """(batch sizes, batch -> metric per replicate, dataset per replicate) of one preset's
    final rows, aligned by replicate: replicate r is paired across batch sizes."""
    if df is None or df.empty or metric not in df:
        return [], {}, np.zeros(0)
    levels, li = np.unique(df.batch_size.to_numpy(int), return_inverse=True)
    reps, ri = np.unique(df.replicate.to_numpy(int), return_inverse=True)
    values = np.full((reps.size, levels.size), np.nan)
    values[ri, li] = df[metric].to_numpy(float)
    clusters = np.empty(reps.size, dtype=object)
    clusters[ri] = df.dataset.to_numpy()
    return ([int(b) for b in levels], {int(b): values[:, j] for j, b in enumerate(levels)},
            clusters)


def wide(rs: RunSet, metric: str, preset: str = PRIMARY
         ) -> tuple[list[int], dict[int, np.ndarray], np.ndarray]:
    """:func:`wide_frame` of ``preset``'s main-grid runs."""
    return wide_frame(main_rows(rs, preset), metric)


def log_metric(df: pd.DataFrame | None, metric: str
               ) -> tuple[list[int], dict[int, np.ndarray], np.ndarray]:
    """:func:`wide_frame` of log ``metric``, floored at JITTER_FLOOR."""
    levels, values, clusters = wide_frame(df, metric)
    with np.errstate(invalid="ignore"):
        return levels, {b: np.log(np.maximum(v, JITTER_FLOOR)) for b, v in values.items()}, \
            clusters


def matched_bursts(rs: RunSet) -> dict[str, pd.DataFrame]:
    """BS-5's rows, per main-grid preset: for each replicate and batch size the loss
    burst (probe table ``loss_bursts``: the ``jitter_burst`` updates after an
    evaluation) at a matched training loss. The replicate's matched level is the
    highest of its batch sizes' lowest burst-start losses (the lowest level every batch
    size reached, so it is reachable in every setting by construction); each batch size
    contributes its first burst that starts at or below it. Columns: batch_size,
    replicate, dataset, matched_loss, step, start_loss, dlog_std (std of the
    step-to-step change of log full training loss), batch_loss_std."""
    b = rs.table("loss_bursts")
    fin = rs.final
    if b.empty or fin.empty or "grid" not in b:
        return {}
    b = b[b.grid == "main"]
    keys = ["preset", "replicate"]
    lowest = b.groupby([*keys, "batch_size"]).start_loss.min()
    level = lowest.groupby(level=keys).max().rename("matched_loss").reset_index()
    b = b.merge(level, on=keys)
    hit = b[b.start_loss <= b.matched_loss].sort_values("step")
    first = hit.groupby([*keys, "batch_size"], sort=False).head(1)
    ds = fin[fin.grid == "main"][[*keys, "batch_size", "dataset"]]
    first = first.merge(ds, on=[*keys, "batch_size"], how="left")
    return {str(p): g for p, g in first.groupby("preset", sort=False)}


def log_dlog(df: pd.DataFrame | None
             ) -> tuple[list[int], dict[int, np.ndarray], np.ndarray]:
    """BS-5's metric from one preset's :func:`matched_bursts` rows: log of the std of
    Δ log L at the matched training loss, floored at JITTER_FLOOR."""
    return log_metric(df, "dlog_std")


def timing_runs(rs: RunSet) -> pd.DataFrame:
    """One row per finished timing run: batch_size, repeat, seconds per epoch and per
    step (training time only; one model per run), its cpu_per_wall (process CPU / wall
    seconds over the training loop) and the 1-minute load averages at the start and end
    of training (load_avg_start, load_avg_1m) where logged."""
    pts = rs.points
    need = {"train_time_s", "epochs_trained", "total_steps"}
    if "grid" not in pts or not need <= set(pts.columns):
        return pd.DataFrame(columns=["batch_size", "repeat", "s_per_epoch", "s_per_step"])
    t = pts[(pts.grid == "timing") & pts.run_id.notna()].dropna(subset=sorted(need)).copy()
    t["batch_size"] = t.batch_size.astype(int)
    t["s_per_epoch"] = t.train_time_s.astype(float) / t.epochs_trained.astype(float)
    t["s_per_step"] = t.train_time_s.astype(float) / t.total_steps.astype(float)
    return t.sort_values(["batch_size", "repeat"]).reset_index(drop=True)


def seconds_per_step(rs: RunSet) -> dict[int, float]:
    """batch -> median over timing repeats of training seconds per step (one model)."""
    t = timing_runs(rs)
    return {int(b): float(g.s_per_step.median()) for b, g in t.groupby("batch_size")}


def log_seconds_per_step(rs: RunSet) -> dict[int, np.ndarray]:
    """batch -> log training seconds per step of each timing repeat (one model)."""
    t = timing_runs(rs)
    return {int(b): np.log(g.s_per_step.to_numpy(float)) for b, g in t.groupby("batch_size")}


def steps_to_target(rs: RunSet, preset: str = PRIMARY, metric: str = "test_acc",
                    target: float | None = None) -> pd.DataFrame:
    """Replicate × batch size: the step where ``metric`` first reaches the target
    (default TARGET_FRACTION × the replicate's own Bayes accuracy, else the absolute
    ``target``), interpolated linearly between that evaluation and the one before it
    (evaluations are an epoch apart: 500 updates at batch 1); +inf where it never
    does."""
    cur, fin = main_rows(rs, preset, "curves"), main_rows(rs, preset)
    if cur.empty or fin.empty:
        return pd.DataFrame()
    keys = ["batch_size", "replicate"]
    cur = cur.sort_values([*keys, "step"])
    if target is None:
        cur = cur.merge(fin[[*keys, "bayes_acc"]], on=keys, how="left")
        cur["goal"] = TARGET_FRACTION * cur.bayes_acc
    else:
        cur = cur.assign(goal=target)
    grouped = cur.groupby(keys, sort=False)
    cur["prev_step"], cur["prev_value"] = grouped.step.shift(), grouped[metric].shift()
    hit = cur[cur[metric] >= cur.goal].groupby(keys).head(1)
    gain = hit[metric] - hit.prev_value
    frac = ((hit.goal - hit.prev_value) / gain).where(gain > 0, 1.0).clip(0, 1)
    at = (hit.prev_step + frac * (hit.step - hit.prev_step)).fillna(hit.step)
    first = pd.Series(at.to_numpy(float), index=pd.MultiIndex.from_frame(hit[keys]))
    every = fin.set_index(keys).index
    steps = first.reindex(every).to_numpy(float, copy=True)
    steps[np.isnan(steps)] = np.inf
    return pd.Series(steps, index=every).unstack("batch_size").sort_index()


def time_to_target(rs: RunSet, preset: str = PRIMARY, metric: str = "test_acc",
                   target: float | None = None, sps_: dict[int, float] | None = None
                   ) -> dict[int, np.ndarray]:
    """batch -> seconds per replicate to the target: its steps to the target (main
    grid) × that batch size's seconds per step (timing phase, or ``sps_``); +inf if
    never."""
    steps = steps_to_target(rs, preset, metric, target)
    sps_ = seconds_per_step(rs) if sps_ is None else sps_
    return {int(b): steps[b].to_numpy(float) * sps_[int(b)] for b in steps.columns
            if int(b) in sps_}


BATCH = Factor("trainer.batch_size", BATCHES, "batch size")


@dataclass(frozen=True)
class MatchedBursts(Measure):
    """BS-5's oscillation: per replicate and batch size, the std over a burst's updates
    of Δ log(full training loss), read at a matched training loss (:func:`matched_bursts`),
    judged in logs (floored at JITTER_FLOOR). Beside it, not judged: the minibatch-loss
    spread in the same bursts and where the matched level sits."""

    factor: Factor = BATCH
    label: str = "std of Δ log L per update at a matched training loss"
    log: bool = True
    floor: float = JITTER_FLOOR

    def rows(self, rs: RunSet) -> pd.DataFrame:
        bursts = matched_bursts(rs)
        return pd.concat(bursts.values(), ignore_index=True) if bursts else pd.DataFrame()

    def value_column(self) -> str:
        return "dlog_std"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """One burst per replicate and batch size, all starting at the same loss (so
        each is the matched one)."""
        rows = self._long(tables, "dlog_std")
        bursts = rows.assign(step=10, start_loss=0.5, batch_loss_std=0.1).drop(
            columns=["dataset"])
        final = rows.drop(columns=["dlog_std"]).assign(test_acc=0.8)
        return RunSet.from_tables(NAME, AXES, final, loss_bursts=bursts)

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        rows = self.cached_rows(rs)  # matched_bursts(rs), already read by the decision
        bursts = {} if rows.empty else {str(p): g for p, g in rows.groupby("preset", sort=False)}
        spread = []
        for preset, df in bursts.items():
            levels_b, samples, clusters = log_metric(df, "batch_loss_std")
            spread.append(_level_frame(levels_b, samples, clusters, preset, np.exp))
            matched = df.groupby("batch_size")[["matched_loss", "start_loss", "step"]].median()
            spread[-1] = spread[-1].join(matched.rename(columns={"step": "burst_step"}),
                                         on="batch_size")
        tables = {
            "Where the matched level sits (full training loss; ln 2 = a constant "
            "prediction), which batch size set it (replicates), and the median burst step "
            "per batch size": _matched_level_table(bursts),
            "Beside it, not judged: spread of the minibatch losses in the same bursts "
            "(geometric mean of their std; median matched level, burst-start loss and "
            "step)": pd.concat(spread, ignore_index=True).rename(
                columns={"mean": "geometric_mean"})} if bursts else {}
        return tables, [*self._rounding(bursts, judged[0]), *BS5_NOTES]

    @staticmethod
    def _rounding(bursts: dict[str, pd.DataFrame], primary: str) -> list[str]:
        """Where the largest batch is full-batch gradient descent (deterministic), its
        oscillation may sit near float32 rounding: then a ratio to it has a sound sign
        but no meaningful size."""
        hi = BATCHES[-1]
        df = bursts.get(primary)
        if df is None or hi not in set(df.batch_size):
            return []
        gm = float(np.exp(np.nanmean(np.log(np.maximum(
            df[df.batch_size == hi].dlog_std.to_numpy(float), JITTER_FLOOR)))))
        eps = float(np.finfo(np.float32).eps)  # the resolution of a float32 change in log L
        if gm >= 100 * eps:  # more than two decades above rounding
            return []
        return [f"The sign is sound, the magnitude is not meaningful: in {primary} batch "
                f"{hi} is full-batch gradient descent, deterministic: its oscillation "
                f"({gm:.1e} per update) is {gm / eps:.0f}× the float32 resolution of log L "
                f"({eps:.1e}), so a ratio to it says how near rounding the full batch's "
                "changes sit, not how much more SGD oscillates."]


@dataclass(frozen=True)
class TimingRuns(Measure):
    """BS-1's runtime: log training seconds per epoch of each timing run (grid timing:
    one model per run, alone on the machine, in rounds), unpaired across batch sizes
    (row r = repeat r). The repeats time one model on one dataset: one cluster."""

    factor: Factor = BATCH
    label: str = "seconds per epoch of a timing run"
    grid: str = "timing"
    by: str = "setting"
    log: bool = True

    def rows(self, rs: RunSet) -> pd.DataFrame:
        t = timing_runs(rs)
        return t.assign(setting=PRIMARY, replicate=t["repeat"].astype(int), dataset=0,
                        grid=self.grid) if len(t) else t

    def value_column(self) -> str:
        return "s_per_epoch"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Timing points with cpu_per_wall ≈ 1 and load ≈ 1 (one process alone), 30
        epochs of 500 samples, at the table's log seconds per epoch."""
        t = tables[PRIMARY]
        b = np.repeat(np.asarray(t.levels), t.values.shape[0]).astype(int)
        repeat = np.tile(np.arange(t.values.shape[0]), len(t.levels))
        spe = np.exp(t.values.T.reshape(-1))
        steps = np.floor(30 * 500 / b)
        epochs = steps * b / 500
        timing = pd.DataFrame({"grid": "timing", "preset": "timing", "batch_size": b,
                               "repeat": repeat, "replicate": 0, "dataset": 0.0,
                               "run_id": [f"synthetic-timing-{i}" for i in range(b.size)],
                               "train_time_s": spe * epochs, "epochs_trained": epochs,
                               "total_steps": steps, "cpu_per_wall": 0.99,
                               "load_avg_start": 1.0, "load_avg_1m": 1.0})
        rs = RunSet.from_tables(NAME, AXES, timing[["grid", *AXES, "replicate", "dataset"]])
        rs.points = timing
        return rs

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": ["timing"], self.factor.key: list(self.factor.levels)}

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        t = timing_runs(rs)
        if t.empty:
            return {}, []
        per_batch = t.groupby("batch_size").agg(
            repeats=("s_per_epoch", "size"), median_s_per_epoch=("s_per_epoch", "median"),
            min_s_per_epoch=("s_per_epoch", "min"), max_s_per_epoch=("s_per_epoch", "max"),
            median_s_per_step=("s_per_step", "median")).reset_index()
        if "cpu_per_wall" in t:
            cpu = t.groupby("batch_size").cpu_per_wall.agg(["mean", "min"])
            per_batch["cpu_per_wall_mean"] = per_batch.batch_size.map(cpu["mean"])
            per_batch["cpu_per_wall_min"] = per_batch.batch_size.map(cpu["min"])
            per_batch["runs_below_cpu_bound"] = per_batch.batch_size.map(
                (t.cpu_per_wall < CPU_BOUND).groupby(t.batch_size).sum()).astype(int)
        for col in ("load_avg_start", "load_avg_1m"):  # context only: they lag
            if col in t:
                load = t.groupby("batch_size")[col].agg(["mean", "max"])
                per_batch[f"{col}_mean"] = per_batch.batch_size.map(load["mean"])
                per_batch[f"{col}_max"] = per_batch.batch_size.map(load["max"])
        return {"Timing runs per batch size (one model per run, training time only; "
                "cpu_per_wall and load averages over its runs)": per_batch}, []


# ---------------------------------------------------------------- helpers


def _pairs_frame(res: stats.MonotoneResult, setting: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(res.pairs)
    if setting is not None:
        frame.insert(0, "setting", setting)
    return frame


def _level_frame(levels: list[int], samples: dict[int, np.ndarray], clusters: np.ndarray,
                 setting: str, transform=None) -> pd.DataFrame:
    """Mean and t-based 95% CI per batch size over datasets (:func:`level_summary`)."""
    table = Table(tuple(levels), np.column_stack([samples[b] for b in levels]), clusters)
    frame = level_summary(table, transform).rename(columns={"level": "batch_size"})
    return frame.assign(setting=setting)[["setting", *frame.columns]]


def _cluster_median(x: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Per-dataset medians in dataset order (the units of a sign test when datasets are
    shared; identical to ``x`` with one dataset per replicate)."""
    if pd.unique(clusters).size == len(clusters):
        return np.asarray(x, float)
    frame = pd.DataFrame({"x": x, "c": clusters})
    return frame.groupby("c", sort=False).x.median().to_numpy(float)


def fraction_removed(base: np.ndarray, ctrl: np.ndarray, clusters: np.ndarray,
                     null: float = 0.5) -> stats.Effect:
    """Fraction of the baseline gap a control removes, f = 1 − mean(ctrl) / mean(base),
    with its Fieller 95% CI and the two-sided t-test of f = ``null`` (the one-sample t of
    ctrl − (1 − null)·base over datasets). The CI is the set of f0 that test does not
    reject, so it excludes ``null`` exactly when p < α; where the baseline gap is not
    distinguishable from 0 the set is unbounded and no test is reported (p = NaN)."""
    ok = np.isfinite(base) & np.isfinite(ctrl)
    frame = pd.DataFrame({"b": base[ok], "c": ctrl[ok], "k": clusters[ok]})
    units = frame.groupby("k", sort=False)[["b", "c"]].mean()
    k, n = len(units), int(ok.sum())
    if k < 3:
        return stats.Effect(math.nan, math.nan, math.nan, n, math.nan, k, null)
    b, c = units.b.to_numpy(), units.c.to_numpy()
    bm, cm = b.mean(), c.mean()
    s = np.cov(b, c, ddof=1) / k  # covariance of the two means
    t = sps.t.ppf(1 - stats.ALPHA / 2, k - 1)
    f = 1 - cm / bm if bm != 0 else math.nan
    z = c - (1 - null) * b
    se = z.std(ddof=1) / math.sqrt(k)
    if se > 0:
        p = float(2 * sps.t.sf(abs(z.mean()) / se, k - 1))
    else:
        p = 0.0 if z.mean() != 0 else 1.0
    # Fieller: θ = mean(c)/mean(b) with (cm − θ·bm)² ≤ t²·(s_cc − 2θ·s_bc + θ²·s_bb)
    qa = bm**2 - t**2 * s[0, 0]
    qb = -2 * (cm * bm - t**2 * s[0, 1])
    qc = cm**2 - t**2 * s[1, 1]
    disc = qb**2 - 4 * qa * qc
    if qa > 0 and disc >= 0:
        r = math.sqrt(disc)
        th_lo, th_hi = (-qb - r) / (2 * qa), (-qb + r) / (2 * qa)
        lo, hi = 1 - th_hi, 1 - th_lo
    else:  # the baseline gap is not distinguishable from 0: the ratio is not identified
        lo, hi, p = -math.inf, math.inf, math.nan
    return stats.Effect(float(f), float(lo), float(hi), n, p, k, null)


# ---------------------------------------------------------------- decision rules


def _rival_effect(log_steps64: np.ndarray, log_steps_b: np.ndarray, c: stats.Effect,
                  n: int) -> stats.Effect:
    """BS-3's comparison of batch 64 with one rival: the median over replicates of
    log(time at 64 / time at the rival) = log steps ratio + c, c = the difference of
    mean log seconds per step (timing repeats, Welch 95% CI). The uncertainty of c is
    carried by taking it at the end of its CI least favourable to each conclusion: the
    CI runs from the sign-test CI's lower end at c's lower end to its upper end at c's
    upper end, and p is the sign test's at the end that decides (so the CI excludes 0
    exactly when p < α)."""
    lo_c, hi_c = (c.ci_low, c.ci_high) if np.isfinite([c.ci_low, c.ci_high]).all() else (
        c.mean, c.mean)
    mid = stats.sign_test(log_steps64 + c.mean, log_steps_b)
    low = stats.sign_test(log_steps64 + lo_c, log_steps_b)
    high = stats.sign_test(log_steps64 + hi_c, log_steps_b)
    if high.ci_high < 0:
        p = high.p
    elif low.ci_low > 0:
        p = low.p
    else:
        p = max(min(low.p, high.p), stats.ALPHA)
    return stats.Effect(mid.mean, low.ci_low, high.ci_high, n, float(p), mid.n_datasets)


def decide_bs3(rs: RunSet) -> Outcome:
    log_sps = log_seconds_per_step(rs)
    steps = steps_to_target(rs)
    levels = [b for b in BATCHES if b in steps.columns and log_sps.get(b, ()).__len__() >= 2]
    if 64 not in levels or len(levels) < 2:
        return missing("BS-3 needs batch 64 and another batch size under abid2018 (grid "
                       "main) and at least two timing runs of each (grid timing)")
    reps = steps.index.to_numpy()
    clusters = main_rows(rs).groupby("replicate").dataset.first().reindex(reps).to_numpy()
    with np.errstate(divide="ignore"):
        log_steps = {b: _cluster_median(np.log(steps[b].to_numpy(float)), clusters)
                     for b in levels}
    rivals = [b for b in levels if b != 64]
    costs = {b: stats.welch(log_sps[64], log_sps[b]) for b in rivals}
    effects = [_rival_effect(log_steps[64], log_steps[b], costs[b], int(reps.size))
               for b in rivals]
    fam = stats.family(effects, claimed=-1, need="all")
    rival = rivals[fam.deciding]
    how = {stats.SUPPORTED: f"weakest of {len(rivals)} rivals: batch {rival}",
           stats.REFUTED: f"rival faster than 64: batch {rival}",
           stats.INCONCLUSIVE: f"undecided rival: batch {rival}"}[fam.verdict]
    setting = Setting(PRIMARY, fam.verdict, fam.effect,
                      f"{how} (sign test, seconds per step at its least favourable CI end)")
    rows = []
    for b in levels:
        st = steps[b].to_numpy(float)
        sps_b = float(np.exp(log_sps[b].mean()))
        row = {"batch_size": b, "s_per_step_geo_mean": sps_b,
               "timing_repeats": int(log_sps[b].size),
               "reached": int(np.isfinite(st).sum()), "replicates": int(st.size),
               "median_steps_to_target": float(np.median(st)),
               "median_s_to_target": float(np.median(st) * sps_b)}
        if b != 64:
            i = rivals.index(b)
            e = effects[i]
            row.update(log_sps_64_minus=costs[b].mean, log_sps_ci_low=costs[b].ci_low,
                       log_sps_ci_high=costs[b].ci_high, median_log_ratio_64_vs=e.mean,
                       ci_low=e.ci_low, ci_high=e.ci_high, p=e.p,
                       p_holm_opposite=fam.p_against[i], holds=fam.holds[i],
                       opposite=fam.against[i])
        rows.append(row)
    under = CpuBound(CPU_BOUND).under(rs)
    notes = [f"{len(under)} timing runs had cpu_per_wall below CPU_BOUND = {CPU_BOUND} "
             "(named under BS-1): the seconds per step behind this time axis were "
             "measured while they shared their core."] if len(under) else []
    notes.append("Not every replicate reaches the target within 150 epochs (its time is "
                 "then +∞, a loss to that batch size in the sign test): the table's "
                 "'reached' column counts those that do, per batch size.")
    return Outcome([setting], notes=notes, tables={
        f"Time to held-out accuracy {TARGET_FRACTION} × Bayes accuracy (interpolated "
        "steps from the main grid × seconds per step from the timing runs)":
            pd.DataFrame(rows)})


BS4_METRICS = {"train_acc": (PRIMARY, "training accuracy (the metric Exp 8 plotted)"),
               "test_acc": (f"{PRIMARY} held-out", "held-out accuracy")}


def _bs4_setting(frames: dict[str, pd.DataFrame], metric: str
                 ) -> tuple[Setting, dict[str, pd.DataFrame]] | None:
    """BS-4 on one accuracy metric: does re-scaling the learning rate at the largest
    batch recover more than half of the abid2018 gap (smallest − largest batch)? Batch
    1 is held at its abid2018 value, so a control that hurts the small batch (same_steps
    gives batch 1 about 2.3 epochs) cannot count as closing the gap. None when runs
    are missing."""
    name, label = BS4_METRICS[metric]
    levels, base_acc, clusters = wide_frame(frames.get(PRIMARY), metric)
    ctrl = {p: wide_frame(frames.get(p), metric)[1] for p in CONTROLS}
    if len(levels) < 2 or any(levels[-1] not in c for c in ctrl.values()):
        return None
    lo, hi = levels[0], levels[-1]
    gap = base_acc[lo] - base_acc[hi]
    base = stats.mean_ci(gap, clusters=clusters)
    # the gap (abid2018 row) and the gain (control rows) side by side, each with its CI
    gain = ["gain_at_largest_vs_abid2018", "gain_ci_low", "gain_ci_high", "gain_p"]
    rows = [{"preset": PRIMARY, f"acc_batch_{lo}": np.nanmean(base_acc[lo]),
             f"acc_batch_{hi}": np.nanmean(base_acc[hi]), "gap": base.mean,
             "gap_ci_low": base.ci_low, "gap_ci_high": base.ci_high, "gap_p": base.p,
             **dict.fromkeys(gain, math.nan), "replicates": base.n,
             "datasets": base.n_datasets}]
    for p, c in ctrl.items():
        e = stats.paired(c[hi], base_acc[hi], clusters=clusters)
        rows.append({"preset": p, f"acc_batch_{lo}": np.nanmean(c[lo]) if lo in c
                     else math.nan, f"acc_batch_{hi}": np.nanmean(c[hi]),
                     **dict(zip(gain, (e.mean, e.ci_low, e.ci_high, e.p), strict=True)),
                     "replicates": e.n, "datasets": e.n_datasets})
    tables = {f"{label.capitalize()}: abid2018 gap, batch {lo} − batch {hi}, and each "
              f"control's gain at batch {hi} over abid2018 (paired by replicate)":
              pd.DataFrame(rows)}
    if not (base.p < stats.ALPHA and base.mean > 0):
        # no drop to explain: the fraction recovered is undefined, so the setting's
        # statistic is the gap that decided (null 0)
        how = ("significantly REVERSED (the larger batch is better)"
               if base.p < stats.ALPHA and base.mean < 0 else "not significantly > 0")
        return Setting(name, stats.INCONCLUSIVE, base,
                       f"premise not met: abid2018 {label} gap, batch {lo} − {hi}, "
                       f"{base.fmt()} (p = {base.p:.3g}) is {how}: no drop to explain"), tables
    # f = (acc_ctrl(hi) − acc_abid(hi)) / gap = 1 − mean(acc_abid(lo) − acc_ctrl(hi)) / gap
    fr = {p: fraction_removed(gap, base_acc[lo] - c[hi], clusters) for p, c in ctrl.items()}
    judged = [p for p in CONTROLS if p in LR_CONTROLS]
    _, adj = stats.holm([fr[p].p for p in judged])
    holds = {p: bool(a < stats.ALPHA and fr[p].mean > 0.5) for p, a in zip(judged, adj,
                                                                          strict=True)}
    against = {p: bool(fr[p].p < stats.ALPHA and fr[p].mean < 0.5) for p in judged}
    verdict = stats.decide(any(holds.values()), all(against.values()))
    if verdict == stats.SUPPORTED:
        pick = min((p for p in judged if holds[p]), key=lambda p: fr[p].p)
        how = f"{pick} recovers more than half (Holm over {len(judged)} learning-rate rules)"
    elif verdict == stats.REFUTED:
        pick = max(judged, key=lambda p: fr[p].p)
        how = f"every learning-rate rule recovers less than half; weakest: {pick}"
    else:
        pick = max((p for p in judged if not against[p]), key=lambda p: fr[p].mean)
        how = f"undecided learning-rate rule: {pick}"
    holm_of = dict(zip(judged, adj, strict=True))
    tables[f"Fraction of the {label} gap recovered at batch {hi} (batch {lo} held at "
           "abid2018; Fieller 95% CI, test of 0.5)"] = pd.DataFrame([
               {"control": p, "judged": p in judged, "fraction_recovered": fr[p].mean,
                "ci_low": fr[p].ci_low, "ci_high": fr[p].ci_high, "p_vs_half": fr[p].p,
                "p_holm": holm_of.get(p, math.nan),
                "recovers_over_half": holds.get(p, False),
                "recovers_under_half": against.get(p, False)} for p in CONTROLS])
    # the p the decision was taken at: Holm-adjusted for "some rule" (support), the
    # rule's own for "every rule" (refutation, intersection-union)
    head = replace(fr[pick], p=float(holm_of[pick])) if (
        verdict == stats.SUPPORTED) else fr[pick]
    return Setting(name, verdict, head, f"{label}: {how}"), tables


def decide_bs4(rs: RunSet) -> Outcome:
    frames = by_preset(rs)
    settings, tables = [], {}
    for metric in BS4_METRICS:
        got = _bs4_setting(frames, metric)
        if got is not None:
            settings.append(got[0])
            tables.update(got[1])
    if not any(st.setting == PRIMARY for st in settings):
        return missing("BS-4 needs abid2018 at two or more batch sizes and same_steps, "
                       "lr_scaled and lr_sqrt at the largest (grid main)")
    return Outcome(settings, tables=tables, notes=[
        "The caveat explains the fall of the accuracy Exp 8 plotted, which was training "
        "accuracy (0.996 at batch 1 → 0.853 at batch 400 at epoch 140): that gap is the "
        "primary setting; the held-out gap is the second setting. The quote names the "
        "learning rate, so the judged controls are the two re-scaling rules: lr_sqrt "
        "(lr ∝ √batch, the usual rule under Adam) and lr_scaled (lr ∝ batch, the rule for "
        "SGD). The fraction recovered is (accuracy of the control at the largest batch − "
        "abid2018's there) / abid2018's gap, with the smallest batch held at its abid2018 "
        "accuracy: how much of the gap the large batch alone gets back. same_steps (every "
        "batch size gets batch 64's 1171 updates, so batch 1 sees about 2.3 epochs and "
        "batch 400 about 937) is shown as a control (judged = no): it changes the number "
        "of updates, not the learning rate."])


def _matched_level_table(bursts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Where BS-5's matched level sits, per preset: its median and range over
    replicates, how many replicates' level each batch size set (the highest of the
    batch sizes' lowest burst-start losses), and each batch size's median burst step."""
    rows = []
    for preset, df in bursts.items():
        level = df.groupby("replicate").matched_loss.first()
        setter = df.loc[df.groupby("replicate").start_loss.idxmax()]  # ≈ the level
        row = {"setting": preset, "matched_loss_median": float(level.median()),
               "matched_loss_min": float(level.min()), "matched_loss_max": float(level.max()),
               "ln2": math.log(2)}
        counts = setter.batch_size.value_counts()
        row.update({f"set_by_batch_{b}": int(counts.get(b, 0)) for b in BATCHES})
        row.update({f"burst_step_batch_{int(b)}": float(st) for b, st in
                    df.groupby("batch_size").step.median().items()})
        rows.append(row)
    return pd.DataFrame(rows)


BS5_NOTES = [
    f"Each replicate is read where every batch size has reached the same full training "
    f"loss: the {BURST} updates after the first evaluation at which the loss is at or "
    "below the replicate's matched level (the highest of its batch sizes' lowest "
    "burst-start losses). Log changes make the oscillation relative to the loss level, "
    "so a run that has nearly interpolated (loss near 0) is not flat by construction.",
    "Oscillation is measured per update, the unit in which the quote's \"更新比较频繁\" "
    "(frequent updates) counts: per sample seen instead would set 16 batch-1 updates "
    "against one batch-16 update.",
    "The matched level is set by the batch size that descends least (under sgd, batch "
    "400: one update per epoch), so it sits where that batch size stops: see the "
    "matched-level table. Where its median is just below ln 2 = 0.693 (the loss of a "
    "constant prediction), every batch size is read in the plateau of its first epochs, "
    "not near convergence.",
    "The minibatch-loss spread is what a practitioner watches; it also contains the "
    "spread between examples, so it is shown, not judged. lr_scaled and lr_sqrt change "
    "the learning rate with the batch (judged = no)."]


# ---------------------------------------------------------------- calibration
# Synthetic sweeps with the experiment's own replicate count (REPLICATES, one dataset
# per replicate) and each claim's pilot SD. planted=True: the declared min_effect in the
# claimed direction in every member of every setting. planted=False: the claim false at
# its least favourable boundary, in the primary setting:
#   BS-1, BS-2, BS-5b (every adjacent pair): one pair, drawn at random per simulation,
#     exactly at 0, the other pairs at min_effect;
#   BS-3 (64 beats every rival): one rival, drawn at random, exactly as fast as 64, 64
#     min_effect faster than the others;
#   BS-4 (a drop exists AND some learning-rate rule recovers more than half): the
#     "some rule" family all at its null (every control recovers exactly half) and the
#     drop condition planted (baseline gap BS4_ASSUMED_GAP): the drop at its boundary
#     (gap 0) instead would leave nothing to recover and is the more favourable;
#   BS-5a (one difference, batch 1 − 400): exactly 0.
# Robustness settings (BS-2: sgd, identity_cov; BS-4: the held-out gap; BS-5a/b: abid2018,
# same_steps, identity_cov) carry the planted min_effect in both scenarios, which makes
# "mixed" reachable when the primary refutes.
# ``scale`` (tests) plants scale × min_effect in every member instead: negative = the
# opposite effect.

AXES = ["preset", "batch_size", "repeat"]


def _long(preset: str, levels: tuple[int, ...], values: dict[str, np.ndarray]
          ) -> pd.DataFrame:
    """Main-grid rows (levels × REPLICATES) of one preset from (levels, R) arrays."""
    n = len(levels)
    return pd.DataFrame({"grid": "main", "preset": preset,
                         "batch_size": np.repeat(levels, REPLICATES), "repeat": 0,
                         "replicate": np.tile(np.arange(REPLICATES), n),
                         "dataset": np.tile(np.arange(REPLICATES, dtype=float), n),
                         **{k: v.reshape(-1) for k, v in values.items()}})


def _paired_draw(rng: np.random.Generator, means: np.ndarray, sd: float) -> np.ndarray:
    """(levels, R) values: a replicate effect shared by every level plus independent
    noise, scaled so that a paired difference has SD ``sd``."""
    rep = rng.normal(0, sd, REPLICATES)
    return means[:, None] + rep[None, :] + rng.normal(0, sd / math.sqrt(2),
                                                      (means.size, REPLICATES))


def _with_timing(rs: RunSet, rng: np.random.Generator, log_spe: np.ndarray,
                 sd: float) -> RunSet:
    """Adds timing-grid points (TIMING_REPEATS rounds of every batch size, 30 epochs of
    500, cpu_per_wall ≈ 1 and load average ≈ 1: one process alone) with log seconds per
    epoch ``log_spe`` + N(0, sd) to ``rs.points``."""
    b = np.tile(BATCHES, TIMING_REPEATS)
    steps = np.floor(30 * 500 / b)
    epochs = steps * b / 500
    spe = np.exp(np.tile(log_spe, TIMING_REPEATS) + rng.normal(0, sd, b.size))
    timing = pd.DataFrame({"grid": "timing", "preset": "timing", "batch_size": b,
                           "repeat": np.repeat(np.arange(TIMING_REPEATS), len(BATCHES)),
                           "run_id": [f"synthetic-timing-{i}" for i in range(b.size)],
                           "train_time_s": spe * epochs, "epochs_trained": epochs,
                           "total_steps": steps, "cpu_per_wall": 0.99,
                           "load_avg_start": 1.0, "load_avg_1m": 1.0})
    rs.points = pd.concat([rs.points, timing], ignore_index=True)
    return rs


def simulate_bs3(rng: np.random.Generator, planted: bool, scale: float | None = None
                 ) -> RunSet:
    # seconds per step roughly as in the pilot (25 µs at batch 1 ... 0.8 ms at 400)
    sps_ = np.array([25, 51, 65, 116, 360, 790]) * 1e-6
    i64 = BATCHES.index(64)
    rivals = [i for i in range(len(BATCHES)) if i != i64]
    means = np.full(len(BATCHES), -3.0)  # log seconds to the target at 64
    means[rivals] += member_effects(rng, len(rivals), scale if scale is not None else
                                    PLANTED if planted else NULL, BS3_MIN_EFFECT)
    steps = np.exp(_paired_draw(rng, means, BS3_PILOT_SD)) / sps_[:, None]
    bayes = np.broadcast_to(rng.uniform(0.7, 1.0, REPLICATES), steps.shape)
    final = _long(PRIMARY, BATCHES, {"bayes_acc": bayes, "test_acc": bayes,
                                     "train_acc": bayes})
    start = _long(PRIMARY, BATCHES, {"step": np.zeros_like(steps),
                                     "test_acc": np.full_like(steps, 0.5),
                                     "train_acc": np.full_like(steps, 0.5)})
    hit = _long(PRIMARY, BATCHES, {"step": steps, "test_acc": bayes, "train_acc": bayes})
    rs = RunSet.from_tables(NAME, AXES, final,
                            curves=pd.concat([start, hit], ignore_index=True))
    # timing at those per-step costs with the timing repeats' own noise
    return _with_timing(rs, rng, np.log(sps_ * 500 / np.array(BATCHES)), BS3_TIMING_SD)


def simulate_bs4(rng: np.random.Generator, planted: bool, scale: float | None = None,
                 gap: float | None = None) -> RunSet:
    """Both metrics at the smallest and largest batch: abid2018's gap BS4_ASSUMED_GAP
    (or ``gap``); every control's accuracy at the largest batch recovers the scenario's
    fraction of it (training accuracy, primary) or the planted one (held-out,
    robustness) unless ``scale`` is given; at the smallest batch the controls sit at
    abid2018's level (the rule never reads them)."""
    ends = (BATCHES[0], BATCHES[-1])
    presets_ = (PRIMARY, *CONTROLS)
    values: dict[str, dict[str, np.ndarray]] = {p: {} for p in presets_}
    for metric in BS4_METRICS:
        g = BS4_ASSUMED_GAP[metric] if gap is None else gap
        shift = _scale(planted if metric == "train_acc" else True, scale)
        recovered = 0.5 + shift * BS4_MIN_EFFECT
        # rows: abid2018 at both ends, then each control at the largest batch
        means = np.array([0.8 + g, 0.8, *[0.8 + recovered * g] * len(CONTROLS)])
        draw = _paired_draw(rng, means, BS4_Z_SD[metric] / math.sqrt(0.75))
        values[PRIMARY][metric] = draw[:2]
        for i, p in enumerate(CONTROLS):
            values[p][metric] = np.stack([draw[0], draw[2 + i]])
    final = pd.concat([_long(p, ends, v) for p, v in values.items()], ignore_index=True)
    return RunSet.from_tables(NAME, AXES, final)


def _scale(planted: bool, scale: float | None) -> float:
    return (1.0 if planted else 0.0) if scale is None else scale


# Declared effects and pilot SDs. "Page" = the committed results/batch_size/README.md
# (12 replicates on 4 shared datasets); SDs are backed out of its 95% CIs as
# half-width / t(0.975, 11) · √12, or (BS-1) of Welch CIs over 50 segments per batch size.
# A 16-replicate pilot with one dataset per replicate (abid2018 and sgd, run for this
# rewrite) is quoted where the page has no number or disagrees, and decides BS-5's SD.

# BS-1, log seconds per epoch per adjacent pair. Min effect log 1.1: a 10% runtime change
# is the least a practitioner would act on. Pilot SD: the page's Welch CIs give a
# per-segment SD of 0.21 (pair 256 → 400: half-width 0.084 = 1.98·s·√(2/50)); a timing run
# of 30 epochs averages 10 such 3-epoch segments: 0.21/√10 ≈ 0.07 per run. NB: its n is
# the timing repeats (TIMING_REPEATS), not trainer.replicates.
BS1_MIN_EFFECT, BS1_PILOT_SD = math.log(1.1), 0.07
# BS-2, held-out accuracy per adjacent pair. Min effect 0.02: two test points of 100; below
# it no one would pick a batch size, and one replicate's accuracy moves by 0.04 (binomial
# SD at 0.8) anyway. Pilot SD 0.035: median of the page's five adjacent-pair SDs (0.056,
# 0.035, 0.024, 0.062, 0.034); the new-design pilot gave 0.040.
BS2_MIN_EFFECT, BS2_PILOT_SD = 0.02, 0.035
# BS-3, median log(time to target at 64 / at a rival). Min effect log 1.25: batch 64 a
# quarter faster than its rival is the least that makes it "the" compromise. Pilot SD
# 0.4: the page has no spread for this statistic (its target 0.8 was unreachable for most
# replicates); the new-design pilot gave SDs 0.31-0.53 of the finite log ratios.
BS3_MIN_EFFECT, BS3_PILOT_SD = math.log(1.25), 0.4
# SD of one timing run's log seconds per step (the page's timing table: min-max spread of
# about ±5% over 10 repeats, SD ≈ 0.04): the noise of BS-3's time axis in simulations.
BS3_TIMING_SD = 0.04
# BS-4, fraction of the abid2018 gap recovered at the largest batch, tested against
# 0.5. Min effect 0.25 (a rule recovering 3/4 or 1/4 of the gap, not "about half").
# Primary: the TRAINING-accuracy gap (batch 1 − 400), the one Exp 8 plotted. SD from the
# previous full run (same seed 0 data), used only for power planning (results/batch_size,
# 24 replicates, one dataset each): the
# test statistic z = (abid(1) − control(400)) − 0.5·gap has SD 0.046 (lr_sqrt; lr_scaled
# 0.044) in training accuracy and 0.039 in held-out accuracy; over the assumed gap of
# 0.10 (the run's: 0.114) that is an SD of 0.46 in the fraction. The held-out gap
# (robustness setting) is simulated at an assumed 0.05 (the run's was −0.052).
BS4_MIN_EFFECT = 0.25
BS4_ASSUMED_GAP = {"train_acc": 0.10, "test_acc": 0.05}
BS4_Z_SD = {"train_acc": 0.046, "test_acc": 0.039}
BS4_PILOT_SD = BS4_Z_SD["train_acc"] / BS4_ASSUMED_GAP["train_acc"]
# BS-5b, log std of Δ log L at a matched loss per adjacent pair. Min effect log 2: the
# oscillation spans orders of magnitude over batch sizes; a factor 2 is the least
# visible on the log-scale figure. Pilot SD 0.58: the 8-replicate pilot of this metric
# (main grid, sgd) gave adjacent-pair SDs of the log difference 0.58, 0.59, 0.26, 0.53,
# 1.04 (batch 1 → 4 ... 256 → 400, backed out of its t CIs as half-width / t(0.975, 7)
# · √8), median 0.58, taken like BS-2's (median pair SD).
BS5_MIN_EFFECT, BS5_PILOT_SD = math.log(2), 0.58
# BS-5a, log std of Δ log L at a matched loss, batch 1 − batch 400. Min effect log 2, as
# BS-5b's. Pilot SD 0.96: SD from the previous full run (same seed 0 data), used only for
# power planning (results/batch_size, 24 replicates, sgd): a per-replicate SD of that log
# difference of 0.96 (abid2018 1.42).
BS5A_MIN_EFFECT, BS5A_PILOT_SD = math.log(2), 0.96


# ---------------------------------------------------------------- report page


def _fig_accuracy(rs: RunSet, out: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax in (left, right):
        ax.set_xscale("log")  # before the bands: replicate dots are spread by a factor
    _, te, _ = wide(rs, "test_acc")
    _, tr, _ = wide(rs, "train_acc")
    band(left, sorted(te), te, "ours: held-out test accuracy", dots=True, jitter=0.05,
         offset=-0.08, color=plots.color("split", "test"))
    band(left, sorted(tr), tr, "ours: training accuracy", dots=True, jitter=0.05,
         offset=0.08, ls="--", color=plots.color("split", "train"))
    left.plot(ORIGINAL.batch_size, ORIGINAL.accuracy, "k*", ms=10,
              label="Abid 2018 \"test\" accuracy (computed on the training set)")
    main = rs.final[rs.final.grid == "main"]
    bayes = main.groupby("preset").bayes_acc.mean()
    left.axhline(bayes[PRIMARY], color="grey", ls=":",
                 label=f"Bayes ceiling, mean over replicates {bayes[PRIMARY]:.3f}")
    left.set(xlabel="batch size (examples per update)", ylabel="final accuracy (fraction)",
             title="abid2018: the original's metric vs held-out accuracy")
    left.legend(fontsize=7, loc="lower left")
    for preset in presets(rs):
        _, acc, _ = wide(rs, "test_acc", preset)
        band(right, sorted(acc), acc, preset, color=plots.color("setting", preset))
    if "identity_cov" in bayes:
        right.axhline(bayes["identity_cov"], color=plots.color("setting", "identity_cov"),
                      ls=":", label=f"Bayes ceiling, identity_cov {bayes['identity_cov']:.3f}")
    right.axhline(bayes[PRIMARY], color="grey", ls=":", label="Bayes ceiling, Σ=cᵀc")
    right.set(xlabel="batch size (examples per update)",
              ylabel="final held-out test accuracy (fraction)",
              title="Held-out test accuracy per setting (means only)")
    right.yaxis.set_tick_params(labelleft=True)
    right.legend(fontsize=7, loc="lower left", ncol=2)
    fig.suptitle("Final accuracy vs batch size: mean and 95% CI over replicates (each its "
                 "own dataset); dots: each replicate (left)")
    plots.save(fig, out / "accuracy_vs_batch.png")


def _fig_runtime(rs: RunSet, out: Path) -> None:
    t = timing_runs(rs)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set(xscale="log", yscale="log")
    if len(t):
        rng = np.random.default_rng(0)
        for b, g in t.groupby("batch_size"):
            plots.replicate_dots(ax, b, g.s_per_epoch, plots.color("batch_size", b),
                                 rng=rng, s=14, alpha=0.6)
        ax.scatter([], [], s=14, color="grey", label="ours: each timing run (one model)")
        med = t.groupby("batch_size").s_per_epoch.median()
        ax.plot(med.index, med.values, "o-", color=plots.color("setting", PRIMARY),
                label="ours: median over repeats")  # timing: abid2018's net and data
    else:
        ax.text(0.5, 0.5, "no timing runs yet", transform=ax.transAxes, ha="center")
    ax.plot(ORIGINAL.batch_size, ORIGINAL.runtime_s / ORIGINAL_EPOCHS, "k*--",
            label="Abid 2018 (its hardware)")
    ax.set(xlabel="batch size (examples per update)", ylabel="seconds per epoch (s)",
           title="Runtime vs batch size (timing runs)")
    ax.legend(fontsize=8)
    plots.save(fig, out / "runtime_vs_batch.png")


def _fig_curves(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    cur = main_rows(rs, PRIMARY, "curves")
    for b, g in cur.groupby("batch_size"):
        for ax, metric in zip(axes, ("test_acc", "train_acc"), strict=True):
            band_frame(ax, g, "epoch", metric, f"batch {b}",
                       color=plots.color("batch_size", b))
    axes[0].set(title="abid2018: held-out test accuracy", ylabel="accuracy (fraction)")
    axes[1].set(title="abid2018: training accuracy (what the original plotted)")
    for ax in axes:
        ax.set_xlabel("epoch (500 examples drawn per epoch: the full n, as the original)")
    axes[1].legend(fontsize=8)
    fig.suptitle("Learning curves: mean and 95% CI over replicates", fontsize=10)
    plots.save(fig, out / "learning_curves.png")


def _geo_band(ax, logs: tuple[list[int], dict[int, np.ndarray], np.ndarray], label: str,
              **kw: object) -> None:
    """Geometric mean with its 95% CI (exp of the t CI of the mean log, clustered by
    dataset: the numbers BS-5's level table prints) of one preset's logged metric. Values
    at JITTER_FLOOR (log_metric's floor) or not finite are counted in the label."""
    levels, samples, clusters = logs
    total = sum(samples[b].size for b in levels)
    floored = sum(int((samples[b] <= math.log(JITTER_FLOOR)).sum()) for b in levels)
    missing_ = sum(int((~np.isfinite(samples[b])).sum()) for b in levels)
    levels = [b for b in levels if np.isfinite(samples[b]).sum() >= 2]
    if not levels:
        return
    notes = [f"{k} of {total} {what}" for k, what in
             ((floored, f"at the {JITTER_FLOOR:g} floor"), (missing_, "missing, left out"))
             if k]
    geo = _level_frame(levels, samples, clusters, label, np.exp)
    kw.setdefault("marker", "o")
    line, = ax.plot(geo.batch_size, geo["mean"],
                    label=label + (f" ({'; '.join(notes)})" if notes else ""), **kw)
    ax.fill_between(geo.batch_size, geo.ci_low, geo.ci_high, alpha=0.15,
                    color=line.get_color())


def _fig_ttt_jitter(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    ttt = time_to_target(rs)
    xs = sorted(ttt)
    rng = np.random.default_rng(0)
    ticks, never_total, total = [], 0, 0
    for i, b in enumerate(xs):
        v = ttt[b]
        plots.replicate_dots(axes[0], i, v, plots.color("batch_size", b), rng=rng, s=16,
                             alpha=0.6)
        never = int((~np.isfinite(v)).sum())
        never_total, total = never_total + never, total + v.size
        ticks.append(f"{b}\n{never} of {v.size} never")
    if any((np.isfinite(v) & (v > 0)).any() for v in ttt.values()):
        axes[0].set_yscale("log")
    axes[0].set_xticks(range(len(xs)), ticks, fontsize=8)
    axes[0].set(xlabel="batch size (examples per update); under it, the replicates that "
                       "never reached\nthe target (not drawn)",
                ylabel="seconds to target (steps × timing s per step)",
                title=f"Time to test accuracy {TARGET_FRACTION} × Bayes, one dot per "
                      f"replicate\n{never_total} of {total} never reached it (not drawn)")
    bursts = matched_bursts(rs)
    for preset in [p for p in PRESET_ORDER if p in bursts]:
        _geo_band(axes[1], log_dlog(bursts[preset]), preset,
                  color=plots.color("setting", preset))
    _geo_band(axes[1], log_metric(bursts.get(BS5_PRIMARY), "batch_loss_std"),
              "sgd: std of minibatch losses (not judged)", ls=":", marker="s", mfc="none",
              color=plots.color("setting", BS5_PRIMARY))
    axes[1].set(xscale="log", yscale="log", xlabel="batch size (examples per update)",
                ylabel=f"std of Δ log L over {BURST} updates (log-loss units)",
                title="Oscillation of the training objective at a matched loss:\n"
                      "geometric mean over replicates, 95% CI (as BS-5b tests it)")
    axes[1].legend(fontsize=7)
    plots.save(fig, out / "time_to_target_and_jitter.png")


def _bayes_summary(rs: RunSet) -> str:
    fin = main_rows(rs)
    if fin.empty:
        return ""
    per_rep = fin.groupby("replicate").bayes_acc.first().to_numpy(float)
    q = np.quantile(per_rep, [0, 0.25, 0.5, 0.75, 1])
    below = int((per_rep < ORIGINAL_TARGET).sum())
    return (f"Bayes ceiling of the abid2018 replicates' datasets (each replicate its own "
            f"draw of Σ = cᵀc and sample): min {q[0]:.3f}, quartiles {q[1]:.3f} / "
            f"{q[2]:.3f} / {q[3]:.3f}, max {q[4]:.3f}. {below} of {per_rep.size} replicates "
            f"have a ceiling below the original's absolute target {ORIGINAL_TARGET}, which "
            "no classifier can reach on their held-out data; BS-3's target is therefore "
            f"relative: {TARGET_FRACTION} × each replicate's own ceiling.")


def _at_epoch(rs: RunSet, epoch: float, metric: str = "train_acc") -> pd.DataFrame:
    """abid2018 curves at the evaluation nearest ``epoch`` (one row per batch size and
    replicate)."""
    cur = main_rows(rs, PRIMARY, "curves")
    if cur.empty:
        return cur
    cur = cur.assign(gap=(cur.epoch - epoch).abs())
    idx = cur.groupby(["batch_size", "replicate"]).gap.idxmin()
    return cur.loc[idx, ["batch_size", "replicate", "epoch", metric]]


def original_comparison(rs: RunSet) -> pd.DataFrame:
    """Abid's Exp 8 numbers beside ours on the same metric: training accuracy at epoch
    140 (his last point), the 150-epoch runtime, and time to training accuracy 0.8 read
    off the mean curve over replicates at epochs 10, 20, ..., 140 as he read it (first
    point ≥ 0.8; ours converted with epoch/150 × our 150-epoch runtime, his with his
    formula runtime/10 × index)."""
    at = _at_epoch(rs, LIKE_EPOCH)
    _, te, _ = wide(rs, "test_acc")
    t = timing_runs(rs)
    spe = t.groupby("batch_size").s_per_epoch.median() if len(t) else pd.Series(dtype=float)
    cur = main_rows(rs, PRIMARY, "curves")
    rows = []
    for _, o in ORIGINAL.iterrows():
        b = int(o.batch_size)
        row = {"batch_size": b, "abid_train_acc_epoch140": o.accuracy}
        a = at[at.batch_size == b].train_acc.to_numpy(float) if len(at) else np.zeros(0)
        e = stats.mean_ci(a) if a.size else None
        row.update(ours_train_acc_epoch140=e.mean if e else math.nan,
                   ours_ci_low=e.ci_low if e else math.nan,
                   ours_ci_high=e.ci_high if e else math.nan,
                   ours_held_out_acc_final=float(np.nanmean(te[b])) if b in te else math.nan,
                   abid_runtime_150_epochs_s=o.runtime_s,
                   ours_runtime_150_epochs_s=ORIGINAL_EPOCHS * spe[b] if b in spe.index
                   else math.nan, **{"abid_time_to_0.8_s": o["time_to_0.8_s"]})
        g = cur[cur.batch_size == b]
        crossed = math.nan
        if len(g):
            mean = g.groupby("epoch").train_acc.mean()
            pts = [mean.index[np.abs(mean.index - ep).argmin()] for ep in ORIGINAL_EPOCH_POINTS]
            hit = [ep for ep in pts if mean[ep] >= ORIGINAL_TARGET]
            crossed = round(float(hit[0])) if hit else math.inf
        row["ours_mean_curve_epoch_to_0.8"] = crossed
        row["ours_time_to_0.8_s"] = crossed * spe[b] if b in spe.index else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _original_table(rs: RunSet) -> str:
    frame = original_comparison(rs)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v)
                                       for v in r.to_numpy()) + " |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    if PRIMARY not in by_preset(rs):
        _fig_runtime(rs, out)
        return ("No finished abid2018 runs of the main grid yet: the accuracy, learning-"
                "curve and oscillation figures wait for them.\n\n"
                "![runtime vs batch size](runtime_vs_batch.png)\n")
    _fig_accuracy(rs, out)
    _fig_runtime(rs, out)
    _fig_curves(rs, out)
    _fig_ttt_jitter(rs, out)
    return f"""## Figures

![accuracy vs batch size](accuracy_vs_batch.png)

The dashed line is training accuracy under abid2018: the metric the original plotted as
"test accuracy" (his numbers: the black stars). Our held-out test accuracy is the solid
line of the same preset; the gap between them is the original's defect made visible. Dots:
each replicate's value. The dotted line is the analytic Bayes-optimal accuracy averaged
over the replicates (each replicate draws its own dataset), the ceiling no classifier can
beat on held-out data.

![runtime vs batch size](runtime_vs_batch.png)

Seconds per epoch of the timing runs: one model per run, {TIMING_REPEATS} independent runs
per batch size, launched one at a time after every other point of the sweep, in rounds
(every batch size once per round). Abid's numbers are his 150-epoch runtimes divided by
150.

![learning curves](learning_curves.png)

![time to target and loss jitter](time_to_target_and_jitter.png)

{_bayes_summary(rs)}

## The original's numbers beside ours

Same metric on both sides: TRAINING accuracy at epoch {LIKE_EPOCH}, the last point Exp 8
stored (his points: epochs 10, 20, ..., 140, mean over his 4 datasets; ours: the
evaluation at epoch {LIKE_EPOCH}, mean and 95% CI over replicates, each its own dataset),
the 150-epoch runtime of one model, and time to training accuracy {ORIGINAL_TARGET} read
off the mean curve at those 14 epochs. Our held-out accuracy at the end is shown for
contrast; it is what BS-2 tests.

{_original_table(rs)}

Where they differ, and why: (1) dataset draw — each of his 4 repeats and each of our
replicates draws its own Σ = cᵀc; the Bayes ceiling varies widely between draws (see
above), so a mean over 4 draws moves by several points; (2) schedule — his 14 points sit
after update ⌊k·5000/batch⌋ + 2 and ours at round(k·steps/150), within 2 updates; his
runtimes include graph construction and the 14 training-set evaluations, kept from his
last repeat only, and his time-to-0.8 multiplies the curve index by runtime/10 where the
epoch fraction is (index + 1)/15 (so his times are about 1.5× epoch/150 × runtime, and 0
when never reached); ours use epoch/150 × training-only runtime from the timing grid;
(3) hardware — his CPU and TensorFlow 1 against our device (environment section): only
the shape of runtime against batch size compares. His design shares each dataset across
the 6 batch sizes of a repeat; ours shares each replicate's dataset, init and minibatch
seed across batch sizes and settings (paired), with a new dataset per replicate.
"""



EXPERIMENT = Experiment(
    name=NAME,
    title="Batch size: accuracy, runtime and loss oscillation",
    original="""Abid (2018) Exp 8: two 12-D Gaussians (means 1 apart in every dimension, shared
Σ = cᵀc), n = 500 split 400/100, a 100-100 sigmoid MLP trained with Adam 0.003 and
softmax cross-entropy, batch sizes 1…400 for 150·500/batch steps of random minibatches,
the original's 4 repeats (one fresh dataset each). Reported accuracy (TRAINING accuracy at
epoch 140, its last point) ≈ 0.996, 0.993, 0.95, 0.905, 0.882, 0.853 and runtime ≈ 54,
16, 4.3, 2.1, 1.4, 1.2 s (batch 1 → 400); time to accuracy 0.8 U-shaped with its
minimum near 16–64. Defects: the "test accuracy" was computed on the training set,
runtime kept from the last repeat only, 4 repeats without intervals, and no
learning-rate re-tuning per batch size (the author's own caveat).""",
    claims=[
        Claim(
            "BS-1", "002 (Q43)", "运行时间确实随着批大小的增加而下降",
            "For a fixed number of epochs, wall time falls as batch size grows.",
            measure=TimingRuns(), rule=Monotone("decreasing", paired=False),
            settings=Settings(PRIMARY), gates=(CpuBound(CPU_BOUND),),
            notes=("n counts timing runs: each trains the same model on the same dataset from "
                   "the same seed in its own process, with no other point of the sweep "
                   "running, in rounds (every batch size once per round), so the repeats are "
                   "independent measurements of one configuration's time (not independent "
                   "datasets). Seconds exclude evaluation; the main grid's wall times are "
                   "never read. The machine's 1-minute load averages at the start and end of "
                   "each run are tabled as context only: they lag (a 1-minute average mostly "
                   "reflects the previous minute), so they neither show nor rule out "
                   "contention during a short run.",),
            min_effect=BS1_MIN_EFFECT, pilot_sd=BS1_PILOT_SD, replicates=TIMING_REPEATS),
        Claim(
            "BS-2", "002 (Q43)", "测试正确率随着批大小的增加而单调递减",
            "Under Exp 8's protocol (150 epochs, one learning rate for every batch size), "
            "held-out test accuracy decreases monotonically in batch size.",
            measure=Final(factor=BATCH, label="held-out test accuracy"),
            rule=Monotone("decreasing"),
            settings=Settings(PRIMARY, ("sgd", "identity_cov"), shown={
                "same_steps": "equal updates, not equal epochs (batch 1 sees under 3 "
                              "epochs, batch 400 over 900): it drops the premise the quote "
                              "was measured under",
                "lr_scaled": "it changes the learning rate with the batch, against the "
                             "quote's condition",
                "lr_sqrt": "it changes the learning rate with the batch, against the "
                           "quote's condition"}),
            notes=("The quote reports what Exp 8 measured: 150-epoch runs with one learning "
                   "rate, so \"decreases monotonically\" is a statement about that protocol "
                   "(abid2018, and sgd and identity_cov, which vary what it leaves open: the "
                   "optimizer and the data's conditioning).",),
            min_effect=BS2_MIN_EFFECT, pilot_sd=BS2_PILOT_SD, replicates=REPLICATES),
        Claim(
            "BS-3",
            "002 (Q43)",
            "对批大小的最佳折衷似乎是为 64 的批大小",
            "Batch 64 is the best accuracy/runtime compromise: the fastest to reach a "
            f"target held-out accuracy ({TARGET_FRACTION} × the replicate's Bayes "
            "accuracy: a target relative to each replicate's ceiling; how many replicates "
            "reach it at each batch size is tabled).",
            rule=Custom(
                decide=decide_bs3,
                words="Per replicate and batch size: steps to target = the step at which held-out "
                      f"accuracy first reaches {TARGET_FRACTION} × that replicate's own Bayes "
                      "accuracy, interpolated linearly between that evaluation and the previous "
                      "one (+∞ if never; the original's absolute 0.8 is above some replicates' "
                      "ceilings). log time to target = log steps + log seconds per step (timing "
                      "grid only; the main grid's wall times are never read). Batch 64 vs every "
                      "other batch: two-sided paired sign test on log(time at 64 / time at the "
                      "rival) (both never reaching = tie, dropped) with the order-statistic 95% "
                      "CI of the median; the difference of mean log seconds per step (Welch 95% "
                      "CI over timing repeats) enters at the end of its CI least favourable to "
                      "the conclusion (the CI runs from the lower end at its lower end to the "
                      "upper end at its upper end; p is the sign test's at the deciding end). "
                      "Setting abid2018: supported if 64 is significantly faster than every rival "
                      "(intersection-union, each at α = 0.05); refuted if some rival is "
                      "significantly faster than 64 after Holm; else inconclusive. Headline: the "
                      "deciding rival's median log ratio. " + LABEL_RULE,
                runs="main grid, abid2018, every batch size: learning curves evaluated every epoch "
                     "(steps to target); timing grid: seconds per step of each batch size",
                effect_label="median log(time to target at 64 / at the deciding rival); "
                             "negative = 64 faster",
                simulate=simulate_bs3),
            settings=Settings(PRIMARY),
            min_effect=BS3_MIN_EFFECT,
            pilot_sd=BS3_PILOT_SD),
        Claim(
            "BS-4",
            "002 (Q43)",
            "这可能是由于我们没有调整不同批大小的学习率",
            "The fall in accuracy from the smallest to the largest batch that Exp 8 "
            "plotted (training accuracy, 150 epochs, one learning rate) comes from not "
            "re-tuning the learning rate per batch size: re-scaling it at the largest "
            "batch (√ or linear rule) recovers most of the gap.",
            rule=Custom(
                decide=decide_bs4,
                words="Per metric, gap = abid2018's accuracy at the smallest minus the largest "
                      "batch, per replicate. The drop must exist: the gap must be significantly > "
                      "0 (two-sided paired t, clustered by dataset), else the setting is "
                      "inconclusive with that gap (accuracy, null 0) as its statistic, said to be "
                      "reversed when it is significantly < 0. For each learning-rate rule "
                      "(lr_sqrt, lr_scaled), fraction recovered f = (mean accuracy of the rule at "
                      "the largest batch − abid2018's there) / mean gap, the smallest batch held "
                      "at its abid2018 value (so a control that hurts the small batch cannot count "
                      "as closing the gap), tested against 0.5 by the two-sided t-test of "
                      "(abid2018 at the smallest − rule at the largest) − 0.5·gap over datasets, "
                      "with the dual Fieller 95% CI. Per setting (abid2018: the training-accuracy "
                      "gap, the one the quote explains, primary; abid2018 held-out: the held-out "
                      "gap): supported if some rule recovers significantly more than half (Holm "
                      "over the 2 rules); refuted if both recover significantly less than half "
                      "(each at α = 0.05); else inconclusive. same_steps' fraction is tabled, not "
                      "judged (it changes the updates, not the rate). Headline: the deciding "
                      "rule's fraction recovered (null 0.5), or the gap when the premise fails. "
                      + LABEL_RULE,
                runs="main grid: abid2018 at the smallest and largest batch; lr_sqrt (lr ∝ √batch) "
                     "and lr_scaled (lr ∝ batch) at the largest, judged; same_steps (equal "
                     "updates) shown as a control; training and held-out accuracy",
                effect_label="fraction of abid2018's smallest−largest batch training-accuracy "
                             "gap recovered at the largest batch by the deciding learning-rate "
                             "rule (null 0.5); when the premise fails, the gap itself "
                             "(accuracy, null 0)",
                simulate=simulate_bs4),
            settings=Settings(PRIMARY),
            min_effect=BS4_MIN_EFFECT,
            pilot_sd=BS4_PILOT_SD,
            null_value=0.5,
            revision="Changed after the seed-0 run: the fraction is now the largest batch's "
                     "recovery with the smallest batch held at abid2018 (before: the gap "
                     "closed, which a control that hurts the small batch also closes), and "
                     "the judged family is cut to the two learning-rate rules (same_steps "
                     "shown, not judged). The earlier rule gave supported, fraction 3.89 via "
                     "same_steps. Review finding: same_steps changes the updates, not the "
                     "learning rate the quote names, and its 'recovery' came from batch 1 "
                     "getting worse."),
        Claim(
            "BS-5a", "001", "SGD 因为更新比较频繁,会造成 cost function 有严重的震荡",
            "SGD (batch 1: frequent, noisy updates) makes the training objective "
            "oscillate more than full-batch gradient descent (batch 400 = the whole "
            "training split): at a matched training loss, the update-to-update relative "
            "change of the full training loss is larger at batch 1 than at batch 400.",
            measure=MatchedBursts(), rule=Paired("decreasing"), settings=BS5_SETTINGS,
            min_effect=BS5A_MIN_EFFECT, pilot_sd=BS5A_PILOT_SD, replicates=REPLICATES,
            parent="BS-5",
            revision="Split from BS-5 after the seed-0 run: BS-5 judged only monotonicity "
                     "over every batch size and gave refuted (sgd, pair 1 → 4). Review "
                     "finding: the seed contrasts SGD with full-batch descent, so that "
                     "contrast (batch 1 vs 400) is judged here and monotonicity in BS-5b."),
        Claim(
            "BS-5b", "001", "SGD 因为更新比较频繁,会造成 cost function 有严重的震荡",
            "The oscillation falls monotonically with batch size: at a matched training "
            "loss, the update-to-update relative change of the full training loss is "
            "larger at every smaller batch.",
            measure=MatchedBursts(), rule=Monotone("decreasing"), settings=BS5_SETTINGS,
            min_effect=BS5_MIN_EFFECT, pilot_sd=BS5_PILOT_SD, replicates=REPLICATES,
            parent="BS-5",
            revision="Split from BS-5 after the seed-0 run (the SGD vs full-batch contrast "
                     "moved to BS-5a); the monotone rule itself is unchanged. The earlier "
                     "BS-5 gave refuted (sgd, pair 1 → 4)."),
    ],
    report=report,
)

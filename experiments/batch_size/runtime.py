"""BS-1: wall time per epoch falls as the batch grows, read from the timing grid only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from experiments.batch_size.common import (
    AXES,
    BATCH,
    CPU_BOUND,
    NAME,
    PRIMARY,
    TIMING_REPEATS,
    timing_frame,
    timing_runs,
)
from harness.judge.claims import Claim, Settings
from harness.judge.families import Monotone
from harness.judge.gates import CpuBound
from harness.judge.measures import Context, Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet

# Min effect log 1.1: a 10% runtime change is the least a practitioner would act on. Pilot
# SD: the page's Welch CIs over 50 3-epoch segments per batch size give a per-segment SD
# of 0.21 (pair 256 → 400: half-width 0.084 = 1.98·s·√(2/50)); a 30-epoch timing run
# averages 10 segments: 0.21/√10 ≈ 0.07 per run. Its n is TIMING_REPEATS.
BS1_MIN_EFFECT, BS1_PILOT_SD = math.log(1.1), 0.07


@dataclass(frozen=True)
class TimingRuns(Measure):
    """Log training seconds per epoch of each timing run, unpaired across batch sizes (row
    r = repeat r); the repeats time one model on one dataset: one cluster."""

    factor: Factor = BATCH
    label: str = "seconds per epoch of a timing run"
    grid: str = "timing"
    by: str = "setting"
    log: bool = True
    value_name: ClassVar[str] = "s_per_epoch"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        t = timing_runs(rs)
        return t.assign(setting=PRIMARY, replicate=t["repeat"].astype(int), dataset=0,
                        grid=self.grid) if len(t) else t

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        t = tables[PRIMARY]
        b = np.repeat(np.asarray(t.levels), t.values.shape[0]).astype(int)
        repeat = np.tile(np.arange(t.values.shape[0]), len(t.levels))
        timing = timing_frame(b, repeat, np.exp(t.values.T.reshape(-1)))
        rs = RunSet.from_tables(NAME, AXES, timing[["grid", *AXES, "replicate", "dataset"]])
        rs.points = timing
        return rs

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": ["timing"], self.factor.key: list(self.factor.levels)}

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        t = timing_runs(rs)
        if t.empty:
            return {}, []
        cols = dict(repeats=("s_per_epoch", "size"), median_s_per_epoch=("s_per_epoch", "median"),
                    min_s_per_epoch=("s_per_epoch", "min"), max_s_per_epoch=("s_per_epoch", "max"),
                    median_s_per_step=("s_per_step", "median"))
        if "cpu_per_wall" in t:
            cols.update(cpu_per_wall_mean=("cpu_per_wall", "mean"),
                        cpu_per_wall_min=("cpu_per_wall", "min"),
                        runs_below_cpu_bound=("cpu_per_wall", lambda c: (c < CPU_BOUND).sum()))
        for col in ("load_avg_start", "load_avg_1m"):  # context only: they lag
            if col in t:
                cols.update({f"{col}_mean": (col, "mean"), f"{col}_max": (col, "max")})
        per_batch = t.groupby("batch_size").agg(**cols).reset_index()
        return {"Timing runs per batch size (one model per run, training time only; "
                "cpu_per_wall and load averages over its runs)": per_batch}, []


BS1 = Claim(
    "BS-1", "002 (Q43)", "运行时间确实随着批大小的增加而下降",
    "For a fixed number of epochs, wall time falls as batch size grows.",
    measure=TimingRuns(), rule=Monotone("decreasing", paired=False),
    quantifier="primary", settings=Settings(PRIMARY), gates=(CpuBound(CPU_BOUND),),
    notes=("n counts timing runs: each trains the same model on the same dataset from "
           "the same seed in its own process, with no other point of the sweep "
           "running, in rounds (every batch size once per round), so the repeats are "
           "independent measurements of one configuration's time (not independent "
           "datasets). Seconds exclude evaluation; the main grid's wall times are "
           "never read. The machine's 1-minute load averages at the start and end of "
           "each run are tabled as context only: they lag (a 1-minute average mostly "
           "reflects the previous minute), so they neither show nor rule out "
           "contention during a short run.",),
    min_effect=BS1_MIN_EFFECT, pilot_sd=BS1_PILOT_SD, replicates=TIMING_REPEATS)

"""What every batch-size claim shares: constants, grid readers, synthetic rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.judge.measures import Factor
from harness.track.results import RunSet

NAME = "batch_size"
PRIMARY = "abid2018"
BATCHES = (1, 4, 16, 64, 256, 400)
REPLICATES = 24  # trainer.replicates of conf/experiment/batch_size.yaml (a test checks)
TIMING_REPEATS = 10  # trainer.repeat values of the timing grid (a test checks)
# A single-threaded timing run (trainer.threads = 1) alone on its core has cpu_per_wall
# (process CPU / wall seconds over the training loop) ≈ 1; below 0.9 it waited for its core
# while timed. The 1-minute load averages are context only: they lag.
CPU_BOUND = 0.9
SAME_STEPS = 1171  # trainer.steps of conf/preset/same_steps.yaml: floor(150·500/64)
BURST = 1  # trainer.jitter_burst of conf/experiment/batch_size.yaml (a test checks)
N_TRAIN = 400  # the training split: data.n 500 less its test share 0.2 (a test checks)
AXES = ["preset", "batch_size", "repeat"]
BATCH = Factor("trainer.batch_size", BATCHES, "batch size")


def main_rows(rs: RunSet, preset: str = PRIMARY, table: str = "final") -> pd.DataFrame:
    """Rows of ``table`` from the main grid under ``preset`` (never the timing runs)."""
    df = rs.table(table)
    if df.empty or "grid" not in df:
        return df
    return df[(df.grid == "main") & (df.preset == preset)]


def by_preset(rs: RunSet, table: str = "final") -> dict[str, pd.DataFrame]:
    """Rows of ``table`` from the main grid, split by preset (one pass)."""
    df = rs.table(table)
    if df.empty or "grid" not in df:
        return {}
    return {str(p): g for p, g in df[df.grid == "main"].groupby("preset", sort=False)}


def wide_frame(df: pd.DataFrame | None, metric: str
               ) -> tuple[list[int], dict[int, np.ndarray], np.ndarray]:
    """(batch sizes, batch -> metric per replicate, dataset per replicate) of one preset's
    final rows, paired by replicate."""
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


def timing_runs(rs: RunSet) -> pd.DataFrame:
    """One row per finished timing run: its points columns and training seconds per epoch
    and per step."""
    pts = rs.points
    need = {"train_time_s", "epochs_trained", "total_steps"}
    if "grid" not in pts or not need <= set(pts.columns):
        return pd.DataFrame(columns=["batch_size", "repeat", "s_per_epoch", "s_per_step"])
    t = pts[(pts.grid == "timing") & pts.run_id.notna()].dropna(subset=sorted(need)).copy()
    t["batch_size"] = t.batch_size.astype(int)
    t["s_per_epoch"] = t.train_time_s.astype(float) / t.epochs_trained.astype(float)
    t["s_per_step"] = t.train_time_s.astype(float) / t.total_steps.astype(float)
    return t.sort_values(["batch_size", "repeat"]).reset_index(drop=True)


def long_rows(preset: str, levels: tuple[int, ...], values: dict[str, np.ndarray]
              ) -> pd.DataFrame:
    """Main-grid rows (levels × REPLICATES) of one preset from (levels, R) arrays."""
    n = len(levels)
    return pd.DataFrame({"grid": "main", "preset": preset,
                         "batch_size": np.repeat(levels, REPLICATES), "repeat": 0,
                         "replicate": np.tile(np.arange(REPLICATES), n),
                         "dataset": np.tile(np.arange(REPLICATES, dtype=float), n),
                         **{k: v.reshape(-1) for k, v in values.items()}})


def paired_draw(rng: np.random.Generator, means: np.ndarray, sd: float) -> np.ndarray:
    """(levels, R) values: a replicate effect shared by every level plus independent
    noise, scaled so that a paired difference has SD ``sd`` (not the engine's
    ``paired_draw``: its (R, levels) draws would change the calibrated seeds)."""
    rep = rng.normal(0, sd, REPLICATES)
    return means[:, None] + rep[None, :] + rng.normal(0, sd / math.sqrt(2),
                                                      (means.size, REPLICATES))


def timing_frame(b: np.ndarray, repeat: np.ndarray, spe: np.ndarray) -> pd.DataFrame:
    """Synthetic timing-grid points: 30 epochs of 500 at ``spe`` seconds per epoch, with
    cpu_per_wall ≈ 1 and load average ≈ 1 (one process alone on its core)."""
    steps = np.floor(30 * 500 / b)
    epochs = steps * b / 500
    return pd.DataFrame({"grid": "timing", "preset": "timing", "batch_size": b,
                         "repeat": repeat, "replicate": 0, "dataset": 0.0,
                         "run_id": [f"synthetic-timing-{i}" for i in range(b.size)],
                         "train_time_s": spe * epochs, "epochs_trained": epochs,
                         "total_steps": steps, "cpu_per_wall": 0.99,
                         "load_avg_start": 1.0, "load_avg_1m": 1.0})

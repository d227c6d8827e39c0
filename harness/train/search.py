"""Searches: sweep points that check an exact fact instead of training a network.

An exact fact (a parameter count, an identity between divergences, a bound on a loss) is
decided by an exact check over a stated search, not by a sampling CI. Such a point names
its search in ``trainer.task``: the dotted path of a function ``f(cfg, replicate, rng)``
that checks one chunk of the search and returns its rows, one per (setting, member):

- ``setting``: the part of the claim the row speaks to (e.g. "C_out = 256");
- ``member``: the checked quantity (e.g. "|torch count − formula|");
- ``value``: its extreme over the chunk (the largest violation found, or the smallest
  margin), which the Check family compares with the declared bound;
- ``points``: how many points of the search the chunk checked (the search's size).

Replicate r is chunk r, with its own seed (``seed_for(trainer.seed, r)``): a random search
draws afresh under another master seed, and a grid is split over the chunks by r. The run
logs the rows as its ``search.csv`` (read by :class:`harness.judge.measures.Searched`)
and, per chunk, the points checked and the seconds taken in final.csv. The search is
found by import, as Hydra finds a ``_target_`` (the searches live in ``tasks/``): the engine
never imports them, or the experiments, statically.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from harness.train.data import seed_for
from harness.train.schema import load_search
from harness.train.trainer import Progress, TrainResult

COLUMNS = ("setting", "member", "value", "points")
T = TypeVar("T")


def row(setting: str, member: str, value: float, points: int, **tags: str) -> dict[str, object]:
    """One row of a search's result: ``member``'s extreme ``value`` over ``points`` checked
    points; ``tags`` add columns (e.g. which claim of a shared search the row serves)."""
    return {**tags, "setting": setting, "member": member, "value": float(value),
            "points": int(points)}


def share(grid: Sequence[T], cfg: DictConfig, replicate: int) -> Sequence[T]:
    """Chunk ``replicate``'s share of ``grid``: every R-th item from the r-th (R the
    replicates), so the chunks cover the grid exactly once whatever their number."""
    return grid[replicate::cfg.trainer.replicates]


def run_search(cfg: DictConfig, label: str = "") -> TrainResult:
    """Every chunk (replicate) of the point's search, as one run's result."""
    search, reps = load_search(cfg.trainer.task), cfg.trainer.replicates
    torch.set_num_threads(cfg.trainer.threads)  # as the trainer: torch's default (every
    # core) makes a search's tiny operations spin-wait when the cores are shared
    progress = Progress(cfg.trainer.progress, reps, label)
    frames, points, seconds = [], np.zeros(reps), np.zeros(reps)
    for r in range(reps):
        start = time.perf_counter()
        rows = search(cfg, r, np.random.default_rng(seed_for(cfg.trainer.seed, r)))
        seconds[r] = time.perf_counter() - start
        missing = [c for c in COLUMNS if c not in rows]
        if missing:
            raise ValueError(f"search {cfg.trainer.task} returned no column(s) {missing}")
        frames.append(rows.assign(replicate=r, dataset=r))
        points[r] = rows.groupby(["setting", "member"]).points.sum().max()
        progress.update(r + 1)
    total = float(seconds.sum())
    return TrainResult(
        steps=np.zeros(1, int), epochs=np.zeros(1), time_s=np.array([total / reps]),
        curves={}, final={"dataset": np.arange(reps), "points": points, "seconds": seconds},
        info={"total_steps": 0, "runtime_per_replicate_s": total / reps,
              "points_searched": float(points.sum())},
        tables={"search": pd.concat(frames, ignore_index=True)})


def run_group(cfgs: Sequence[DictConfig], label: str = "") -> list[TrainResult]:
    """Each point's search alone (a search has nothing to batch with another)."""
    return [run_search(c, label) for c in cfgs]

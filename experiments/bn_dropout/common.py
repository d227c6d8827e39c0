"""What every BD claim shares: the design's constants, condition labels, the runs indexed
by condition, and the simulators' final table."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.core import stats

NAME = "bn_dropout"
# trainer.replicates in conf/experiment/bn_dropout.yaml (tests check they agree): the max
# over the claims' replicates_needed, capped at REPLICATE_CAP
REPLICATES = 24
PRIMARY = ("bn_digits", 128)  # the primary setting of every claim
SETTINGS = (("bn_digits", 128), ("bn_digits", 32), ("bn_gaussian", 32))  # declared
RATES = {"bn_digits": (0.1, 0.3, 0.5), "bn_gaussian": (0.3,)}  # dropout p per task
PLACEMENTS = {"every": "dropout before BN (every)", "last": "dropout after the last BN (last)"}
LR = 0.003  # the experiment's Adam learning rate (conf/experiment/bn_dropout.yaml)
# Smallest effects worth reporting (headline units). Pilot SDs of the per-replicate
# statistic, here and beside each claim: results/bn_dropout (24 replicates, t-based 95%
# CIs), SD = CI half-width / t(0.975, 23) · √24, primary setting digits w128.
# Gap reductions (BD-1b, BD-2): 2 points of accuracy (4 of 200 test images, a sixth of the
# plain net's gap of 0.116); less does not "prevent overfitting" in a way worth reporting.
GAP_MIN = 0.02
# Test-accuracy differences (BD-3, BD-6, the guards): one point (2 of 200 test images).
ACC_MIN = 0.01
BD6_SD = 0.0128  # after − before ReLU: −0.0131 ± 0.0054
STATS_COLUMNS = ["mean", "ci_low", "ci_high", "p"]
# a condition; DEFAULTS for conditions without the lr or scaling axis
AXES = ["preset", "width", "batch_norm", "bn_after_activation", "dropout",
        "dropout_placement", "lr", "dropout_scaling"]
DEFAULTS = {"lr": LR, "dropout_scaling": "inverted"}
TASKS = ("settings digits w128 (primary: the seeds name no setting; real images at the "
         "wider, more usual width), digits w32, gaussian w32")


def label(setting: tuple[str, int]) -> str:
    return f"{setting[0].removeprefix('bn_')} w{setting[1]}"


def placement_label(setting: tuple[str, int], placement: str) -> str:
    return f"{label(setting)} / {PLACEMENTS[placement]}"


def acc(frame: pd.DataFrame) -> np.ndarray:
    return frame.test_acc.to_numpy(float)


def effect_row(e: stats.Effect, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": v for k, v in zip(STATS_COLUMNS, (e.mean, e.ci_low, e.ci_high,
                                                              e.p), strict=True)}


def ordered(found: set[tuple[str, int]]) -> list[tuple[str, int]]:
    """(preset, width) pairs that ran, in declared order (primary first), then the rest."""
    return [s for s in SETTINGS if s in found] + sorted(found - set(SETTINGS))


def last_step(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.step == frame.step.max()]


@dataclass
class Runs:
    """A table (final.csv or curves.csv) indexed once by condition (the AXES; placement and
    scaling '' without dropout) -> its rows, ordered by replicate."""

    frames: dict[tuple, pd.DataFrame]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Runs:
        if frame.empty:
            return cls({})
        frame = frame.assign(**{k: v for k, v in DEFAULTS.items() if k not in frame})
        out = {}
        for (preset, width, bn, after, p, place, lr, scaling), g in frame.groupby(
                AXES, sort=False):
            key = (preset, int(width), bool(bn), bool(after), float(p),
                   str(place) if p > 0 else "", float(lr), str(scaling) if p > 0 else "")
            out[key] = g.sort_values("replicate", kind="stable")
        return cls(out)

    def get(self, s: tuple[str, int], bn: bool, p: float = 0.0, placement: str = "every",
            after: bool = False, lr: float = LR, scaling: str = "inverted"
            ) -> pd.DataFrame | None:
        return self.frames.get((s[0], s[1], bn, after, float(p), placement if p > 0 else "",
                                float(lr), scaling if p > 0 else ""))

    def settings(self) -> list[tuple[str, int]]:
        return ordered({(k[0], k[1]) for k in self.frames})

    def rates(self, s: tuple[str, int]) -> list[float]:
        return sorted({k[4] for k in self.frames if k[:2] == s and k[4] > 0})

    def clusters(self, s: tuple[str, int]) -> np.ndarray | None:
        """Each replicate's dataset (ordered by replicate), from any run of the setting."""
        frame = next((f for k, f in self.frames.items() if k[:2] == s), None)
        if frame is None or "dataset" not in frame:
            return None
        return frame.dataset.to_numpy()


def cond(s: tuple[str, int], bn: bool, p: float = 0.0, placement: str = "every",
         after: bool = False, lr: float = LR) -> tuple:
    """A simulated condition: (setting, bn, p, placement, after, lr)."""
    return (s, bn, p, placement, after, lr)


def sim_final(rng: np.random.Generator, sd: float, conds: list[tuple],
              shift: dict[tuple, float]) -> pd.DataFrame:
    """Final table for ``conds`` (:func:`cond` tuples): test accuracy 0.88 + a
    per-replicate dataset effect + ``shift[cond]`` + noise of SD sd/√2 per condition (so
    paired differences have SD ``sd``); train accuracy 1."""
    r = REPLICATES
    frames = []
    for s in dict.fromkeys(c[0] for c in conds):  # in order: reproducible draws
        u = rng.normal(0, 0.02, r)
        for c in (c for c in conds if c[0] == s):
            _, bn, p, placement, after, lr = c
            test = 0.88 + u + shift.get(c, 0.0) + rng.normal(0, sd / math.sqrt(2), r)
            frames.append(pd.DataFrame({
                "grid": "sim", "preset": s[0], "width": s[1], "batch_norm": bn,
                "bn_after_activation": after, "dropout": p, "dropout_placement": placement,
                "lr": lr, "dropout_scaling": "inverted", "replicate": np.arange(r),
                "dataset": np.arange(r, dtype=float), "train_acc": 1.0, "test_acc": test}))
    return pd.concat(frames, ignore_index=True)

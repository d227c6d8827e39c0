"""What every BD claim shares: the design's constants, condition labels, the runs indexed
by condition, and the simulators' final table."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

NAME = "bn_dropout"
# trainer.replicates in conf/experiment/bn_dropout.yaml (tests check they agree): the max
# over the claims' replicates_needed, capped at REPLICATE_CAP
REPLICATES = 24
PRIMARY = ("bn_digits", 128)  # the primary setting of every claim
SETTINGS = (("bn_digits", 128), ("bn_digits", 32), ("bn_gaussian", 32))  # declared
RATES = {"bn_digits": (0.1, 0.3, 0.5), "bn_gaussian": (0.3,)}  # dropout p per task
PLACEMENTS = {"every": "dropout before BN (every)", "last": "dropout after the last BN (last)"}
LR = 0.003  # the experiment's Adam learning rate (conf/experiment/bn_dropout.yaml)
# Smallest test-accuracy difference worth reporting (BD-3, BD-6, the guards): one point (2
# of 200 test images). Pilot SDs, beside each claim: results/bn_dropout (24 replicates,
# t-based 95% CIs), SD = CI half-width / t(0.975, 23) · √24, primary setting digits w128.
ACC_MIN = 0.01
# a condition; DEFAULTS for conditions without the lr or scaling axis
AXES = ["preset", "width", "batch_norm", "bn_after_activation", "dropout",
        "dropout_placement", "lr", "dropout_scaling"]
DEFAULTS = {"lr": LR, "dropout_scaling": "inverted"}


def label(setting: tuple[str, int]) -> str:
    return f"{setting[0].removeprefix('bn_')} w{setting[1]}"


SETTING_OF = {label(s): s for s in SETTINGS}  # "digits w128" -> (preset, width)


def placement_label(setting: tuple[str, int], placement: str) -> str:
    return f"{label(setting)} / {PLACEMENTS[placement]}"


def with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**{k: v for k, v in DEFAULTS.items() if k not in frame})


def acc(frame: pd.DataFrame) -> np.ndarray:
    return frame.test_acc.to_numpy(float)


def ordered(found: set[tuple[str, int]]) -> list[tuple[str, int]]:
    """(preset, width) pairs that ran, in declared order (primary first), then the rest."""
    return [s for s in SETTINGS if s in found] + sorted(found - set(SETTINGS))


@dataclass
class Runs:
    """A table (final.csv or curves.csv) indexed once by condition (the AXES; placement and
    scaling '' without dropout) -> its rows, ordered by replicate."""

    frames: dict[tuple, pd.DataFrame]

    @staticmethod
    def key(preset: str, width: int, bn: bool, after: bool, p: float, placement: str,
            lr: float, scaling: str) -> tuple:
        return (preset, int(width), bool(bn), bool(after), float(p),
                str(placement) if p > 0 else "", float(lr), str(scaling) if p > 0 else "")

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Runs:
        if frame.empty:
            return cls({})
        return cls({cls.key(*k): g.sort_values("replicate", kind="stable")
                    for k, g in with_defaults(frame).groupby(AXES, sort=False)})

    def get(self, s: tuple[str, int], bn: bool, p: float = 0.0, placement: str = "every",
            after: bool = False, lr: float = LR, scaling: str = "inverted"
            ) -> pd.DataFrame | None:
        return self.frames.get(self.key(*s, bn, after, p, placement, lr, scaling))

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


def task_selection(tasks: set[tuple[str, int]]) -> dict[str, list]:
    """A measure's sweep points for its (preset, width) settings (``selection``)."""
    return {"preset": sorted({t[0] for t in tasks}), "model.width": sorted({t[1] for t in tasks})}

"""Init schemes by readable name (``xavier``, ``xavier ×4``, ``normal σ=0.01``): the names
claims, tables and figures use, read off the runs' config columns and written back into
them for synthetic runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.track.results import RunSet, dataset_of

NAME = "initialization"
REPLICATES = 24  # = trainer.replicates in conf/experiment/initialization.yaml (tested)
TASKS = ("abid2018", "moons")  # the MLP tasks of IN-2a/b: Abid's, and one not linear


def scheme(frame: pd.DataFrame) -> pd.Series:
    """Readable init name per row: ``normal σ=…`` carries its standard deviation, a
    scaled scheme its gain when it is not 1 (``xavier ×4``)."""
    std = frame.init_std.map(lambda s: f"{s:g}")
    name = frame.init.where(frame.init != "normal", "normal σ=" + std)
    if "init_gain" not in frame:
        return name
    gain = frame.init_gain.astype(float).fillna(1.0)
    return name.where(gain == 1, name + " ×" + gain.map(lambda g: f"{g:g}"))


def with_scheme(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(scheme=scheme(frame)) if len(frame) else frame.assign(scheme=[])


def by_scheme(rs: RunSet, metric: str, **where) -> tuple[pd.DataFrame, np.ndarray]:
    """(replicate × init scheme table of ``metric``, each replicate's dataset): the
    columns are paired by replicate."""
    df = with_scheme(rs.sel(**where))
    if df.empty or metric not in df:
        return pd.DataFrame(), np.zeros(0)
    wide = df.pivot(index="replicate", columns="scheme", values=metric).sort_index()
    return wide, dataset_of(df, wide.index)


def init_of(s: str) -> tuple[str, float, float]:
    """(model.init, model.init_std, model.init_gain) of a readable scheme name."""
    if s.startswith("normal"):
        return "normal", float(s.split("=")[1]), 1.0
    init, _, gain = s.partition(" ×")
    return init, 0.01, float(gain) if gain else 1.0

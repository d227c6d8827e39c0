"""The one data shape every rule family decides on: replicates × levels.

A :class:`Table` is what a measure makes of logged runs (or of simulated ones, in
calibration): one row per replicate, one column per level of the factor (or member), and
the dataset of every row. ``clusters`` is mandatory, so no measure can drop it: where
replicates share a dataset, inference runs on dataset means (the unit of evidence is an
independent dataset draw), and the count of datasets is reported beside every estimate.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.core import stats


@dataclass(frozen=True, eq=False)
class Table:
    """Replicates × levels of one setting.

    ``values[r, j]``: replicate r's value at ``levels[j]`` (NaN = missing; ±inf allowed
    where a measure means "never"). Row r is paired across columns when ``paired``;
    unpaired tables (timing repeats) hold independent samples per column, NaN-padded.
    """

    levels: tuple
    values: np.ndarray  # (replicates, levels)
    clusters: np.ndarray  # (replicates,) the dataset of each row: the unit of inference
    paired: bool = True

    def __post_init__(self) -> None:
        values = np.asarray(self.values, float)
        if values.ndim != 2 or values.shape[1] != len(self.levels):
            raise ValueError(f"values must be (replicates, {len(self.levels)} levels), got "
                             f"{values.shape}")
        if len(self.clusters) != values.shape[0]:
            raise ValueError("clusters must name the dataset of every replicate")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "clusters", np.asarray(self.clusters))

    def column(self, level: object) -> np.ndarray:
        return self.values[:, self.levels.index(level)]

    def columns(self) -> list[np.ndarray]:
        return [self.values[:, j] for j in range(len(self.levels))]

    @property
    def n_datasets(self) -> int:
        return int(pd.unique(self.clusters).size)

    def keep(self, levels: list) -> Table:
        """The same table restricted to ``levels`` (in that order)."""
        idx = [self.levels.index(b) for b in levels]
        return Table(tuple(levels), self.values[:, idx], self.clusters, self.paired)

    def thin(self) -> tuple[Table, list]:
        """(this table without the levels that have fewer than two finite values, the
        levels left out): a level nobody reached cannot be compared."""
        gone = [b for j, b in enumerate(self.levels)
                if np.isfinite(self.values[:, j]).sum() < 2]
        return self.keep([b for b in self.levels if b not in gone]), gone


def level_summary(table: Table, transform: Callable[[np.ndarray], np.ndarray] | None = None,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-based CI per level over datasets (the same computation as
    :func:`harness.core.stats.mean_ci`, vectorized over the levels: display tables are
    built on every decision). ``transform`` maps the three columns back to the reported
    scale (e.g. ``np.exp`` for a measure judged in logs: geometric means)."""
    values = np.where(np.isfinite(table.values), table.values, np.nan)
    n = np.isfinite(values).sum(0)
    clusters = table.clusters
    if pd.unique(clusters).size != clusters.size:  # shared datasets: their means
        values = pd.DataFrame(values).groupby(clusters, sort=False).mean().to_numpy()
    k = np.isfinite(values).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, sd = np.nanmean(values, 0), np.nanstd(values, 0, ddof=1)
        half = stats.t_ppf(0.5 + confidence / 2, k - 1) * sd / np.sqrt(k)
    half = np.where(k >= 2, np.nan_to_num(half), 0.0)
    lo, mid, hi = mean - half, mean, mean + half
    if transform is not None:
        lo, mid, hi = transform(lo), transform(mid), transform(hi)
    return pd.DataFrame({"level": list(table.levels), "mean": mid, "ci_low": lo,
                         "ci_high": hi, "replicates": n, "datasets": k})

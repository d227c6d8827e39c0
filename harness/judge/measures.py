"""Measures: what a claim reads from its runs, as one :class:`~harness.judge.table.Table`
per setting, and the inverse (``synthesize``) that calibration feeds simulated tables
through, so every rule is calibrated through the very extractor that reads real runs.

A measure declares the grid and the levels it reads; a verdict reads nothing else (the
timing grid's wall times, say, are never read by an accuracy measure). New measures live
beside the claims that need them (``experiments/<name>/measures.py``) and subclass
:class:`Measure`; the generic ones are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from harness.judge.table import Table
from harness.track.results import RunSet

# what Measure.context returns: (tables, notes) shown beside the verdict, never judged
Context = tuple[dict[str, pd.DataFrame], list[str]]


@dataclass(frozen=True)
class Factor:
    """The axis a claim compares along: a sweep key, its run column and its levels."""

    key: str  # the Hydra key, e.g. "trainer.batch_size"
    levels: tuple  # the declared levels, in the claim's order
    words: str = ""  # in prose, e.g. "batch size" (default: the column name)

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        if not self.words:
            object.__setattr__(self, "words", self.column.replace("_", " "))

    @property
    def column(self) -> str:
        """The run-table column: the key's last component (as :class:`RunSet` names it)."""
        return self.key.rsplit(".", 1)[-1]


def _where(value: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(dict(value or {}).items()))


def axis_cells(column: pd.Series) -> pd.Series:
    """An axis column's cells as objects, a missing one (a point that leaves the key at
    null, e.g. data.pca_components without PCA) as None, so that a level or a ``where``
    value of None selects it (pandas reads None among numbers as NaN)."""
    return column.astype(object).where(column.notna(), None)


@dataclass(frozen=True)
class Measure:
    """Base of every measure: a metric per replicate at every level of ``factor``, in the
    runs of ``grid`` whose ``by`` column names the setting (and that match ``where``)."""

    factor: Factor
    label: str  # what a value is, e.g. "held-out test accuracy"
    grid: str | tuple[str, ...] | None = "main"  # the sweep grid(s) read; None = every grid
    by: str = "preset"  # the run column that names a setting
    where: tuple[tuple[str, Any], ...] = field(default=())  # fixed axes: (column, value)
    # the rule is applied to log(max(value, floor)) (e.g. spreads over orders of magnitude)
    log: bool = False
    floor: float = 0.0
    # why a level can lack values, as the verdict's notes say it (a measure that leaves a
    # level's values out on purpose names its reason)
    no_value: ClassVar[str] = "fewer than two replicates with a finite value"
    # the column of :meth:`rows` that holds the values (where no field decides it)
    value_name: ClassVar[str] = "value"

    def __post_init__(self) -> None:
        if isinstance(self.factor, dict):  # from YAML
            object.__setattr__(self, "factor", Factor(**self.factor))
        object.__setattr__(self, "where", _where(self.where))
        if isinstance(self.grid, list):
            object.__setattr__(self, "grid", tuple(self.grid))

    # ---- reading
    def rows(self, rs: RunSet) -> pd.DataFrame:
        """The rows of the run table this measure reads (every setting)."""
        raise NotImplementedError

    def value_column(self) -> str:
        return self.value_name

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        """(tables, notes) shown beside the verdict, never judged: what a reader needs to
        read the measure (where it was taken, a spread beside it). None by default."""
        return {}, []

    def cached_rows(self, rs: RunSet) -> pd.DataFrame:
        """:meth:`rows`, computed once per run set (every setting reads them)."""
        key = f"measure:{self!r}"
        if key not in rs._tables:
            rs._tables[key] = self.rows(rs)
        return rs._tables[key]

    def settings_in(self, rs: RunSet) -> list[str]:
        """The settings that have rows, in order of appearance."""
        df = self.cached_rows(rs)
        return [] if df.empty else [str(s) for s in pd.unique(df[self.by])]

    def read(self, rs: RunSet, setting: str) -> Table | None:
        """Replicate × level table of ``setting``: replicate r paired across levels, its
        dataset from final.csv's ``dataset`` column. None when the setting has no rows."""
        df = self.cached_rows(rs)
        if df.empty or self.value_column() not in df:
            return None
        df = df[df[self.by].astype(str) == str(setting)]
        cells = axis_cells(df[self.factor.column])
        keep = cells.isin(self.factor.levels)
        df, cells = df[keep], cells[keep]
        if df.empty:
            return None
        present = set(cells.tolist())
        levels = [b for b in self.factor.levels if b in present]
        li = pd.Index(levels, dtype=object).get_indexer(cells.to_numpy())
        reps, ri = np.unique(df.replicate.to_numpy(int), return_inverse=True)
        values = np.full((reps.size, len(levels)), np.nan)
        raw = df[self.value_column()].to_numpy(float)
        if self.log:
            with np.errstate(invalid="ignore", divide="ignore"):
                raw = np.log(np.maximum(raw, self.floor))
        values[ri, li] = raw
        clusters = np.empty(reps.size, dtype=object)
        clusters[ri] = df.dataset.to_numpy() if "dataset" in df else reps[ri]
        return Table(tuple(levels), values, clusters)

    def _select(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        if "grid" in df and self.grid is not None:
            grids = (self.grid,) if isinstance(self.grid, str) else self.grid
            df = df[df.grid.isin(grids)]
        for col, value in self.where:
            cells = axis_cells(df[col.rsplit(".", 1)[-1]])
            df = df[cells.isna() if value is None else cells == value]
        return df

    # ---- calibration
    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Runs whose :meth:`read` gives back ``tables`` (setting -> table)."""
        raise NotImplementedError

    def _long(self, tables: dict[str, Table], value: str) -> pd.DataFrame:
        """Rows (setting, level, replicate) carrying ``value`` = each table's value
        (exp'd back for a log measure)."""
        frames = []
        for setting, t in tables.items():
            r, j = np.meshgrid(np.arange(t.values.shape[0]), np.arange(len(t.levels)),
                               indexing="ij")
            v = t.values.reshape(-1)
            grid = self.grid if isinstance(self.grid, str) else (self.grid or ("main",))[0]
            frames.append(pd.DataFrame({
                "grid": grid, self.by: setting,
                self.factor.column: np.asarray(t.levels, dtype=object)[j.reshape(-1)],
                "repeat": 0, "replicate": r.reshape(-1),
                "dataset": t.clusters[r.reshape(-1)],
                **{c.rsplit(".", 1)[-1]: x for c, x in self.where},
                value: np.exp(v) if self.log else v}))
        return pd.concat(frames, ignore_index=True)

    def axes(self) -> list[str]:
        return [self.by, self.factor.column, *(c.rsplit(".", 1)[-1] for c, _ in self.where)]

    def levels_in(self, setting: str) -> tuple | None:
        """The factor levels ``setting`` holds as declared: every level, unless a measure
        gives its settings different ones; None where the runs decide which of them a
        setting judges. Rule text counts a setting's members from it (the multiplicity
        correction it names), before any run."""
        return self.factor.levels

    # ---- words
    def grid_words(self) -> str:
        if self.grid is None:
            return "every grid"
        grids = (self.grid,) if isinstance(self.grid, str) else self.grid
        return f"grid{'s' if len(grids) > 1 else ''} {', '.join(grids)}"

    def describe(self) -> str:
        """What one value is, in the rule's prose."""
        return self.label + (" (judged in logs)" if self.log else "")

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        """The sweep points this measure reads, as key -> allowed values (for running
        one claim alone: ``python -m harness.suite --claim ID``)."""
        return {self.by: list(settings), self.factor.key: list(self.factor.levels),
                **{c: [v] for c, v in self.where}}


@dataclass(frozen=True)
class Final(Measure):
    """A metric of final.csv (one row per point and replicate), e.g. held-out accuracy."""

    metric: str = "test_acc"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        return self._select(rs.final)

    def value_column(self) -> str:
        return self.metric

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        final = self._long(tables, self.metric)
        return RunSet.from_tables("synthetic", self.axes(), final)

    def describe(self) -> str:
        return f"{self.label} (final.csv `{self.metric}`" + (
            ", judged in logs)" if self.log else ")")


@dataclass(frozen=True)
class Searched(Measure):
    """An exact check's rows (harness/train/search.py): per chunk of the search (a
    replicate), setting and member, the chunk's extreme ``value`` over its ``points``, from
    the runs' search.csv. The factor's levels are the members (column ``member``)."""

    by: str = "setting"
    task: str = ""  # the search's dotted path, as the grid's trainer.task names it

    def rows(self, rs: RunSet) -> pd.DataFrame:
        return self._select(rs.table("search"))

    def value_column(self) -> str:
        return "value"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        search = self._long(tables, "value").assign(points=1)
        final = search[["grid", "replicate", "dataset"]].drop_duplicates()
        return RunSet.from_tables("synthetic", [], final, search=search)

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        """The search's size beside the verdict: per setting and member, the points checked
        and the extremes found over all chunks, every member the search logged."""
        df = self.cached_rows(rs)
        if df.empty:
            return {}, []
        size = df.groupby([self.by, self.factor.column], sort=False).agg(
            chunks=("replicate", "nunique"), points=("points", "sum"),
            smallest=("value", "min"), largest=("value", "max")).reset_index()
        # every member the search logged: the claim's own are judged, the others are shown
        # (statistics beside the check, or another claim's members of a shared search)
        size = size.assign(judged=size[self.factor.column].isin(self.factor.levels))
        return {"The search (points checked per setting and member, judged by this claim "
                "or shown; the extremes found)": size}, []

    def describe(self) -> str:
        return (f"{self.label} (per chunk of the search `{self.task.rsplit('.', 1)[-1]}`, "
                "its extreme; search.csv)")

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"trainer.task": [self.task]}  # its settings are rows of one point


@dataclass(frozen=True)
class Resampled(Searched):
    """:class:`Searched` rows where a chunk is one resample or independent draw (a split,
    fresh data, fresh seeds) and its row is that replicate's own value (an accuracy, a
    mean over its queries), not an extreme over a search: the statistical families test
    them over the replicates, so the prose says so.

    Random splits of one fixed dataset overlap, so their values are correlated and a
    plain t-test over them is too liberal (Dietterich 1998). A claim declares such
    settings in ``overlap`` with their n_test / n_train, and :meth:`read` applies Nadeau
    and Bengio's (2003) corrected resampled t-test there: each level's deviations from
    its mean are scaled by √(1 + k·overlap) over the k splits, so every linear statistic
    of the table (a paired difference, a slope) has its variance multiplied by
    1 + k·overlap, i.e. (1/k + n_test/n_train)·s² instead of s²/k; the means stay."""

    # (setting, n_test / n_train) of the settings whose replicates are random splits of
    # one fixed dataset; the others are fresh draws, independent as they are
    overlap: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "overlap", _where(self.overlap))

    def read(self, rs: RunSet, setting: str) -> Table | None:
        table = super().read(rs, setting)
        overlap = dict(self.overlap).get(str(setting), 0.0)
        if table is None or not overlap:
            return table
        k = len(np.unique(table.clusters))
        mean = np.nanmean(table.values, axis=0)
        return Table(table.levels, mean + np.sqrt(1 + k * overlap) * (table.values - mean),
                     table.clusters)

    def describe(self) -> str:
        return (f"{self.label} (one value per replicate of the search "
                f"`{self.task.rsplit('.', 1)[-1]}`, each its own resample or draw; "
                f"search.csv{'; judged in logs' if self.log else ''}"
                f"{self._overlap_words()})")

    def _overlap_words(self) -> str:
        """Nadeau and Bengio's correction, named only where a setting uses it."""
        if not self.overlap:
            return ""
        return ("; where they are random splits of one dataset, by Nadeau and Bengio's "
                "corrected resampled t-test")

    def corrected(self, setting: str) -> bool:
        """Whether ``setting``'s replicates are overlapping splits (overlap-corrected)."""
        return bool(dict(self.overlap).get(str(setting), 0.0))

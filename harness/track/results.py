"""Read an experiment's declared sweep back out of MLflow, as pandas tables.

A report must describe the runs the experiment declares, not whatever else was logged
(ad-hoc overrides land in the same MLflow experiment). So the loader composes every
point of the declared sweep with Hydra's compose API, hashes it exactly as the run did
(tracking.config_hash), and picks the latest FINISHED run with that hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import ListConfig, OmegaConf

from harness.track import tracking
from harness.train.grids import grid_points
from harness.train.schema import register_configs

CONF_DIR = tracking.PROJECT_ROOT / "conf"


@contextmanager
def hydra_context() -> Iterator[None]:
    """Hydra's compose API over conf/, with the schemas registered; compose inside it."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        yield


def _column(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _plain(value: Any) -> Any:
    """A config value as a table cell: enums by name, lists as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, ListConfig | list):
        return str(list(value))
    return value


@dataclass
class RunSet:
    """One experiment's declared sweep as logged: a row per point, tables per replicate."""

    experiment: str
    uri: str
    axes: list[str]  # column names of the sweep axes (last component of each key)
    # one row per declared point: its grid, every axis's value (from the composed config,
    # so axes a grid does not sweep still have values), config_hash, run_id (None where
    # missing) and the run's tags and final metrics
    points: pd.DataFrame
    overrides: list[str] = field(default_factory=list)  # extra overrides of every point
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(cls, experiment: str, axes: list[str], final: pd.DataFrame,
                    **tables: pd.DataFrame) -> RunSet:
        """A RunSet over given tables instead of a tracking store: calibration feeds the
        decision rules synthetic runs this way. ``final`` has a row per point and
        replicate with ``grid``, the ``axes`` columns, ``replicate`` and ``dataset``."""
        points = final[["grid", *axes]].drop_duplicates().reset_index(drop=True)
        points = points.assign(run_id=[f"synthetic-{i}" for i in range(len(points))],
                               config_hash="")
        return cls(experiment, "", list(axes), points, _tables={"final": final, **tables})

    @property
    def missing(self) -> pd.DataFrame:
        return self.points[self.points.run_id.isna()]

    def table(self, name: str) -> pd.DataFrame:
        """Artifact ``<name>.csv`` of every logged point that has it, with the grid and
        axis columns added.

        ``final`` (a row per point and replicate), ``curves`` (per evaluation and
        replicate), or a probe's table (e.g. ``loss_trace``). Loaded once, then cached.
        """
        if name not in self._tables:
            frames = []
            for _, row in self.points.dropna(subset=["run_id"]).iterrows():
                frame = tracking.load_table(self.uri, row.run_id, f"{name}.csv",
                                            row.get("artifact_uri"))
                if frame is not None:  # runs without that probe add no rows
                    frames.append(frame.assign(**{a: row[a] for a in ["grid", *self.axes]}))
            self._tables[name] = (pd.concat(frames, ignore_index=True) if frames else
                                  pd.DataFrame(columns=["grid", *self.axes, "replicate"]))
        return self._tables[name]

    @property
    def final(self) -> pd.DataFrame:
        return self.table("final")

    @property
    def curves(self) -> pd.DataFrame:
        return self.table("curves")

    def sel(self, frame: str = "final", **where: Any) -> pd.DataFrame:
        """Rows of table ``frame`` (or ``points``) whose axis columns equal ``where``."""
        df = self.points if frame == "points" else self.table(frame)
        for k, v in where.items():
            df = df[df[k] == v]
        return df


def dataset_of(frame: pd.DataFrame, replicates: pd.Index | np.ndarray) -> np.ndarray:
    """The dataset of each replicate (the clusters of inference), from final.csv's
    ``dataset`` column; a replicate without one counts as its own dataset."""
    reps = np.asarray(replicates)
    if "dataset" not in frame or frame.empty:
        return reps.astype(float)
    of = frame.groupby("replicate")["dataset"].first().reindex(reps).to_numpy(float)
    return np.where(np.isfinite(of), of, -1.0 - reps)


def sweep_points(experiment: str, extra: list[str] | None = None,
                 ) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(axis keys, (grid name, overrides) per point) of the experiment's declared sweep.

    Expanded exactly as ``python -m harness.run -m experiment=NAME EXTRA...`` would:
    ``hydra.sweeper.params`` (basic sweeper) and, for the grids sweeper, each of
    ``hydra.sweeper.grids``; sweep-style ``extra`` overrides (``a=1,2``) replace that
    axis, plain ones apply to every point.
    """
    parser = OverridesParser.create()
    extra_overrides = parser.parse_overrides(extra or [])
    with hydra_context():
        plain = [o.input_line for o in extra_overrides if not o.is_sweep_override()]
        cfg = compose("config", overrides=[f"experiment={experiment}", *plain],
                      return_hydra_config=True)
    sweeper = OmegaConf.to_container(cfg.hydra.sweeper)
    grids = sweeper.get("grids")
    keys = list(dict.fromkeys([*(sweeper.get("params") or {}),
                               *[k for axes in (grids or {}).values() for k in axes],
                               *[o.key_or_group for o in extra_overrides
                                 if o.is_sweep_override()]]))
    return keys, grid_points(sweeper.get("params"), grids, extra_overrides, parser)


def load(experiment: str, uri: str | None = None, extra: list[str] | None = None) -> RunSet:
    """The declared sweep of ``experiment`` as found in the tracking store at ``uri``."""
    uri = tracking.tracking_uri(uri)
    keys, points = sweep_points(experiment, extra)
    cols = [_column(k) for k in keys]
    runs = tracking.load_runs(uri, experiment)
    rows = []
    with hydra_context():
        composed = [compose("config", overrides=[f"experiment={experiment}", *o])
                    for _, o in points]
    for (grid, _), cfg in zip(points, composed, strict=True):
        chash = tracking.config_hash(cfg)
        axis = {c: _plain(OmegaConf.select(cfg, k)) for c, k in zip(cols, keys, strict=True)}
        match = runs[runs["tags.config_hash"] == chash] if len(runs) else runs
        row: dict[str, Any] = {"grid": grid, **axis, "config_hash": chash, "run_id": None}
        if len(match):
            run = match.sort_values("start_time").iloc[-1]
            row.update(run_id=run.run_id, start_time=run.start_time, end_time=run.end_time,
                       artifact_uri=run.artifact_uri,
                       **{k[5:]: v for k, v in run.items() if k.startswith("tags.")},
                       **{k[8:]: v for k, v in run.items() if k.startswith("metrics.")
                          and "/" not in k})
        rows.append(row)
    return RunSet(experiment=experiment, uri=uri, axes=cols, points=pd.DataFrame(rows),
                  overrides=list(extra or []))

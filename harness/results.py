"""Read an experiment's declared sweep back out of MLflow, as pandas tables.

A report must describe the runs the experiment declares, not whatever else was logged
(ad-hoc overrides land in the same MLflow experiment). So the loader composes every
point of the declared sweep with Hydra's compose API, hashes it exactly as the run did
(tracking.config_hash), and picks the latest FINISHED run with that hash.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

from harness import tracking
from harness.schema import register_configs

CONF_DIR = tracking.PROJECT_ROOT / "conf"


@contextmanager
def hydra_context() -> Iterator[None]:
    """Hydra's compose API over conf/, with the schemas registered; compose inside it."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        yield


def _typed(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def _column(key: str) -> str:
    return key.rsplit(".", 1)[-1]


@dataclass
class RunSet:
    """One experiment's declared sweep as logged: a row per point, tables per replicate."""

    experiment: str
    uri: str
    axes: list[str]  # column names of the sweep axes (last component of each key)
    points: pd.DataFrame  # one row per declared point; run_id is None where missing
    overrides: list[str] = field(default_factory=list)  # extra overrides of every point
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def missing(self) -> pd.DataFrame:
        return self.points[self.points.run_id.isna()]

    def table(self, name: str) -> pd.DataFrame:
        """Artifact ``<name>.csv`` of every logged point, with the axis columns added.

        ``final`` (a row per point and replicate), ``curves`` (per evaluation and
        replicate), or a probe's table (e.g. ``loss_trace``). Loaded once, then cached.
        """
        if name not in self._tables:
            frames = [
                tracking.load_table(self.uri, row.run_id, f"{name}.csv").assign(
                    **{a: row[a] for a in self.axes})
                for _, row in self.points.dropna(subset=["run_id"]).iterrows()
            ]
            self._tables[name] = (pd.concat(frames, ignore_index=True) if frames
                                  else pd.DataFrame(columns=[*self.axes, "replicate"]))
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


def sweep_points(experiment: str,
                 extra: list[str] | None = None) -> tuple[list[str], list[list[str]]]:
    """(sweep keys, one override list per point) of the experiment's declared sweep.

    Sweep-style ``extra`` overrides (``a=1,2``) replace that axis; plain ones apply to
    every point, the way Hydra's basic sweeper combines them.
    """
    parser = OverridesParser.create()
    with hydra_context():
        plain = [o for o in parser.parse_overrides(extra or []) if not o.is_sweep_override()]
        cfg = compose("config", overrides=[f"experiment={experiment}",
                                           *[o.input_line for o in plain]],
                      return_hydra_config=True)
    axes: dict[str, list[str]] = {}
    for key, value in (cfg.hydra.sweeper.params or {}).items():
        axes[key] = list(parser.parse_override(f"{key}={value}").sweep_string_iterator())
    for o in parser.parse_overrides(extra or []):
        if o.is_sweep_override():
            axes[o.key_or_group] = list(o.sweep_string_iterator())
    keys = list(axes)
    points = [[f"{k}={v}" for k, v in zip(keys, combo, strict=True)]
              for combo in itertools.product(*axes.values())]
    return keys, [[*p, *[o.input_line for o in plain]] for p in points]


def load(experiment: str, uri: str | None = None, extra: list[str] | None = None) -> RunSet:
    """The declared sweep of ``experiment`` as found in the tracking store at ``uri``."""
    uri = tracking.tracking_uri(uri)
    keys, points = sweep_points(experiment, extra)
    cols = [_column(k) for k in keys]
    runs = tracking.load_runs(uri, experiment)
    with hydra_context():
        hashes = [tracking.config_hash(compose("config", overrides=[f"experiment={experiment}",
                                                                     *o])) for o in points]
    rows = []
    for overrides, chash in zip(points, hashes, strict=True):
        axis = {c: _typed(o.split("=", 1)[1]) for c, o in zip(cols, overrides, strict=False)}
        match = runs[runs["tags.config_hash"] == chash] if len(runs) else runs
        row: dict[str, Any] = {**axis, "config_hash": chash, "run_id": None}
        if len(match):
            run = match.sort_values("start_time").iloc[-1]
            row.update(run_id=run.run_id, start_time=run.start_time, end_time=run.end_time,
                       **{k[5:]: v for k, v in run.items() if k.startswith("tags.")},
                       **{k[8:]: v for k, v in run.items() if k.startswith("metrics.")
                          and "/" not in k})
        rows.append(row)
    return RunSet(experiment=experiment, uri=uri, axes=cols, points=pd.DataFrame(rows),
                  overrides=list(extra or []))

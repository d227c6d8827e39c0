"""A sweep's points: the union of cartesian grids (``hydra/sweeper=grids``, see
hydra_plugins/harness_grids). The sweeper expands them to launch jobs; preflight and
results expand them to validate a sweep and to find each point's run, without the
sweeper.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf


def grid_points(params: dict[str, Any] | None, grids: dict[str, dict[str, Any]] | None,
                arguments: list[Override], parser: OverridesParser | None = None,
                ) -> list[tuple[str, list[str]]]:
    """(grid name, override list) for every point, in grid order, duplicates dropped.

    ``arguments`` (the command line) come last, so they replace a grid's axis the way
    they replace a params axis in the basic sweeper. Without grids: one grid, ``""``.
    """
    parser = parser or OverridesParser.create()
    points: list[tuple[str, list[str]]] = []
    seen: set[tuple[str, ...]] = set()
    for name, axes in (grids or {"": {}}).items():
        lines = [f"{k}={v}" for k, v in {**(params or {}), **(axes or {})}.items()]
        for point in BasicSweeper.split_arguments(
                [*parser.parse_overrides(lines), *arguments], None)[0]:
            key = tuple(sorted(point))
            if key not in seen:
                seen.add(key)
                points.append((name, point))
    return points


SELECT_ALLOWED = ("a JSON object {key: [values]}, or a list of them (a point is kept when "
                  "it matches any)")


def parse_select(select: str | None) -> list[dict[str, list[Any]]]:
    """``hydra.sweeper.select``: a JSON object {dotted key: [allowed values]} (a scalar
    means one value), or a list of such objects (any of them). ValueError, naming the
    field and the allowed values, when it is neither."""
    if not select:
        return []
    try:
        data = json.loads(select)
    except json.JSONDecodeError as exc:
        raise ValueError(f"hydra.sweeper.select={select!r} is invalid ({exc.msg}): allowed "
                         f"values are {SELECT_ALLOWED}") from None
    data = [data] if isinstance(data, dict) else data
    if not isinstance(data, list) or not data or not all(isinstance(d, dict) for d in data):
        raise ValueError(f"hydra.sweeper.select={select!r} is invalid: allowed values are "
                         f"{SELECT_ALLOWED}")
    return [{str(k): v if isinstance(v, list) else [v] for k, v in d.items()} for d in data]


def _plain(x: Any) -> Any:
    """A config value as JSON would spell it: enums by name, numbers as floats."""
    if isinstance(x, Enum):
        return x.name
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int | float):
        return float(x)
    return x


def selected(cfg: DictConfig, select: list[dict[str, list[Any]]]) -> bool:
    """Does the composed point ``cfg`` match one of ``select``: one of the allowed values
    at every key of it?"""
    return any(all(_plain(OmegaConf.select(cfg, key)) in [_plain(v) for v in values]
                   for key, values in one.items()) for one in select)

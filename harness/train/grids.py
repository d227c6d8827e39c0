"""A sweep's points: the union of cartesian grids (``hydra/sweeper=grids``, see
hydra_plugins/harness_grids). The sweeper expands them to launch jobs; preflight and
results expand them to validate a sweep and to find each point's run, without the
sweeper.
"""

from __future__ import annotations

from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override


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

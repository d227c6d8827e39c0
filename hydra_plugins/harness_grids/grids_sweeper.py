"""A Hydra sweeper for a union of cartesian grids (``hydra/sweeper=grids``).

Hydra's basic sweeper runs one cartesian product. A claim often needs several: the
original's five inits on its own data, a convex control with three, a depth × activation
× init grid on another preset. Writing each as its own product keeps them from being
multiplied together. Config::

    defaults:
      - override /hydra/sweeper: grids
    hydra:
      sweeper:
        params: {trainer.replicates: 12}     # axes shared by every grid (optional)
        grids:                               # name -> axes; a grid's axes replace params'
          abid: {preset: abid2018, model.init: "xavier,zeros,ones"}
          deep: {preset: deep, model.depth: "2,5,10,20"}

Command-line overrides act as with the basic sweeper: ``a=1,2`` replaces axis ``a`` in
every grid, ``a=1`` fixes it everywhere. A point reached by two grids runs once. The
launch loop is the basic sweeper's own (batching, validation, launcher), unchanged.

``exclusive: [timing]`` names grids whose points must run alone: they are launched last,
one job per launch, so with any launcher (joblib, SLURM, Ray) nothing else of the sweep
runs beside them. Timing measurements need that; parallel points share the cores.

It lives in the ``hydra_plugins`` namespace package because Hydra only instantiates
sweepers it discovered there. Hydra loads plugin modules outside ``sys.modules``, which
is why this file has no ``from __future__ import annotations`` (dataclasses would fail).
"""

from dataclasses import dataclass
from typing import Any, Optional  # noqa: UP035 - OmegaConf reads these

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override

from harness.track import preflight
from harness.train import fusion
from harness.train.grids import grid_points, parse_select


@dataclass
class GridsSweeperConf:
    _target_: str = "hydra_plugins.harness_grids.grids_sweeper.GridsSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045 - jobs per launch (None = all)
    # axis values are sweep strings ("1,2,3") or single values of any type
    params: Optional[dict[str, Any]] = None  # noqa: UP045 - axes shared by every grid
    grids: Optional[dict[str, dict[str, Any]]] = None  # noqa: UP045 - name -> its own axes
    # grids whose points run alone, after the others, one job per launch (timing)
    exclusive: Optional[list[str]] = None  # noqa: UP045
    # train points that differ only in per-replicate values (seeds, init, lr, decay,
    # momentum, penalty strengths: harness/train/fusion.py) as one job and one batched
    # computation, still one MLflow run per point, at most fuse_max points per job.
    # null (default): fuse where a step is bound by kernel launches (CUDA), not on the
    # CPU, where make bench measured no saving (results/bench.md); true/false: always/never
    fuse: Optional[bool] = None  # noqa: UP045
    fuse_max: int = 8
    # only the points whose composed config has one of the allowed values at every key: a
    # JSON object {key: [values]} (``python -m harness.suite --claim ID`` runs one claim's
    # points this way); null = every point
    select: Optional[str] = None  # noqa: UP045


ConfigStore.instance().store(group="hydra/sweeper", name="grids", node=GridsSweeperConf,
                             provider="harness")


class GridsSweeper(BasicSweeper):
    """The basic sweeper, expanding ``grids`` (each combined with ``params``) into jobs."""

    def __init__(self, max_batch_size: int | None, params: dict[str, str] | None = None,
                 grids: dict[str, dict[str, str]] | None = None,
                 exclusive: list[str] | None = None, fuse: bool | None = None,
                 fuse_max: int = 8, select: str | None = None) -> None:
        super().__init__(max_batch_size, params)
        self.grids = grids
        # a name whose grid was dropped (~hydra.sweeper.grids.NAME) simply has no points
        self.exclusive = set(exclusive or [])
        if fuse_max < 1:
            raise ValueError(f"hydra.sweeper.fuse_max={fuse_max} is invalid: allowed values "
                             "are integers >= 1")
        self.fuse, self.fuse_max = fuse, fuse_max
        self.select = parse_select(select)  # ValueError names the field

    def _parse_config(self) -> list[str]:
        return []  # params are combined per grid in split_arguments

    def split_arguments(self, overrides: list[Override],  # type: ignore[override]
                        max_batch_size: int | None) -> list[list[list[str]]]:
        """Called by BasicSweeper.sweep with the parsed command-line sweep arguments."""
        loader = self.hydra_context.config_loader if self.hydra_context else None
        parser = OverridesParser.create(config_loader=loader)
        points = grid_points(self.params, self.grids, overrides, parser)
        if self.select and self.config is not None:  # the points preflight composed
            chosen = {tuple(o) for o, _ in preflight.sweep_configs(self.config)}
            points = [(g, p) for g, p in points if tuple(p) in chosen]
        shared = self.fused_jobs([p for g, p in points if g not in self.exclusive])
        alone = [[p] for g, p in points if g in self.exclusive]
        chunks = list(self.split_overrides_to_chunks(shared, max_batch_size)) if shared else []
        return [*chunks, *alone]

    def fused_jobs(self, points: list[list[str]]) -> list[list[str]]:
        """One job per group of points that can train as one computation: the first
        point's overrides plus a ``fused`` override carrying the others."""
        if self.fuse is False or self.fuse_max == 1 or len(points) < 2 or self.config is None:
            return points
        # the default decides on the sweep's own config (its trainer.device), before
        # composing every point: on the CPU that would cost ~1 s per sweep for nothing
        if self.fuse is None and not fusion.pays(self.config):
            return points
        composed = dict((tuple(o), cfg) for o, cfg in preflight.sweep_configs(self.config))
        if any(tuple(p) not in composed for p in points):  # not the points we know: unfused
            return points
        jobs = []
        for group in fusion.groups([(p, composed[tuple(p)]) for p in points], self.fuse_max):
            first, *rest = (points[i] for i in group)
            specs = [fusion.member_spec(composed[tuple(first)], p, composed[tuple(p)])
                     for p in rest]
            jobs.append([*first, fusion.encode(specs)] if specs else first)
        return jobs

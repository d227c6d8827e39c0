"""Checks that run in the launching process before any job: bad input never trains.

The Hydra callback :class:`harness.track.callbacks.TrackingSetup` calls :func:`check_run` for a
single run and :func:`check_sweep` for ``-m``. A sweep is expanded exactly as its
sweeper will expand it (the basic sweeper's ``params`` or the grids sweeper's
``grids``, combined with the command line by ``grid_points``) and every point is
composed and validated (schema fields, ranges, finite numbers, names, work and memory
budget) before the first job starts, then the tracking store and experiment are
prepared once. A failure prints one line naming the field and its allowed values and
exits with code 2, before Hydra creates the run or sweep folder.

Composing each point with Hydra costs ~0.1 s; points of a sweep mostly differ in plain
values, so each distinct set of config-group choices (``preset=...``) is composed once
and the plain overrides are applied to a copy with Hydra's own override code.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.track import tracking
from harness.train.grids import grid_points, parse_select, selected
from harness.train.schema import ConfigError, validate

# sweepers whose expansion this module reproduces (others: the primary config is checked)
SWEEPERS = ("hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
            "hydra_plugins.harness_grids.grids_sweeper.GridsSweeper")


def guard(check: Callable[[DictConfig], Any], config: DictConfig) -> Any:
    """Run ``check``; a user's mistake becomes one line on stderr and exit code 2."""
    try:
        return check(config)
    except (ConfigError, tracking.TrackingError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def check_run(config: DictConfig) -> None:
    validate(config)
    prepare_tracking([config])


def check_sweep(config: DictConfig) -> list[tuple[list[str], DictConfig]]:
    """Every point's (overrides, config), validated; ConfigError at the first bad one."""
    check_launcher(config)
    check_sweeper(config)
    points = sweep_configs(config)
    for i, (overrides, cfg) in enumerate(points):
        try:
            validate(cfg)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (sweep point {i + 1} of {len(points)}: "
                              f"{' '.join(overrides) or 'defaults'}; nothing was run)") from None
    prepare_tracking([cfg for _, cfg in points])
    return points


def check_sweeper(config: DictConfig) -> None:
    """Construct the sweeper once (no side effects) so its own checks fail here."""
    from hydra.utils import instantiate

    try:
        instantiate(config.hydra.sweeper)
    except Exception as exc:  # noqa: BLE001 - whatever the sweeper rejects
        raise ConfigError(one_line(exc.__cause__ or exc)) from None


def check_launcher(config: DictConfig) -> None:
    launcher = config.hydra.launcher
    if "n_jobs" in launcher:
        n = launcher.n_jobs
        if not isinstance(n, int) or isinstance(n, bool) or n == 0:
            raise ConfigError(f"hydra.launcher.n_jobs={n} is invalid: allowed values are "
                              "non-zero integers (the number of parallel jobs; -1 = one per "
                              "core)")


def sweep_configs(master: DictConfig) -> list[tuple[list[str], DictConfig]]:
    """(overrides, composed config) of every point the sweep will launch, in order: those
    of ``hydra.sweeper.select`` only, where it is set (one claim's points)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    sweeper = master.hydra.sweeper
    if sweeper.get("_target_") not in SWEEPERS or not GlobalHydra.instance().is_initialized():
        return [(list(master.hydra.overrides.task), master)]
    loader = GlobalHydra.instance().config_loader()
    parser = OverridesParser.create(config_loader=loader)
    plain = OmegaConf.to_container(sweeper, resolve=False)
    task = list(master.hydra.overrides.task)
    points = grid_points(plain.get("params"), plain.get("grids"),
                         parser.parse_overrides(task), parser)
    repo = loader.repository
    bases: dict[tuple[str, ...], DictConfig] = {}
    out = []
    for i, (_, overrides) in enumerate(points):
        try:
            parsed = parser.parse_overrides(overrides)
            # as Hydra's defaults list decides: a config-group choice, or a value
            groups = [o for o in parsed if repo.group_exists(o.key_or_group)
                      and not isinstance(o.value(), dict)]
            values = [o for o in parsed if o not in groups]
            key = tuple(o.input_line for o in groups)
            if key not in bases:
                bases[key] = loader.load_sweep_config(master, list(key))
            cfg = copy.deepcopy(bases[key])
            ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        except HydraException as exc:
            cause = f": {one_line(exc.__cause__)}" if exc.__cause__ else ""
            raise ConfigError(f"{one_line(exc)}{cause} (sweep point {i + 1} of {len(points)}: "
                              f"{' '.join(overrides)}; nothing was run)") from None
        out.append((overrides, cfg))
    select = parse_select(plain.get("select"))
    return [(o, cfg) for o, cfg in out if selected(cfg, select)] if select else out


def prepare_tracking(configs: list[DictConfig]) -> None:
    """Check each distinct tracking URI, create/migrate its store and the experiments."""
    done: set[tuple[str, str]] = set()
    for cfg in configs:
        if not cfg.tracking.enabled:
            continue
        raw, key = tracking.uri_source(cfg.tracking.uri)
        tracking.check_uri(raw, key)
        uri = tracking.normalize_uri(raw)
        name = cfg.tracking.experiment
        if (uri, name) in done:
            continue
        client = tracking.init_store(uri, key=key)
        tracking.experiment_id(client, name, uri)
        done.add((uri, name))

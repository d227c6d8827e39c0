"""The Hydra callback that guards every run and sweep before anything trains
(``conf/config.yaml``: ``hydra.callbacks.tracking``)."""

from __future__ import annotations

from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from harness.track import preflight, tracking


class TrackingSetup(Callback):
    """Hydra callback, in the launching process, before any job: check every point of the
    run or sweep (schema, ranges, budget, names, launcher, tracking URI), then create and
    migrate the store and the experiment once. Bad input stops here: one line on stderr,
    exit code 2, no run and no output folder (harness/preflight.py). A sweep then gets its
    parent run (:class:`harness.track.tracking.SweepParent`), ended when the sweep ends."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        preflight.guard(preflight.check_run, config)
        if config.tracking.dry_run and config.tracking.enabled:
            tracking.dry_run([(list(config.hydra.overrides.task), config)])

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        points = [(o, cfg) for o, cfg in preflight.guard(preflight.check_sweep, config)
                  if cfg.tracking.enabled]
        if points and config.tracking.dry_run:
            tracking.dry_run(points)
        if points:
            tracking.SweepParent.open(config, points)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        tracking.SweepParent.close_open()

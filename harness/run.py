"""Entry point: ``python -m harness.run [-m] experiment=NAME [overrides]``.

One call trains one sweep point (R batched replicates) and records it as one MLflow
run; ``-m`` runs the experiment's declared sweep (``hydra.sweeper.params``) through
whichever Hydra launcher is configured. Order of work: validate (no run is created for
bad input) → skip if this exact config already FINISHED → train → log → end the run.
"""

from __future__ import annotations

import gc
import logging
import sys
import time

import hydra
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from harness import tracking
from harness.schema import ConfigError, register_configs, validate
from harness.trainer import TrainResult, resolve_device, train

log = logging.getLogger("harness")
register_configs()


def _point_label() -> tuple[str, str, str]:
    """(run name, sweep id, launcher) from Hydra's runtime for this point."""
    hc = HydraConfig.get()
    overrides = [o for o in hc.overrides.task if not o.startswith(("tracking.", "trainer.device"))]
    name = " ".join(overrides) or "defaults"
    if hc.mode.name != "MULTIRUN":
        return name, str(hc.run.dir), "single run"
    launcher = hc.launcher._target_.rsplit(".", 1)[-1]
    if "n_jobs" in hc.launcher:
        launcher += f"(n_jobs={hc.launcher.n_jobs})"
    return name, str(hc.sweep.dir), launcher


def _summary(result: TrainResult) -> str:
    f = result.final
    return (f"test_acc={f['test_acc'].mean():.3f} train_acc={f['train_acc'].mean():.3f} "
            f"bayes={f['bayes_acc'].mean():.3f} steps={result.info['total_steps']} "
            f"train_time/replicate={result.info['runtime_per_replicate_s']:.2f}s")


def execute(cfg: DictConfig) -> TrainResult | None:
    """Run one sweep point; returns None when it was skipped as already finished."""
    try:
        validate(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    name, sweep_id, launcher = _point_label()
    job = HydraConfig.get().job
    label = f"[{cfg.experiment_name} #{job.get('num', 0)}] {name}"
    if not cfg.tracking.enabled:
        result = train(cfg, label)
        log.info("%s: %s", label, _summary(result))
        return result

    uri = tracking.tracking_uri(cfg.tracking.uri)
    try:
        client = tracking.init_store(uri)
    except tracking.TrackingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    exp_id = tracking.experiment_id(client, cfg.tracking.experiment, uri)
    chash = tracking.config_hash(cfg)
    tracking.reap_orphans(client, exp_id, chash)
    if cfg.tracking.skip_finished and tracking.find_runs(client, exp_id, chash, "FINISHED"):
        log.info("%s: already FINISHED (config %s), skipped", label, chash)
        return None
    tags = {"sweep_id": sweep_id, "launcher": launcher,
            "device": str(resolve_device(cfg.trainer.device)), "torch_version": torch.__version__}
    # Everything imported so far (torch, mlflow, SQLAlchemy: ~10^6 objects) lives for the
    # whole process; freezing it keeps Python's full collections, triggered by the many
    # small objects of metric logging, from rescanning it (0.3 s spikes per point).
    gc.freeze()
    start = time.perf_counter()
    with tracking.TrackedRun(client, exp_id, cfg, chash, name, tags) as run:
        result = train(cfg, label)
        tracking.log_result(client, run.run_id, result)
    log.info("%s: %s (%.1fs)", label, _summary(result), time.perf_counter() - start)
    return result


# An absolute path, so the entry point also works when imported (tests, other launchers).
@hydra.main(version_base="1.3", config_path=str(tracking.PROJECT_ROOT / "conf"),
            config_name="config")
def main(cfg: DictConfig) -> None:
    execute(cfg)


if __name__ == "__main__":
    main()

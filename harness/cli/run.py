"""Entry point: ``python -m harness.run [-m] experiment=NAME [overrides]``.

One call trains one sweep point (R batched replicates) and records it as one MLflow
run; ``-m`` runs the experiment's declared sweep (``hydra.sweeper.params``) through
whichever Hydra launcher is configured. Order of work: validate every point before any
job (harness/preflight.py: no run, no folder for bad input; exit code 2) → claim the
point (skip it if it already FINISHED or its owner is alive) → train → log → end the run.

Exit codes: 0 done, 2 bad input (one line names the field and its allowed values),
1 a fault of the machine (a full disk: one line; finished points are kept), 130 Ctrl-C
and 143 SIGTERM (the point in progress is marked KILLED; re-run to resume).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import TYPE_CHECKING

import hydra
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from harness.track import tracking
from harness.train import fusion, search
from harness.train.schema import ConfigError, budget, register_configs, validate
from harness.train.trainer import TrainResult, resolve_device, train_group

if TYPE_CHECKING:
    from mlflow import MlflowClient

log = logging.getLogger("harness")
register_configs()


def _task_overrides() -> list[str]:
    """This job's own overrides, without the fused members the sweeper attached."""
    return [o for o in HydraConfig.get().overrides.task if not o.startswith("fused=")]


def _point_label() -> tuple[str, dict[str, str], str, str]:
    """(run name, swept axes, sweep id, launcher) from Hydra's runtime for this point."""
    hc = HydraConfig.get()
    name, axes = tracking.point_name(_task_overrides())
    if hc.mode.name != "MULTIRUN":
        return name, axes, str(hc.run.dir), "single run"
    launcher = hc.launcher._target_.rsplit(".", 1)[-1]
    if "n_jobs" in hc.launcher:
        launcher += f"(n_jobs={hc.launcher.n_jobs})"
    return name, axes, str(hc.sweep.dir), launcher


def _summary(result: TrainResult) -> str:
    f = result.final
    if "test_acc" not in f:  # a search (harness/train/search.py)
        return (f"{result.info['points_searched']:.0f} points searched in "
                f"{len(f['dataset'])} chunks")
    return (f"test_acc={f['test_acc'].mean():.3f} train_acc={f['train_acc'].mean():.3f} "
            f"bayes={f['bayes_acc'].mean():.3f} steps={result.info['total_steps']} "
            f"train_time/replicate={result.info['runtime_per_replicate_s']:.2f}s")


class Terminated(KeyboardInterrupt):
    """SIGTERM (SLURM, Ray and loky send it before SIGKILL), handled like Ctrl-C."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C. A subclass, because CPython remembers a plain KeyboardInterrupt that
    passed through embedded code (PyRun_*) and then kills the process with SIGINT at
    exit, after it was handled."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted


@contextmanager
def sigterm_as_interrupt(sigint: bool = False) -> Iterator[None]:
    """Within: SIGTERM raises :class:`Terminated` (and, with ``sigint``, Ctrl-C raises
    :class:`Interrupted`), so the active run ends KILLED."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = {signal.SIGTERM: _raise_terminated}
    if sigint and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        handlers[signal.SIGINT] = _raise_interrupted
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _fail(message: str, code: int) -> SystemExit:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return SystemExit(code)


def _run_tags(cfg: DictConfig, overrides: list[str], axes: dict[str, str], sweep_id: str,
              launcher: str) -> dict[str, str]:
    return {"sweep_id": sweep_id, "launcher": launcher, tracking.ROLE_TAG: "point",
            tracking.WORK_TAG: f"{budget(cfg).work:.6g}",
            **({"mlflow.parentRunId": os.environ[tracking.PARENT_ENV]}
               if os.environ.get(tracking.PARENT_ENV) else {}),
            "device": str(resolve_device(cfg.trainer.device)),
            "torch_version": torch.__version__,
            **{f"axis.{k}": v for k, v in axes.items()},
            "mlflow.note.content": (
                f"Sweep point `{' '.join(overrides)}` of experiment {cfg.experiment_name}, "
                f"serving claims {', '.join(cfg.claims) or '(none)'}. Per-replicate values: "
                "the artifacts final.csv, curves.csv and replicates.json.")}


def _claim_all(client: MlflowClient, exp_id: str, uri: str,
               points: list[tuple[list[str], str, dict[str, str], DictConfig]],
               sweep_id: str, launcher: str) -> list[tuple[str, DictConfig, tracking.TrackedRun]]:
    """Claim every point of the job (skipping those finished or owned elsewhere); if a
    claim fails or is interrupted, the runs already claimed are withdrawn (nothing of
    them was trained), so none is left RUNNING."""
    claimed: list[tuple[str, DictConfig, tracking.TrackedRun]] = []
    try:
        for overrides, point, axes, point_cfg in points:
            tags = _run_tags(point_cfg, overrides, axes, sweep_id, launcher)
            run = tracking.claim(client, exp_id, uri, point_cfg,
                                 tracking.config_hash(point_cfg), point, tags)
            if isinstance(run, str):
                log.info("%s: %s, skipped", point, run)
            else:
                claimed.append((point, point_cfg, run))
    except BaseException:
        for *_, run in claimed:
            with suppress(Exception):
                run.withdraw()
        raise
    return claimed


def _work(cfg: DictConfig) -> Callable[[list[DictConfig], str], list[TrainResult]]:
    """What a point does: train its network, or run the search it names (trainer.task)."""
    return search.run_group if cfg.trainer.task else train_group


def execute(cfg: DictConfig) -> TrainResult | None:
    """Run one sweep point, or a fused group of them (harness/fusion.py) as one batched
    computation with one run each; returns the job's own point's result, or None when it
    was skipped (finished, or owned by a live process)."""
    try:
        validate(cfg)
        others = fusion.members(cfg)
        for _, member in others:
            validate(member)
        cfg.fused = ""  # the members are in hand; the job's own run logs its own config
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    name, axes, sweep_id, launcher = _point_label()
    job = HydraConfig.get().job
    points = [(_task_overrides(), name, axes, cfg),
              *((o, *tracking.point_name(o), m) for o, m in others)]
    label = f"[{cfg.experiment_name} #{job.get('num', 0)}] {name}"
    if others:
        label += f" (+{len(others)} fused)"
    if "n_jobs" in HydraConfig.get().launcher and HydraConfig.get().launcher.n_jobs != 1:
        cfg.trainer.progress = False  # parallel jobs would redraw one terminal line
    if not cfg.tracking.enabled:
        with sigterm_as_interrupt():
            results = _work(cfg)([c for *_, c in points], label)
        for (_, point, _, _), result in zip(points, results, strict=True):
            log.info("%s: %s", point, _summary(result))
        return results[0]

    uri = tracking.tracking_uri(cfg.tracking.uri)
    with sigterm_as_interrupt():
        try:
            client = tracking.init_store(uri, key=tracking.uri_source(cfg.tracking.uri)[1])
            exp_id = tracking.experiment_id(client, cfg.tracking.experiment, uri)
            claimed = _claim_all(client, exp_id, uri, points, sweep_id, launcher)
        except (ConfigError, tracking.TrackingError) as exc:
            raise _fail(str(exc), 2) from None
        except Exception as exc:
            fault = tracking.describe_fault(exc)
            if fault is None:
                raise
            raise _fail(f"{fault}; nothing was trained", 1) from None
        if not claimed:
            return None
        # Everything imported so far (torch, mlflow, SQLAlchemy: ~10^6 objects) lives for
        # the whole process; freezing it keeps Python's full collections, triggered by the
        # many small objects of metric logging, from rescanning it (0.3 s spikes per point).
        gc.freeze()
        start = time.perf_counter()
        try:
            with ExitStack() as runs:
                for _, _, run in claimed:
                    runs.enter_context(run)
                results = _work(cfg)([c for _, c, _ in claimed], label)
                for (_, _, run), result in zip(claimed, results, strict=True):
                    tracking.log_result(client, run.run_id, result)
        except Exception as exc:
            fault = tracking.describe_fault(exc)
            if fault is None:
                raise
            raise _fail(f"{fault} while recording {label}; its runs are marked FAILED (or "
                        "KILLED by the next attempt); points that finished are kept: fix "
                        "this and re-run the same command", 1) from None
    elapsed = time.perf_counter() - start
    for (point, _, _), result in zip(claimed, results, strict=True):
        log.info("%s: %s (%.1fs)", point, _summary(result), elapsed)
    if os.environ.get(tracking.PARENT_ENV):
        log.info("[%s] %s", cfg.experiment_name,
                 tracking.sweep_progress(client, os.environ[tracking.PARENT_ENV]))
    own = [result for (_, c, _), result in zip(claimed, results, strict=True) if c is cfg]
    return own[0] if own else None


# An absolute path, so the entry point also works when imported (tests, other launchers).
@hydra.main(version_base="1.3", config_path=str(tracking.PROJECT_ROOT / "conf"),
            config_name="config")
def main(cfg: DictConfig) -> None:
    execute(cfg)


def cli() -> None:
    """``python -m harness.run``: Ctrl-C and SIGTERM end with one line, not a traceback."""
    with sigterm_as_interrupt(sigint=True):
        try:
            main()
        except KeyboardInterrupt as exc:
            tracking.SweepParent.close_open("KILLED")
            term = isinstance(exc, Terminated)
            print(f"interrupted ({'SIGTERM' if term else 'Ctrl-C'}): a run in progress is "
                  "marked KILLED; re-run the same command to resume (finished points are "
                  "skipped)", file=sys.stderr, flush=True)
            raise SystemExit(143 if term else 130) from None


if __name__ == "__main__":
    cli()

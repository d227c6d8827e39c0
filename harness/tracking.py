"""MLflow tracking: one MLflow experiment per harness experiment, one run per sweep point.

Lessons this module encodes (each seen on these machines):
- MLflow migrates a fresh SQLite store on first use; several processes doing that at
  once break it for good, so :func:`init_store` migrates once, under a file lock, before
  any parallel work (the Hydra callback :class:`TrackingSetup` calls it).
- ``mlflow.set_experiment`` from many processes at once misroutes runs into "Default",
  so the experiment is created once and its id passed to every run explicitly.
- One ``log_metric`` call per value costs ~6 ms on SQLite; everything goes through
  ``log_batch``.
- ``import mlflow`` takes seconds, so it is imported lazily, inside functions.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import logging
import math
import os
import socket
import subprocess
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from harness.schema import to_container

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from harness.trainer import TrainResult

log = logging.getLogger(__name__)
# MLflow's usage telemetry would try the network from every worker; these machines and
# many clusters have none. A user who wants it can set the variable to false.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "mlflow.db"
# Fields that change how a run is executed or recorded, not what it computes.
NON_SEMANTIC = ("tracking", "claims", "trainer.device", "trainer.threads", "trainer.progress")
BATCH_LIMIT = 1000  # MLflow's cap on metrics per log_batch call
# Curves logged per replicate as MLflow metrics (every curve's mean is logged too). Each
# value costs ~0.1 ms in MLflow's SQLite store; the per-replicate loss curves would double
# the tracking overhead of a short sweep point, so they live only in curves.csv.
PER_REPLICATE_CURVES = ("train_acc", "test_acc")


class TrackingError(RuntimeError):
    """The tracking store can't be used; raised before any training starts."""


def tracking_uri(cfg_uri: str | None = None) -> str:
    """``tracking.uri`` if set, else $MLFLOW_TRACKING_URI, else the repo's SQLite file."""
    return cfg_uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{DEFAULT_DB}"


def _artifact_location(uri: str, name: str) -> str | None:
    """Artifacts of a SQLite store live beside the database file (``mlartifacts/``), not
    in whatever directory the process happens to run in; a server decides for itself."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts" / name).as_uri()
    return None


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def client_for(uri: str) -> MlflowClient:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _lock_path(uri: str) -> Path:
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///") + ".lock")
    return PROJECT_ROOT / "logs" / ".mlflow-init.lock"


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def init_store(uri: str, timeout_s: float = 10.0) -> MlflowClient:
    """Create/migrate the store once, serialized by a lock; fail fast if unreachable.

    The first request to a server goes out with one retry and a short timeout (MLflow's
    defaults retry for minutes), so a wrong URI is reported in seconds, before training.
    """
    with _file_lock(_lock_path(uri)), _env(MLFLOW_HTTP_REQUEST_MAX_RETRIES="1",
                                           MLFLOW_HTTP_REQUEST_TIMEOUT=str(int(timeout_s))):
        client = client_for(uri)
        try:
            client.search_experiments(max_results=1)
        except Exception as exc:  # any backend failure: say where we tried to connect
            raise TrackingError(f"MLflow tracking store {uri!r} is not usable: {exc}. Set "
                                "MLFLOW_TRACKING_URI or tracking.uri to a reachable store, "
                                "or tracking.enabled=false to train without logging."
                                ) from exc
    return client


def experiment_id(client: MlflowClient, name: str, uri: str) -> str:
    """The id of experiment ``name``, created (once, under the lock) if missing."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    with _file_lock(_lock_path(uri)):
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        try:
            return client.create_experiment(name, artifact_location=_artifact_location(uri, name))
        except MlflowException:  # created meanwhile by a process on another machine
            return client.get_experiment_by_name(name).experiment_id


class TrackingSetup(Callback):
    """Hydra callback: prepare store and experiment in the launching process, once."""

    def _setup(self, config: DictConfig) -> None:
        if not config.tracking.enabled:
            return
        uri = tracking_uri(config.tracking.uri)
        experiment_id(init_store(uri), config.tracking.experiment, uri)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._setup(config)


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain data, without Hydra's own node."""
    data = to_container(cfg)
    data.pop("hydra", None)
    return data


def semantic_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config minus fields that don't change results (see NON_SEMANTIC)."""
    data = resolved_config(cfg)
    for dotted in NON_SEMANTIC:
        *parents, leaf = dotted.split(".")
        node = data
        for p in parents:
            node = node.get(p, {})
        node.pop(leaf, None)
    return data


def config_hash(cfg: DictConfig) -> str:
    """Identity of a sweep point: two configs with the same hash compute the same thing."""
    blob = json.dumps(semantic_config(cfg), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = json.dumps(v) if isinstance(v, list) else str(v)
    return out


@cache
def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(  # results/ is output, not code: it doesn't make a run dirty
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!results"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha or "unknown") + ("-dirty" if dirty else "")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_runs(client: MlflowClient, exp_id: str, chash: str, status: str) -> list[Any]:
    return client.search_runs(
        [exp_id], f"tags.config_hash = '{chash}' and attributes.status = '{status}'")


def reap_orphans(client: MlflowClient, exp_id: str, chash: str) -> None:
    """Mark RUNNING runs of this point whose process died (e.g. SIGKILL) as KILLED."""
    host = socket.gethostname()
    for run in find_runs(client, exp_id, chash, "RUNNING"):
        tags = run.data.tags
        if tags.get("host") == host and not _pid_alive(int(tags.get("pid", "0") or 0)):
            client.set_terminated(run.info.run_id, status="KILLED")
            log.warning("marked orphaned run %s (pid %s) KILLED", run.info.run_id, tags.get("pid"))


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def log_result(client: MlflowClient, run_id: str, result: TrainResult) -> None:
    """Curves (means; accuracies also per replicate) at each evaluation, final summaries.

    Everything goes through log_batch; the same numbers are also stored as CSV
    artifacts (curves.csv, final.csv, one <probe>.csv per probe table) so a report reads
    a run in a few requests.
    """
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    metrics: list[Metric] = []

    def add(key: str, values: np.ndarray, step: int, per_replicate: bool = True) -> None:
        # NaN (a diverged replicate) is logged as NaN, so the UI's latest value is not a
        # stale number from before the divergence; the mean is over finite replicates.
        finite = values[np.isfinite(values)]
        metrics.append(Metric(key, float(finite.mean()) if finite.size else math.nan, now, step))
        if per_replicate:
            metrics.extend(Metric(f"{key}/r{r:02d}", float(v), now, step)
                           for r, v in enumerate(values))

    for e, step in enumerate(result.steps):
        step = int(step)
        metrics.append(Metric("epoch", float(result.epochs[e]), now, step))
        metrics.append(Metric("time_s", float(result.time_s[e]), now, step))
        for name, arr in result.curves.items():
            add(name, arr[e], step, per_replicate=name in PER_REPLICATE_CURVES)
    last = int(result.steps[-1])
    for name, arr in result.final.items():
        if name not in result.curves:
            add(name, arr, last)
    for key, value in result.info.items():
        if isinstance(value, int | float):
            metrics.append(Metric(key, float(value), now, last))
    for chunk in _chunks(metrics, BATCH_LIMIT):
        client.log_batch(run_id, metrics=chunk)
    client.log_text(run_id, curves_frame(result).to_csv(index=False), "curves.csv")
    client.log_text(run_id, pd.DataFrame(result.final).rename_axis("replicate").to_csv(),
                    "final.csv")
    for name, table in result.tables.items():
        client.log_text(run_id, table.to_csv(index=False), f"{name}.csv")


def curves_frame(result: TrainResult) -> pd.DataFrame:
    """Long table: one row per (evaluation step, replicate)."""
    e, r = next(iter(result.curves.values())).shape
    frame = pd.DataFrame({
        "step": np.repeat(result.steps, r),
        "epoch": np.repeat(result.epochs, r),
        "time_s": np.repeat(result.time_s, r),
        "replicate": np.tile(np.arange(r), e),
    })
    for name, arr in result.curves.items():
        frame[name] = arr.reshape(-1)
    return frame


class TrackedRun:
    """A run that always ends FINISHED, FAILED (traceback attached) or KILLED (Ctrl-C)."""

    def __init__(self, client: MlflowClient, exp_id: str, cfg: DictConfig, chash: str,
                 run_name: str, extra_tags: dict[str, str]) -> None:
        self.client = client
        tags = {
            "experiment": cfg.experiment_name,
            "claims": ",".join(cfg.claims),
            "preset": cfg.preset,
            "config_hash": chash,
            "git_commit": git_commit(),
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            **extra_tags,
        }
        self.run = client.create_run(exp_id, run_name=run_name, tags=tags)
        self.run_id = self.run.info.run_id
        try:  # a Ctrl-C or error while recording the config must not leave it RUNNING
            from mlflow.entities import Param

            params = [Param(k, v[:6000]) for k, v in flatten(resolved_config(cfg)).items()]
            for chunk in _chunks(params, 100):
                client.log_batch(self.run_id, params=chunk)
            client.log_text(self.run_id, OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def __enter__(self) -> TrackedRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> bool:
        if exc_type is None:
            status = "FINISHED"
        elif issubclass(exc_type, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
            buf = io.StringIO()
            traceback.print_exception(exc_type, exc, tb, file=buf)
            try:
                self.client.set_tag(self.run_id, "error", f"{exc_type.__name__}: {exc}"[:5000])
                self.client.log_text(self.run_id, buf.getvalue(), "error.txt")
            except Exception:  # noqa: BLE001 - never mask the original failure
                log.exception("could not attach the traceback to run %s", self.run_id)
        self.client.set_terminated(self.run_id, status=status)
        return False


def load_runs(uri: str, experiment: str) -> pd.DataFrame:
    """All FINISHED runs of a harness experiment: params, tags and latest metrics."""
    client = client_for(uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return pd.DataFrame()
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                              max_results=50000)


def load_table(uri: str, run_id: str, name: str) -> pd.DataFrame | None:
    """One CSV artifact of a run (curves.csv, final.csv, <probe>.csv) as a DataFrame;
    None when the run did not log it (its config had that probe off)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(uri)
    try:
        text = mlflow.artifacts.load_text(f"runs:/{run_id}/{name}")
    except MlflowException:
        return None
    return pd.read_csv(io.StringIO(text))

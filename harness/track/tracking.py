"""MLflow tracking: one MLflow experiment per harness experiment, one run per sweep point.

Lessons this module encodes (each seen on these machines):
- MLflow migrates a fresh SQLite store on first use; several processes doing that at
  once break it for good, so :func:`init_store` migrates once, under a file lock, before
  any parallel work (the Hydra callback :class:`harness.track.callbacks.TrackingSetup` calls it).
- ``mlflow.set_experiment`` from many processes at once misroutes runs into "Default",
  so the experiment is created once and its id passed to every run explicitly.
- One ``log_metric`` call per value costs ~6 ms on SQLite; everything goes through
  ``log_batch``.
- ``import mlflow`` takes seconds, so it is imported lazily, inside functions.
- A fresh SQLite store interrupted during that first migration (Ctrl-C, SIGKILL) is broken
  for good ("table _alembic_tmp_... already exists"), so a new store is migrated in a
  temporary file that is moved into place when complete; a store left half-migrated by
  older code (no runs in it yet) is detected and rebuilt.
- Reading never creates a store (:func:`require_store`, :func:`load_runs`).
- A point is claimed before it trains: its RUNNING run is created under the store lock,
  after reaping runs whose owner is dead, and a point whose owner is alive is skipped, so
  two sweeps on one store share the work instead of doing it twice. The owner refreshes
  a ``heartbeat`` tag from a daemon thread; a RUNNING run whose heartbeat is older than
  its lease (``lease_s`` tag, 3 heartbeats) is dead on any host; on the owner's own host
  a vanished PID says so at once.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import getpass
import hashlib
import io
import json
import logging
import math
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from harness.core.confighash import (  # noqa: F401 (re-exported: tracking.config_hash)
    NON_SEMANTIC,
    config_hash,
    resolved_config,
    semantic_config,
    to_container,
)
from harness.core.stats import mean_ci
from harness.train.schema import ConfigError, budget

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from harness.train.trainer import TrainResult

log = logging.getLogger(__name__)
# MLflow's usage telemetry would try the network from every worker; these machines and
# many clusters have none. A user who wants it can set the variable to false.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "mlflow.db"
BATCH_LIMIT = 1000  # MLflow's cap on metrics per log_batch call


class TrackingError(RuntimeError):
    """The tracking store can't be used; raised before any training starts."""


class _FaultFilter(logging.Filter):
    """MLflow logs every database error with its traceback before raising it; for a fault
    of the machine (a full disk) the harness says it in one line itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or describe_fault(exc) is None


logging.getLogger("mlflow.store.db.utils").addFilter(_FaultFilter())


# tags of a claimed run: its owner's last sign of life (epoch seconds) and how long that
# sign stays valid
HEARTBEAT_TAG, LEASE_TAG = "heartbeat", "lease_s"
LEASE_HEARTBEATS = 3  # a run is dead once its heartbeat is this many intervals old
DEFAULT_LEASE_S = 90.0  # for RUNNING runs that carry no lease tag (older code)
# URI schemes MLflow can track to; anything else is refused before any work
URI_SCHEMES = ("sqlite", "http", "https", "file", "postgresql", "mysql", "mssql", "databricks")
URI_ALLOWED = ("sqlite:///relative/path.db or sqlite:////absolute/path.db (three or four "
               "slashes), http(s)://host:port (an mlflow server), file:///path, "
               "postgresql://, mysql://, mssql://, databricks")


def tracking_uri(cfg_uri: str | None = None) -> str:
    """``tracking.uri`` if set, else $MLFLOW_TRACKING_URI, else the repo's SQLite file.

    A relative SQLite path is made absolute (against the current directory, as SQLite
    would), so every process of a sweep and the report mean the same file."""
    return normalize_uri(uri_source(cfg_uri)[0])


def uri_source(cfg_uri: str | None = None) -> tuple[str, str]:
    """(the tracking URI, the setting it came from: for error messages)."""
    if cfg_uri:
        return cfg_uri, "tracking.uri"
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"], "MLFLOW_TRACKING_URI"
    return f"sqlite:///{DEFAULT_DB}", "the default store"


def normalize_uri(uri: str) -> str:
    path = sqlite_path(uri)
    if path is None or path.is_absolute():
        return uri
    return f"sqlite:///{Path.cwd() / path}"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for other stores)."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri.removeprefix("sqlite:///").split("?", 1)[0])


def check_uri(uri: str, key: str = "tracking.uri") -> None:
    """Refuse a URI MLflow cannot use, with the forms it can (ConfigError, one line)."""
    from urllib.parse import urlparse

    def bad(why: str = "") -> ConfigError:
        return ConfigError(f"{key}={uri!r} is invalid{why}: allowed values are {URI_ALLOWED}")

    scheme = "databricks" if uri == "databricks" else urlparse(uri).scheme
    if scheme not in URI_SCHEMES:
        raise bad()
    if scheme == "sqlite":
        path = sqlite_path(uri)
        if path is None:
            raise bad(" (a SQLite URI has three slashes before a relative path, four before "
                      "an absolute one)")
        if str(path) in ("", ".", ":memory:") or uri.endswith("/"):
            raise bad(" (it names no database file)")
    if scheme in ("http", "https") and not urlparse(uri).netloc:
        raise bad(" (no host)")


def _artifact_location(uri: str, name: str) -> str | None:
    """Artifacts of a SQLite store live beside the database file (``mlartifacts/``), not
    in whatever directory the process happens to run in; a server decides for itself."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts" / name).as_uri()
    return None


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise TrackingError(f"cannot write beside the tracking store: {path.parent} is not "
                            f"writable ({exc.strerror or exc}); choose a writable place with "
                            "tracking.uri or MLFLOW_TRACKING_URI") from exc
    with fh:
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


@cache
def _schema_head() -> str:
    from mlflow.store.db.utils import _get_latest_schema_revision

    return _get_latest_schema_revision()


def store_state(path: Path) -> tuple[str, bool]:
    """(state, holds data) of a SQLite file, read without creating or changing it.

    state: ``missing`` (no file, or an empty one), ``ready`` (migrated to this MLflow's
    schema), ``incomplete`` (a migration stopped halfway: temporary alembic tables, or a
    revision that is not this MLflow's head), ``foreign`` (a database MLflow did not
    make) or ``unreadable``. ``holds data``: any run, or any experiment besides Default.
    """
    if not path.exists() or path.stat().st_size == 0:
        return "missing", False
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return "unreadable", False
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        data = False
        if "runs" in tables:
            data = con.execute("select count(*) from runs").fetchone()[0] > 0
        if "experiments" in tables:
            data = data or con.execute("select count(*) from experiments where "
                                       "experiment_id != 0").fetchone()[0] > 0
        if not tables:
            return "missing", False
        if "alembic_version" not in tables and "experiments" not in tables:
            return "foreign", data
        version = (con.execute("select version_num from alembic_version").fetchone()
                   if "alembic_version" in tables else None)
        partial = any(t.startswith("_alembic_tmp") for t in tables)
        if partial or version is None or version[0] != _schema_head():
            return "incomplete", data
        return "ready", data
    except sqlite3.Error:
        return "unreadable", False
    finally:
        con.close()


def _last_write(path: Path) -> float:
    times = [p.stat().st_mtime for p in (path, path.with_name(path.name + "-journal"))
             if p.exists()]
    return max(times, default=0.0)


def _settled(path: Path, quiet_s: float = 5.0, timeout_s: float = 120.0) -> bool:
    """Wait while a process that does not hold our lock (a reader, ``mlflow ui``, older
    code) is still creating the store in place. True once it is ready; False once it is
    gone or has not changed for ``quiet_s`` (abandoned half-way)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if store_state(path)[0] == "ready":
            return True
        if not path.exists() or time.time() - _last_write(path) > quiet_s:
            return False
        time.sleep(0.2)
    return False


def _create_sqlite_store(path: Path) -> None:
    """Migrate a new store in a temporary file beside ``path``, then move it into place:
    an interruption at any moment leaves either no store or a complete one. A store that
    appeared meanwhile (created in place by a process outside our lock) is kept if it
    completes. Caller holds the store lock."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    tmp = path.with_name(f".{path.name}.init-{os.getpid()}")
    tmp_uri = f"sqlite:///{tmp}"
    try:
        store = SqlAlchemyStore(tmp_uri, (path.parent / "mlartifacts").as_uri())
        # MLflow puts an empty "Default" experiment (id 0) in every new store; every harness
        # run names its own experiment, so Default would only sit empty beside them in the
        # UI. Deleted, not dropped: MLflow does not recreate it while the row exists, the UI
        # hides it, and `mlflow experiments restore -x 0` brings it back.
        store.delete_experiment(SqlAlchemyStore.DEFAULT_EXPERIMENT_ID)
        engine = SqlAlchemyStore._engine_map.pop(tmp_uri, None)
        if engine is not None:
            engine.dispose()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and never over a file someone else has open
            return
        except FileExistsError:
            if _settled(path):
                return
        except OSError:  # a file system without hard links
            if path.exists() and _settled(path):
                return
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _dispose_engines(path: Path) -> None:
    """Close this process's pooled connections to a file that was just replaced (they
    would still see the old one); the engines reconnect on next use."""
    module = sys.modules.get("mlflow.store.tracking.sqlalchemy_store")
    if module is None:
        return
    for engine in list(module.SqlAlchemyStore._engine_map.values()):
        database = engine.url.database
        if database and Path(database).resolve() == path.resolve():
            engine.dispose()


def _prepare_sqlite(path: Path) -> None:
    """Create a missing store, rebuild one whose first migration was interrupted (it can
    hold no runs yet), leave a ready one alone. Caller holds the store lock."""
    for stale in path.parent.glob(f".{path.name}.init-*"):  # a migration that was killed
        stale.unlink(missing_ok=True)
    state, data = store_state(path)
    if state == "ready":
        return
    if state in ("missing", "incomplete") and not data:
        # an empty or half-migrated file may still be in the making by a process that
        # does not take our lock; if it stopped changing, it was interrupted
        if path.exists() and _settled(path):
            return
        if state == "incomplete":
            log.warning("%s: its first migration was interrupted; rebuilding it (it held no "
                        "runs)", path)
        _create_sqlite_store(path)
        _dispose_engines(path)
        return
    if state == "incomplete":
        raise TrackingError(f"{path} is an MLflow store whose schema migration did not "
                            "complete; back it up, then run `mlflow db upgrade "
                            f"sqlite:///{path}`")
    raise TrackingError(f"{path} is not an MLflow tracking store ({state}); point "
                        "tracking.uri or MLFLOW_TRACKING_URI elsewhere")


def init_store(uri: str, timeout_s: float = 10.0, key: str = "tracking.uri") -> MlflowClient:
    """Create/migrate the store once, serialized by a lock; fail fast if unreachable.

    A new SQLite store is migrated in a temporary file and moved into place, so an
    interruption never leaves a half-migrated one. The first request to a server goes
    out with one retry and a short timeout (MLflow's defaults retry for minutes), so a
    wrong URI is reported in seconds, before training.
    """
    check_uri(uri, key)
    path = sqlite_path(uri)
    with _file_lock(_lock_path(uri)), _env(MLFLOW_HTTP_REQUEST_MAX_RETRIES="1",
                                           MLFLOW_HTTP_REQUEST_TIMEOUT=str(int(timeout_s))):
        try:
            if path is not None:
                if path.exists() and not os.access(path, os.W_OK):
                    raise PermissionError(errno.EACCES, "read-only file", str(path))
                _prepare_sqlite(path)
            client = client_for(uri)
            client.search_experiments(max_results=1)
        except TrackingError:
            raise
        except Exception as exc:  # any backend failure: say where we tried to connect
            why = describe_fault(exc) or f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise TrackingError(f"MLflow tracking store {uri!r} is not usable: {why}. Set "
                                "MLFLOW_TRACKING_URI or tracking.uri to a reachable store, "
                                "or tracking.enabled=false to train without logging."
                                ) from exc
    return client


def require_store(uri: str, timeout_s: float = 10.0, key: str = "--tracking-uri",
                  ) -> MlflowClient:
    """A client for an existing, complete store; TrackingError (one line) otherwise.
    Creates nothing: for readers (the report). ``key``: where the URI came from."""
    check_uri(uri, key)
    path = sqlite_path(uri)
    if path is not None:
        state, _ = store_state(path)
        if state == "missing":
            raise TrackingError(f"{key}={uri} is invalid: no MLflow store at {path} (the "
                                "file does not exist); allowed values are an existing "
                                "store (run the sweeps first)")
        if state != "ready":
            raise TrackingError(f"{key}={uri} is invalid: {path} is not a complete MLflow "
                                f"store ({state}); allowed values are a complete store "
                                "(any `python -m harness.run` on it repairs an interrupted "
                                "first migration)")
    elif uri.startswith("file:"):
        from urllib.parse import urlparse

        if not Path(urlparse(uri).path).is_dir():
            raise TrackingError(f"{key}={uri} is invalid: no MLflow store there (no such "
                                "directory); allowed values are an existing store")
    with _env(MLFLOW_HTTP_REQUEST_MAX_RETRIES="1",
              MLFLOW_HTTP_REQUEST_TIMEOUT=str(int(timeout_s))):
        client = client_for(uri)
        try:
            client.search_experiments(max_results=1)
        except Exception as exc:  # noqa: BLE001
            raise TrackingError(f"MLflow tracking store {uri!r} is not usable: "
                                f"{str(exc).splitlines()[0]}") from exc
    return client


def describe_fault(exc: BaseException) -> str | None:
    """One line for a fault of the machine rather than of the code (a full disk, a
    read-only place), found anywhere in the exception's chain; None otherwise."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        code = getattr(current, "errno", None)
        where = f" ({current.filename})" if getattr(current, "filename", None) else ""
        if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text \
                or "No space left" in text:
            return f"no space left on the device{where}"
        if code == errno.EROFS or "readonly database" in text or "read-only file" in text:
            return f"the tracking store is on a read-only file system or file{where}"
        if code in (errno.EACCES, errno.EPERM):
            return f"permission denied{where}"
        current = current.__cause__ or current.__context__
    return None


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
            return client.create_experiment(name, artifact_location=_artifact_location(uri, name),
                                            tags={EXPERIMENT_KIND: "custom_model_development"})
        except MlflowException as exc:  # created meanwhile by a process on another machine
            found = client.get_experiment_by_name(name)
            if found is None:
                raise TrackingError(f"tracking.experiment={name!r}: MLflow refused to create "
                                    f"it: {str(exc).splitlines()[0]}") from exc
            return found.experiment_id


def point_name(overrides: list[str]) -> tuple[str, dict[str, str]]:
    """A short, readable run name from a point's own overrides, and its axes as tags.

    ``preset=abid2018 trainer.batch_size=64`` -> ``abid2018 · batch size 64``: config
    groups by their value, fields by their last name. The experiment (the MLflow
    experiment already says it) and how a point is executed (tracking, device, compiling)
    are left out.
    """
    execution = ("tracking.", "trainer.device", "trainer.compile", "hydra.")
    axes = {}
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        if key == "experiment" or key.startswith(execution):
            continue
        axes[key] = value
    leaves = [k.rsplit(".", 1)[-1] for k in axes]
    parts = [value if "." not in key else  # a field whose last name repeats keeps its path
             f"{(key if leaves.count(leaf) > 1 else leaf).replace('_', ' ')} {value}"
             for (key, value), leaf in zip(axes.items(), leaves, strict=True)]
    return " · ".join(parts) or "defaults", axes


def point_status(client: MlflowClient, exp_id: str, configs: list[DictConfig]) -> list[str]:
    """Each config's status in the store: ``finished`` if any of its runs FINISHED, else
    the latest run's status in lower case (failed, killed, running), else ``missing``."""
    latest: dict[str, tuple[int, str]] = {}
    for run in client.search_runs([exp_id], max_results=50000):
        chash, status = run.data.tags.get("config_hash"), run.info.status.lower()
        if chash is None or latest.get(chash, (0, ""))[1] == "finished":
            continue
        if status == "finished" or run.info.start_time > latest.get(chash, (-1, ""))[0]:
            latest[chash] = (run.info.start_time, status)
    return [latest.get(config_hash(cfg), (0, "missing"))[1] for cfg in configs]


def dry_run(points: list[tuple[list[str], DictConfig]]) -> None:
    """Print every point with its status in the store and exit 0, training nothing."""
    first = points[0][1]
    uri = tracking_uri(first.tracking.uri)
    client = client_for(uri)
    status = point_status(client, experiment_id(client, first.tracking.experiment, uri),
                          [cfg for _, cfg in points])
    for i, ((overrides, _), st) in enumerate(zip(points, status, strict=True)):
        print(f"{i + 1:>4}/{len(points)}  {st:<9} {point_name(overrides)[0]}")
    counts = {s: status.count(s) for s in dict.fromkeys(status)}
    print(f"{first.experiment_name}: {len(points)} points, "
          + ", ".join(f"{n} {s}" for s, n in counts.items())
          + " (dry run: nothing was trained)", flush=True)
    raise SystemExit(0)


# the experiment's kind (model training); MLflow 3.17's UI no longer opens the runs view
# by it: a new browser starts in the GenAI view until "Model training" is picked once
EXPERIMENT_KIND = "mlflow.experimentKind"
NOTE = "mlflow.note.content"  # the description the UI shows (markdown)
VIEW_TAG = "mlflow.sharedViewState."  # a saved runs view, listed in the UI's "Views" menu
ACCURACY_VIEW = ("harness-test_acc", "points by held-out accuracy")  # fixed id: replaced


def accuracy_view(metric: str = "test_acc") -> str:
    """A saved runs view as MLflow's UI stores one (an experiment tag): the experiment's
    points, best ``metric`` first, their spread over replicates in the next columns. It
    answers "which point was best, and how much did it vary?" in two clicks (Views, then
    this one); without it the table opens on one collapsed sweep and no metric columns."""
    spread = [f"metrics.`{k}`" for k in (metric, f"{metric}/std", f"{metric}/ci_low",
                                          f"{metric}/ci_high", f"{metric}/n")]
    state = {"searchFilter": f"tags.`{ROLE_TAG}` = 'point'",
             "orderByKey": f"metrics.`{metric}`", "orderByAsc": False, "startTime": "ALL",
             "lifecycleFilter": "Active", "datasetsFilter": [], "modelVersionFilter": "All Runs",
             "selectedColumns": spread, "columnOrder": ["attributes.`Run Name`", *spread],
             "columnWidths": {"attributes.`Run Name`": 300, **dict.fromkeys(spread, 120)}}
    now = int(time.time() * 1000)
    return json.dumps({"name": ACCURACY_VIEW[1], "createdAt": now, "updatedAt": now,
                       "state": json.dumps(state, separators=(",", ":"))})


def publish_verdicts(uri: str, experiment: str, verdicts: list[dict[str, Any]], page: Path,
                     figures: list[Path]) -> None:
    """Put a report's verdicts where MLflow's users look: the experiment's description
    (a verdict table and where the page is) and a tag per claim, and on the latest sweep's
    parent run a tag per claim with the page and figures as artifacts."""
    client = client_for(uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return

    def headline(v: dict[str, Any]) -> str:
        return (f"{v['verdict']}: {num_or(v['effect'])} "
                f"[{num_or(v['ci_low'])}, {num_or(v['ci_high'])}]")

    rows = [f"| {v['claim']} | **{v['verdict']}** | {num_or(v['effect'])} | "
            f"[{num_or(v['ci_low'])}, {num_or(v['ci_high'])}] | {v['effect_label']} |"
            for v in verdicts]
    note = "\n".join([
        f"## {experiment}: verdicts", "",
        f"From `python -m harness.report` on {time.strftime('%Y-%m-%d %H:%M')}; the page "
        f"with every table and figure: `{page}` ({page.resolve().as_uri()}). Each sweep is a "
        "parent run; its points are its children (one per configuration, its replicates' "
        "spread as metrics: mean, /std, /ci_low, /ci_high, /n). Views → "
        f"[{ACCURACY_VIEW[1]}](#/experiments/{exp.experiment_id}/runs?viewStateShareKey="
        f"{ACCURACY_VIEW[0]}) lists every point, best held-out accuracy first.", "",
        "| claim | verdict | headline | CI | measures |", "|---|---|---|---|---|", *rows])
    client.set_experiment_tag(exp.experiment_id, NOTE, note)
    client.set_experiment_tag(exp.experiment_id, EXPERIMENT_KIND, "custom_model_development")
    client.set_experiment_tag(exp.experiment_id, VIEW_TAG + ACCURACY_VIEW[0], accuracy_view())
    for v in verdicts:
        client.set_experiment_tag(exp.experiment_id, f"claim.{v['claim']}", headline(v))
    parents = client.search_runs([exp.experiment_id], f"tags.`{ROLE_TAG}` = 'sweep'",
                                 order_by=["attributes.start_time DESC"], max_results=1)
    if parents:
        run_id = parents[0].info.run_id
        for v in verdicts:
            client.set_tag(run_id, f"claim.{v['claim']}", headline(v))
        for path in [page, *figures]:
            client.log_artifact(run_id, str(path), "report")


def num_or(x: Any, missing: str = "–") -> str:
    """A number for a table cell (4 significant digits), or ``missing``."""
    return missing if x is None else f"{x:.4g}"


PARENT_ENV = "HARNESS_PARENT_RUN_ID"  # the sweep's parent run, for the jobs it launches
ROLE_TAG = "harness.role"  # "sweep" on a parent run, "point" on each point's run
WORK_TAG = "work"  # a point's multiply-adds (schema.budget): the unit of sweep progress


def _duration(seconds: float) -> str:
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes}m{sec:02d}s" if minutes else f"{sec}s"


def sweep_progress(client: MlflowClient, parent_id: str) -> str:
    """One line on a sweep's progress: points done of those to train, skipped and failed
    ones, elapsed time and an ETA. Points differ in cost by orders of magnitude (batch 1
    vs 400), so the ETA extrapolates the work done (multiply-adds), not the point count."""
    parent = client.get_run(parent_id)
    tags = parent.data.tags
    exp_id = parent.info.experiment_id
    children = client.search_runs([exp_id], f"tags.`mlflow.parentRunId` = '{parent_id}'")
    done = [r for r in children if r.info.status != "RUNNING"]
    failed = sum(r.info.status != "FINISHED" for r in done)
    total = int(tags.get("sweep.points_to_train", "0"))
    work_total = float(tags.get("sweep.work_to_train", "0"))
    work_done = sum(float(r.data.tags.get(WORK_TAG, "0")) for r in done)
    elapsed = time.time() - parent.info.start_time / 1000
    skipped = int(tags.get("sweep.points", "0")) - total
    line = (f"{len(done)}/{total} points done" + (f", {failed} failed" if failed else "")
            + (f" ({skipped} skipped: already finished)" if skipped else "")
            + f" · {_duration(elapsed)} elapsed")
    if 0 < work_done < work_total:
        line += f" · ETA {_duration(elapsed * (work_total - work_done) / work_done)}"
    return line


class SweepParent:
    """One parent run per sweep invocation: its points' runs are its children.

    It carries the sweep's command-line overrides, and when the sweep ends the counts of
    its points that finished, failed, were killed or were skipped (already FINISHED by
    an earlier sweep, whose parent they stay under). Its id reaches the jobs through
    :data:`PARENT_ENV` (inherited by the launcher's worker processes); an interrupted
    sweep ends it KILLED, a crash FAILED, and one whose process vanished is reaped by
    the next sweep of the experiment, like a point's run.
    """

    current: SweepParent | None = None

    def __init__(self, client: MlflowClient, exp_id: str, run: TrackedRun, points: int) -> None:
        self.client, self.exp_id, self.run, self.points = client, exp_id, run, points

    @classmethod
    def open(cls, master: DictConfig, points: list[tuple[list[str], DictConfig]]) -> None:
        first = points[0][1]
        uri = tracking_uri(first.tracking.uri)
        client = client_for(uri)
        exp_id = experiment_id(client, first.tracking.experiment, uri)
        status = point_status(client, exp_id, [cfg for _, cfg in points])
        todo = [cfg for (_, cfg), st in zip(points, status, strict=True) if st != "finished"]
        for run in client.search_runs([exp_id], f"tags.`{ROLE_TAG}` = 'sweep' and "
                                      "attributes.status = 'RUNNING'"):
            reason = owner_dead(run)
            if reason:
                client.set_tag(run.info.run_id, "reaped", reason)
                client.set_terminated(run.info.run_id, status="KILLED")
        overrides = " ".join(master.hydra.overrides.task)
        stamp = time.strftime("%Y-%m-%d %H:%M")
        tags = {ROLE_TAG: "sweep", "sweep_id": str(master.hydra.sweep.dir), "preset": "",
                "overrides": overrides, "sweep.points": str(len(points)),
                "sweep.points_to_train": str(len(todo)),
                "sweep.work_to_train": f"{sum(budget(cfg).work for cfg in todo):.6g}",
                "mlflow.note.content": (
                    f"One invocation of `python -m harness.run -m {overrides}`: "
                    f"{len(points)} sweep points, each a child run.")}
        run = TrackedRun(client, exp_id, first, f"sweep-{os.getpid()}", f"sweep {stamp}", tags,
                         log_config=False)
        os.environ[PARENT_ENV] = run.run_id
        cls.current = cls(client, exp_id, run, len(points))
        atexit.register(cls.close_open, "FAILED")
        print(f"[{first.experiment_name}] sweep of {len(points)} points: {len(todo)} to train, "
              f"{len(points) - len(todo)} already finished (parent run {run.run_id})",
              flush=True)

    @classmethod
    def close_open(cls, status: str = "FINISHED") -> None:
        """End the open parent: FINISHED (the sweep returned), KILLED (interrupted) or
        FAILED (the process exits without either: a job raised)."""
        parent, cls.current = cls.current, None
        os.environ.pop(PARENT_ENV, None)
        if parent is not None:
            parent.close(status)

    def close(self, status: str) -> None:
        """Record the counts of its points and end it with ``status``."""
        children = self.client.search_runs(
            [self.exp_id], f"tags.`mlflow.parentRunId` = '{self.run.run_id}'")
        counts = {s: sum(r.info.status == s for r in children)
                  for s in ("FINISHED", "FAILED", "KILLED")}
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = {"points": self.points, "points_finished": counts["FINISHED"],
                   "points_failed": counts["FAILED"], "points_killed": counts["KILLED"],
                   "points_skipped": max(0, self.points - len(children))}
        self.client.log_batch(self.run.run_id, metrics=[Metric(k, float(v), now, 0)
                                                        for k, v in metrics.items()])
        if status == "FINISHED" and counts["FAILED"]:
            status = "FAILED"
        error = {"FINISHED": None, "KILLED": KeyboardInterrupt}.get(status, RuntimeError)
        message = f"{counts['FAILED']} of {self.points} points failed" if error else None
        self.run.__exit__(error, error(message) if error else None, None)


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


def owner_dead(run: Any, now: float | None = None) -> str | None:
    """Why the process that owns a RUNNING run is dead, or None while it may be alive.

    On the owner's host a vanished PID is proof; on any host, a heartbeat older than
    the run's lease is (the owner refreshes it every lease/3 seconds). A run without a
    heartbeat tag (older code) counts from its start time.
    """
    tags = run.data.tags
    now = time.time() if now is None else now
    if tags.get("host") == socket.gethostname():
        pid = int(tags.get("pid", "0") or 0)
        if not _pid_alive(pid):
            return f"its process {pid} on this host is gone"
    try:
        beat = float(tags.get(HEARTBEAT_TAG) or run.info.start_time / 1000)
        lease = float(tags.get(LEASE_TAG) or DEFAULT_LEASE_S)
    except ValueError:
        return None
    if now - beat > lease:
        return (f"no heartbeat from pid {tags.get('pid')} on {tags.get('host')} for "
                f"{now - beat:.0f} s (lease {lease:.0f} s)")
    return None


def reap_orphans(client: MlflowClient, exp_id: str, chash: str) -> None:
    """Mark RUNNING runs of this point whose owner is dead (SIGKILL, a lost node) KILLED."""
    for run in find_runs(client, exp_id, chash, "RUNNING"):
        reason = owner_dead(run)
        if reason:
            client.set_tag(run.info.run_id, "reaped", reason)
            client.set_terminated(run.info.run_id, status="KILLED")
            log.warning("marked orphaned run %s KILLED: %s", run.info.run_id, reason)


def claim(client: MlflowClient, exp_id: str, uri: str, cfg: DictConfig, chash: str,
          run_name: str, extra_tags: dict[str, str]) -> TrackedRun | str:
    """The point's RUNNING run, created under the store lock, or why it is not trained.

    With ``tracking.skip_finished`` (the default) a point already FINISHED, or RUNNING
    under a live owner, is not trained again; dead owners are reaped first. Stores shared
    across hosts (a server) are not covered by the local lock: when two claims still
    meet, the older one keeps the point and the newer one withdraws.
    """
    exclusive = bool(cfg.tracking.skip_finished)
    with _file_lock(_lock_path(uri)):
        reap_orphans(client, exp_id, chash)
        if exclusive:
            # one query for both states: a rival's run may go RUNNING -> FINISHED (outside
            # the lock) between two queries, and would then be seen in neither
            runs = client.search_runs([exp_id], f"tags.config_hash = '{chash}'")
            if any(r.info.status == "FINISHED" for r in runs):
                return f"already FINISHED (config {chash})"
            live = [r for r in runs if r.info.status == "RUNNING"]
            if live:
                tags = live[0].data.tags
                return (f"being trained by pid {tags.get('pid')} on {tags.get('host')} (run "
                        f"{live[0].info.run_id}, config {chash})")
        run = TrackedRun(client, exp_id, cfg, chash, run_name, extra_tags)
    if exclusive:
        rivals = find_runs(client, exp_id, chash, "RUNNING")
        first = min(rivals, key=lambda r: (r.info.start_time, r.info.run_id), default=None)
        if first is not None and first.info.run_id != run.run_id:
            run.withdraw()
            return f"claimed at the same moment by run {first.info.run_id} (config {chash})"
    return run


def log_dataset(client: MlflowClient, run_id: str, cfg: DictConfig) -> None:
    """The point's data as an MLflow dataset input: what it is (task, size, how many
    independent draws, from which seed stream) and a digest of everything that decides
    the draws, so runs on identical data show the same dataset in the UI."""
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import DatasetInput, InputTag

    d = to_container(cfg.data)
    draws = cfg.trainer.replicates if d.get("num_datasets") is None else d["num_datasets"]
    digest = hashlib.sha256(json.dumps([d, cfg.trainer.replicates], sort_keys=True,
                                       default=str).encode()).hexdigest()[:12]
    name = (f"{d['kind']} d={d['dim']} n={d['n']}: {draws} draws "
            f"(stream {d['stream']}, seed {d['seed']})")
    source = CodeDatasetSource({"mlflow.source.name": "harness.train.data.make_dataset"})
    dataset = MetaDataset(source, name=name, digest=digest)
    client.log_inputs(run_id, datasets=[DatasetInput(
        dataset._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", "train+test")])])


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# what each spread key of a metric holds (beside the metric itself, the mean)
SPREAD_KEYS = ("std", "ci_low", "ci_high")


def spread(values: np.ndarray, clusters: np.ndarray | None) -> dict[str, float]:
    """Mean over finite replicates, their std, the 95% t-interval of the mean (over dataset
    means when replicates share datasets) and how many were finite: what a runs table or
    chart needs to show the spread across replicates without one key per replicate."""
    ok = np.isfinite(values)
    effect = mean_ci(values[ok], clusters=None if clusters is None else clusters[ok])
    return {"": effect.mean, "std": float(values[ok].std(ddof=1)) if ok.sum() > 1 else math.nan,
            "ci_low": effect.ci_low, "ci_high": effect.ci_high, "n": float(ok.sum())}


def log_result(client: MlflowClient, run_id: str, result: TrainResult) -> None:
    """Curves and final summaries as spread metrics; every replicate's value as tables.

    Each curve is logged at every evaluation as its mean over finite replicates with
    ``/std``, ``/ci_low`` and ``/ci_high`` beside it (a NaN mean when every replicate
    diverged, never a stale number); each final summary also with ``/n``, the count of
    finite replicates. Per-replicate values live in the CSV artifacts (curves.csv,
    final.csv, one <probe>.csv per probe table, read by the report in a few requests)
    and in ``replicates.json``, a table the UI shows: a few dozen metric keys per run
    instead of one per replicate. Everything goes through log_batch.
    """
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    metrics: list[Metric] = []
    clusters = result.final.get("dataset")

    def add(key: str, values: np.ndarray, step: int, keys: tuple[str, ...]) -> None:
        summary = spread(values, clusters)
        metrics.extend(Metric(f"{key}/{k}" if k else key, summary[k], now, step)
                       for k in ("", *keys))

    for e, step in enumerate(result.steps):
        step = int(step)
        metrics.append(Metric("epoch", float(result.epochs[e]), now, step))
        metrics.append(Metric("time_s", float(result.time_s[e]), now, step))
        for name, arr in result.curves.items():
            add(name, arr[e], step, SPREAD_KEYS)
    last = int(result.steps[-1])
    for name, arr in result.final.items():
        if name not in result.curves and name != "dataset":
            add(name, arr, last, (*SPREAD_KEYS, "n"))
    for name in result.curves:
        finite = float(np.isfinite(result.final[name]).sum())  # the curve's spread is logged
        metrics.append(Metric(f"{name}/n", finite, now, last))
    for key, value in result.info.items():
        if isinstance(value, int | float):
            metrics.append(Metric(key, float(value), now, last))
    for chunk in _chunks(metrics, BATCH_LIMIT):
        client.log_batch(run_id, metrics=chunk)
    final = pd.DataFrame(result.final).rename_axis("replicate")
    client.log_text(run_id, curves_frame(result).to_csv(index=False), "curves.csv")
    client.log_text(run_id, final.to_csv(), "final.csv")
    client.log_table(run_id, final.reset_index(), "replicates.json")
    for name, table in result.tables.items():
        client.log_text(run_id, table.to_csv(index=False), f"{name}.csv")


def curves_frame(result: TrainResult) -> pd.DataFrame:
    """Long table: one row per (evaluation step, replicate)."""
    e, r = len(result.steps), len(next(iter(result.final.values())))
    frame = pd.DataFrame({
        "step": np.repeat(result.steps, r),
        "epoch": np.repeat(result.epochs, r),
        "time_s": np.repeat(result.time_s, r),
        "replicate": np.tile(np.arange(r), e),
    })
    for name, arr in result.curves.items():
        frame[name] = arr.reshape(-1)
    return frame


def interrupted(exc: BaseException) -> bool:
    """A Ctrl-C or SIGTERM, or an error that code it hit made of one: Python wraps an
    exception raised in ``__set_name__`` in a RuntimeError whose cause is the original, so
    a Ctrl-C during a class body (torch imports torch._dynamo, ~2 s, at the first optimizer
    a process makes) reached the run as RuntimeError and ended it FAILED."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class TrackedRun:
    """A run that always ends FINISHED, FAILED (traceback attached) or KILLED (Ctrl-C,
    SIGTERM). While it runs, a daemon thread refreshes its ``heartbeat`` tag every
    ``tracking.heartbeat_s`` seconds; its lease is three of them."""

    def __init__(self, client: MlflowClient, exp_id: str, cfg: DictConfig, chash: str,
                 run_name: str, extra_tags: dict[str, str], log_config: bool = True) -> None:
        self.client = client
        self.exp_id, self.chash = exp_id, chash
        interval = float(cfg.tracking.get("heartbeat_s", DEFAULT_LEASE_S / LEASE_HEARTBEATS))
        commit = git_commit()
        tags = {
            # MLflow's own system tags, which its UI shows (fluent runs set them itself)
            "mlflow.user": getpass.getuser(),
            "mlflow.source.type": "LOCAL",
            "mlflow.source.name": "python -m harness.run",
            **({"mlflow.source.git.commit": commit.removesuffix("-dirty")}
               if commit != "unknown" else {}),
            "experiment": cfg.experiment_name,
            "claims": ",".join(cfg.claims),
            "preset": cfg.preset,
            "config_hash": chash,
            "git_commit": commit,
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            HEARTBEAT_TAG: f"{time.time():.3f}",
            LEASE_TAG: f"{LEASE_HEARTBEATS * interval:g}",
            **extra_tags,
        }
        self.run = client.create_run(exp_id, run_name=run_name, tags=tags)
        self.run_id = self.run.info.run_id
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, args=(interval,), daemon=True,
                                      name=f"heartbeat-{self.run_id[:8]}")
        self._beat.start()
        if not log_config:
            return
        try:  # a Ctrl-C or error while recording the config must not leave it RUNNING
            from mlflow.entities import Param

            params = [Param(k, v[:6000]) for k, v in flatten(resolved_config(cfg)).items()]
            for chunk in _chunks(params, 100):
                client.log_batch(self.run_id, params=chunk)
            client.log_text(self.run_id, OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
            log_dataset(client, self.run_id, cfg)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def _heartbeat(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.client.set_tag(self.run_id, HEARTBEAT_TAG, f"{time.time():.3f}")
            except Exception as exc:  # noqa: BLE001 - a missed beat is not fatal
                log.debug("heartbeat of run %s failed: %s", self.run_id, exc)

    def _stop_heartbeat(self) -> None:
        self._stop.set()
        if self._beat is not threading.current_thread():
            self._beat.join(timeout=10)

    def withdraw(self) -> None:
        """Give the point up before training (another claim won): KILLED and deleted."""
        self._stop_heartbeat()
        self.client.set_tag(self.run_id, "withdrawn", "another process claimed the point")
        self.client.set_terminated(self.run_id, status="KILLED")
        self.client.delete_run(self.run_id)

    def __enter__(self) -> TrackedRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> bool:
        self._stop_heartbeat()
        if exc_type is None:
            status = "FINISHED"
            # reaped while it could not beat (the machine slept, the process was stopped)
            # and trained again elsewhere: stay KILLED rather than finish a duplicate
            if self.client.get_run(self.run_id).info.status != "RUNNING" and find_runs(
                    self.client, self.exp_id, self.chash, "FINISHED"):
                self.client.set_tag(self.run_id, "superseded", "the point FINISHED elsewhere")
                log.warning("run %s was reaped and its point FINISHED elsewhere; it stays "
                            "KILLED", self.run_id)
                return False
        elif issubclass(exc_type, KeyboardInterrupt) or (exc is not None and interrupted(exc)):
            status = "KILLED"
        else:
            status = "FAILED"
            buf = io.StringIO()
            traceback.print_exception(exc_type, exc, tb, file=buf)
            try:
                self.client.set_tag(self.run_id, "error", f"{exc_type.__name__}: {exc}"[:5000])
                self.client.log_text(self.run_id, buf.getvalue(), "error.txt")
            except Exception:  # noqa: BLE001 - never mask the original failure
                log.warning("could not attach the traceback to run %s", self.run_id)
        try:
            self.client.set_terminated(self.run_id, status=status)
        except Exception:
            if exc_type is None:
                raise
            # never mask the original failure; the run stays RUNNING with a dead owner,
            # and the next process that wants the point marks it KILLED
            log.warning("could not mark run %s %s", self.run_id, status)
        return False


def load_runs(uri: str, experiment: str) -> pd.DataFrame:
    """All FINISHED point runs of a harness experiment (not the sweeps' parent runs):
    params, tags and latest metrics."""
    path = sqlite_path(uri)
    if path is not None and store_state(path)[0] != "ready":
        return pd.DataFrame()  # reading never creates (or migrates) a store
    client = client_for(uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return pd.DataFrame()
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                              max_results=50000)
    role = f"tags.{ROLE_TAG}"
    if role not in runs:
        return runs
    parent = runs[role] == "sweep"
    only_parents = [c for c in runs if runs.loc[~parent, c].isna().all()
                    and runs.loc[parent, c].notna().any()]
    return runs[~parent].drop(columns=only_parents)


def load_table(uri: str, run_id: str, name: str, artifact_uri: str | None = None
               ) -> pd.DataFrame | None:
    """One CSV artifact of a run (curves.csv, final.csv, <probe>.csv) as a DataFrame;
    None when the run did not log it (its config had that probe off).

    Artifacts on a local file store (``artifact_uri`` file://..., what a SQLite store
    uses) are read in place: MLflow's download path copies each file to a temporary
    folder first, which made a report of a full sweep take about a minute.
    """
    if artifact_uri and artifact_uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(artifact_uri).path)) / name
        return pd.read_csv(path) if path.is_file() else None
    import mlflow
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(uri)
    try:
        text = mlflow.artifacts.load_text(f"runs:/{run_id}/{name}")
    except MlflowException:
        return None
    return pd.read_csv(io.StringIO(text))

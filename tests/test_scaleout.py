"""Sweeps on Hydra's own launchers and a remote MLflow tracking server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import run_cli, runs_in

from harness.track import tracking

# trainer.repeat=0 with the presets fixed folds the timing grid onto these four points
SMALL_SWEEP = ["-m", "experiment=batch_size", "profile=smoke", "preset=abid2018,sgd",
               "trainer.batch_size=64,400", "trainer.repeat=0"]


def _exactly_once(uri: str, points: int) -> None:
    runs = runs_in(uri)
    assert len(runs) == points
    assert (runs.status == "FINISHED").all()
    assert runs["tags.config_hash"].is_unique


def test_submitit_local_executor(tmp_path, ready_store):
    proc = run_cli([*SMALL_SWEEP, "hydra/launcher=submitit_local",
                    "hydra.launcher.timeout_min=5"], ready_store, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _exactly_once(ready_store, 4)
    assert set(runs_in(ready_store)["tags.launcher"]) == {"LocalLauncher"}


def test_ray_launcher(tmp_path, ready_store):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher",
                        reason="Ray lives in its own extra: pip install -e '.[ray]'")
    proc = run_cli([*SMALL_SWEEP, "hydra/launcher=ray_cluster"], ready_store, tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _exactly_once(ready_store, 4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    """An `mlflow server` on loopback with its own SQLite store and artifact folder."""
    port = _free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "artifacts")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("mlflow server did not start within 90 s")
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def test_parallel_sweep_logs_every_run_once_to_a_remote_server(tmp_path, mlflow_server):
    proc = run_cli([*SMALL_SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
                   mlflow_server, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _exactly_once(mlflow_server, 4)
    run_id = runs_in(mlflow_server).run_id.iloc[0]
    curves = tracking.load_table(mlflow_server, run_id, "curves.csv")  # served artifacts
    assert len(curves) > 0


def test_unreachable_tracking_server_fails_fast_before_training(tmp_path):
    start = time.perf_counter()
    proc = run_cli(["experiment=batch_size", "profile=smoke"], f"http://127.0.0.1:{_free_port()}",
                   tmp_path, timeout=120)
    assert proc.returncode != 0
    assert "not usable" in proc.stderr
    assert "step" not in proc.stdout  # no training output
    assert time.perf_counter() - start < 60

"""Shared fixtures: configs composed with Hydra's compose API, a throwaway MLflow store."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

from harness.results import CONF_DIR
from harness.schema import register_configs


@pytest.fixture
def compose_cfg():
    """compose_cfg(overrides, experiment=None) -> DictConfig, small and tracking-free."""
    register_configs()

    def _compose(overrides: list[str] = (), experiment: str | None = None):
        base = [f"experiment={experiment}"] if experiment else []
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose("config", overrides=[*base, "trainer.progress=false",
                                                 "tracking.enabled=false", *overrides])

    return _compose


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh SQLite MLflow store in tmp_path, exported as MLFLOW_TRACKING_URI."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


ROOT = CONF_DIR.parent
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))


def run_cli(args: list[str], uri: str, tmp_path, timeout: float = 300, **popen):
    """``python -m harness.run ARGS`` as a user runs it, logging to ``uri``."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "HYDRA_FULL_ERROR": "0"}
    cmd = [sys.executable, "-m", "harness.run", *args,
           f"hydra.run.dir={tmp_path}/run", f"hydra.sweep.dir={tmp_path}/multirun"]
    if popen:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, **popen)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def runs_in(uri: str):
    """Every run in the store (all experiments) as a DataFrame."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(search_all_experiments=True)


@pytest.fixture(scope="session")
def smoke_store(tmp_path_factory):
    """The batch_size experiment's whole declared sweep, profile=smoke, through the CLI."""
    tmp = tmp_path_factory.mktemp("smoke")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    proc = run_cli(["-m", "experiment=batch_size", "profile=smoke"], uri, tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return uri

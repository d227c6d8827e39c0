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

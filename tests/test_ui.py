"""What a user meets in MLflow, through a real ``mlflow server``'s REST API on 127.0.0.1:
a parent run per sweep with its points as children, short run names, the replicates'
spread as metrics and, after the report, the verdicts on the experiment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from harness.cli.registry import registry
from harness.pages import report
from harness.track import tracking


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(smoke_store, tmp_path):
    """``mlflow server`` over the smoke sweep's store, as `make ui` starts it."""
    port = _free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", smoke_store,
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("mlflow server did not start")
            time.sleep(0.5)
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def _api(base: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}/api/2.0/mlflow/{path}", data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_rest_api_shows_parent_children_names_spread_and_verdicts(server, smoke_store,
                                                                   tmp_path):
    report.build(tmp_path, registry(), ["batch_size"], ["profile=smoke"], smoke_store)
    exp = _api(server, "experiments/get-by-name?experiment_name=batch_size")["experiment"]
    tags = {t["key"]: t["value"] for t in exp.get("tags", [])}
    assert tags["mlflow.experimentKind"] == "custom_model_development"
    view = json.loads(tags["mlflow.sharedViewState.harness-test_acc"])  # the saved view
    assert view["name"] == "points by held-out accuracy"
    assert json.loads(view["state"])["orderByKey"] == "metrics.`test_acc`"
    assert "| BS-2 |" in tags["mlflow.note.content"]
    assert {"claim.BS-1", "claim.BS-4", "claim.BS-5a", "claim.BS-5b"} <= set(tags)
    runs = _api(server, "runs/search", {"experiment_ids": [exp["experiment_id"]],
                                        "max_results": 1000})["runs"]

    def tag(run: dict, key: str) -> str | None:
        return {t["key"]: t["value"] for t in run["data"].get("tags", [])}.get(key)

    parents = [r for r in runs if tag(r, "harness.role") == "sweep"]
    children = [r for r in runs if tag(r, "harness.role") == "point"]
    assert len(parents) == 1 and len(children) == 102
    assert {tag(r, "mlflow.parentRunId") for r in children} == {parents[0]["info"]["run_id"]}
    assert tag(parents[0], "claim.BS-2")  # the verdicts reach the sweep's parent run too
    names = [r["info"]["run_name"] for r in children]
    assert len(set(names)) == 102 and "sgd · batch size 1 · smoke" in names
    keys = {m["key"] for m in children[0]["data"]["metrics"]}
    assert {"test_acc", "test_acc/std", "test_acc/ci_low", "test_acc/ci_high",
            "test_acc/n"} <= keys
    assert len(keys) <= 80


def test_screenshot_script_explains_itself():
    """``scripts/ui_screenshots.py --help`` needs neither a browser nor Playwright."""
    script = tracking.PROJECT_ROOT / "scripts" / "ui_screenshots.py"
    out = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for word in ("--store", "--out", "--port", "results/ui", "01-experiment.png",
                 "03-answer.png", "apt-get install chromium"):
        assert word in out.stdout


def test_new_store_has_no_empty_default_experiment(store):
    """MLflow's empty "Default" experiment is deleted when the harness creates a store, so
    the UI lists only the harness's experiments; it stays restorable and is not remade."""
    from mlflow.entities import ViewType

    client = tracking.init_store(store)
    assert client.search_experiments() == []
    default = client.get_experiment("0")
    assert (default.name, default.lifecycle_stage) == ("Default", "deleted")
    tracking.experiment_id(client, "batch_size", store)
    client = tracking.init_store(store)  # a second start neither restores nor remakes it
    names = {e.name: e.lifecycle_stage for e in client.search_experiments(ViewType.ALL)}
    assert names == {"Default": "deleted", "batch_size": "active"}

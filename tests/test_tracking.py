"""Tracking on a throwaway SQLite store: hashing, run lifecycle, batched logging."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from harness.track import tracking
from harness.train.trainer import TrainResult


def test_config_hash_ignores_how_a_run_is_executed(compose_cfg):
    a = compose_cfg(["trainer.device=cpu"], experiment="batch_size")
    b = compose_cfg(["trainer.device=auto", "tracking.uri=sqlite:///elsewhere.db",
                     "trainer.threads=2"], experiment="batch_size")
    c = compose_cfg(["trainer.batch_size=16"], experiment="batch_size")
    assert tracking.config_hash(a) == tracking.config_hash(b) != tracking.config_hash(c)


def _open(store, compose_cfg):
    cfg = compose_cfg(experiment="batch_size")
    client = tracking.init_store(store)
    exp_id = tracking.experiment_id(client, "t", store)
    assert tracking.experiment_id(client, "t", store) == exp_id  # created once
    return cfg, client, exp_id


def test_finished_run_has_params_tags_config_and_batched_metrics(store, compose_cfg):
    cfg, client, exp_id = _open(store, compose_cfg)
    result = TrainResult(
        steps=np.array([0, 5, 10]), epochs=np.array([0, 1, 2.0]),
        time_s=np.array([0, 0.1, 0.2]),
        curves={"test_acc": np.array([[0.5, 0.4], [0.7, np.nan], [0.9, 0.8]])},
        final={"test_acc": np.array([0.9, 0.8]), "diverged": np.array([0.0, 1.0])},
        info={"total_steps": 10})
    with tracking.TrackedRun(client, exp_id, cfg, "abc", "point", {"sweep_id": "s"}) as run:
        tracking.log_result(client, run.run_id, result)
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params["trainer.batch_size"] == "64"
    assert got.data.tags["config_hash"] == "abc" and got.data.tags["sweep_id"] == "s"
    hist = client.get_metric_history(run.run_id, "test_acc")
    assert [(h.step, round(h.value, 6)) for h in hist] == [(0, 0.45), (5, 0.7), (10, 0.85)]
    std = client.get_metric_history(run.run_id, "test_acc/std")
    assert len(std) == 3 and math.isnan(std[1].value)  # one finite replicate: no spread
    low = client.get_metric_history(run.run_id, "test_acc/ci_low")
    assert low[2].value < 0.85 < client.get_metric_history(run.run_id, "test_acc/ci_high")[2].value
    assert got.data.metrics["diverged"] == 0.5 and got.data.metrics["diverged/n"] == 2
    assert not [k for k in got.data.metrics if "/r0" in k]
    table = json.loads(open(client.download_artifacts(run.run_id, "replicates.json")).read())
    assert len(table["data"]) == 2  # every replicate's final values, as a table
    curves = tracking.load_table(store, run.run_id, "curves.csv")
    assert len(curves) == 6 and set(curves.replicate) == {0, 1}
    with open(client.download_artifacts(run.run_id, "config.yaml")) as fh:
        assert "batch_size: 64" in fh.read()
    assert tracking.find_runs(client, exp_id, "abc", "FINISHED")


def test_exception_marks_failed_with_traceback(store, compose_cfg):
    cfg, client, exp_id = _open(store, compose_cfg)
    with pytest.raises(RuntimeError), tracking.TrackedRun(client, exp_id, cfg, "h", "p",
                                                          {}) as run:
        raise RuntimeError("boom")
    got = client.get_run(run.run_id)
    assert got.info.status == "FAILED"
    assert got.data.tags["error"] == "RuntimeError: boom"
    text = open(client.download_artifacts(run.run_id, "error.txt")).read()
    assert "Traceback" in text and "boom" in text


def test_keyboard_interrupt_marks_killed(store, compose_cfg):
    cfg, client, exp_id = _open(store, compose_cfg)
    with pytest.raises(KeyboardInterrupt), tracking.TrackedRun(client, exp_id, cfg, "h", "p",
                                                               {}) as run:
        raise KeyboardInterrupt
    assert client.get_run(run.run_id).info.status == "KILLED"


def test_an_interrupt_wrapped_by_the_code_it_hit_marks_killed(store, compose_cfg):
    """A Ctrl-C while torch imported torch._dynamo (at the first optimizer) arrived as
    Python's RuntimeError "Error calling __set_name__ ..." caused by the KeyboardInterrupt."""
    cfg, client, exp_id = _open(store, compose_cfg)
    with pytest.raises(RuntimeError), tracking.TrackedRun(client, exp_id, cfg, "h", "p",
                                                          {}) as run:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__") from exc
    assert client.get_run(run.run_id).info.status == "KILLED"
    assert not tracking.interrupted(ValueError("no interrupt anywhere"))


def test_orphans_of_dead_processes_are_reaped(store, compose_cfg):
    cfg, client, exp_id = _open(store, compose_cfg)
    run = tracking.TrackedRun(client, exp_id, cfg, "h", "p", {"pid": "999999999"})
    tracking.reap_orphans(client, exp_id, "h")
    assert client.get_run(run.run_id).info.status == "KILLED"
    alive = tracking.TrackedRun(client, exp_id, cfg, "h", "p", {})  # this process: alive
    tracking.reap_orphans(client, exp_id, "h")
    assert client.get_run(alive.run_id).info.status == "RUNNING"


def test_unreachable_server_fails_fast():
    import time

    start = time.perf_counter()
    with pytest.raises(tracking.TrackingError, match="not usable"):
        tracking.init_store("http://127.0.0.1:9", timeout_s=2)
    assert time.perf_counter() - start < 30


def test_run_names_leave_out_how_a_point_runs():
    """Device, compiling and the store change how a point runs, not what it computes:
    they are not part of its name or its axes."""
    name, axes = tracking.point_name(["experiment=batch_size", "preset=sgd",
                                      "trainer.batch_size=4", "trainer.device=cpu",
                                      "trainer.compile=true", "tracking.uri=sqlite:///x.db"])
    assert name == "sgd · batch size 4"
    assert set(axes) == {"preset", "trainer.batch_size"}

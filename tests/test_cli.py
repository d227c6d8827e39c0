"""The real entry point: smoke sweeps, bad input, interruption and resume."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import BAD_NAMES, BAD_VALUES, EXPERIMENTS, run_cli, run_main, runs_in


def test_smoke_sweep_logs_every_point_once(smoke_store):
    runs = runs_in(smoke_store)
    # 6 presets × 6 batch sizes, 6 batch sizes × 10 timing repeats, 3 checkpoint presets × 2
    assert len(runs) == 102
    assert (runs.status == "FINISHED").all()
    assert runs["tags.config_hash"].nunique() == 102
    row = runs.iloc[0]
    for tag in ("experiment", "claims", "preset", "sweep_id", "git_commit", "device",
                "torch_version", "config_hash"):
        assert row[f"tags.{tag}"], tag
    assert row["tags.claims"] == "BS-1,BS-2,BS-3,BS-4,BS-5a,BS-5b"
    assert set(runs["tags.launcher"]) == {"JoblibLauncher(n_jobs=2)"}
    assert runs["tags.pid"].nunique() == 2  # really two worker processes
    assert row["params.data.n"] == "500" and row["params.optim.name"] == "adam"
    for metric in ("test_acc", "train_acc", "test_acc/ci_low", "test_acc/std", "test_acc/n",
                   "time_s", "epochs_trained", "bayes_acc/ci_high", "diverged"):
        assert f"metrics.{metric}" in runs, metric
    assert not [c for c in runs if "/r0" in c]  # replicates are tables, not metric keys
    per_run = runs.filter(like="metrics.").notna().sum(axis=1)
    assert per_run.max() <= 80, per_run.max()


def test_sweep_has_one_parent_run_with_counts_and_short_child_names(smoke_store):
    runs = runs_in(smoke_store, parents=True)
    parents = runs[runs["tags.harness.role"] == "sweep"]
    children = runs[runs["tags.harness.role"] == "point"]
    assert len(parents) == 1 and len(children) == 102
    parent = parents.iloc[0]
    assert (children["tags.mlflow.parentRunId"] == parent.run_id).all()
    assert parent.status == "FINISHED"
    assert parent["metrics.points_finished"] == 102 and parent["metrics.points_skipped"] == 0
    names = children["tags.mlflow.runName"]
    assert names.is_unique and "abid2018 · batch size 64 · smoke" in set(names)
    assert set(children["tags.axis.preset"]) >= {"abid2018", "timing"}


def test_timing_points_run_alone_after_the_others(smoke_store):
    """hydra.sweeper.exclusive: timing runs start after every other point ended, one at a
    time, and record the machine's load."""
    runs = runs_in(smoke_store).sort_values("start_time")
    timing = runs[runs["tags.preset"] == "timing"]
    others = runs[runs["tags.preset"] != "timing"]
    assert len(timing) == 60
    assert timing.start_time.min() >= others.end_time.max()
    assert (timing.start_time.to_numpy()[1:] >= timing.end_time.to_numpy()[:-1]).all()
    assert timing["metrics.load_avg_1m"].notna().all()


def test_metric_curves_have_every_evaluation_step(smoke_store):
    from mlflow import MlflowClient

    runs = runs_in(smoke_store)
    run_id = runs.iloc[0].run_id
    history = MlflowClient(smoke_store).get_metric_history(run_id, "test_acc/ci_low")
    assert len(history) >= 3  # step 0 and the evaluations of profile=smoke
    assert [h.step for h in history] == sorted(h.step for h in history)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_single_run_of_every_experiment(tmp_path, ready_store, experiment, monkeypatch, capsys):
    """The experiment's default point through the real hydra.main entry point, in-process
    (no interpreter start: every experiment's sweep runs through the CLI itself in
    tests/test_report.py), then again: the finished point is skipped, not retrained."""
    args = [f"experiment={experiment}", "profile=smoke"]
    code, text = run_main(args, tmp_path, monkeypatch, capsys)
    assert code == 0, text[-3000:]
    code, text = run_main(args, tmp_path, monkeypatch, capsys)
    assert code == 0 and "already FINISHED" in text
    assert len(runs_in(ready_store)) == 1


def test_a_single_run_creates_its_store(tmp_path, store, monkeypatch, capsys):
    """Without a sweep, the point's own process creates and migrates the store (every
    other single-run test starts from a migrated copy)."""
    from mlflow import MlflowClient

    code, text = run_main(["experiment=batch_size", "profile=smoke"], tmp_path, monkeypatch,
                          capsys)
    assert code == 0, text[-3000:]
    assert (tmp_path / "mlflow.db").exists()
    assert runs_in(store).status.tolist() == ["FINISHED"]
    assert [e.name for e in MlflowClient(store).search_experiments()] == ["batch_size"]


@pytest.mark.parametrize("experiment", ["convolutions"])
def test_search_points_run_in_two_joblib_workers(smoke_stores, experiment):
    """make run-all's launcher for a sweep whose points run searches (trainer.task)."""
    runs = runs_in(smoke_stores(experiment))
    assert set(runs["tags.launcher"]) == {"JoblibLauncher(n_jobs=2)"}
    assert runs["tags.pid"].nunique() == 2 and (runs.status == "FINISHED").all()


@pytest.mark.parametrize(
    ("override", "message"),
    [("data.n=-5", "data.n=-5 is invalid: allowed values are integers >= 4"),
     ("optim.name=adamx", "expected one of [sgd, adam, adamw, rmsprop, adagrad]"),
     ("trainer.device=tpu", "expected one of [auto, cpu, cuda]")],
)
def test_bad_override_fails_before_training_and_creates_no_run(tmp_path, store, override,
                                                                 message):
    proc = run_cli(["experiment=batch_size", override], store, tmp_path, timeout=60)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout
    assert override.split("=")[0] in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "mlflow.db").exists()  # no store, so no run


@pytest.mark.parametrize(("override", "field", "allowed"), BAD_VALUES + BAD_NAMES)
def test_every_bad_override_fails_in_the_entry_point_without_a_run(
        tmp_path, store, monkeypatch, capsys, override, field, allowed):
    """The real hydra.main entry point, in-process (fast): non-zero exit, the field and
    the allowed values on the terminal, and no MLflow store or run created."""
    from harness.cli import run

    monkeypatch.setattr(sys, "argv", ["harness.run", "experiment=batch_size", override,
                                      f"hydra.run.dir={tmp_path}/run"])
    with pytest.raises(SystemExit) as exit_info:
        run.main()
    assert exit_info.value.code not in (0, None)
    out = capsys.readouterr()
    text = out.err + out.out
    assert field in text and allowed in text
    assert not (tmp_path / "mlflow.db").exists()


def test_diverging_point_is_recorded_and_the_sweep_goes_on(tmp_path, ready_store):
    proc = run_cli(["-m", "experiment=batch_size", "profile=smoke", "preset=abid2018",
                    "trainer.batch_size=64", "optim.name=sgd", "model.activation=identity",
                    "model.init=he", "optim.lr=1e6,0.01", "trainer.repeat=0"],
                   ready_store, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = runs_in(ready_store).set_index("params.optim.lr")
    assert (runs.status == "FINISHED").all() and len(runs) == 2
    assert runs.loc["1000000.0", "metrics.diverged"] == 1.0  # every replicate diverged
    assert runs.loc["0.01", "metrics.diverged"] == 0.0
    assert np.isnan(runs.loc["1000000.0", "metrics.test_acc"])  # not a stale value
    assert runs.loc["1000000.0", "metrics.test_acc/n"] == 0  # no finite replicate


def test_help_explains_usage(tmp_path, store):
    proc = run_cli(["--help"], store, tmp_path, timeout=60)
    assert proc.returncode == 0
    assert "python -m harness.run -m experiment=batch_size" in proc.stdout
    groups = [line for line in proc.stdout.splitlines() if line.startswith("experiment: ")]
    assert groups and "batch_size" in groups[0]  # the config groups are listed


def _wait_for(pred, timeout: float = 120.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _count(uri: str, status: str | None = None) -> int:
    """Runs in the store (with ``status``)."""
    runs = runs_in(uri)
    if not len(runs):
        return 0
    return len(runs) if status is None else int((runs.status == status).sum())


SLOW_SWEEP = ["-m", "experiment=batch_size", "profile=smoke", "preset=abid2018",
              "trainer.batch_size=400,256,1,64", "trainer.epochs=30", "trainer.repeat=0"]


def test_sweep_killed_midway_resumes_without_duplicates(tmp_path, ready_store):
    proc = run_cli(SLOW_SWEEP, ready_store, tmp_path, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for(lambda: _count(ready_store, "FINISHED") >= 2)
    time.sleep(1.0)  # now inside the long batch-1 point
    import os

    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = runs_in(ready_store)
    done_before = set(before[before.status == "FINISHED"].run_id)
    assert 2 <= len(done_before) < 4
    again = run_cli(SLOW_SWEEP, ready_store, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    runs = runs_in(ready_store)
    finished = runs[runs.status == "FINISHED"]
    assert len(finished) == 4 and finished["tags.config_hash"].is_unique
    assert done_before <= set(finished.run_id)  # finished points were not re-trained
    assert "RUNNING" not in set(runs.status)  # the SIGKILLed orphan was marked KILLED


def test_ctrl_c_marks_the_active_run_killed(tmp_path, ready_store):
    proc = run_cli(["experiment=batch_size", "profile=smoke", "trainer.batch_size=1",
                    "trainer.epochs=200"], ready_store, tmp_path, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    _wait_for(lambda: _count(ready_store) >= 1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert runs_in(ready_store).status.tolist() == ["KILLED"]


@pytest.mark.parametrize("experiment", ["initialization"])
def test_initialization_grids_run_as_one_sweep(smoke_stores, experiment):
    runs = runs_in(smoke_stores(experiment))
    assert len(runs) == 92 and (runs.status == "FINISHED").all()
    assert runs["tags.config_hash"].is_unique
    counts = runs["tags.preset"].value_counts().to_dict()
    assert counts == {"abid2018": 5, "logreg": 4, "moons": 5, "deep": 76, "deep_sgd": 2}


def test_dry_run_lists_every_point_with_its_status_and_trains_nothing(tmp_path, smoke_store):
    before = len(runs_in(smoke_store, parents=True))
    proc = run_cli(["-m", "experiment=batch_size", "profile=smoke", "tracking.dry_run=true",
                    "trainer.batch_size=64,32"], smoke_store, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert any("finished  abid2018 · batch size 64 · smoke" in line for line in lines)
    assert any("missing   abid2018 · batch size 32 · smoke" in line for line in lines)
    assert "batch_size: 38 points, 16 finished, 22 missing" in proc.stdout
    assert len(runs_in(smoke_store, parents=True)) == before

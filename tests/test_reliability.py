"""Issue 13: nothing lost, nothing duplicated, no traceback for a user's mistake.

Every case goes through a real entry point: ``python -m harness.run`` (in-process through
its hydra.main and callbacks where that is enough, as a subprocess where signals, two
processes or a mount namespace are the point), ``python -m harness.report`` and
``python -m harness.suite``. A user's mistake must give one line naming the field and its
allowed values, exit code 2, and leave no run, no store and no output folder behind; a
fault must lose no point, duplicate none and leave none RUNNING.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXPERIMENTS, ROOT, run_cli, run_main, runs_in

from harness.track import tracking

# a point of batch_size that trains in well under a second (the timing grid collapses
# onto the main grid once preset and repeat are fixed)
POINT = ["experiment=batch_size", "profile=smoke", "preset=abid2018", "trainer.repeat=0"]


def _store_file(uri: str) -> Path:
    return Path(uri.removeprefix("sqlite:///"))


def _one_error_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    return lines[0]


# --- bad input: one line, exit 2, nothing left behind ------------------------------------

BAD_INPUT = [
    # 7: non-finite and unbounded values
    (["data.mean=nan"], "data.mean=nan", "finite numbers"),
    (["optim.weight_decay=inf"], "optim.weight_decay=inf", "finite numbers"),
    (["optim.eps=inf"], "optim.eps=inf", "finite numbers"),
    (["model.init_std=inf"], "model.init_std=inf", "finite numbers"),
    (["trainer.epochs=inf"], "trainer.epochs=inf", "finite numbers"),
    (["trainer.epochs=1e12"], "trainer.epochs=", "at most 10,000,000 optimizer steps"),
    (["model.depth=100000"], "model.depth=100000", "at most 100,000,000 parameters"),
    (["trainer.replicates=10000000"], "trainer.replicates=10000000",
     "allowed values are integers 1 .. "),
    # 10: keys appended with + must be schema fields too
    (["+optim.lrr=0.1"], "optim.lrr=0.1", "allowed fields are name, lr, lr_ref_batch"),
    (["+seed=3"], "seed=3", "allowed fields are experiment_name, claims"),
    (["-m", "+optim.lrr=0.1", "trainer.batch_size=32,64"], "optim.lrr=0.1",
     "allowed fields are name, lr"),
    # 8: tracking URIs, names, launcher settings
    (["tracking.uri=foo://bar"], "tracking.uri='foo://bar'", "sqlite:///relative/path.db"),
    (["tracking.uri=sqlite://relative.db"], "tracking.uri='sqlite://relative.db'",
     "three or four slashes"),
    (["experiment_name="], "experiment_name=''", "1 to 100 characters"),
    ([f"experiment_name={'x' * 300}"], "experiment_name='xxx", "1 to 100 characters"),
    (["tracking.experiment="], "tracking.experiment=''", "1 to 100 characters"),
    (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0"], "hydra.launcher.n_jobs=0",
     "non-zero integers"),
    # 11: names that would write outside logs/ and mlartifacts/
    (["experiment_name=../escape"], "experiment_name='../escape'", "no '..'"),
    (["tracking.experiment=../../escape"], "tracking.experiment='../../escape'", "no '..'"),
    # 2: every point of a sweep is checked before the first one trains, on any launcher
    (["-m", "trainer.batch_size=16,100000,32"], "trainer.batch_size=100000",
     "sweep point 2 of 3"),
    (["-m", "trainer.batch_size=16,100000,32", "hydra/launcher=joblib",
      "hydra.launcher.n_jobs=2"], "trainer.batch_size=100000", "training-set size 400"),
]


@pytest.mark.parametrize(("args", "field", "allowed"), BAD_INPUT,
                         ids=[" ".join(a)[:60] for a, _, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(tmp_path, store, monkeypatch,
                                                         capsys, args, field, allowed):
    multirun = args[:1] == ["-m"]
    argv = ["-m", *POINT, *args[1:]] if multirun else [*POINT, *args]
    code, text = run_main(argv, tmp_path, monkeypatch, capsys)
    assert code == 2, text[-3000:]
    line = _one_error_line(text)
    assert field in line and allowed in line, line
    assert not _store_file(store).exists()  # no store, so no run
    assert not (tmp_path / "run").exists() and not (tmp_path / "multirun").exists()
    assert not (ROOT / "relative.db").exists()
    assert not (ROOT / "logs" / "escape").exists() and not (tmp_path.parent / "escape").exists()


def test_a_bad_environment_uri_names_the_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "foo://bar")
    code, text = run_main(POINT, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert "MLFLOW_TRACKING_URI='foo://bar' is invalid: allowed values are sqlite:///" in \
        _one_error_line(text)


def test_every_declared_point_of_every_experiment_passes_the_checks():
    """The budget limits are generous: every point every experiment declares passes
    validation with a wide margin. The points are expanded and composed the way the
    sweep check does it (one compose per config-group choice), which a spot check
    against a full Hydra compose of the same overrides confirms."""
    from hydra import compose
    from omegaconf import OmegaConf

    from harness.track import preflight
    from harness.track.results import hydra_context, sweep_points
    from harness.train import schema

    for experiment in EXPERIMENTS:
        _, declared = sweep_points(experiment)
        with hydra_context():
            master = compose("config", overrides=[f"experiment={experiment}"],
                             return_hydra_config=True)
            points = preflight.sweep_configs(master)
            assert [o for _, o in declared] == [o[:-1] for o, _ in points]
            for _, cfg in points:
                schema.validate(cfg)
                b = schema.budget(cfg)
                assert b.steps <= schema.MAX_STEPS / 10 and b.work <= schema.MAX_WORK / 10
                assert b.params <= schema.MAX_PARAMS / 10 and b.memory_bytes <= 2**30
            for overrides, cfg in (points[0], points[-1]):
                full = compose("config", overrides=overrides)
                fast = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
                assert tracking.config_hash(full) == tracking.config_hash(fast), overrides


# --- 9: a legitimate no-signal control ---------------------------------------------------

def test_identical_classes_train_with_a_bayes_ceiling_of_one_half(tmp_path, ready_store,
                                                                  monkeypatch, capsys):
    code, text = run_main([*POINT, "data.mean=0"], tmp_path, monkeypatch, capsys)
    assert code == 0, text[-3000:]
    runs = runs_in(ready_store)
    assert runs.status.tolist() == ["FINISHED"]
    assert runs["metrics.bayes_acc"].iloc[0] == 0.5


# --- 1: a new store interrupted during its first migration -------------------------------

MIGRATION_FAULTS = r"""
import json, os, signal, sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

import mlflow.store.tracking.sqlalchemy_store  # noqa: F401 - imported before forking
from harness.track import tracking

path = Path(sys.argv[1])


def in_child(action, at, how="kill"):
    # Fork; the child runs `action` and is interrupted, by SIGKILL or a Ctrl-C, at its
    # at-th SQL statement, or at="move": just before the finished store moves into
    # place. Returns how the child ended.
    pid = os.fork()
    if pid == 0:
        seen = [0]

        def stop():
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise KeyboardInterrupt

        def count(*args, **kwargs):
            seen[0] += 1
            if seen[0] == at:
                stop()

        def moving(move):
            def moved(*args):
                if at == "move":
                    stop()
                move(*args)
            return moved

        event.listen(Engine, "before_cursor_execute", count)
        os.replace, os.link = moving(os.replace), moving(os.link)
        try:
            action()
        except KeyboardInterrupt:
            os._exit(130)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed"
    return "ctrl-c" if os.WEXITSTATUS(status) == 130 else "completed"


report = {"moments": []}
for at, how in [(1, "kill"), (300, "kill"), (600, "ctrl-c"), (1000, "kill"), ("move", "kill")]:
    ended = in_child(lambda: tracking.init_store(f"sqlite:///{path}"), at, how)
    report["moments"].append([at, ended, tracking.store_state(path)[0]])
# the same interruption in MLflow's own in-place migration (older code, `mlflow ui`):
# what this leaves is the store of the issue, broken for every later run
for at in (400, 250, 700):
    path.unlink(missing_ok=True)
    in_child(lambda: tracking.client_for(f"sqlite:///{path}").search_experiments(), at)
    if tracking.store_state(path)[0] == "incomplete":
        break
report["in_place"] = tracking.store_state(path)[0]
# ... some time ago: nothing is still writing it
for leftover in (path, path.with_name(path.name + "-journal")):
    if leftover.exists():
        os.utime(leftover, (leftover.stat().st_mtime - 60,) * 2)
print(json.dumps(report))
"""


def test_first_migration_interrupted_at_any_moment_then_a_sweep_completes(tmp_path):
    db = tmp_path / "store" / "mlflow.db"
    db.parent.mkdir()
    proc = subprocess.run([sys.executable, "-c", MIGRATION_FAULTS, str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    # every interruption struck during the migration and left no store at all, never a
    # half-migrated one (the temporary file it worked on is cleared by the next attempt)
    assert [(ended, state) for _, ended, state in report["moments"]] == [
        ("killed", "missing"), ("killed", "missing"), ("ctrl-c", "missing"),
        ("killed", "missing"), ("killed", "missing")], report
    assert report["in_place"] == "incomplete"  # the broken store
    uri = f"sqlite:///{db}"
    done = run_cli(["-m", *POINT, "trainer.batch_size=64,32"], uri, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "first migration was interrupted; rebuilding it" in done.stdout + done.stderr
    runs = runs_in(uri)
    assert sorted(runs.status) == ["FINISHED", "FINISHED"]
    assert runs["tags.config_hash"].is_unique
    assert sorted(p.name for p in db.parent.iterdir()) == ["mlartifacts", "mlflow.db",
                                                           "mlflow.db.lock"]


# --- 3: the suite prepares, trains and reports on one store ------------------------------

def test_suite_honours_a_tracking_uri_override_in_every_step(tmp_path, migrated_store_file):
    shutil.copyfile(migrated_store_file, tmp_path / "chosen.db")
    env_store = tmp_path / "env.db"
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{env_store}"}
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.suite", "--jobs", "1", "--experiment", "batch_size",
         "--out", str(out), "profile=smoke", "preset=abid2018", "trainer.repeat=0",
         "trainer.batch_size=64", "tracking.uri=sqlite:///chosen.db"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"  # relative to where the suite ran
    assert runs_in(chosen).status.tolist() == ["FINISHED"]
    assert not env_store.exists()
    page = (out / "batch_size" / "README.md").read_text()
    assert "runs: 1 of 1 declared points" in page
    assert "tracking.uri" not in page  # where the runs live is not part of the recipe


def test_suite_sweeps_light_experiments_in_one_process(tmp_path, monkeypatch):
    """--jobs 2 gives batch_size two joblib workers and convex (sweep_jobs = 1) none."""
    from harness.cli import suite

    commands: list[list[str]] = []

    def run(cmd, **_):
        commands.append(cmd)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(suite.subprocess, "run", run)
    suite.main(["--dry-run", "--jobs", "2", "--experiment", "batch_size", "--experiment",
                "convex", f"tracking.uri=sqlite:///{tmp_path / 'x.db'}"])
    joblib = {c[c.index("-m", 2) + 1]: "hydra/launcher=joblib" in c for c in commands}
    assert joblib == {"experiment=batch_size": True, "experiment=convex": False}


def test_seed_store_prefers_an_explicit_store(monkeypatch):
    from harness.cli import suite

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert suite.seed_store(1).endswith("mlflow-seed1.db")
    assert suite.seed_store(0) == f"sqlite:///{tracking.DEFAULT_DB}"
    assert suite.seed_store(1, "sqlite:////x/y.db") == "sqlite:////x/y.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://head:5000")
    assert suite.seed_store(1) == suite.seed_store(0) == "http://head:5000"
    assert suite.uri_override(["a=1", "tracking.uri=sqlite:///a.db"]) == "sqlite:///a.db"


# --- 4: reading never creates a store; no runs never overwrite results -------------------

def test_report_refuses_a_missing_or_empty_store_and_keeps_results(tmp_path, capsys,
                                                                   migrated_store_file):
    from harness.cli import report

    out = tmp_path / "results"
    (out / "batch_size").mkdir(parents=True)
    committed = {out / "verdicts.json": "[]\n", out / "README.md": "committed\n",
                 out / "batch_size" / "README.md": "committed page\n"}
    for path, text in committed.items():
        path.write_text(text)
    typo = tmp_path / "typo.db"
    with pytest.raises(SystemExit) as exc:
        report.main(["--tracking-uri", f"sqlite:///{typo}", "--out", str(out)])
    assert exc.value.code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"--tracking-uri=sqlite:///{typo} is invalid" in line and "allowed values" in line
    assert not typo.exists()

    shutil.copyfile(migrated_store_file, tmp_path / "empty.db")
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(SystemExit) as exc:
        report.main(["--tracking-uri", empty, "--out", str(out), "--experiment",
                     "batch_size", *[a for o in POINT[1:] for a in ("--override", o)],
                     "--override", "trainer.batch_size=64"])
    assert exc.value.code == 2
    assert "no finished runs of batch_size" in _one_error_line(capsys.readouterr().err)
    assert {p: p.read_text() for p in committed} == committed
    assert sorted(p.name for p in out.rglob("*")) == ["README.md", "README.md", "batch_size",
                                                      "verdicts.json"]


# --- 5, 8: SIGTERM and Ctrl-C; dead owners on any host -----------------------------------

def _wait_for(pred, timeout: float = 120.0):
    end = time.time() + timeout
    while time.time() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _running(uri: str):
    """RUNNING runs, or None while the store is not complete (reading must not create it:
    the harness migrates a new store aside and moves it into place)."""
    if tracking.store_state(_store_file(uri))[0] != "ready":
        return None
    runs = runs_in(uri)
    return runs[runs.status == "RUNNING"] if len(runs) else None


@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGTERM, 143, "SIGTERM"),
                                                   (signal.SIGINT, 130, "Ctrl-C")])
def test_a_signal_ends_the_run_killed_with_one_line(tmp_path, ready_store, sig, code, word):
    store = ready_store
    proc = run_cli([*POINT, "trainer.batch_size=1", "trainer.epochs=200",
                    "tracking.heartbeat_s=0.3"], store, tmp_path, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
    first = _wait_for(lambda: (r := _running(store)) is not None and len(r) and
                      r["tags.heartbeat"].iloc[0])
    _wait_for(lambda: (r := _running(store)) is not None and len(r) and
              r["tags.heartbeat"].iloc[0] != first)  # the owner's heartbeat advances
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err[-3000:]
    assert f"interrupted ({word})" in err and "Traceback" not in err
    assert runs_in(store).status.tolist() == ["KILLED"]


def test_dead_owners_on_any_host_are_reaped_and_live_ones_are_not_duplicated(
        tmp_path, ready_store, monkeypatch, capsys, compose_cfg):
    """A RUNNING run whose heartbeat is older than its lease is dead wherever it ran (its
    PID means nothing here); one with a fresh heartbeat on another host is alive, and its
    point is left to it."""
    store = ready_store
    client = tracking.init_store(store)
    exp_id = tracking.experiment_id(client, "batch_size", store)

    def fake_owner(batch: int, host: str, age_s: float) -> str:
        chash = tracking.config_hash(compose_cfg([*POINT[1:], f"trainer.batch_size={batch}"],
                                                 experiment="batch_size"))
        tags = {"config_hash": chash, "host": host, "pid": str(os.getpid()),
                tracking.HEARTBEAT_TAG: str(time.time() - age_s), tracking.LEASE_TAG: "90"}
        return client.create_run(exp_id, tags=tags).info.run_id

    dead = fake_owner(64, "node-that-died", age_s=600)
    alive = fake_owner(32, "busy-node", age_s=1)
    code, text = run_main(["-m", *POINT, "trainer.batch_size=64,32"], tmp_path, monkeypatch,
                          capsys)
    assert code == 0, text[-3000:]
    assert "being trained by pid" in text and "busy-node" in text
    runs = runs_in(store).set_index("run_id")
    assert runs.loc[dead, "status"] == "KILLED"
    assert "no heartbeat" in runs.loc[dead, "tags.reaped"]
    assert runs.loc[alive, "status"] == "RUNNING"  # still its owner's
    assert sorted(runs.status) == ["FINISHED", "KILLED", "RUNNING"]


# --- 6: two sweeps at once on one store ---------------------------------------------------

def test_two_sweeps_at_once_train_every_point_exactly_once(tmp_path, ready_store):
    store = ready_store
    sweep = ["-m", *POINT, "trainer.epochs=4", "trainer.batch_size=16,32,64,128"]
    procs = [run_cli(sweep, store, tmp_path / name, stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    runs = runs_in(store)
    assert len(runs) == 4 and (runs.status == "FINISHED").all(), runs.status.tolist()
    assert runs["tags.config_hash"].is_unique


# --- 8: a full disk and a read-only store, in a private mount namespace -------------------

NAMESPACE = r"""
set -u
D="$1"; OUT="$2"
mount -t tmpfs -o size=8m tmpfs "$D" || exit 99
export MLFLOW_TRACKING_URI="sqlite:///$D/mlflow.db"
point() { python -m harness.run experiment=batch_size profile=smoke preset=abid2018 \
    trainer.repeat=0 "hydra.run.dir=$OUT/run" "$@"; }
running() { python - "$D/mlflow.db" <<'PY'
import sqlite3, sys
try:
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    print(con.execute("select count(*) from runs where status='RUNNING'").fetchone()[0])
except Exception:
    print(0)
PY
}
point trainer.batch_size=1 trainer.epochs=30 > "$OUT/full.txt" 2>&1 &
pid=$!
for _ in $(seq 600); do [ "$(running)" = 1 ] && break; sleep 0.1; done
dd if=/dev/zero of="$D/fill" bs=64k > /dev/null 2>&1   # the disk is full now
wait $pid; echo "full=$?" >> "$OUT/codes"
rm "$D/fill"
point trainer.batch_size=1 trainer.epochs=30 > "$OUT/again.txt" 2>&1
echo "again=$?" >> "$OUT/codes"
mount -o remount,ro "$D"
point trainer.batch_size=64 > "$OUT/readonly.txt" 2>&1
echo "readonly=$?" >> "$OUT/codes"
python - "$D/mlflow.db" > "$OUT/statuses" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(" ".join(sorted(r[0] for r in con.execute("select status from runs"))))
PY
"""


def _namespaces() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _namespaces(), reason="needs unshare -rm (a private mount namespace)")
def test_full_disk_then_read_only_store(tmp_path):
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "HYDRA_FULL_ERROR": "0"}
    proc = subprocess.run(["unshare", "-rm", "bash", "-c", NAMESPACE, "ns", str(disk), str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    codes = dict(line.split("=") for line in (out / "codes").read_text().split())
    full = (out / "full.txt").read_text()
    assert codes["full"] == "1", full[-3000:]
    assert "no space left on the device" in _one_error_line(full)
    assert codes["again"] == "0", (out / "again.txt").read_text()[-3000:]
    readonly = (out / "readonly.txt").read_text()
    assert codes["readonly"] == "2", readonly[-3000:]
    assert "not writable (Read-only file system)" in _one_error_line(readonly)
    # the interrupted point was trained again once; nothing RUNNING; no run for the
    # refused point
    statuses = (out / "statuses").read_text().split()
    assert statuses.count("FINISHED") == 1 and "RUNNING" not in statuses, statuses
    assert len(statuses) == 2, statuses

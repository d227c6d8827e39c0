"""Shared fixtures: configs composed with Hydra's compose API, a throwaway MLflow store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hydra import compose

from harness.judge.families import Equivalent
from harness.track.results import CONF_DIR, hydra_context


@pytest.fixture
def compose_cfg():
    """compose_cfg(overrides, experiment=None) -> DictConfig, small and tracking-free."""
    def _compose(overrides: list[str] = (), experiment: str | None = None):
        base = [f"experiment={experiment}"] if experiment else []
        with hydra_context():
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


def obvious(claim, scale: float) -> float:
    """The scale of an obvious effect the claimed way (+) or against it (−), in smallest
    effects, for ``claim.simulate(..., scale=...)``: ``scale`` of them, or as many pilot
    SDs where the SD is the larger (a loss gap's SD is 12 of its smallest effects); for an
    equivalence claim, no difference at all, or five margins."""
    if isinstance(claim.rule, Equivalent):
        return 0.0 if scale > 0 else 5.0
    return scale * max(1.0, (claim.pilot_sd or 0.0) / claim.min_effect)


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


def assert_same_training(got, want, tol: dict[str, float], accuracies: bool = True) -> None:
    """Two TrainResults of the same replicates agree: every final metric, curve and probe
    table within ``tol`` (accuracies left out when ``accuracies`` is false; wall-clock
    times are measurements of the machine, not of training, and always left out)."""
    import pandas as pd

    assert set(got.final) == set(want.final)
    for mine, theirs in ((got.final, want.final), (got.curves, want.curves)):
        for key, value in theirs.items():
            if (accuracies or "acc" not in key) and not key.endswith("_s"):
                np.testing.assert_allclose(mine[key], value, **tol, err_msg=key)
    for key, table in want.tables.items():
        pd.testing.assert_frame_equal(got.tables[key], table, **tol)


def runs_in(uri: str, parents: bool = False):
    """Every point's run in the store (all experiments) as a DataFrame; with ``parents``
    the sweeps' parent runs too."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True)
    if parents or "tags.harness.role" not in runs:
        return runs
    return runs[runs["tags.harness.role"] != "sweep"]


# the experiment whose smoke store `smoke_store` is; the smoke sweeps that run on 2 joblib
# workers, as `make run-all` runs them (one that trains, one whose points run searches)
SMOKE_STORE = "batch_size"
SMOKE_JOBLIB = (SMOKE_STORE, "convolutions")


def smoke_experiment(item: pytest.Item) -> str | None:
    """The experiment whose smoke store a test reads: :data:`SMOKE_STORE` for
    ``smoke_store``, the ``experiment`` parameter for ``smoke_stores``."""
    names = set(getattr(item, "fixturenames", ()))
    if "smoke_store" in names:
        return SMOKE_STORE
    if "smoke_stores" not in names:
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("experiment") not in EXPERIMENTS:
        raise pytest.UsageError(f"{item.nodeid} reads smoke_stores: it needs an "
                                f"'experiment' parameter, one of {EXPERIMENTS}")
    return params["experiment"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``), the tests that
    read one experiment's smoke store run on one worker, so each store is built once, and
    the stores spread over both workers (one group for all of them made that worker the
    suite's critical path). First: xdist's worker reads the marks into the node ids in its
    own hook, which otherwise runs before this one; and pytest < 9 (pyproject.toml), whose
    node ids xdist can rename. Without both, both workers built the batch_size store."""
    for item in items:
        experiment = smoke_experiment(item)
        if experiment is not None:
            item.add_marker(pytest.mark.xdist_group(f"smoke-{experiment}"))


# Where an experiment's whole declared sweep costs more than a smoke test should, the axis
# it sweeps widely is cut to its ends (sweep-style overrides replace that axis in every
# grid); the reports are then built with the same overrides, so nothing reads as missing.
SMOKE_AXES = {"dimensionality": ["data.dummy_dims=1,2000"]}  # 24 of its 76 points


def _smoke_overrides(experiment: str) -> list[str]:
    return ["profile=smoke", *SMOKE_AXES.get(experiment, [])]


@pytest.fixture(scope="session")
def smoke_overrides():
    """smoke_overrides(experiment) -> the overrides of its smoke sweep: profile=smoke and
    its cut axes (what a report of :func:`smoke_stores`' store must be built with)."""
    return _smoke_overrides


@pytest.fixture(scope="session")
def smoke_stores(tmp_path_factory, migrated_store_file):
    """smoke_stores(experiment) -> tracking URI of that experiment's whole declared sweep
    (every grid), under :func:`smoke_overrides`, run once per session through the CLI with
    its points fused (up to 8 a job: a third less time at this size; tests/test_fusion.py
    checks a fused sweep logs the same runs), into a copy of an empty migrated store.

    The :data:`SMOKE_JOBLIB` sweeps run as `make run-all` runs them, on 2 joblib workers
    (tests check both worked); the others in the sweep's own process (Hydra's basic
    launcher): at this size the workers' start-up (~7 s: each imports torch, MLflow and
    Hydra) costs more than they save, and the other pytest worker has the second core."""
    uris: dict[str, str] = {}

    def get(experiment: str) -> str:
        if experiment not in uris:
            tmp = tmp_path_factory.mktemp(experiment)
            uri = _copy_store(migrated_store_file, tmp)
            launch = (["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
                      if experiment in SMOKE_JOBLIB else [])
            proc = run_cli(["-m", f"experiment={experiment}", *_smoke_overrides(experiment),
                            *launch, "hydra.sweeper.fuse=true"], uri, tmp)
            assert proc.returncode == 0, proc.stderr[-3000:]
            uris[experiment] = uri
        return uris[experiment]

    return get


@pytest.fixture(scope="session")
def smoke_store(smoke_stores):
    return smoke_stores(SMOKE_STORE)


# Bad overrides: well-typed but out of range (caught by schema.validate before training)...
BAD_VALUES = [
    ("data.n=-5", "data.n", "integers >= 4"),
    ("data.n=0", "data.n", "integers >= 4"),
    ("data.dim=0", "data.dim", ">= 1"),
    ("data.test_fraction=1.5", "data.test_fraction", "0 < x < 1"),
    ("data.class1_fraction=0", "data.class1_fraction", "0 < x < 1"),
    ("data.mean_pattern=wavy", "data.mean_pattern", "'constant', 'inverse'"),
    ("model.dropout=1.0", "model.dropout", "0 <= p < 1"),
    ("model.widths=[10,0]", "model.widths", "integers >= 1"),
    ("optim.lr=0", "optim.lr", "x > 0"),
    ("optim.lr=-1", "optim.lr", "x > 0"),
    ("optim.nesterov=true", "optim.nesterov", "optim.momentum > 0"),
    ("trainer.replicates=0", "trainer.replicates", ">= 1"),
    ("trainer.batch_size=1000", "trainer.batch_size", "training-set size 400"),
    ("trainer.batch_size=0", "trainer.batch_size", "1 <= batch_size"),
    ("trainer.steps=10", "trainer.steps/trainer.epochs", "exactly one"),
    ("trainer.evals=0", "trainer.evals", ">= 1"),
    ("trainer.target_acc=2", "trainer.target_acc", "0 < x <= 1"),
    ("trainer.probes=[gradz]", "trainer.probes", "['batch_norm', 'calibration', "),
    ("data.kind=moons", "data.dim", "2 (the input size of data.kind=moons)"),
    ("data.kind=digits", "data.dim", "64 (the input size of data.kind=digits)"),
    ("model.depth=-1", "model.depth", "integers >= 0 or null"),
    ("reg.l1=-0.1", "reg.l1", "finite x >= 0"),
    ("trainer.warmup_steps=-1", "trainer.warmup_steps", "integers 0 .."),
    ("trainer.warmup_steps=5", "trainer.warmup_batch_size", "integers 1 .. training-set size"),
    ("trainer.warmup_batch_size=8", "trainer.warmup_batch_size", "null while"),
    ("trainer.task=nowhere.search", "trainer.task", "dotted path of a search function"),
    ("trainer.task=harness.train.search.COLUMNS", "trainer.task", "package.module.function"),
    ("trainer.eval_first=-1", "trainer.eval_first", "integers 0 .."),
    ("data.test_class1_fraction=1", "data.test_class1_fraction", "0 < x < 1"),
    ("data.cells=1", "data.cells", "integers >= 2"),
    ("data.turns=0", "data.turns", "x > 0"),
    ("data.dummy_dims=-1", "data.dummy_dims", "integers >= 0"),
    ("data.dummy_noise=-1", "data.dummy_noise", "x >= 0"),
    ("data.val_fraction=1", "data.val_fraction", "0 <= x < 1"),
    ("data.val_fraction=0.999", "data.val_fraction", "at least 2 training points"),
    ("data.preprocess=[pca,pca]", "data.preprocess", "distinct steps"),
    ("data.preprocess=[pca]", "data.pca_components", "integers 1 .. 12"),
    ("data.pca_components=3", "data.pca_components", "null unless data.preprocess has pca"),
    ("model.leaky_slope=0.2", "model.leaky_slope", "0.01 (the default) unless model.activation"),
    ("model.leaky_slope=-0.1", "model.leaky_slope", "0 <= x < 1"),
    ("trainer.label_smoothing=1.5", "trainer.label_smoothing", "0 <= x < 1"),
]
# ... and with another task (composed on batch_size, then these overrides)
BAD_TASK_VALUES = [
    (["data.kind=moons", "data.dim=2", "data.test_class1_fraction=0.5"],
     "data.test_class1_fraction", "with data.kind=gaussian"),
    (["data.dim=1", "data.mean_vector=null", "data.mixing=orthogonal"], "data.mixing",
     "a rotation needs two"),
    (["data.dummy_dims=3", "data.preprocess=[pca]", "data.pca_components=16"],
     "data.pca_components", "integers 1 .. 15"),
]
# ... and wrong names or types (caught by Hydra/OmegaConf when composing).
BAD_NAMES = [
    ("optim.name=adamx", "optim.name", "sgd, adam, adamw, rmsprop, adagrad"),
    ("trainer.device=tpu", "trainer.device", "auto, cpu, cuda"),
    ("model.activation=swishy", "model.activation", "sigmoid, tanh, relu"),
    ("model.init=glorot", "model.init", "xavier"),
    ("data.covariance=full", "data.covariance", "identity, abid"),
    ("data.kind=mnist", "data.kind", "gaussian, moons, digits, checkerboard, two_spirals"),
    ("data.mixing=rotate", "data.mixing", "none, uniform, orthogonal"),
    ("data.preprocess=[whiten]", "data.preprocess", "standardize, pca, minmax"),
    ("model.bias_init=glorot", "model.bias_init", "same"),
    ("model.dropout_placement=first", "model.dropout_placement", "every, last"),
    ("trainer.sampling=shuffle", "trainer.sampling", "epoch, random"),
    ("trainer.loss=hinge", "trainer.loss", "cross_entropy, mse, focal, mse_prob"),
    ("model.activation=square", "model.activation", "identity, x2, sin, sign"),
    ("data.n=abc", "data.n", "Integer"),
    ("optim.lr=fast", "optim.lr", "Float"),
]


def run_main(args: list[str], tmp_path, monkeypatch, capsys):
    """``python -m harness.run ARGS`` in-process, through the real hydra.main entry point
    and its callbacks (fast: no interpreter start): (exit code, stderr + stdout)."""
    import sys

    from harness.cli import run

    monkeypatch.setattr(sys, "argv", ["harness.run", *args, f"hydra.run.dir={tmp_path}/run",
                                      f"hydra.sweep.dir={tmp_path}/multirun"])
    code = 0
    try:
        run.cli()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.err + out.out


@pytest.fixture(scope="session")
def migrated_store_file(tmp_path_factory):
    """A SQLite file already migrated to MLflow's schema (a migration costs ~3 s of CPU:
    tests that are not about creating stores copy this one)."""
    from harness.track import tracking

    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    tracking.init_store(f"sqlite:///{path}")
    return path


def _copy_store(template: Path, folder: Path) -> str:
    """URI of a copy of ``template`` (:func:`migrated_store_file`) as folder/mlflow.db."""
    import shutil

    shutil.copyfile(template, folder / "mlflow.db")
    return f"sqlite:///{folder / 'mlflow.db'}"


@pytest.fixture
def ready_store(tmp_path, monkeypatch, migrated_store_file):
    """Like ``store``, but the file already exists, migrated and empty."""
    uri = _copy_store(migrated_store_file, tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


class NoNoise:
    """A Generator whose normal() returns its mean: the simulators' planted structure
    without their noise (the members they draw at random are still drawn)."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return np.array(np.broadcast_to(np.asarray(loc, float),
                                        size if size is not None else np.shape(loc)))

    def __getattr__(self, name):
        return getattr(self.rng, name)


def assert_measure_round_trips(claim, centre: float) -> None:
    """Calibration's path through a claim's measure: tables of values around ``centre``
    (one per setting it reads, 6 replicates) synthesized into runs and read back equal."""
    import numpy as np

    from harness.judge.table import Table

    m, levels = claim.measure, claim.measure.factor.levels
    rng = np.random.default_rng(1)
    tables = {s: Table(levels, rng.normal(centre, 0.05, (6, len(levels))), np.arange(6))
              for s in claim.settings.every}
    rs = m.synthesize(tables)
    for s, t in tables.items():
        np.testing.assert_allclose(m.read(rs, s).values, t.values)

"""Initialization: the measures' extractors (accuracy per init, over the curve or at the
end, minus zero init; slopes over the layers at init), their round trips through
synthesize, and IN-3a's custom rule (a one-member family). The claims declared on the
families are covered by tests/test_families.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hydra import compose
from sklearn.linear_model import LogisticRegression

from experiments.initialization import EXPERIMENT, accuracy, schemes, signal
from harness.core import stats
from harness.judge.table import Table
from harness.track.results import RunSet, hydra_context
from harness.train.data import make_dataset
from pages.initialization import sklearn_optimum

CLAIMS = {c.id: c for c in EXPERIMENT.claims}


@pytest.fixture(scope="module")
def cfg():
    """The experiment's composed config under its logreg preset (which leaves the trainer's
    replicates and the datasets alone), once for the module: composing costs ~0.5 s."""
    with hydra_context():
        return compose("config", overrides=["experiment=initialization", "preset=logreg"])


def test_replicates_match_the_experiment_yaml(cfg):
    assert cfg.trainer.replicates == schemes.REPLICATES
    assert cfg.data.num_datasets is None  # every replicate on its own dataset


def _table(levels, values, clusters=None) -> Table:
    values = np.asarray(values, float)
    return Table(tuple(levels), values,
                 np.arange(len(values)) if clusters is None else np.asarray(clusters))


MEASURED = [(c.measure, c.settings.every) for c in CLAIMS.values() if c.measure]


@pytest.mark.parametrize(("m", "settings"), MEASURED, ids=lambda x: getattr(x, "label", ""))
def test_measures_read_back_what_they_synthesize(m, settings):
    """Through the real extractor (scheme names, the curve mean, zero init subtracted,
    slopes fitted over the layers), on shared datasets as well."""
    rng = np.random.default_rng(0)
    levels = m.factor.levels
    tables = {s: _table(levels, rng.normal(0.1, 0.05, (8, len(levels))), np.arange(8) % 3)
              for s in settings}
    rs = m.synthesize(tables)
    assert sorted(m.settings_in(rs)) == sorted(tables)
    for s, t in tables.items():
        got = m.read(rs, s)
        assert got.levels == t.levels
        np.testing.assert_allclose(got.values, t.values, atol=1e-9)
        np.testing.assert_array_equal(got.clusters, t.clusters)


def test_in1_subtracts_zero_init_on_the_same_replicate():
    final = pd.DataFrame({"grid": "logreg", "preset": "logreg",
                          "init": ["zeros", "xavier"] * 3, "init_std": 0.01, "init_gain": 1.0,
                          "replicate": [0, 0, 1, 1, 2, 2], "dataset": [5, 5, 6, 6, 7, 7],
                          "test_acc": [0.70, 0.72, 0.80, 0.79, 0.60, 0.60]})
    rs = RunSet.from_tables(schemes.NAME, accuracy.SCHEME_AXES, final)
    t = accuracy.IN1_MEASURE.read(rs, "logreg")
    assert t.levels == ("xavier",)
    np.testing.assert_allclose(t.values[:, 0], [0.02, -0.01, 0.0], atol=1e-12)
    np.testing.assert_array_equal(t.clusters, [5, 6, 7])


def test_in2a_reads_the_whole_curve_not_only_the_end():
    """Level at the end but lagging for most of the run: IN-2a sees the lag."""
    claim = CLAIMS["IN-2a"]
    levels = claim.measure.factor.levels
    rs = claim.measure.synthesize({t: _table(levels, np.full((24, len(levels)), 0.8))
                                   for t in schemes.TASKS})
    cur = rs.table("curves")
    cur.loc[(cur.init == "ones") & (cur.step < 500), "test_acc"] -= 0.3
    table = claim.measure.read(rs, "abid2018")
    np.testing.assert_allclose(table.column("ones"), 0.8 - 0.2)
    a = {s.setting: s for s in claim.decide(rs).settings}
    assert all(a[t].verdict == stats.SUPPORTED and "ones" in a[t].decided_by
               for t in schemes.TASKS)


def test_in2a_counts_a_rival_below_xavier_even_when_another_beats_it():
    """Init matters when some rival is worse, whatever the others do (moons: the
    badly scaled inits may beat Xavier while ones fails); IN-2b (Xavier not worse than
    any by more than 0.05) refutes that case."""
    gaps = {"zeros": 0.2, "ones": 0.4, "normal σ=0.01": -0.05, "normal σ=1": -0.2}
    rng = np.random.default_rng(0)
    levels = ("xavier", *accuracy.RIVALS)
    base = 0.75 + rng.normal(0, 0.05, (24, 1))
    values = base - np.array([0.0, *gaps.values()]) + rng.normal(0, 0.07, (24, len(levels)))
    tables = {t: _table(levels, values) for t in schemes.TASKS}
    for claim_id, want, sign in (("IN-2a", stats.SUPPORTED, 1), ("IN-2b", stats.REFUTED, -1)):
        claim = CLAIMS[claim_id]
        out = claim.decide(claim.measure.synthesize(tables))
        assert [s.verdict for s in out.settings] == [want, want]
        assert all(np.sign(s.effect.mean) == sign for s in out.settings)


def test_in4_shows_sigmoid_under_the_gained_xavier_never_judged():
    claim = CLAIMS["IN-4"]
    assert "sigmoid" not in signal.MATCHED and [n for n, _ in claim.settings.shown] == ["sigmoid"]
    assert dict(claim.measure.inits)["sigmoid"] == f"xavier ×{signal.SIGMOID_GAIN:g}"


def _slopes(activation: str, scheme: str, act_slope: float, grad_growth: float
            ) -> pd.DataFrame:
    """24 replicates, each on its own dataset, with these slopes."""
    return pd.DataFrame({"activation": activation, "scheme": scheme, "replicate": range(24),
                         "dataset": range(24), "act_slope": act_slope,
                         "grad_growth": grad_growth})


def test_layer_slopes_recover_an_exact_log_linear_profile():
    rs = signal.layer_runs(_slopes("tanh", "normal σ=1", -0.2, 0.5))
    sl = signal.layer_slopes(rs)
    assert len(sl) == 24
    np.testing.assert_allclose(sl.act_slope, -0.2, atol=1e-9)
    np.testing.assert_allclose(sl.grad_growth, 0.5, atol=1e-9)
    assert (sl.dataset == sl.replicate).all()


def test_layer_slopes_leave_exact_zeros_out_of_the_fit():
    """A signal that is exactly 0 (below float64's resolution, or zero init) carries no
    rate: the slope is fitted on the layers where it is measurable."""
    rs = signal.layer_runs(_slopes("sigmoid", "normal σ=0.01", -1.5, 0.2))
    ls = rs.table("layer_stats")
    ls.loc[ls.layer > 8, "act_unit_std"] = 0.0
    sl = signal.layer_slopes(rs)
    np.testing.assert_allclose(sl.act_slope, -1.5, atol=1e-9)
    np.testing.assert_allclose(sl.grad_growth, 0.2, atol=1e-9)


def test_scheme_names_carry_the_gain_and_round_trip():
    frame = pd.DataFrame({"init": ["xavier", "xavier", "normal"], "init_std": 0.01,
                          "init_gain": [1.0, 4.0, 1.0]})
    assert schemes.scheme(frame).tolist() == ["xavier", "xavier ×4", "normal σ=0.01"]
    assert schemes.init_of("xavier ×4") == ("xavier", 0.01, 4.0)
    assert schemes.init_of("normal σ=1") == ("normal", 1.0, 1.0)


def test_sklearn_optimum_refits_each_replicates_own_dataset(cfg):
    final = pd.DataFrame({"grid": "logreg", "preset": "logreg", "init": "zeros",
                          "init_std": 0.01, "replicate": [0, 1, 2],
                          "dataset": [1.0, 0.0, 1.0], "test_acc": 0.7})
    got = sklearn_optimum(RunSet.from_tables(schemes.NAME, ["preset", "init", "init_std"],
                                             final))
    want = {}
    for d in (0, 1):  # replicates 0 and 2 share dataset 1: one fit each way
        ds = make_dataset(cfg.data, d)
        want[d] = (LogisticRegression(C=np.inf, max_iter=10_000)
                   .fit(ds.x_train, ds.y_train).score(ds.x_test, ds.y_test))
    assert want[0] != want[1]  # the two datasets are told apart
    np.testing.assert_allclose(got.loc[[0, 1, 2]].to_numpy(), [want[1], want[0], want[1]])


# ---- IN-3a: a one-member family (the registry-wide tests cover its rule)


def test_in3a_reads_the_measure_the_family_would():
    """It reads N(0,1)'s gradient growth under every activation, against +TAU."""
    claim = CLAIMS["IN-3a"]
    assert claim.measure is signal.IN3A_MEASURE and claim.rule.null == signal.TAU
    assert dict(signal.IN3A_MEASURE.inits) == dict.fromkeys(signal.ACTIVATIONS, signal.BIG)
    assert signal.IN3A_MEASURE.columns == ("grad_growth",)


# ---- IN-3b: Xavier and plain SGD (preset deep_sgd)


def _sgd_runs(grad_growth: float, update_growth: float) -> RunSet:
    """Sigmoid + Xavier runs of preset deep_sgd with these slopes."""
    slopes = _slopes("sigmoid", "xavier", 0.0, grad_growth).assign(update_growth=update_growth)
    return signal.layer_runs(slopes, "deep_sgd", "deep_sgd")


def test_update_slopes_read_the_hidden_matrices_at_the_last_evaluation():
    """Matrices that never changed (float32) carry no rate, like the logits' they are
    left out; step 0 (no change yet) is not read."""
    rs = _sgd_runs(-0.6, -0.7)
    cv = rs.table("convergence")
    cv.loc[(cv.step > 0) & (cv.layer <= 5), "dist_init"] = 0.0
    cv.loc[cv.layer == 21, "dist_init"] = 1.0
    sl = signal.update_slopes(rs, "deep_sgd")
    assert len(sl) == 24
    np.testing.assert_allclose(sl.update_growth, -0.7, atol=1e-9)


def test_in3b_reads_the_sgd_runs_not_the_adam_ones():
    """The deep grid's sigmoid + Xavier runs (Adam) share activation, init and depth with
    deep_sgd's: IN-3b reads deep_sgd's alone, as decays (negated growths)."""
    adam, sgd = signal.layer_runs(_slopes("sigmoid", "xavier", 0.0, 0.3)), _sgd_runs(-0.6, -0.7)
    tables = {t: pd.concat([adam.table(t), sgd.table(t)], ignore_index=True)
              for t in ("final", "layer_stats")}
    rs = RunSet.from_tables(schemes.NAME, adam.axes, tables.pop("final"), **tables,
                            convergence=sgd.table("convergence"))
    got = signal.IN3B_MEASURE.read(rs, "sigmoid")
    np.testing.assert_allclose(got.values, np.tile([0.6, 0.7], (24, 1)), atol=1e-9)
    assert CLAIMS["IN-3b"].settings.judged == ("sigmoid", "tanh")

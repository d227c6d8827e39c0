"""Initialization rules (IN-1, IN-2a/b, IN-3a/b, IN-4) on synthetic runs, and the helpers
they read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import NoNoise
from sklearn.linear_model import LogisticRegression

from experiments import initialization as mod
from harness.core import stats
from harness.judge.claims import judge
from harness.track.results import RunSet
from harness.train.data import make_dataset

CLAIMS = {c.id: c for c in mod.EXPERIMENT.claims}
# an effect well beyond the declared one, and a strong one the other way, per claim
# (for the equivalence claims IN-1/IN-4: equal vs far outside the margin; for IN-2a,
# whose refutation is "every rival equivalent to Xavier": no gap at all, without noise)
OBVIOUS = {"IN-1": (0.0, 0.1), "IN-2a": (0.3, 0.0), "IN-2b": (0.3, -0.3),
           "IN-3a": (0.3, -0.3), "IN-3b": (0.3, -0.3), "IN-4": (0.0, 0.3)}
THRESHOLD = ("IN-3a", "IN-3b")  # their null is +TAU: "below" it, not "the other way"


def test_replicates_match_the_experiment_yaml(compose_cfg):
    cfg = compose_cfg(experiment="initialization")
    assert cfg.trainer.replicates == mod.REPLICATES
    assert cfg.data.num_datasets is None  # every replicate on its own dataset


def _label(claim_id: str, effect: float, seed: int = 0) -> tuple[str, object]:
    claim = CLAIMS[claim_id]
    quiet = claim_id == "IN-2a" and effect == 0  # equivalence needs CIs inside ±IN2_MIN
    rng = NoNoise(seed) if quiet else np.random.default_rng(seed)
    outcome = claim.decide(claim.simulate(rng, True, effect=effect))
    return judge(claim, mod.NAME, outcome).verdict, outcome


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_obvious_effect_is_supported_and_the_opposite_refuted(claim_id):
    good, bad = OBVIOUS[claim_id]
    label, outcome = _label(claim_id, good)
    assert label == stats.SUPPORTED
    assert {s.verdict for s in outcome.settings} == {stats.SUPPORTED}
    label, outcome = _label(claim_id, bad)
    assert label == stats.REFUTED
    assert {s.verdict for s in outcome.settings} == {stats.REFUTED}
    if claim_id in THRESHOLD:
        assert all(f"below the +{mod.TAU:g} threshold" in s.decided_by
                   for s in outcome.settings)


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_decided_settings_report_a_consistent_effect(claim_id):
    """Supported/refuted => the reported CI excludes its null (TOST: the 90% CI lies
    inside / wholly outside the margin)."""
    claim = CLAIMS[claim_id]
    for effect in OBVIOUS[claim_id]:
        _, outcome = _label(claim_id, effect, seed=3)
        for s in outcome.settings:
            e = s.effect
            if claim_id == "IN-2a" and s.verdict == stats.REFUTED:  # every rival equivalent
                assert s.ci_level == 0.90
                assert stats.tost(e, mod.IN2_MIN) == stats.SUPPORTED
            elif claim.equivalence_margin is not None:
                assert s.ci_level == 0.90
                assert stats.tost(e, claim.equivalence_margin) == s.verdict
            else:
                assert e.excludes() and e.direction() == (
                    1 if s.verdict == stats.SUPPORTED else -1)


def test_every_declared_setting_is_decided_and_the_primary_is_one():
    for claim_id, claim in CLAIMS.items():
        _, outcome = _label(claim_id, OBVIOUS[claim_id][0])
        names = [s.setting for s in outcome.settings]
        assert claim.primary in names
        assert len(names) == len(set(names))


def _members(claim_id: str, planted: bool, seed: int) -> pd.DataFrame:
    """Each member's signed distance from its boundary in the claimed direction
    (equivalence: margin − |mean|), with its setting, on a noise-free simulation."""
    claim = CLAIMS[claim_id]
    outcome = claim.decide(claim.simulate(NoNoise(seed), planted))
    rows = next(iter(outcome.tables.values()))
    if claim.equivalence_margin is not None:
        return rows.assign(beyond=rows.margin - rows["mean"].abs())
    return rows.assign(beyond=rows["mean"] - rows.get("null", 0.0))


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_null_is_least_favourable_and_planted_holds_everywhere(claim_id):
    """planted=False: in the primary exactly one member sits at its boundary (TOST: at
    the margin) and every other member holds as planted (TOST: at 0); IN-2a, a
    some-member claim, has every primary member at the null; the robustness settings are
    planted. planted=True: every member of every setting holds."""
    primary = CLAIMS[claim_id].primary
    chosen = set()
    for seed in range(12):
        rows = _members(claim_id, False, seed)
        at = rows[rows.beyond.abs() < 1e-9]
        if claim_id == "IN-2a":
            assert at.index.tolist() == rows.index[rows.setting == primary].tolist()
        else:
            assert at.setting.tolist() == [primary]
        assert (rows.drop(at.index).beyond > 1e-6).all()
        chosen |= set(at.member)
    members = rows[rows.setting == primary].member.nunique()
    assert len(chosen) == members or len(chosen) > 1  # the boundary member is random
    assert (_members(claim_id, True, 0).beyond > 1e-6).all()


def test_layer_slopes_recover_an_exact_log_linear_profile():
    rs = mod._layer_table(np.random.default_rng(0), {("tanh", "normal σ=1"): (-0.2, 0.5)},
                          sd=0.0)
    sl = mod.layer_slopes(rs)
    assert len(sl) == mod.REPLICATES
    np.testing.assert_allclose(sl.act_slope, -0.2, atol=1e-9)
    np.testing.assert_allclose(sl.grad_growth, 0.5, atol=1e-9)
    assert (sl.dataset == sl.replicate).all()


def test_layer_slopes_leave_exact_zeros_out_of_the_fit():
    """A signal that is exactly 0 (below float64's resolution, or zero init) carries no
    rate: the slope is fitted on the layers where it is measurable."""
    rs = mod._layer_table(np.random.default_rng(0), {("sigmoid", "normal σ=0.01"):
                                                     (-1.5, 0.2)}, sd=0.0)
    ls = rs.table("layer_stats")
    ls.loc[ls.layer > 8, "act_unit_std"] = 0.0
    sl = mod.layer_slopes(rs)
    np.testing.assert_allclose(sl.act_slope, -1.5, atol=1e-9)
    np.testing.assert_allclose(sl.grad_growth, 0.2, atol=1e-9)


def test_scheme_names_carry_the_gain_and_round_trip():
    frame = pd.DataFrame({"init": ["xavier", "xavier", "normal"], "init_std": 0.01,
                          "init_gain": [1.0, 4.0, 1.0]})
    assert mod.scheme(frame).tolist() == ["xavier", "xavier ×4", "normal σ=0.01"]
    assert mod._init_of("xavier ×4") == ("xavier", 0.01, 4.0)
    assert mod._init_of("normal σ=1") == ("normal", 1.0, 1.0)
    # sigmoid has no variance-preserving init (its mean 1/2): shown beside IN-4, not judged
    assert "sigmoid" not in mod.MATCHED


def test_in2a_counts_a_rival_below_xavier_even_when_another_beats_it():
    """Init matters when some rival is worse, whatever the others do (moons: the
    badly scaled inits may beat Xavier while ones fails); IN-2b refutes that case."""
    gaps = {t: {"zeros": 0.2, "ones": 0.4, "normal σ=0.01": -0.05, "normal σ=1": -0.08}
            for t in mod.TASKS}
    rs = mod._in2_runs(np.random.default_rng(0), gaps)
    a = {s.setting: s for s in mod.decide_in2a(rs).settings}
    b = {s.setting: s for s in mod.decide_in2b(rs).settings}
    for task in mod.TASKS:
        assert a[task].verdict == stats.SUPPORTED and a[task].effect.mean > 0.1
        assert b[task].verdict == stats.REFUTED and b[task].effect.mean < 0


def test_sklearn_optimum_refits_each_replicates_own_dataset(compose_cfg):
    cfg = compose_cfg(["preset=logreg"], experiment="initialization")
    final = pd.DataFrame({"grid": "logreg", "preset": "logreg", "init": "zeros",
                          "init_std": 0.01, "replicate": [0, 1, 2],
                          "dataset": [0.0, 1.0, 2.0], "test_acc": 0.7})
    got = mod.sklearn_optimum(RunSet.from_tables(mod.NAME, ["preset", "init", "init_std"],
                                                 final))
    want = []
    for d in range(3):
        ds = make_dataset(cfg.data, d)
        want.append(LogisticRegression(C=np.inf, max_iter=10_000)
                    .fit(ds.x_train, ds.y_train).score(ds.x_test, ds.y_test))
    np.testing.assert_allclose(got.loc[[0, 1, 2]].to_numpy(), want)


def test_in2a_reads_the_whole_curve_not_only_the_end():
    """Level at the end but lagging for most of the run: IN-2a sees the lag."""
    gaps = {t: dict.fromkeys(mod.RIVALS, 0.0) for t in mod.TASKS}
    rs = mod._in2_runs(np.random.default_rng(0), gaps)
    cur = rs.table("curves")
    lag = (cur.init == "ones") & (cur.step < 500)
    cur.loc[lag, "test_acc"] -= 0.3
    a = {s.setting: s for s in mod.decide_in2a(rs).settings}
    assert all(a[t].verdict == stats.SUPPORTED for t in mod.TASKS)
    assert all("ones" in a[t].decided_by for t in mod.TASKS)

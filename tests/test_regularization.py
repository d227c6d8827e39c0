"""Regularization's decision rules on simulated runs (no training): the declared
replicate count, and the right label for an obvious effect and a strong opposite one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from experiments import regularization as reg
from experiments.regularization import paths, rg3, rg4
from experiments.regularization.paths import at_norm
from harness.core import stats
from harness.judge.claims import judge, planned_replicates
from harness.judge.table import Table
from pages.regularization import ABID_ENTRIES

CLAIMS = {c.id: c for c in reg.EXPERIMENT.claims}


def test_replicates_match_the_experiment_yaml(compose_cfg):
    cfg = compose_cfg(experiment="regularization")
    assert cfg.trainer.replicates == paths.REPLICATES
    assert paths.REPLICATES == planned_replicates(list(CLAIMS.values()))
    assert list(cfg.claims) == list(CLAIMS)


def _label(claim_id: str, planted: bool, seed: int = 0):
    claim = CLAIMS[claim_id]
    runs = claim.simulate(np.random.default_rng(seed), planted)
    return judge(claim, paths.NAME, claim.decide(runs))


def _tables(claim_id: str, scale: float, seed: int = 0) -> dict:
    """Tables the claim's family draws for its judged settings (``scale`` × min_effect)."""
    claim, rng = CLAIMS[claim_id], np.random.default_rng(seed)
    return {name: claim.rule.draw(rng, claim.rule.reads(claim), claim.design(), scale)
            for name in claim.settings.judged}


@pytest.mark.parametrize("claim_id", ["RG-2a", "RG-2b"])
def test_measures_read_back_the_tables_they_synthesize(claim_id):
    """Calibration runs through the real extractors (RG-2a: at_norm at the matched norms)."""
    measure = CLAIMS[claim_id].measure
    for scale in (0.0, 1.0, -3.0):
        tables = _tables(claim_id, scale)
        runs = measure.synthesize(tables)
        for name, t in tables.items():
            got = measure.read(runs, name)
            assert got.levels == t.levels and (got.clusters == t.clusters).all()
            np.testing.assert_allclose(got.values, t.values, rtol=0, atol=1e-12)


def test_norm_path_reads_each_penalty_over_its_declared_range_with_one_shared_lambda_0():
    """RG-1: L1 is read up to λ = 1 (step 5) even where L1 λ = 3 was simulated; the λ = 0
    run is shared, so L1's table comes back moved by a per-replicate offset: every
    difference between λ (what the trend and the pairs see) is unchanged."""
    measure, tables = CLAIMS["RG-1"].measure, _tables("RG-1", 1.0)
    runs = measure.synthesize(tables)
    l2, l1 = measure.read(runs, "L2"), measure.read(runs, "L1")
    assert l2.levels == tuple(range(7)) and l1.levels == tuple(range(6))
    np.testing.assert_array_equal(l2.values, tables["L2"].values)
    np.testing.assert_array_equal(l1.column(0), l2.column(0))
    want = tables["L1"].values[:, :6]
    np.testing.assert_allclose(l1.values - l1.values[:, :1], want - want[:, :1], atol=1e-12)


def test_rg3_implementation_check_passes_torch_and_fails_the_reverse():
    v = _label("RG-3", True)
    assert v.verdict == stats.SUPPORTED and v.category == "implementation check"
    assert {s.setting: s.verdict for s in v.settings} == {"adam": "supported",
                                                           "sgd": "supported"}
    assert v.effect > rg3.DIFF_TOL
    claim = CLAIMS["RG-3"]
    # an implementation that decays inside Adam and not in SGD: the reverse of torch's
    broken = claim.measure.synthesize({s: Table((rg3.MEMBER,), np.full((16, 1), gap),
                                                np.arange(16))
                                          for s, gap in (("adam", 1e-7), ("sgd", 0.5))})
    outcome = claim.decide(broken)
    assert {s.setting: s.verdict for s in outcome.settings} == {"adam": "refuted",
                                                                 "sgd": "refuted"}


def test_rg3_least_favourable_null_puts_one_replicate_exactly_at_the_tolerance():
    runs = CLAIMS["RG-3"].simulate(np.random.default_rng(3), False)
    rel = rg3.relative_difference(rg3.final_first_layer(runs, "rg3_adam_penalty"),
                                  rg3.final_first_layer(runs, "rg3_adamw_decay"))
    assert rel.min() == rg3.DIFF_TOL and np.sort(rel)[1] > rg3.DIFF_TOL
    v = judge(CLAIMS["RG-3"], paths.NAME, CLAIMS["RG-3"].decide(runs))
    assert {s.setting: s.verdict for s in v.settings} == {"adam": "inconclusive",
                                                           "sgd": "supported"}


def test_rg4_a_narrower_gap_bought_with_test_accuracy_is_not_supported():
    """Training loss rises by 0.3 more, test accuracy falls by 0.05 more (> the 0.01
    margin) than planted: the gap narrows further at every λ, but the claim's 'without
    lowering test accuracy' fails, significantly at every λ."""
    claim = CLAIMS["RG-4"]
    runs = claim.simulate(np.random.default_rng(0), True)
    final = runs.final
    reg_rows = (final.l1 > 0) | (final.l2 > 0)
    final.loc[reg_rows, "test_acc"] -= 0.05 + rg4.RG4_NI
    final.loc[reg_rows, "train_loss"] += 0.3
    v = judge(claim, paths.NAME, claim.decide(runs))
    assert v.verdict == stats.REFUTED and "test accuracy lower by more" in v.decided_by
    assert v.ci_high < v.null_value == -rg4.RG4_NI


def test_rg4_needs_an_overfitting_baseline():
    """No generalization gap at λ = 0: whatever each λ does, the setting is undecided
    and the baseline gap is its statistic."""
    claim = CLAIMS["RG-4"]
    runs = claim.simulate(np.random.default_rng(0), True, scale=5.0)
    final = runs.final
    base = (final.l1 == 0) & (final.l2 == 0)
    final.loc[base, "train_loss"] = final.loc[base, "test_loss"]
    outcome = claim.decide(runs)
    assert {s.verdict for s in outcome.settings} == {stats.INCONCLUSIVE}
    assert all(s.decided_by.startswith("premise not met") for s in outcome.settings)
    assert outcome.settings[0].effect.mean == 0.0


def test_matched_norm_interpolates_between_the_bracketing_lambdas():
    norms = {0.0: np.array([10.0, 10.0]), 1.0: np.array([9.0, 9.5]),
             2.0: np.array([7.0, 9.2])}
    ys = {0.0: np.array([0.0, 0.0]), 1.0: np.array([1.0, 1.0]), 2.0: np.array([3.0, 3.0])}
    got = at_norm(norms, ys, [0.0, 1.0, 2.0], 0.8)
    assert got[0] == pytest.approx(2.0) and np.isnan(got[1])  # 8 is halfway 9 → 7


def test_the_declared_range_is_read_whatever_this_run_says():
    runs = CLAIMS["RG-1"].simulate(np.random.default_rng(0), True, scale=3.0)
    final = runs.final
    final.loc[(final.l1 == 1.0) & (final.l2 == 0), "test_acc"] = 0.5  # L1 λ = 1 at chance
    assert paths.declared(runs, "l1") == [lam for lam in paths.PATH if lam <= 1.0]
    check = paths.trains_check(runs, "l1")
    assert list(check["λ"]) == paths.declared(runs, "l1")
    assert not check["trains in this run"].iloc[-1] and check["trains in this run"].iloc[:-1].all()
    v = judge(CLAIMS["RG-1"], paths.NAME, CLAIMS["RG-1"].decide(runs))
    assert v.settings[1].setting == "L1" and v.settings[1].verdict == stats.SUPPORTED


def test_rg1_a_significant_reversal_refutes_despite_a_downward_trend():
    """Strong fall over the range except one rise between two adjacent λ: the trend is
    still downward, but the reversal refutes (LC-4's rule)."""
    runs = CLAIMS["RG-1"].simulate(np.random.default_rng(0), True, scale=10.0)  # 2 a step
    final = runs.final
    final.loc[(final.l2 == 3.0) & (final.l1 == 0), "weight_l2"] += 5.0  # 1 → 3 rises by 3
    v = judge(CLAIMS["RG-1"], paths.NAME, CLAIMS["RG-1"].decide(runs))
    primary = next(s for s in v.settings if s.setting == "L2")
    assert primary.verdict == stats.REFUTED and "reversal" in primary.decided_by


def test_rg2b_notes_report_each_settings_numbers_at_the_margin():
    # L2 raises the share at ≈ 0 by the margin at every λ step, in both settings
    claim = CLAIMS["RG-2b"]
    out = claim.decide(claim.simulate(np.random.default_rng(0), True, scale=0.0))
    notes = [n for n in out.notes if n.startswith("RG-2b in ")]
    assert [n.split(":")[0] for n in notes] == ["RG-2b in sgd", "RG-2b in abid2018"]
    assert all(f"against the margin {paths.RG2B_MARGIN:g}" in n for n in notes)


def _rg2b_sgd_at_chance(accuracy: dict[float, float], rise: float = 0.3):
    """RG-2b's runs with every member planted (supported in both settings), then sgd's
    ``accuracy`` λ set to that mean test accuracy and their share at ≈ 0 raised by
    ``rise``, far above the margin: seed 0's sgd λ = 0.1 (+0.34, the net at chance)."""
    claim = CLAIMS["RG-2b"]
    runs = claim.simulate(np.random.default_rng(0), True)
    final = runs.final
    for lam, acc in accuracy.items():
        at = (final.preset == "sgd") & (final.l2 == lam)
        final.loc[at, "test_acc"] = acc
        final.loc[at, paths.NEAR_ZERO] += rise
    return claim.decide(runs)


def test_rg2b_judges_a_lambda_only_where_the_net_trains():
    """sgd λ = 0.03 and 0.1 at chance, their share at ≈ 0 raised by 0.3: a refutation
    if judged (as it is where the net trains), but not judged: sgd holds on λ steps 1-4,
    and the two are shown with the reason."""
    refuting = _rg2b_sgd_at_chance({0.03: 0.9, 0.1: 0.9})
    assert refuting.settings[0].setting == "sgd"
    assert refuting.settings[0].verdict == stats.REFUTED
    out = _rg2b_sgd_at_chance({0.03: 0.5, 0.1: 0.5})
    assert {s.setting: s.verdict for s in out.settings} == {"sgd": stats.SUPPORTED,
                                                            "abid2018": stats.SUPPORTED}
    members = next(t for title, t in out.tables.items() if title.startswith("Members"))
    assert list(members[members.setting == "sgd"].member) == ["1", "2", "3", "4"]
    shares = next(t for title, t in out.tables.items() if title.startswith("L2: share"))
    sgd = shares[shares.setting == "sgd"]
    assert list(sgd["judged (trains in this run)"]) == [True] * 4 + [False] * 2
    assert (sgd.share.iloc[4:] > paths.SHARE_0 + 0.25).all()
    assert any(n.startswith("RG-2b in sgd: λ 0.03 (test accuracy 0.500 < floor 0.700), "
                            "0.1 (test accuracy 0.500 < floor 0.700) shown, not judged")
               for n in out.notes)


def test_rg2b_a_lambda_above_the_first_that_fails_is_not_judged():
    """TRAINS_RULE reads from λ = 0 up to the first λ that fails: sgd λ = 0.1 above the
    floor after λ = 0.03 at chance is not judged either."""
    out = _rg2b_sgd_at_chance({0.03: 0.5, 0.1: 0.9})
    assert out.settings[0].setting == "sgd" and out.settings[0].verdict == stats.SUPPORTED
    assert any("0.1 (test accuracy 0.900 ≥ floor 0.700, but above the first λ that fails)"
               in n for n in out.notes)


def test_rg2b_calibration_runs_all_train():
    """The simulator's runs train at every λ of both settings, so calibration judges every
    member the family draws."""
    claim = CLAIMS["RG-2b"]
    runs = claim.simulate(np.random.default_rng(0), False)
    steps, _ = claim.measure.steps(runs)
    assert steps.trains.all() and len(steps.drop_duplicates(["preset", "lam_step"])) == 12


def test_rg2b_margin_is_the_laplace_minus_gaussian_share_at_the_threshold():
    """Declared from the threshold alone: at equal RMS, the share below 0.1 RMS of a
    Laplace (L1's prior) minus that of a Gaussian (L2's)."""
    from scipy import stats as sps

    c = 0.1
    laplace = sps.laplace(scale=1 / np.sqrt(2))  # unit RMS
    gauss = sps.norm()
    want = (laplace.cdf(c) - laplace.cdf(-c)) - (gauss.cdf(c) - gauss.cdf(-c))
    assert paths.NEAR_ZERO == f"weight_frac_lt_{c:g}rms"
    assert paths.RG2B_MARGIN == round(want, 3) == 0.052


def test_rg2b_sgd_path_matches_the_experiment_yaml(compose_cfg):
    """Grid sgd_l2 is plain SGD at the declared lr with the sum penalty, λ = 0 and one λ
    per λ step; its decay alone over the run spans e^−0.045 … e^−15."""
    from harness.track.results import sweep_points

    _, points = sweep_points(paths.NAME)
    sgd = [dict(o.split("=", 1) for o in over) for grid, over in points
           if grid == paths.SGD_GRID]
    assert sorted(float(p["reg.l2"]) for p in sgd) == [0.0, *paths.RG2B_L2["sgd"]]
    cfg = compose_cfg(experiment="regularization", overrides=[
        *(f"{k}={v}" for k, v in sgd[-1].items())])
    assert cfg.preset == "sgd" and cfg.optim.name == "sgd" and cfg.optim.momentum == 0
    assert cfg.optim.lr == paths.SGD_LR and cfg.trainer.steps == paths.SGD_STEPS
    assert cfg.reg.reduction == "sum"
    decay = [2 * paths.SGD_LR * lam * paths.SGD_STEPS for lam in paths.RG2B_L2["sgd"]]
    assert decay == pytest.approx([0.045, 0.15, 0.45, 1.5, 4.5, 15])
    assert len(paths.RG2B_L2["abid2018"]) == len(paths.RG2B_L2["sgd"])


def test_rg2b_settings_read_only_their_own_path():
    """The sgd setting reads preset sgd alone (not RG-3's decay-preset SGD runs, not the
    abid2018 paths), each λ step at its own setting's λ."""
    claim = CLAIMS["RG-2b"]
    tables = _tables("RG-2b", 0.5)
    synthetic = claim.measure.synthesize(tables).final
    rg3_sgd = paths.reg_rows("rg3_sgd_penalty", "decay", 0.0, paths.RG2B_L2["sgd"][0],
                             test_acc=np.full(16, 0.7), weight_l2=np.full(16, 4.0),
                             **{paths.NEAR_ZERO: np.ones(16)})
    runs = paths.runset([synthetic, rg3_sgd])
    rows = claim.measure.rows(runs)
    for setting, lams in paths.RG2B_L2.items():
        mine = rows[rows.preset == setting].drop_duplicates("lam_step")
        assert list(mine.lam) == list(lams)
        np.testing.assert_allclose(claim.measure.read(runs, setting).values,
                                   tables[setting].values, rtol=0, atol=1e-12)


def test_first_layer_index_of_abids_plotted_weights():
    """Abid plots w0[11, :], the 50 outgoing weights of input 11 of TF's [in, out]
    matrix; our weights are (R, in, out) and FirstLayer flattens row-major, so they are
    entries 550..599 of each replicate."""
    from harness.train.models import BatchedMLP
    from harness.train.schema import ModelConfig

    model = BatchedMLP(ModelConfig(widths=[50, 50]), 12, 2, [0])
    w = model.weights[0].detach()
    assert w.shape == (1, 12, 50)
    assert ABID_ENTRIES == range(550, 600)
    assert torch.equal(w.flatten(1)[0, 550:600], w[0, 11, :])

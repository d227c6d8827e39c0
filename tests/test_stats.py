"""Statistics on inputs with known answers, and the label rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from harness.core import stats


def test_mean_ci_is_the_t_interval_and_test():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    e = stats.mean_ci(x)
    lo, hi = sps.t.interval(0.95, 4, loc=3, scale=sps.sem(x))
    assert (e.mean, e.ci_low, e.ci_high, e.n, e.n_datasets) == pytest.approx((3.0, lo, hi, 5, 5))
    assert e.p == pytest.approx(sps.ttest_1samp(x, 0).pvalue)


def test_mean_ci_ignores_nan_and_handles_constants():
    assert stats.mean_ci([np.nan, 2.0, 2.0]).ci_low == 2.0
    assert stats.mean_ci([]).n == 0
    assert stats.mean_ci([0.0, 0.0, 0.0]).p == 1.0


def test_clustered_inference_uses_dataset_means():
    """12 replicates on 3 datasets: the test has 3 units, not 12."""
    rng = np.random.default_rng(0)
    clusters = np.repeat([0, 1, 2], 4)
    x = np.repeat(rng.normal(0, 1, 3), 4) + rng.normal(0, 0.01, 12)
    e = stats.mean_ci(x, clusters=clusters)
    means = [x[clusters == k].mean() for k in range(3)]
    assert (e.n, e.n_datasets) == (12, 3)
    assert e.p == pytest.approx(sps.ttest_1samp(means, 0).pvalue)
    assert stats.mean_ci(x).p < e.p  # pooling would overstate the evidence


def test_decided_ci_excludes_the_null():
    rng = np.random.default_rng(1)
    for _ in range(50):
        e = stats.paired(rng.normal(0.3, 1, 20), rng.normal(0, 1, 20))
        assert (e.p < stats.ALPHA) == e.excludes()


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    for k in (1, 2, 5, 12):
        p = rng.uniform(0, 0.2, k)
        reject, adj, _, _ = multipletests(p, stats.ALPHA, method="holm")
        got_reject, got_adj = stats.holm(p)
        np.testing.assert_allclose(got_adj, adj)
        assert got_reject.tolist() == reject.tolist()


def test_holm_known_values():
    reject, adj = stats.holm([0.01, 0.04, 0.03])
    np.testing.assert_allclose(adj, [0.03, 0.06, 0.06])
    assert reject.tolist() == [True, False, False]


def test_monotone_decreasing_is_supported_and_reports_the_weakest_pair():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.01, 12)
    samples = [base + 1.0 - 0.1 * i + rng.normal(0, 0.005, 12) for i in range(5)]
    res = stats.monotone(range(5), samples, "decreasing")
    assert res.verdict == stats.SUPPORTED
    assert res.effect.mean == min(p["diff"] for p in res.pairs if p["adjacent"])  # by effect
    assert res.effect.excludes()


def test_inverted_u_is_refuted_by_the_opposite_pair():
    rng = np.random.default_rng(1)
    means = [0.90, 0.95, 0.93, 0.88, 0.80]
    samples = [m + rng.normal(0, 0.005, 12) for m in means]
    res = stats.monotone(range(5), samples, "decreasing")
    assert res.verdict == stats.REFUTED
    assert res.deciding_pair == "0 → 1" and res.effect.mean < 0 and res.effect.excludes()


def test_pure_noise_is_inconclusive():
    rng = np.random.default_rng(2)
    samples = [rng.normal(0, 1, 12) for _ in range(4)]
    res = stats.monotone(range(4), samples, "decreasing")
    assert res.verdict == stats.INCONCLUSIVE and not res.effect.excludes()


def test_unpaired_monotone_uses_welch():
    rng = np.random.default_rng(3)
    samples = [rng.normal(m, 0.01, 40) for m in (3.0, 2.0, 1.0)]
    res = stats.monotone([1, 2, 3], samples, "decreasing", paired_samples=False)
    assert res.verdict == stats.SUPPORTED
    assert res.pairs[0]["diff"] == pytest.approx(1.0, abs=0.02)


def test_family_any_needs_holm_and_refutation_wins():
    e = [stats.Effect(1, 0.5, 1.5, 10, 0.001, 10), stats.Effect(-1, -1.5, -0.5, 10, 0.001, 10)]
    fam = stats.family(e, claimed=1, need="any")
    assert fam.verdict == stats.REFUTED and fam.deciding == 1


def test_sign_test_handles_never_reached():
    a = np.array([1.0, 2.0, 1.5, 1.0, 2.0, 1.0, 1.0, 1.2, 1.1, 1.3])
    b = np.full(10, np.inf)
    e = stats.sign_test(a, b)
    assert e.p == pytest.approx(2 * 0.5**10) and e.mean == -np.inf
    assert stats.sign_test(b, b).p == 1.0


def test_sign_test_clustered_drops_missing_pairs_and_uses_dataset_medians():
    """One dataset per replicate: the sign test itself, missing pairs (NaN) left out. Shared
    datasets: one unit per dataset, the median of its differences, where never reached on
    both sides counts 0 and on one side ±inf (a loss)."""
    a = np.array([5.0, 10.0, np.inf, np.inf, 0.0, 15.0, np.nan])
    b = np.array([0.0, 0.0, 20.0, np.inf, 0.0, 5.0, 1.0])
    e, ref = stats.sign_test_clustered(a, b, np.arange(7)), stats.sign_test(a[:6], b[:6])
    assert (e.mean, e.ci_low, e.ci_high, e.p, e.n) == (ref.mean, ref.ci_low, ref.ci_high,
                                                       ref.p, 6)
    e = stats.sign_test_clustered(a, b, [0, 0, 1, 1, 2, 2, 3])  # units 7.5, inf, 5
    assert (e.mean, e.p, e.n, e.n_datasets) == (7.5, 0.25, 6, 3)


def test_tost():
    assert stats.tost(stats.Effect(0, -0.005, 0.005, 20), 0.01) == stats.SUPPORTED
    assert stats.tost(stats.Effect(0.05, 0.02, 0.08, 20), 0.01) == stats.REFUTED
    assert stats.tost(stats.Effect(0.01, -0.005, 0.02, 20), 0.01) == stats.INCONCLUSIVE


def test_one_sided_p_is_dual_to_the_one_sided_bound():
    x = np.random.default_rng(0).normal(0.3, 1.0, 30)
    e = stats.mean_ci(x, 0.90, null=0.5)  # its upper bound is the one-sided 95% bound
    below = stats.one_sided_p(e, -1)
    assert below == pytest.approx(sps.ttest_1samp(x, 0.5, alternative="less").pvalue)
    assert stats.one_sided_p(e, 1) == pytest.approx(1 - below)
    assert (below < 0.05) == (e.ci_high < 0.5)
    assert stats.one_sided_p(stats.Effect(0.1, float("nan"), float("nan"), 1), -1) == 1.0


@pytest.mark.parametrize(("quantifier", "verdicts", "label"), [
    # primary: the quote's own setting decides; the others are scope
    ("primary", {"a": "supported", "b": "refuted"}, "supported"),
    ("primary", {"a": "inconclusive", "b": "refuted"}, "inconclusive"),
    ("primary", {"a": "refuted", "b": "supported"}, "refuted"),
    # all: a counterexample refutes; support needs every setting
    ("all", {"a": "supported", "b": "refuted"}, "refuted"),
    ("all", {"a": "inconclusive", "b": "refuted"}, "refuted"),
    ("all", {"a": "supported", "b": "inconclusive"}, "inconclusive"),
    ("all", {"a": "supported", "b": "supported"}, "supported"),
    # some: support anywhere supports; refutation needs every setting
    ("some", {"a": "refuted", "b": "supported"}, "supported"),
    ("some", {"a": "refuted", "b": "inconclusive"}, "inconclusive"),
    ("some", {"a": "refuted", "b": "refuted"}, "refuted"),
    ("some", {}, "inconclusive"),
])
def test_label_follows_the_quantifier(quantifier, verdicts, label):
    assert stats.label(quantifier, "a", verdicts) == label


def test_label_names_the_allowed_quantifiers():
    with pytest.raises(ValueError, match=r"quantifier='most' is invalid: allowed values are "
                                         r"\['all', 'primary', 'some'\]"):
        stats.label("most", "a", {})


def test_scope_names_the_settings():
    text = stats.scope("a", {"a": "supported", "b": "refuted", "c": "inconclusive"})
    assert text == "holds in a (primary); fails in b; undecided in c"


def test_power_calculation_round_trips():
    n = stats.replicates_for(0.5, 1.0)
    assert 30 <= n <= 40  # d = 0.5, α = 0.05 two-sided, 80% power: 34
    assert stats.mde(1.0, n) <= 0.5


def test_bootstrap_ci_covers_a_known_ratio():
    rng = np.random.default_rng(4)
    base = rng.normal(1.0, 0.1, 30)
    ctrl = 0.5 * base + rng.normal(0, 0.01, 30)
    e = stats.bootstrap_ci([base, ctrl], lambda b, c: 1 - c.mean() / b.mean())
    assert e.ci_low < 0.5 < e.ci_high
    assert e.mean == pytest.approx(0.5, abs=0.02)


def test_tost_family_refutes_by_holm_and_supports_by_intersection_union():
    inside = stats.Effect(0.0, -0.005, 0.005, 10, n_datasets=10)
    far = stats.Effect(0.1, 0.09, 0.11, 10, n_datasets=10)
    edge = stats.Effect(0.0, -0.02, 0.005, 10, n_datasets=10)
    assert stats.tost_family([inside, inside], 0.01)[0] == stats.SUPPORTED
    verdict, i, _, _ = stats.tost_family([inside, far], 0.01)
    assert (verdict, i) == (stats.REFUTED, 1)
    verdict, i, _, _ = stats.tost_family([inside, edge], 0.01)
    assert (verdict, i) == (stats.INCONCLUSIVE, 1)


def test_fraction_recovered_fieller_ci_is_dual_to_its_test():
    """Fieller's CI excludes the null exactly when the t-test rejects it; where the gap is
    not distinguishable from 0 the CI is unbounded and nothing is tested."""
    rng = np.random.default_rng(1)
    for _ in range(100):
        n = int(rng.integers(5, 40))
        gap = rng.normal(rng.uniform(0.02, 0.2), 0.05, n)
        left = 0.5 * gap + rng.normal(rng.normal(0, 0.03), 0.05, n)
        e = stats.fraction_recovered(gap, left, np.arange(n))
        assert e.mean == pytest.approx(1 - left.mean() / gap.mean())
        if np.isfinite(e.ci_low) and np.isfinite(e.ci_high):
            assert e.excludes(0.5) == (e.p < stats.ALPHA)
        else:
            assert np.isnan(e.p)
    flat = stats.fraction_recovered(np.array([0.1, -0.1, 0.05, -0.05]),
                                    np.array([0.0, 0.1, 0.0, 0.1]), np.arange(4))
    assert (flat.ci_low, flat.ci_high) == (-np.inf, np.inf) and np.isnan(flat.p)


def test_fraction_recovered_is_over_dataset_means():
    """Replicates sharing a dataset count once: the same as the dataset means alone."""
    gap = np.array([0.2, 0.22, 0.1, 0.12, 0.15, 0.17])
    left = np.array([0.1, 0.08, 0.06, 0.04, 0.05, 0.09])
    shared = stats.fraction_recovered(gap, left, np.repeat([0, 1, 2], 2))
    means = stats.fraction_recovered(gap.reshape(3, 2).mean(1), left.reshape(3, 2).mean(1),
                                     np.arange(3))
    assert (shared.n, shared.n_datasets) == (6, 3)
    assert (shared.mean, shared.ci_low, shared.ci_high, shared.p) == pytest.approx(
        (means.mean, means.ci_low, means.ci_high, means.p))

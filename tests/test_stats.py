"""Statistics on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from harness import stats


def test_mean_ci_is_the_t_interval():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    e = stats.mean_ci(x)
    lo, hi = sps.t.interval(0.95, 4, loc=3, scale=sps.sem(x))
    assert (e.mean, e.ci_low, e.ci_high, e.n) == pytest.approx((3.0, lo, hi, 5))


def test_mean_ci_ignores_nan_and_handles_constants():
    assert stats.mean_ci([np.nan, 2.0, 2.0]).ci_low == 2.0
    assert stats.mean_ci([]).n == 0


def test_holm_known_values():
    reject, adj = stats.holm([0.01, 0.04, 0.03])
    np.testing.assert_allclose(adj, [0.03, 0.06, 0.06])
    assert reject.tolist() == [True, False, False]


def test_monotone_decreasing_is_supported():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.01, 12)
    samples = [base + 1.0 - 0.1 * i + rng.normal(0, 0.005, 12) for i in range(5)]
    res = stats.monotone(range(5), samples, "decreasing")
    assert res.verdict == stats.SUPPORTED
    assert all(p["claimed"] for p in res.pairs)


def test_inverted_u_is_refuted_even_though_a_trend_test_might_pass():
    rng = np.random.default_rng(1)
    means = [0.90, 0.95, 0.93, 0.88, 0.80]
    samples = [m + rng.normal(0, 0.005, 12) for m in means]
    assert stats.monotone(range(5), samples, "decreasing").verdict == stats.REFUTED


def test_pure_noise_is_inconclusive():
    rng = np.random.default_rng(2)
    samples = [rng.normal(0, 1, 12) for _ in range(4)]
    assert stats.monotone(range(4), samples, "decreasing").verdict == stats.INCONCLUSIVE


def test_ties_carry_no_evidence():
    same = np.full(10, 0.9)
    assert stats.paired_pvalue(same, same, "greater") == 1.0
    assert stats.paired_pvalue(same + 0.1, same, "greater") == 0.0


def test_sign_test_handles_never_reached():
    a = np.array([1.0, 2.0, 1.5, 1.0, 2.0, 1.0, 1.0, 1.2, 1.1, 1.3])
    b = np.full(10, np.inf)
    assert stats.sign_pvalue(a, b, "less") == pytest.approx(0.5**10)
    assert stats.sign_pvalue(b, b, "less") == 1.0


def test_unpaired_monotone_uses_welch():
    rng = np.random.default_rng(3)
    samples = [rng.normal(m, 0.01, 40) for m in (3.0, 2.0, 1.0)]
    res = stats.monotone([1, 2, 3], samples, "decreasing", paired=False)
    assert res.verdict == stats.SUPPORTED
    assert res.pairs[0]["diff"] == pytest.approx(1.0, abs=0.02)


def test_bootstrap_ci_covers_a_known_ratio():
    rng = np.random.default_rng(4)
    base = rng.normal(1.0, 0.1, 30)
    ctrl = 0.5 * base + rng.normal(0, 0.01, 30)
    e = stats.bootstrap_ci([base, ctrl], lambda b, c: 1 - c.mean() / b.mean())
    assert e.ci_low < 0.5 < e.ci_high
    assert e.mean == pytest.approx(0.5, abs=0.02)

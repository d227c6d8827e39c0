"""Statistics behind verdicts: paired effects with 95% CIs and multiplicity-corrected tests.

Replicates are paired across the conditions of a claim (replicate r has the same data
seed and init seed in every condition), so comparisons are paired t-tests on per-
replicate differences; families of tests are Holm-corrected (statsmodels). A trend test
alone cannot show monotonicity (it is significant on an inverted U too), so monotonic
claims test every adjacent pair.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

ALPHA = 0.05
SUPPORTED, REFUTED, INCONCLUSIVE = "supported", "refuted", "inconclusive"
# a claim stated generally that holds in some declared settings and fails in others
MIXED = "mixed"


@dataclass
class Effect:
    """A mean with its 95% CI and the number of replicates it rests on."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def fmt(self, digits: int = 3) -> str:
        return f"{self.mean:.{digits}f} [{self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}]"


def mean_ci(x: Sequence[float] | np.ndarray, confidence: float = 0.95) -> Effect:
    """Mean and t-based CI of finite values; a zero-variance sample has a zero-width CI."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return Effect(np.nan, np.nan, np.nan, 0)
    m = float(x.mean())
    if n < 2 or np.ptp(x) == 0:
        return Effect(m, m, m, n)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return Effect(m, m - half, m + half, n)


def welch_diff_ci(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> Effect:
    """mean(a) − mean(b) with a Welch CI, for unpaired samples."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(confidence)
    return Effect(float(a.mean() - b.mean()), float(ci.low), float(ci.high), min(a.size, b.size))


def bootstrap_ci(data: Sequence[np.ndarray], statistic: Callable[..., float],
                 confidence: float = 0.95, seed: int = 0) -> Effect:
    """Paired percentile bootstrap CI of ``statistic(*samples)`` (scipy.stats.bootstrap)."""
    arrays = [np.asarray(a, dtype=float) for a in data]
    point = float(statistic(*arrays))
    n = arrays[0].size
    if not np.isfinite(point):  # e.g. a median of "never reached" (inf): no interval
        return Effect(point, np.nan, np.nan, n)
    if n < 3 or all(np.ptp(a) == 0 for a in arrays):
        return Effect(point, point, point, n)
    with warnings.catch_warnings():  # resamples with undefined statistics: CI is NaN
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(arrays, statistic, paired=True, vectorized=False,
                              confidence_level=confidence, n_resamples=4999,
                              method="percentile", rng=np.random.default_rng(seed))
    return Effect(point, float(res.confidence_interval.low),
                  float(res.confidence_interval.high), n)


def welch_pvalue(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    """One-sided Welch t-test p-value for mean(a) − mean(b) (unpaired samples)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return 1.0
    return float(stats.ttest_ind(a, b, equal_var=False, alternative=alternative).pvalue)


def sign_pvalue(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    """One-sided paired sign test on a − b; handles infinities (e.g. 'never reached'):
    a pair where both are +inf is a tie."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    tie = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    with np.errstate(invalid="ignore"):
        d = a[~tie] - b[~tie]
    d = d[~np.isnan(d)]
    pos, neg = int((d > 0).sum()), int((d < 0).sum())
    if pos + neg == 0:
        return 1.0
    k = pos if alternative == "greater" else neg
    return float(stats.binomtest(k, pos + neg, 0.5, alternative="greater").pvalue)


def paired_pvalue(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    """One-sided paired t-test p-value for mean(a − b) (``greater`` or ``less`` than 0).

    Identical samples (zero-variance differences) carry no evidence: p = 1 unless every
    difference is non-zero in the tested direction, when p = 0.
    """
    d = np.asarray(a, float) - np.asarray(b, float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return 1.0
    if np.ptp(d) == 0:
        sign = np.sign(d[0])
        hit = (sign > 0 and alternative == "greater") or (sign < 0 and alternative == "less")
        return 0.0 if hit else 1.0
    return float(stats.ttest_rel(d, np.zeros_like(d), alternative=alternative).pvalue)


def holm(pvalues: Sequence[float], alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Holm step-down: (reject, adjusted p) for a family of tests."""
    reject, adjusted, _, _ = multipletests(np.asarray(pvalues, float), alpha, method="holm")
    return reject, adjusted


@dataclass
class MonotoneResult:
    verdict: str
    pairs: list[dict[str, float | str | bool]] = field(default_factory=list)


def monotone(levels: Sequence[object], samples: Sequence[np.ndarray], direction: str,
             paired: bool = True, alpha: float = ALPHA) -> MonotoneResult:
    """Is y strictly monotone over ordered ``levels``? Adjacent pairs, one-sided, Holm.

    ``direction="decreasing"``: supported when every adjacent pair y[i] > y[i+1] is
    significant; refuted when any pair goes significantly the other way (both families
    Holm-corrected); otherwise inconclusive. Paired t-tests, or Welch when not paired.
    """
    claim_alt = "greater" if direction == "decreasing" else "less"
    other_alt = "less" if claim_alt == "greater" else "greater"
    test = paired_pvalue if paired else welch_pvalue
    p_claim = [test(samples[i], samples[i + 1], claim_alt) for i in range(len(levels) - 1)]
    p_other = [test(samples[i], samples[i + 1], other_alt) for i in range(len(levels) - 1)]
    rej_claim, adj_claim = holm(p_claim, alpha)
    rej_other, adj_other = holm(p_other, alpha)
    pairs = []
    for i in range(len(levels) - 1):
        a, b = np.asarray(samples[i], float), np.asarray(samples[i + 1], float)
        diff = mean_ci(a - b) if paired else welch_diff_ci(a, b)
        pairs.append({"pair": f"{levels[i]} → {levels[i + 1]}", "diff": diff.mean,
                      "ci_low": diff.ci_low, "ci_high": diff.ci_high,
                      "p_claimed": adj_claim[i], "p_opposite": adj_other[i],
                      "claimed": bool(rej_claim[i]), "opposite": bool(rej_other[i])})
    if rej_other.any():
        verdict = REFUTED
    elif rej_claim.all():
        verdict = SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return MonotoneResult(verdict, pairs)


def decide(supported: bool, refuted: bool) -> str:
    """A declared rule's outcome: SUPPORTED when its support condition holds, else
    REFUTED when its refutation condition holds, else INCONCLUSIVE."""
    if supported:
        return SUPPORTED
    return REFUTED if refuted else INCONCLUSIVE


def combine(verdicts: Sequence[str]) -> str:
    """One verdict for a claim decided per setting: supported or refuted when every
    setting says so, MIXED when some support and some refute, else inconclusive."""
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    if verdicts and all(v == REFUTED for v in verdicts):
        return REFUTED
    if SUPPORTED in verdicts and REFUTED in verdicts:
        return MIXED
    return INCONCLUSIVE

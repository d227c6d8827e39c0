"""Statistics behind verdicts: effects with CIs, tests that decide, and the overall label.

The unit of evidence is an independent replicate: its own dataset draw, init and
minibatch order. Conditions of a claim are paired by replicate (replicate r sees the
same dataset and init seed in every condition), so comparisons are paired. Where a
design shares a dataset across replicates, ``clusters`` names each replicate's dataset
and inference runs on per-dataset means (the cluster-level analysis of a balanced
random-effects design), never on the pooled replicates.

Every directional decision is two-sided at α = 0.05 and reported with the 95% CI dual
to its test, so a decided headline's CI always excludes its null value:
- "every pair holds" (a monotone trend, "beats every rival") is an intersection-union
  test: each member must hold at level α on its own, no correction needed;
- "some pair goes the other way" (a refutation) is a union: Holm-corrected
  (statsmodels), and the member that decided is reported.
Equivalence is TOST: the 90% CI inside a margin declared before the data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special, stats

ALPHA = 0.05
SUPPORTED, REFUTED, INCONCLUSIVE = "supported", "refuted", "inconclusive"
# a claim that holds in some declared settings and fails in others (named)
MIXED = "mixed"
VERDICTS = (SUPPORTED, REFUTED, MIXED, INCONCLUSIVE)


def t_sf(x: float | np.ndarray, df: float | np.ndarray) -> float | np.ndarray:
    """Student t survival function: what ``scipy.stats.t.sf`` computes (its ``_sf`` is
    this ``special.stdtr`` call), without the generic distribution machinery that costs
    ~100× more per call; calibration makes hundreds of thousands of these calls."""
    return special.stdtr(df, -np.asarray(x, float))


def t_ppf(q: float | np.ndarray, df: float | np.ndarray) -> float | np.ndarray:
    """Student t quantile, as ``scipy.stats.t.ppf`` (its ``_ppf``), at ~1% of the cost."""
    return special.stdtrit(df, q)


@dataclass
class Effect:
    """An estimate with its CI, the test of it against ``null`` and what it rests on."""

    mean: float
    ci_low: float
    ci_high: float
    n: int  # replicates
    p: float = math.nan  # two-sided p-value against ``null`` (NaN: no test)
    n_datasets: int = 0  # independent datasets behind it (= n unless clustered)
    null: float = 0.0

    def fmt(self, digits: int = 3) -> str:
        return f"{self.mean:.{digits}f} [{self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}]"

    def excludes(self, value: float | None = None) -> bool:
        """Does the CI lie wholly on one side of ``value`` (default: the null)?"""
        v = self.null if value is None else value
        return bool(self.ci_low > v or self.ci_high < v)

    def direction(self) -> int:
        d = self.mean - self.null
        return int(np.sign(d)) if not math.isnan(d) else 0  # NaN: no estimate, no side


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def _cluster_means(x: np.ndarray, clusters: Sequence[object] | np.ndarray | None
                   ) -> tuple[np.ndarray, int]:
    """(units of inference, replicates behind them): per-dataset means when clustered."""
    if clusters is None:
        x = np.asarray(x, float)
        ok = np.isfinite(x)
        return x[ok], int(ok.sum())
    x, c = np.asarray(x, float), np.asarray(clusters)
    ok = np.isfinite(x)
    x, c = x[ok], c[ok]
    codes, keys = pd.factorize(c)  # clusters in order of first appearance
    if keys.size == x.size:  # one replicate per dataset: the replicates themselves
        return x, int(ok.sum())
    return (np.bincount(codes, weights=x, minlength=keys.size)
            / np.bincount(codes, minlength=keys.size)), int(ok.sum())


def mean_ci(x: Sequence[float] | np.ndarray, confidence: float = 0.95, null: float = 0.0,
            clusters: Sequence[object] | np.ndarray | None = None) -> Effect:
    """Mean, t-based CI and two-sided one-sample t-test against ``null``.

    With ``clusters`` (each value's dataset), the test and CI are over dataset means.
    A zero-variance sample has a zero-width CI; its p is 0 if it differs from the null,
    else 1.
    """
    units, n = _cluster_means(np.asarray(x, float), clusters)
    k = units.size
    if k == 0:
        return Effect(math.nan, math.nan, math.nan, 0, math.nan, 0, null)
    m = float(units.mean())
    if k < 2:  # one unit: an estimate, no interval and no test
        return Effect(m, math.nan, math.nan, n, math.nan, k, null)
    if np.ptp(units) == 0:
        return Effect(m, m, m, n, 1.0 if m == null else 0.0, k, null)
    se = units.std(ddof=1) / math.sqrt(k)
    half = t_ppf(0.5 + confidence / 2, k - 1) * se
    p = float(2 * t_sf(abs(m - null) / se, k - 1))
    return Effect(m, m - half, m + half, n, p, k, null)


def paired(a: np.ndarray, b: np.ndarray, confidence: float = 0.95, null: float = 0.0,
           clusters: Sequence[object] | np.ndarray | None = None) -> Effect:
    """mean(a − b) over replicates paired by position: CI and two-sided paired t-test."""
    return mean_ci(np.asarray(a, float) - np.asarray(b, float), confidence, null, clusters)


def welch(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> Effect:
    """mean(a) − mean(b) for unpaired samples (e.g. timing repeats): Welch CI and p."""
    a, b = _finite(a), _finite(b)
    if a.size < 2 or b.size < 2:
        m = float(a.mean() - b.mean()) if a.size and b.size else math.nan
        return Effect(m, math.nan, math.nan, min(a.size, b.size), 1.0, min(a.size, b.size))
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(confidence)
    n = min(a.size, b.size)
    return Effect(float(a.mean() - b.mean()), float(ci.low), float(ci.high), n,
                  float(res.pvalue), n)


def bootstrap_ci(data: Sequence[np.ndarray], statistic: Callable[..., float],
                 confidence: float = 0.95, seed: int = 0, null: float = 0.0) -> Effect:
    """Paired percentile bootstrap CI of ``statistic(*samples)`` (scipy.stats.bootstrap).
    No p-value: a rule that uses it decides by where the CI lies."""
    arrays = [np.asarray(a, dtype=float) for a in data]
    point = float(statistic(*arrays))
    n = arrays[0].size
    if not np.isfinite(point):  # e.g. a median of "never reached" (inf): no interval
        return Effect(point, math.nan, math.nan, n, math.nan, n, null)
    if n < 3 or all(np.ptp(a) == 0 for a in arrays):
        return Effect(point, point, point, n, math.nan, n, null)
    with warnings.catch_warnings():  # resamples with undefined statistics: CI is NaN
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(arrays, statistic, paired=True, vectorized=False,
                              confidence_level=confidence, n_resamples=1999,
                              method="percentile", rng=np.random.default_rng(seed))
    return Effect(point, float(res.confidence_interval.low),
                  float(res.confidence_interval.high), n, math.nan, n, null)


def sign_test(a: np.ndarray, b: np.ndarray) -> Effect:
    """Paired sign test on a − b that handles infinities ('never reached'): the effect is
    the median difference, p two-sided (binomial), CI the order-statistic CI of the
    median difference (distribution-free, ≥ 95%). A pair where both are +inf is a tie."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    tie = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    with np.errstate(invalid="ignore"):
        d = a[~tie] - b[~tie]
    d = np.sort(d[~np.isnan(d)])
    pos, neg, n = int((d > 0).sum()), int((d < 0).sum()), int(a.size)
    if pos + neg == 0:
        return Effect(0.0, 0.0, 0.0, n, 1.0, n)
    p = float(stats.binomtest(pos, pos + neg, 0.5).pvalue)
    # order statistics nz_(j), nz_(m-1-j) of the non-zero differences (the ones the test
    # counts), j the largest k with P(B <= k) <= α/2: the CI excludes 0 iff p < α
    nz = d[d != 0]
    m = nz.size
    j = int(stats.binom.ppf(ALPHA / 2, m, 0.5))
    if stats.binom.cdf(j, m, 0.5) > ALPHA / 2:
        j -= 1
    lo, hi = (nz[j], nz[m - 1 - j]) if 0 <= j < m - 1 - j else (-math.inf, math.inf)
    return Effect(float(np.median(d)), float(lo), float(hi), n, p, n)


def sign_test_clustered(a: np.ndarray, b: np.ndarray,
                        clusters: Sequence[object] | np.ndarray | None = None) -> Effect:
    """:func:`sign_test` of a − b over independent units: the replicates themselves when
    each has its own dataset, else per-dataset medians of a − b (a pair that never reached
    on both sides counts 0 there), so replicates sharing a dataset are one unit. Missing
    pairs (NaN) are left out; ``n`` counts the replicates behind the units."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    c = None if clusters is None else np.asarray(clusters)[keep]
    if c is None or pd.unique(c).size == c.size:
        return sign_test(a, b)
    with np.errstate(invalid="ignore"):
        d = np.where(np.isinf(a) & (a == b), 0.0, a - b)
    units = pd.Series(d).groupby(c, sort=False).median().to_numpy(float)
    return replace(sign_test(units, np.zeros_like(units)), n=int(a.size))


def holm(pvalues: Sequence[float], alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Holm step-down: (reject, adjusted p) for a family of tests."""
    p = np.nan_to_num(np.asarray(pvalues, float), nan=1.0)
    if p.size == 0:
        return np.zeros(0, bool), p
    # statsmodels' multipletests(method="holm"), written out: it calls gc.collect() on
    # every call (~80 ms with torch and matplotlib loaded), too slow for calibration
    order = np.argsort(p, kind="stable")
    steps = p[order] * np.arange(p.size, 0, -1)
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted <= alpha, adjusted


@dataclass
class Family:
    """A family of directional effects (e.g. adjacent pairs) and what they decided.

    ``holds[i]``: effect i is significant in the claimed direction on its own (α,
    two-sided: the intersection-union test needs no correction); ``against[i]``:
    significant the other way after Holm over the family. ``deciding``: the index of
    the effect that decided, chosen by effect size (:func:`family`).
    """

    verdict: str
    effects: list[Effect]
    holds: list[bool]
    against: list[bool]
    p_against: list[float]  # Holm-adjusted two-sided p of the members
    deciding: int
    need: str = "all"

    @property
    def effect(self) -> Effect:
        """The deciding member with its own p, dual to its CI (a Holm-adjusted p is
        stated beside it, in words, where Holm decided)."""
        return self.effects[self.deciding]


def claimed_sizes(effects: Sequence[Effect], claimed: int) -> list[float]:
    """Each effect's distance from its null the claimed way (+1: above, −1: below);
    negative where it lies the other way, −inf where there is no estimate."""
    return [claimed * (e.mean - e.null) if np.isfinite(e.mean) else -math.inf
            for e in effects]


def family(effects: Sequence[Effect], claimed: int, need: str = "all",
           alpha: float = ALPHA) -> Family:
    """Decide ``claimed`` (+1: every effect > null, −1: < null) over a family.

    need="all": supported when every member holds (intersection-union); need="any":
    supported when some member holds after Holm. Refuted when any member is
    significantly opposite after Holm. Refutation wins over support (it can't be
    hidden); the label for a partly-supported, partly-refuted family is ``refuted``
    because the claim is about every member.
    """
    effects = list(effects)
    p = [e.p if np.isfinite(e.p) else 1.0 for e in effects]
    sign = [e.direction() for e in effects]
    _, adj = holm(p, alpha)
    against = [bool(a < alpha and s == -claimed) for a, s in zip(adj, sign, strict=True)]
    if need == "all":
        holds = [bool(q < alpha and s == claimed) for q, s in zip(p, sign, strict=True)]
        ok = all(holds)
    else:
        holds = [bool(a < alpha and s == claimed) for a, s in zip(adj, sign, strict=True)]
        ok = any(holds)
    # the deciding member by the rule's logic, by effect (never by the largest p): the
    # strongest refutation; the weakest support when every member must hold, the strongest
    # when one suffices; undecided, the weakest member that does not hold (every), or the
    # one closest to holding (some)
    size = claimed_sizes(effects, claimed)
    if any(against):
        verdict = REFUTED
        deciding = min((i for i, a in enumerate(against) if a), key=lambda i: size[i])
    elif ok:
        verdict = SUPPORTED
        members = [i for i, h in enumerate(holds) if h]
        deciding = (min if need == "all" else max)(members, key=lambda i: size[i])
    else:
        verdict = INCONCLUSIVE
        members = [i for i, h in enumerate(holds) if not h]
        deciding = (min if need == "all" else max)(members, key=lambda i: size[i])
    return Family(verdict, effects, holds, against, [float(a) for a in adj], deciding,
                  need)


@dataclass
class MonotoneResult:
    """Adjacent pairs decide support; every ordered pair can refute (see monotone)."""

    verdict: str
    levels: list[object]
    family: Family  # the adjacent pairs
    pairs: list[dict[str, object]] = field(default_factory=list)
    reversal: tuple[str, Effect] | None = None  # the ordered pair that refuted, if any

    @property
    def effect(self) -> Effect:
        return self.reversal[1] if self.reversal else self.family.effect

    @property
    def deciding_pair(self) -> str:
        if self.reversal:
            return self.reversal[0]
        return str(self.pairs[self.family.deciding]["pair"])


def monotone(levels: Sequence[object], samples: Sequence[np.ndarray], direction: str,
             paired_samples: bool = True,
             clusters: Sequence[object] | np.ndarray | None = None) -> MonotoneResult:
    """Is y strictly monotone over ordered ``levels``? Two-sided tests.

    Differences are y[i] − y[j] for i < j; ``direction="decreasing"`` claims them > 0.
    Supported when every ADJACENT pair holds on its own (intersection-union: strict
    monotonicity needs each step). Refuted when SOME ordered pair, adjacent or not, goes
    significantly the other way after Holm over all k(k−1)/2 pairs: a reversal spread
    over several small steps (each undecided) is still a reversal. Else inconclusive.
    Paired t-tests (clustered by dataset when ``clusters`` is given), or Welch when not
    paired.
    """
    claimed = 1 if direction == "decreasing" else -1
    k = len(levels)

    def diff(i: int, j: int) -> Effect:
        a, b = np.asarray(samples[i], float), np.asarray(samples[j], float)
        return paired(a, b, clusters=clusters) if paired_samples else welch(a, b)

    ordered = [(i, j) for i in range(k) for j in range(i + 1, k)]
    every = {ij: diff(*ij) for ij in ordered}
    adjacent = [every[(i, i + 1)] for i in range(k - 1)]
    fam = family(adjacent, claimed, "all")
    p_all = [every[ij].p if np.isfinite(every[ij].p) else 1.0 for ij in ordered]
    _, adj_all = holm(p_all)
    against = {ij: bool(a < ALPHA and every[ij].direction() == -claimed)
               for ij, a in zip(ordered, adj_all, strict=True)}
    p_holm = dict(zip(ordered, adj_all, strict=True))
    pairs = [{"pair": f"{levels[i]} → {levels[j]}", "from": levels[i], "to": levels[j],
              "adjacent": j == i + 1,
              "diff": every[(i, j)].mean, "ci_low": every[(i, j)].ci_low,
              "ci_high": every[(i, j)].ci_high, "p": every[(i, j)].p,
              "p_holm_opposite": float(p_holm[(i, j)]),
              "holds": bool(fam.holds[i]) if j == i + 1 else False,
              "opposite": against[(i, j)]}
             for i, j in ordered if j == i + 1 or against[(i, j)]]
    if any(against.values()):
        # the strongest reversal, with its own p (its Holm p is in the pairs table)
        i, j = max((ij for ij in ordered if against[ij]), key=lambda ij: abs(every[ij].mean))
        reversal = (f"{levels[i]} → {levels[j]}", every[(i, j)])
        return MonotoneResult(REFUTED, list(levels), fam, pairs, reversal)
    verdict = SUPPORTED if all(fam.holds) else INCONCLUSIVE
    return MonotoneResult(verdict, list(levels), fam, pairs)


def how_decided(verdict: str, need: str = "all") -> str:
    """What a family's deciding member was, in words (for a setting's decided_by)."""
    if verdict == REFUTED:
        return "significantly the other way (Holm)"
    if verdict == SUPPORTED:
        return ("weakest of the members, all significant" if need == "all" else
                "significant after Holm")
    return "not significant"


def tost(effect90: Effect, margin: float) -> str:
    """Equivalence by the 90% CI: SUPPORTED inside ±margin, REFUTED wholly outside."""
    if -margin < effect90.ci_low and effect90.ci_high < margin:
        return SUPPORTED
    if effect90.ci_low > margin or effect90.ci_high < -margin:
        return REFUTED
    return INCONCLUSIVE


def decide(supported: bool, refuted: bool) -> str:
    """A declared rule's outcome: REFUTED when its refutation condition holds (it is
    never hidden), else SUPPORTED when its support condition holds, else INCONCLUSIVE."""
    if refuted:
        return REFUTED
    return SUPPORTED if supported else INCONCLUSIVE


# The quantifier a claim's quote states, and so which of its declared settings decide its
# label: "all" (universal: "always", "monotonically", a law), "primary" (the quote speaks
# of one setting; the others give scope), "some" (hedged or existential: "can", "tends to").
QUANTIFIERS = ("all", "primary", "some")
# What decided a setting: the claimed effect; a meaningful effect the other way (beyond the
# claim's smallest effect); a CI inside ± the smallest effect; nothing; an exact check.
EFFECT, OPPOSITE, NO_EFFECT, UNDECIDED, CHECK = ("effect", "opposite effect",
                                                 "no meaningful effect", "undecided", "check")
BASES = (EFFECT, OPPOSITE, NO_EFFECT, UNDECIDED, CHECK)


def label(quantifier: str, primary: str, verdicts: Mapping[str, str]) -> str:
    """The claim's label from its quantifier and its judged settings' verdicts (every
    declared judged setting, in order; one without runs is inconclusive).

    - ``primary``: the primary setting's verdict; the others are scope, never the label;
    - ``all``: refuted if refuted in some setting (a counterexample refutes a universal),
      supported if supported in every one, else inconclusive;
    - ``some``: supported if supported in some setting (after Holm across them, done by
      the caller), refuted if refuted in every one, else inconclusive.
    """
    if quantifier not in QUANTIFIERS:
        raise ValueError(f"quantifier={quantifier!r} is invalid: allowed values are "
                         f"{list(QUANTIFIERS)}")
    every = list(verdicts.values())
    if quantifier == "primary":
        return verdicts.get(primary, INCONCLUSIVE)
    if quantifier == "some":
        if SUPPORTED in every:
            return SUPPORTED
        return REFUTED if every and all(v == REFUTED for v in every) else INCONCLUSIVE
    if REFUTED in every:
        return REFUTED
    return SUPPORTED if every and all(v == SUPPORTED for v in every) else INCONCLUSIVE


def equivalence_p(effect: Effect, margin: float, level: float = 0.95) -> float:
    """TOST p of "within ±``margin`` of the null", read back from the effect's two-sided CI
    at ``level``: each side's standard error is its half-width over the t quantile of the
    independent units (exact for a t CI; for another CI, e.g. a sign test's, a
    t-approximation that still agrees with it at ``level``). p < (1 − level)/2 exactly
    when the CI lies inside ±margin, so p-values of several parts can be Holm-corrected."""
    k = effect.n_datasets or effect.n
    d = effect.mean - effect.null
    if k < 2 or not np.isfinite([d, effect.ci_low, effect.ci_high]).all():
        return 1.0
    t = float(t_ppf(0.5 + level / 2, k - 1))
    sides = ((effect.ci_high - effect.mean, margin - d), (effect.mean - effect.ci_low, margin + d))
    p = []
    for half, room in sides:
        if half <= 0:
            p.append(0.0 if room > 0 else 1.0)
        else:
            p.append(float(t_sf(room / (half / t), k - 1)))
    return max(p)


def one_sided_p(effect: Effect, side: int) -> float:
    """p of the one-sided t-test that the effect lies on ``side`` of its null (−1: below,
    +1: above), from its two-sided p: half of it on that side, one minus half beyond it.
    A claim of non-superiority (below a margin, TOST's one side) is decided by it at α,
    dual to the upper bound of the 1 − 2α CI. No estimate or test: 1."""
    d = effect.mean - effect.null
    if not np.isfinite([d, effect.p]).all():
        return 1.0
    return float(effect.p / 2 if np.sign(d) == side else 1 - effect.p / 2)


def scope(primary: str, verdicts: Mapping[str, str]) -> str:
    """'holds in A, B; fails in C; undecided in D' over the named settings."""
    parts = []
    for word, label in ((SUPPORTED, "holds in"), (REFUTED, "fails in"),
                        (INCONCLUSIVE, "undecided in")):
        names = [f"{s} (primary)" if s == primary else s for s, v in verdicts.items()
                 if v == word]
        if names:
            parts.append(f"{label} {', '.join(names)}")
    return "; ".join(parts)


def replicates_for(effect: float, sd: float, alpha: float = ALPHA, power: float = 0.8
                   ) -> int:
    """Replicates a two-sided paired t-test needs to detect ``effect`` (raw units) with
    ``power``, given the SD of the paired differences (statsmodels TTestPower)."""
    from statsmodels.stats.power import TTestPower

    d = abs(effect) / sd
    # with 2 units a t-test already has this power: the solver has no root below it (it
    # fails or returns NaN for very large effects, e.g. a margin 10^4 SDs wide)
    if TTestPower().power(effect_size=d, nobs=2, alpha=alpha,
                          alternative="two-sided") >= power:
        return 2
    n = TTestPower().solve_power(effect_size=d, alpha=alpha, power=power,
                                 alternative="two-sided")
    return max(2, math.ceil(n))


def mde(sd: float, n: int, alpha: float = ALPHA, power: float = 0.8) -> float:
    """Minimum detectable effect (raw units) of a two-sided paired t-test on ``n``
    independent units with SD ``sd``, at ``power``."""
    if n < 2 or not np.isfinite(sd):
        return math.nan
    from statsmodels.stats.power import TTestPower

    d = TTestPower().solve_power(nobs=n, alpha=alpha, power=power, alternative="two-sided")
    return float(d * sd)


def tost_family(effects90: list[Effect], margin: float
                ) -> tuple[str, int, list[float], list[float]]:
    """Equivalence of every member within ±``margin`` (t-based 90% CIs).

    Supported when every member's 90% CI lies inside the margin (TOST at α = 0.05 each,
    intersection-union: no correction). Refuted when some member lies significantly
    outside: one-sided t-test against the nearer margin, Holm over the members (its 90%
    CI then lies wholly outside). Returns (verdict, deciding member, TOST p per member,
    Holm-adjusted p of 'outside' per member). Deciding: the refuting member, else the
    member with the largest TOST p (the least clearly equivalent one).
    """
    p_eq, p_out = [], []
    for e in effects90:
        k = e.n_datasets
        half = (e.ci_high - e.ci_low) / 2
        m = e.mean
        if k < 2 or not np.isfinite(half):
            p_eq.append(1.0)
            p_out.append(1.0)
            continue
        se = half / t_ppf(0.95, k - 1)
        if se == 0:
            p_eq.append(0.0 if abs(m) < margin else 1.0)
            p_out.append(0.0 if abs(m) > margin else 1.0)
            continue
        p_eq.append(float(max(t_sf((m + margin) / se, k - 1),
                              t_sf((margin - m) / se, k - 1))))
        p_out.append(float(min(t_sf((m - margin) / se, k - 1),
                               t_sf((-margin - m) / se, k - 1))))
    inside = [tost(e, margin) == SUPPORTED for e in effects90]
    reject, adj = holm(p_out)
    if reject.any():
        i = min(np.flatnonzero(reject), key=lambda j: adj[j])
        return REFUTED, int(i), p_eq, [float(a) for a in adj]
    if all(inside):
        return SUPPORTED, int(np.argmax(p_eq)), p_eq, [float(a) for a in adj]
    i = max((j for j in range(len(inside)) if not inside[j]), key=lambda j: p_eq[j])
    return INCONCLUSIVE, int(i), p_eq, [float(a) for a in adj]


@dataclass
class TrendResult:
    """A downward trend with no significant reversal (see :func:`downward_trend`)."""

    verdict: str
    effect: Effect  # the deciding statistic, per unit of x: the trend, or the reversal
    reversed: bool  # True when a reversal (not the trend) decided
    trend: Effect  # mean over replicates of the fall per unit of x
    pairs: MonotoneResult  # every ordered pair (stats.monotone, "decreasing")


def downward_trend(x: np.ndarray, labels: list[str], samples: list[np.ndarray],
                   clusters: Sequence[object] | np.ndarray | None = None) -> TrendResult:
    """"Falls with x": a downward trend with no significant reversal.

    Per replicate the fall per unit of ``x`` = −OLS slope of ``samples`` (one array per
    level, ordered by replicate) on ``x``, t-tested over replicates (clustered by
    dataset); and :func:`monotone`'s Holm refutation over all ordered pairs. Supported
    if the fall is significantly > 0 and no pair rises significantly; refuted if the fall
    is significantly < 0 or such a reversal exists (then, unless the trend itself is
    significantly < 0, the reversal decides, divided by its distance in ``x``).
    """
    x = np.asarray(x, float)
    centred = x - x.mean()
    fall = -(np.column_stack(samples) @ centred) / (centred @ centred)
    trend = mean_ci(fall, clusters=clusters)
    res = monotone(labels, samples, "decreasing", clusters=clusters)
    reversal = res.verdict == REFUTED
    verdict = decide(trend.ci_low > 0 and not reversal, trend.ci_high < 0 or reversal)
    if reversal and not trend.ci_high < 0:
        i, j = (labels.index(v) for v in res.deciding_pair.split(" → "))
        e, dx = res.effect, float(x[j] - x[i])
        per = Effect(e.mean / dx, e.ci_low / dx, e.ci_high / dx, e.n, e.p, e.n_datasets)
        return TrendResult(verdict, per, True, trend, res)
    return TrendResult(verdict, trend, False, trend, res)


def fraction_recovered(gap: np.ndarray, left: np.ndarray,
                       clusters: Sequence[object] | np.ndarray, null: float = 0.5,
                       confidence: float = 0.95) -> Effect:
    """The fraction of a gap that a remedy recovers, f = 1 − mean(left) / mean(gap) over
    dataset means (``gap``: the drop per replicate; ``left``: what remains of it after the
    remedy), with the t-test of f = ``null`` (one-sample t of left − (1 − null)·gap) and
    its dual Fieller CI. A ratio's delta-method CI is not dual to that test and is too
    narrow when the gap is small; Fieller's is exact under normality, and unbounded (with
    p = NaN: nothing is tested) where the gap is not distinguishable from 0, since then
    the ratio is not identified."""
    gap, left = np.asarray(gap, float), np.asarray(left, float)
    ok = np.isfinite(gap) & np.isfinite(left)
    frame = pd.DataFrame({"b": gap[ok], "c": left[ok], "k": np.asarray(clusters)[ok]})
    units = frame.groupby("k", sort=False)[["b", "c"]].mean()
    k, n = len(units), int(ok.sum())
    if k < 3:
        return Effect(math.nan, math.nan, math.nan, n, math.nan, k, null)
    b, c = units.b.to_numpy(), units.c.to_numpy()
    bm, cm = b.mean(), c.mean()
    s = np.cov(b, c, ddof=1) / k  # covariance of the two means
    t = float(t_ppf(0.5 + confidence / 2, k - 1))
    f = 1 - cm / bm if bm != 0 else math.nan
    p = mean_ci(c - (1 - null) * b).p
    # Fieller: θ = mean(c)/mean(b) with (cm − θ·bm)² ≤ t²·(s_cc − 2θ·s_bc + θ²·s_bb)
    qa = bm**2 - t**2 * s[0, 0]
    qb = -2 * (cm * bm - t**2 * s[0, 1])
    qc = cm**2 - t**2 * s[1, 1]
    disc = qb**2 - 4 * qa * qc
    if qa > 0 and disc >= 0:
        r = math.sqrt(disc)
        lo, hi = 1 - (-qb + r) / (2 * qa), 1 - (-qb - r) / (2 * qa)
    else:  # the gap is not distinguishable from 0: the ratio is not identified
        lo, hi, p = -math.inf, math.inf, math.nan
    return Effect(float(f), float(lo), float(hi), n, p, k, null)

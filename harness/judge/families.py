"""Rule families: the statistics of a claim, written once.

A family owns (1) its decision on one setting's :class:`~harness.judge.table.Table`,
returning a :class:`Decision` (the verdict, the statistic that decided, and its member
table under one set of column names for every family); (2) its calibration scenarios,
``draw(rng, design, scenario)``: the least-favourable null (:data:`NULL`), the smallest
declared effect in every member (:data:`PLANTED`), or any multiple of it (a float:
negative = the opposite effect); (3) its rule text and effect label, generated from its
parameters, so prose and code cannot disagree. Families use the tests of
:mod:`harness.core.stats` and nothing else.

Member tables have the columns ``setting, member, estimate, ci_low, ci_high, p, p_holm,
n, n_datasets, holds, opposite`` (``p_holm``: Holm-adjusted p of the member going the
other way; ``holds``: significant in the claimed direction on its own; ``opposite``:
significant against it after Holm), plus family-specific ones (``adjacent``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.measures import Measure
from harness.judge.outcome import Outcome
from harness.judge.table import Table
from harness.track.results import RunSet

NULL, PLANTED = "null", "planted"  # calibration scenarios; a float = that × min_effect
DIRECTIONS = ("decreasing", "increasing")


class Claim(Protocol):
    """What a family reads of the claim it words (:class:`harness.judge.claims.Claim`)."""

    measure: Measure
    min_effect: float


@dataclass(frozen=True)
class Design:
    """What a simulated setting looks like: its replicates, the datasets they share (None:
    one each), the claim's smallest effect and pilot SD."""

    replicates: int
    min_effect: float
    sd: float
    datasets: int | None = None

    def clusters(self) -> np.ndarray:
        k = self.datasets or self.replicates
        return np.arange(self.replicates) % k


@dataclass
class Decision:
    """One setting's outcome under a family: verdict, deciding statistic, members."""

    verdict: str
    effect: stats.Effect
    decided_by: str
    members: pd.DataFrame
    ci_level: float = 0.95


def member_row(member: str, e: stats.Effect, **extra: Any) -> dict[str, Any]:
    """One member in the shared column names."""
    return {"member": member, "estimate": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
            "p": e.p, "n": e.n, "n_datasets": e.n_datasets, **extra}


def _steps(rng: np.random.Generator, k: int, scenario: str | float, effect: float
           ) -> np.ndarray:
    """Per-member effects of a k-member every-member family: ``effect`` in each
    (PLANTED), scale × effect in each (a float), or the least favourable null: one member
    drawn at random exactly at 0, the others at ``effect``."""
    if not isinstance(scenario, str):
        return np.full(k, float(scenario) * effect)
    out = np.full(k, effect)
    if scenario == NULL:
        out[rng.integers(k)] = 0.0
    return out


def paired_draw(rng: np.random.Generator, means: np.ndarray, design: Design) -> np.ndarray:
    """(replicates, levels) values: a replicate effect shared by every level plus
    independent noise, scaled so that a paired difference has SD ``design.sd``; replicates
    that share a dataset share its effect."""
    k = design.datasets or design.replicates
    dataset = rng.normal(0, design.sd, k)[design.clusters()]
    noise = rng.normal(0, design.sd / math.sqrt(2), (design.replicates, means.size))
    return means[None, :] + dataset[:, None] + noise


class Family:
    """Base class: every family decides a table, draws calibration tables and words its
    rule. ``ci_level`` is the level of the CIs it reports (0.90 for TOST)."""

    ci_level = 0.95

    def decide(self, table: Table) -> Decision:
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        raise NotImplementedError

    def words(self, claim: Claim) -> str:
        raise NotImplementedError

    def effect_label(self, claim: Claim) -> str:
        raise NotImplementedError

    def reads(self, claim: Claim) -> tuple:
        """The levels of the claim's factor this family compares."""
        return claim.measure.factor.levels


def _direction(direction: str) -> int:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction={direction!r} is invalid: allowed values are "
                         f"{list(DIRECTIONS)}")
    return 1 if direction == "decreasing" else -1


@dataclass(frozen=True)
class Monotone(Family):
    """Strictly monotone along the factor: every adjacent pair must hold on its own
    (intersection-union); any ordered pair going the other way after Holm over all of
    them refutes (:func:`harness.core.stats.monotone`). ``paired=False``: independent
    samples per level (Welch), e.g. timing repeats."""

    direction: str = "decreasing"
    paired: bool = True

    def __post_init__(self) -> None:
        _direction(self.direction)

    def decide(self, table: Table) -> Decision:
        res = stats.monotone(list(table.levels), table.columns(), self.direction,
                             paired_samples=self.paired and table.paired,
                             clusters=table.clusters if self.paired else None)
        rows = [member_row(str(p["pair"]), stats.Effect(
            float(p["diff"]), float(p["ci_low"]), float(p["ci_high"]), 0, float(p["p"])),
            p_holm=p["p_holm_opposite"], holds=p["holds"], opposite=p["opposite"],
            adjacent=p["adjacent"]) for p in res.pairs]
        members = pd.DataFrame(rows).drop(columns=["n", "n_datasets"])
        return Decision(res.verdict, res.effect, f"pair {res.deciding_pair}", members)

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        diffs = _steps(rng, len(levels) - 1, scenario, design.min_effect)
        sign = _direction(self.direction)
        means = -sign * np.concatenate([[0.0], np.cumsum(diffs)])
        return Table(tuple(levels), paired_draw(rng, means, design), design.clusters(),
                     self.paired)

    def _ways(self) -> tuple[str, str]:
        return ("lower", "higher") if self.direction == "decreasing" else ("higher", "lower")

    def words(self, claim: Claim) -> str:
        f = claim.measure.factor
        k = len(f.levels)
        claimed, other = self._ways()
        test = ("two-sided paired t-test over replicates, clustered by dataset" if
                self.paired else "two-sided Welch t-test over independent repeats")
        return (f"{claim.measure.describe()} at each {f.words} ({', '.join(map(str, f.levels))})"
                f"; each pair of {f.words}s gets a {test}. Supported if every adjacent pair "
                f"is significantly {claimed} at the larger {f.words} (intersection-union, each "
                f"at α = 0.05); refuted if some ordered pair is significantly {other} at the "
                f"larger {f.words} after Holm over all {k * (k - 1) // 2} pairs; else "
                "inconclusive. Headline: the deciding pair's difference, smaller − larger "
                f"{f.words}.")

    def effect_label(self, claim: Claim) -> str:
        return (f"{claim.measure.label}, smaller − larger {claim.measure.factor.words} "
                "(deciding pair)")


@dataclass(frozen=True)
class Paired(Family):
    """Two levels, paired by replicate: the first minus the last, a two-sided paired
    t-test over dataset means. ``direction="decreasing"``: the claim is that the value
    falls from the first level to the last (difference > 0)."""

    direction: str = "decreasing"

    def __post_init__(self) -> None:
        _direction(self.direction)

    def reads(self, claim: Claim) -> tuple:
        levels = claim.measure.factor.levels
        return (levels[0], levels[-1])

    def decide(self, table: Table) -> Decision:
        a, b = table.levels[0], table.levels[-1]
        e = stats.paired(table.column(a), table.column(b), clusters=table.clusters)
        fam = stats.family([e], _direction(self.direction), "all")
        members = pd.DataFrame([member_row(
            f"{a} − {b}", e, p_holm=fam.p_against[0], holds=fam.holds[0],
            opposite=fam.against[0])])
        return Decision(fam.verdict, fam.effect, f"{a} − {b}", members)

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        d = _steps(rng, 1, scenario, design.min_effect)[0]
        means = np.array([0.0, -_direction(self.direction) * d])
        return Table((levels[0], levels[-1]), paired_draw(rng, means, design),
                     design.clusters())

    def words(self, claim: Claim) -> str:
        f = claim.measure.factor
        a, b = f.levels[0], f.levels[-1]
        claimed = "> 0" if self.direction == "decreasing" else "< 0"
        other = "< 0" if self.direction == "decreasing" else "> 0"
        return (f"{claim.measure.describe()} at {f.words} {a} and {b}; two-sided paired "
                f"t-test of the difference ({a} − {b}) over replicates, clustered by "
                f"dataset: supported if significantly {claimed}, refuted if significantly "
                f"{other} (α = 0.05), else inconclusive. Headline: that difference.")

    def effect_label(self, claim: Claim) -> str:
        f = claim.measure.factor
        return f"{claim.measure.label}, {f.words} {f.levels[0]} − {f.levels[-1]}"


@dataclass(frozen=True)
class Custom:
    """The escape hatch: a rule that fits no family keeps its own callables. ``decide``
    maps runs to an :class:`~harness.judge.claims.Outcome`; ``simulate(rng, planted,
    scale=None)`` builds synthetic runs for calibration; ``words``, ``runs`` and
    ``effect_label`` are its prose, written by hand (the rules lock fingerprints the
    callables' source with it)."""

    decide: Callable[[RunSet], Outcome]
    words: str
    runs: str
    effect_label: str
    simulate: Callable[..., RunSet] | None = None

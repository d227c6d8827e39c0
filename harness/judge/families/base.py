"""Rule families: the statistics of a claim, written once (this module: what they share).

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
from harness.judge.table import Table

NULL, PLANTED = "null", "planted"  # calibration scenarios; a float = that × min_effect
DIRECTIONS = ("decreasing", "increasing")


class Claim(Protocol):
    """What a family reads of the claim it words (:class:`harness.judge.claims.Claim`)."""

    measure: Measure
    min_effect: float
    settings: Any  # harness.judge.claims.Settings: its ``judged`` setting names


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
    ci_method: str = "t"  # harness.judge.outcome.CI_METHODS
    # the effects the claim is about, each its own test (members, adjacent pairs), and
    # whether it needs "all" of them or "any": what "no meaningful effect" is read from
    # (none: the deciding statistic alone)
    parts: tuple[tuple[str, stats.Effect], ...] = ()  # (name, effect)
    need: str = "all"
    # a refutation whose statistic is tested against its own declared margin (a guard's
    # cost beyond its non-inferiority margin, in the guard's units): its size is already
    # meaningful, so the claim's smallest effect (another unit) is not asked of it
    sized: bool = False
    # the deciding member's p after the setting's own multiplicity correction (Holm over
    # its members), where that differs from the effect's own p (NaN: it does not)
    p_adjusted: float = math.nan


def member_row(member: str, e: stats.Effect, **extra: Any) -> dict[str, Any]:
    """One member in the shared column names."""
    return {"member": member, "estimate": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
            "p": e.p, "n": e.n, "n_datasets": e.n_datasets, **extra}


def steps(rng: np.random.Generator, k: int, scenario: str | float, effect: float,
          need: str = "all", among: list[int] | None = None) -> np.ndarray:
    """Per-member effects of a k-member family: ``effect`` in each (PLANTED), scale ×
    effect in each (a float), or the least favourable null: for a claim about every member
    (``need="all"``) one member drawn at random exactly at 0 and the others at ``effect``;
    for a claim about some member (``"any"``) every member at 0. ``among``: the members
    the null may draw (default: any)."""
    if not isinstance(scenario, str):
        return np.full(k, float(scenario) * effect)
    if scenario == NULL and need == "any":
        return np.zeros(k)
    out = np.full(k, effect)
    if scenario == NULL:
        out[rng.integers(k) if among is None else among[rng.integers(len(among))]] = 0.0
    return out


def paired_draw(rng: np.random.Generator, means: np.ndarray, design: Design) -> np.ndarray:
    """(replicates, levels) values: a replicate effect shared by every level plus
    independent noise, scaled so that a paired difference has SD ``design.sd``; replicates
    that share a dataset share its effect."""
    k = design.datasets or design.replicates
    dataset = rng.normal(0, design.sd, k)[design.clusters()]
    noise = rng.normal(0, design.sd / math.sqrt(2), (design.replicates, means.size))
    return means[None, :] + dataset[:, None] + noise


def member_draw(rng: np.random.Generator, means: np.ndarray, design: Design) -> np.ndarray:
    """(replicates, members) values with SD ``design.sd`` around ``means`` per replicate:
    half the variance shared by the replicates of a dataset, half their own (so inference
    over dataset means sees the clustering when datasets are shared)."""
    k = design.datasets or design.replicates
    half = design.sd / math.sqrt(2)
    dataset = rng.normal(0, half, (k, means.size))[design.clusters()]
    return means[None, :] + dataset + rng.normal(0, half, (design.replicates, means.size))


def holm_over(claim: Claim, count: Callable[[tuple], int], lead: str = " after ") -> str:
    """The correction over a setting's members in rule text, after ``lead``, counted from
    the declaration (``count``: how many members a setting holding the given factor
    levels tests): "Holm over the k" where every judged setting tests k > 1, nothing
    (not even ``lead``) where each tests one, each setting's count where they differ,
    and the declared bound where the runs decide which levels a setting judges
    (:meth:`Measure.levels_in` None)."""
    m = claim.measure
    counts = {s: None if (levels := m.levels_in(s)) is None else count(levels)
              for s in claim.settings.judged}
    found = set(counts.values())
    if None in found:
        return (f"{lead}Holm over the members judged in the setting (at most "
                f"{count(m.factor.levels)})")
    if found == {1}:
        return ""
    if len(found) == 1:
        return f"{lead}Holm over the {found.pop()}"
    return (f"{lead}Holm over the setting's members ("
            + ", ".join(f"{k} in {s}" for s, k in counts.items()) + ")")


class Family:
    """Base class: every family decides a table, draws calibration tables and words its
    rule. ``ci_level`` is the level of the CIs it reports (0.90 for TOST)."""

    ci_level = 0.95
    min_levels = 2  # a comparison needs two levels; a family of members needs one
    # what the per-level table of means is to this family's decision (a check reads
    # extremes, so there the means over replicates only describe)
    levels_words = "95% CI over datasets"

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

    def for_setting(self, name: str) -> Family:
        """The rule in setting ``name``: the same everywhere unless a family lets a claim
        declare otherwise (:class:`~harness.judge.families.check.Check`)."""
        return self


def direction_sign(direction: str) -> int:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction={direction!r} is invalid: allowed values are "
                         f"{list(DIRECTIONS)}")
    return 1 if direction == "decreasing" else -1

"""A claim that some member gains without a cost (e.g. "L2 reduces overfitting without
lowering test accuracy", at some strength).

Each member has two columns of the table: its gain (per replicate, e.g. the train–test
gap at λ = 0 minus at λ), claimed above 0, and its guard (the change of a second metric,
e.g. test accuracy at λ minus at λ = 0), which must stay above −``margin``
(non-inferiority). A member counts when both hold: the intersection-union p (the larger
of its two one-sample t-tests, over dataset means), Holm over the members. Supported when
some member counts (headline: its gain, with the Holm-adjusted p); refuted when every
member fails significantly on its own (its gain significantly below 0, or its guard
significantly below −margin; intersection-union, each at α); else inconclusive (headline:
the gain of the member closest to counting). Unlike the
:class:`~harness.judge.gates.NonInferior` gate, which guards every level, the guard here
belongs to its member: only a member that counts must keep the second metric, and a
member that pays for its gain fails.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import (
    NULL,
    Claim,
    Decision,
    Design,
    Family,
    holm_over,
    member_draw,
    member_row,
    steps,
)
from harness.judge.table import Table


@dataclass(frozen=True)
class Guarded(Family):
    """Some member gains and keeps its guard (see the module docstring). ``members``: the
    members in prose; ``gains`` and ``guards``: their levels in the table, in the same
    order; ``guard_words``: what a guard column is; ``guard_sd``: the pilot SD of a guard
    column, where its metric is not in the gain's units (None: the claim's pilot SD, and
    the guard moves by the claim's smallest effect in calibration, else by ``margin``)."""

    members: tuple
    gains: tuple
    guards: tuple
    margin: float
    guard_words: str = "guard"
    guard_sd: float | None = None
    min_levels = 2  # a gain and its guard

    def __post_init__(self) -> None:
        for name in ("members", "gains", "guards"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not len(self.members) == len(self.gains) == len(self.guards):
            raise ValueError("gains and guards are invalid: allowed values are one level "
                             "each per member")

    def reads(self, claim: Claim) -> tuple:
        return (*self.gains, *self.guards)

    def count(self, levels: tuple) -> int:
        """How many members a setting holding ``levels`` tests: those with both their gain
        and their guard (as :meth:`decide` reads them; :func:`holm_over`)."""
        return sum(g in levels and d in levels for g, d in zip(self.gains, self.guards,
                                                              strict=True))

    def decide(self, table: Table) -> Decision:
        there = [i for i in range(len(self.members))
                 if self.gains[i] in table.levels and self.guards[i] in table.levels]
        name = [self.members[i] for i in there]
        gain = [stats.mean_ci(table.column(self.gains[i]), clusters=table.clusters)
                for i in there]
        guard = [stats.mean_ci(table.column(self.guards[i]), null=-self.margin,
                               clusters=table.clusters) for i in there]
        k = range(len(there))
        both = [max(gain[i].p, guard[i].p) if gain[i].mean > 0 and guard[i].mean > -self.margin
                else 1.0 for i in k]
        _, holm = stats.holm(both)
        holds = [bool(q < stats.ALPHA) for q in holm]
        loses = [gain[i].p < stats.ALPHA and gain[i].mean < 0 for i in k]
        costs = [guard[i].p < stats.ALPHA and guard[i].mean < -self.margin for i in k]
        fails = [a or b for a, b in zip(loses, costs, strict=True)]
        sized = False  # a refutation by guards, each tested against its own margin
        if any(holds):
            i = max((i for i in k if holds[i]), key=lambda i: gain[i].mean)  # the strongest
            verdict, effect = stats.SUPPORTED, gain[i]
            how = (f"{name[i]}: gains, and {self.guard_words} not lower by {self.margin:g} "
                   f"(the larger p of the two, Holm over the members: {holm[i]:.2g})")
        elif all(fails):
            # a member that fails only by a loss is read in the gain's units, where the
            # label rule asks the claim's smallest effect of it: the smallest such loss
            # decides; only when every member pays by its guard (against its own margin:
            # sized) does the weakest guard failure
            only_lost = [i for i in k if not costs[i]]
            if only_lost:
                i = min(only_lost, key=lambda i: abs(gain[i].mean))
            else:
                i, sized = max(k, key=lambda i: guard[i].p), True
            verdict, effect = stats.REFUTED, guard[i] if sized else gain[i]
            how = f"{name[i]}, the weakest of every member's failure: " + (
                f"{self.guard_words} lower by more than {self.margin:g} (effect: "
                f"{self.guard_words} change)" if sized else "loses")
        else:
            i = min(k, key=lambda i: (not gain[i].mean > 0, holm[i]))
            why = ("gain not significant" if not (gain[i].p < stats.ALPHA and gain[i].mean > 0)
                   else f"{self.guard_words} not shown within {self.margin:g}"
                   if not (guard[i].p < stats.ALPHA and guard[i].mean > -self.margin)
                   else "not significant after Holm over the members")
            verdict, effect = stats.INCONCLUSIVE, gain[i]
            how = f"{name[i]}, the closest to counting: {why}"
        rows = pd.DataFrame([member_row(name[i], gain[i], guard=guard[i].mean,
                                        guard_ci_low=guard[i].ci_low,
                                        guard_ci_high=guard[i].ci_high, guard_p=guard[i].p,
                                        p_both=both[i], p_holm=float(holm[i]), holds=holds[i],
                                        opposite=fails[i]) for i in k])
        return Decision(verdict, effect, how, rows,
                        parts=tuple(zip(name, gain, strict=True)), need="any",
                        sized=sized,
                        p_adjusted=float(holm[i]) if verdict == stats.SUPPORTED else np.nan)

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        """Gains and guards with SD ``design.sd``. Planted (or a scale): every member gains
        the effect and its guard moves by as much (a gain that comes with a better second
        metric). The least-favourable null, one condition drawn at random at its
        boundary in every member (some member is claimed), the other planted: no gain, or
        the gain paid for by a guard exactly at −margin."""
        k = len(self.members)
        unit = design.min_effect if self.guard_sd is None else self.margin  # the guard's
        if scenario != NULL:
            gain = steps(rng, k, scenario, design.min_effect)
            guard = gain / design.min_effect * unit
        elif rng.integers(2):
            gain, guard = np.full(k, design.min_effect), np.full(k, -self.margin)
        else:
            gain, guard = np.zeros(k), np.full(k, unit)
        own = replace(design, sd=self.guard_sd) if self.guard_sd is not None else design
        values = np.concatenate([member_draw(rng, gain, design),
                                 member_draw(rng, guard, own)], axis=1)
        table = Table((*self.gains, *self.guards), values, design.clusters())
        return table.keep([b for b in levels if b in table.levels])

    def words(self, claim: Claim) -> str:
        return (f"{claim.measure.describe()}: per member ({', '.join(map(str, self.members))}),"
                " over dataset means, two-sided one-sample t-tests of its gain against 0 and "
                f"of its {self.guard_words} change against −{self.margin:g} "
                "(non-inferiority). A member counts if its gain is significantly above 0 and "
                f"its {self.guard_words} change significantly above −{self.margin:g} "
                "(intersection-union p = the larger of the two)"
                f"{holm_over(claim, self.count, ', ')}. "
                "Supported if some member counts (the statistic: the strongest such gain, "
                "its own p and CI, the Holm-adjusted p beside them); refuted if every "
                "member fails significantly, i.e. loses "
                f"(gain significantly below 0) or lowers {self.guard_words} by more than "
                f"{self.margin:g} (intersection-union, each at α = 0.05; the statistic: the "
                "weakest failure); else inconclusive (the statistic: the gain of the member "
                "closest to counting).")

    def effect_label(self, claim: Claim) -> str:
        return f"{claim.measure.label}, the deciding member"

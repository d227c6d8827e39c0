"""A claim that some remedy recovers more than a fraction of a gap (e.g. "re-tuning the
learning rate recovers most of the accuracy lost at a large batch").

The table's levels are the gap (``reference``: the drop per replicate, e.g. accuracy at
the smallest batch − at the largest) and, per member (a remedy), what remains of that gap
after it. A member's statistic is the fraction recovered, f = 1 − mean(left) / mean(gap)
over dataset means, tested against ``null`` with its dual Fieller CI
(:func:`harness.core.stats.fraction_recovered`): a ratio, so neither a paired difference
nor a one-sample mean of the members says it. The members are then decided as by
:class:`~harness.judge.families.members.SomeMember` (Holm support over the members; by
default refuted only when every member recovers significantly less than ``null``). The
gap itself must exist for the fraction to mean anything: that is a premise
(:class:`~harness.judge.gates.Premise` on the same level), not part of this rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.core import stats
from harness.judge.families.base import Claim, Design, holm_over, member_draw, steps
from harness.judge.families.members import SomeMember, member_sign
from harness.judge.table import Table


@dataclass(frozen=True)
class Recovered(SomeMember):
    """Some member recovers more (``direction="positive"``) than ``null`` of the gap in
    level ``reference`` (see the module docstring)."""

    null: float = 0.5
    reference: object = "gap"
    refute: str = "every"
    min_levels = 2  # the gap and one member

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.refute == "equivalent":
            raise ValueError("refute='equivalent' is invalid: allowed values are "
                             "['any', 'every']")

    ci_method = "Fieller"

    def effects(self, table: Table, confidence: float = 0.95) -> list[stats.Effect]:
        gap = table.column(self.reference)
        return [stats.fraction_recovered(gap, table.column(b), table.clusters, self.null,
                                         confidence) for b in self.names(table)]

    def label(self, name: object) -> str:
        return str(name)

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        """A unit gap (so ``design.sd`` is in units of the fraction: the SD of left −
        (1 − null)·gap per replicate) and each member leaving 1 − f of it, f = null
        shifted by the scenario's effect the claimed way."""
        members = [b for b in levels if b != self.reference]
        f = self.null + member_sign(self.direction) * steps(
            rng, len(members), scenario, design.min_effect, self.need)
        means = np.concatenate([[1.0], 1.0 - f])
        # independent columns: var(left − (1 − null)·gap) = sd² (1 + (1 − null)²) / c²
        scale = design.sd / np.sqrt(1 + (1 - self.null) ** 2)
        values = member_draw(rng, means, Design(design.replicates, design.min_effect, scale,
                                                design.datasets))
        return Table((self.reference, *members), values, design.clusters())

    def words(self, claim: Claim) -> str:
        claimed, other = self._side()
        members = [b for b in claim.measure.factor.levels if b != self.reference]
        holm = holm_over(claim, self.count)
        refute = {"any": f"some member recovers significantly {other} it{holm}",
                  "every": f"every member recovers significantly {other} it "
                           "(intersection-union, each at α = 0.05)"}[self.refute]
        return (f"{claim.measure.describe()}: per member ({', '.join(map(str, members))}), "
                f"the fraction of the {self.reference} recovered, f = 1 − mean(what the "
                f"member leaves of it) / mean({self.reference}) over datasets, tested against "
                f"{self.null:g} by the two-sided t-test of (what it leaves) − "
                f"{1 - self.null:g}·({self.reference}) over datasets, with the dual Fieller "
                f"95% CI (unbounded, and no test, where the {self.reference} is not "
                f"distinguishable from 0). Supported if some member recovers significantly "
                f"{claimed} {self.null:g}{holm}; refuted if "
                f"{refute}; else inconclusive. Headline: the deciding member's fraction.")

    def effect_label(self, claim: Claim) -> str:
        return (f"fraction of the {self.reference} recovered by the deciding member "
                f"(null {self.null:g})")

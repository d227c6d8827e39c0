"""Equivalence: every member within ±margin (TOST with 90% CIs, intersection-union).

Members as in :mod:`harness.judge.families.members`: each level's values (one-sample,
around 0), or with ``reference`` the paired difference reference − level. Refuted when
some member lies significantly outside the margin (Holm over the members); the headline
is the least clearly equivalent member (or the refuting one) with its 90% CI."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import (
    Claim,
    Decision,
    Design,
    Family,
    member_draw,
    paired_draw,
)
from harness.judge.table import Table


@dataclass(frozen=True)
class Equivalent(Family):
    margin: float = 0.0  # the declared equivalence margin (headline units)
    reference: object | None = None
    ci_level = 0.90
    min_levels = 1

    def __post_init__(self) -> None:
        if not self.margin > 0:
            raise ValueError(f"margin={self.margin!r} is invalid: allowed values are x > 0")

    def names(self, table: Table) -> list:
        return [b for b in table.levels if b != self.reference]

    def label(self, name: object) -> str:
        return str(name) if self.reference is None else f"{self.reference} − {name}"

    def decide(self, table: Table) -> Decision:
        names = self.names(table)
        if self.reference is None:
            e90 = [stats.mean_ci(table.column(b), 0.90, clusters=table.clusters)
                   for b in names]
        else:
            ref = table.column(self.reference)
            e90 = [stats.paired(ref, table.column(b), 0.90, clusters=table.clusters)
                   for b in names]
        verdict, i, p_eq, p_out = stats.tost_family(e90, self.margin)
        # the deciding test's p: a refutation's Holm-adjusted p of 'outside', else TOST's
        head = replace(e90[i], p=p_out[i] if verdict == stats.REFUTED else p_eq[i])
        name = self.label(names[i])
        how = {stats.SUPPORTED: f"least clearly equivalent of {len(names)}: {name}",
               stats.REFUTED: f"outside ±{self.margin:g} (Holm): {name}",
               stats.INCONCLUSIVE: f"not shown equivalent: {name}"}[verdict]
        rows = pd.DataFrame([{
            "member": self.label(n), "estimate": e.mean, "ci_low": e.ci_low,
            "ci_high": e.ci_high, "margin": self.margin, "p_tost": p_eq[j],
            "p_holm": p_out[j], "n": e.n, "n_datasets": e.n_datasets,
            "holds": stats.tost(e, self.margin) == stats.SUPPORTED,
            "opposite": p_out[j] < stats.ALPHA}
            for j, (n, e) in enumerate(zip(names, e90, strict=True))])
        return Decision(verdict, head, how, rows, ci_level=0.90, ci_method="TOST")

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        """NULL: one member, drawn at random, exactly at the margin (the least favourable
        non-equivalence), the others at 0; PLANTED: every member at 0 (equivalent); a
        float: every member at that × the margin."""
        members = [b for b in levels if b != self.reference]
        if isinstance(scenario, str):
            effect = np.zeros(len(members))
            if scenario != "planted":
                effect[rng.integers(len(members))] = self.margin * rng.choice([-1, 1])
        else:
            effect = np.full(len(members), float(scenario) * self.margin)
        if self.reference is None:
            return Table(tuple(members), member_draw(rng, effect, design), design.clusters())
        means = np.concatenate([[0.0], -effect])
        return Table((self.reference, *members), paired_draw(rng, means, design),
                     design.clusters())

    def words(self, claim: Claim) -> str:
        f = claim.measure.factor
        subject = (f"{claim.measure.describe()} of each member" if self.reference is None
                   else f"{claim.measure.describe()}, {self.reference} minus each other "
                        f"{f.words}")
        return (f"{subject} with its 90% CI over dataset means. Supported if every member's "
                f"90% CI lies inside ±{self.margin:g} (TOST at α = 0.05 each, "
                "intersection-union); refuted if some member lies significantly outside "
                "(one-sided t-test against the nearer margin, Holm over the members); else "
                "inconclusive. Headline: the least clearly equivalent member (or the refuting "
                "one) with its 90% CI.")

    def effect_label(self, claim: Claim) -> str:
        return f"{claim.measure.label} (the deciding member; 90% CI)"

"""One paired difference between two levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import (
    Claim,
    Decision,
    Design,
    Family,
    direction_sign,
    member_row,
    paired_draw,
    steps,
)
from harness.judge.table import Table


@dataclass(frozen=True)
class Paired(Family):
    """Two levels, paired by replicate: the first minus the last, a two-sided paired
    t-test over dataset means. ``direction="decreasing"``: the claim is that the value
    falls from the first level to the last (difference > 0)."""

    direction: str = "decreasing"

    def __post_init__(self) -> None:
        direction_sign(self.direction)

    def reads(self, claim: Claim) -> tuple:
        levels = claim.measure.factor.levels
        return (levels[0], levels[-1])

    def decide(self, table: Table) -> Decision:
        a, b = table.levels[0], table.levels[-1]
        e = stats.paired(table.column(a), table.column(b), clusters=table.clusters)
        fam = stats.family([e], direction_sign(self.direction), "all")
        members = pd.DataFrame([member_row(
            f"{a} − {b}", e, p_holm=fam.p_against[0], holds=fam.holds[0],
            opposite=fam.against[0])])
        return Decision(fam.verdict, fam.effect, f"{a} − {b}", members)

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        d = steps(rng, 1, scenario, design.min_effect)[0]
        means = np.array([0.0, -direction_sign(self.direction) * d])
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

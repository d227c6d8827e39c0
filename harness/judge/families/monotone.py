"""Monotone along a factor: every adjacent step holds, no ordered pair reverses."""

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
    direction_sign,
    member_row,
    paired_draw,
    steps,
)
from harness.judge.table import Table


@dataclass(frozen=True)
class Monotone(Family):
    """Strictly monotone along the factor: every adjacent pair must hold on its own
    (intersection-union); any ordered pair going the other way after Holm over all of
    them refutes (:func:`harness.core.stats.monotone`). ``paired=False``: independent
    samples per level (Welch), e.g. timing repeats."""

    direction: str = "decreasing"
    paired: bool = True

    def __post_init__(self) -> None:
        direction_sign(self.direction)

    def decide(self, table: Table) -> Decision:
        res = stats.monotone(list(table.levels), table.columns(), self.direction,
                             paired_samples=self.paired and table.paired,
                             clusters=table.clusters if self.paired else None)
        rows = [member_row(str(p["pair"]), stats.Effect(
            float(p["diff"]), float(p["ci_low"]), float(p["ci_high"]), 0, float(p["p"])),
            p_holm=p["p_holm_opposite"], holds=p["holds"], opposite=p["opposite"],
            adjacent=p["adjacent"]) for p in res.pairs]
        members = pd.DataFrame(rows).drop(columns=["n", "n_datasets"])
        effect, method = res.effect, "t"
        if not (self.paired and table.paired):  # Welch counts repeats, not datasets
            effect, method = replace(effect, n_datasets=table.n_datasets), "Welch"
        how = f"pair {res.deciding_pair}"
        if res.reversal:
            holm = members.loc[members.member == res.reversal[0], "p_holm"].iloc[0]
            how += f", the strongest reversal (Holm p over every pair {holm:.2g})"
        return Decision(res.verdict, effect, how, members, ci_method=method,
                        parts=tuple((f"pair {a} → {b}", e) for a, b, e in zip(
                            table.levels[:-1], table.levels[1:], res.family.effects, strict=True)))

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        diffs = steps(rng, len(levels) - 1, scenario, design.min_effect)
        sign = direction_sign(self.direction)
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
                f"{f.words}, by effect (the weakest adjacent pair, or the strongest reversal), "
                "with its own p and CI.")

    def effect_label(self, claim: Claim) -> str:
        return (f"{claim.measure.label}, smaller − larger {claim.measure.factor.words} "
                "(deciding pair)")

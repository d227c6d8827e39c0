"""A trend along a numeric factor with no significant reversal
(:func:`harness.core.stats.downward_trend`): per replicate the OLS slope over the levels,
t-tested over dataset means, and every ordered pair checked for a reversal (Holm)."""

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
    paired_draw,
)
from harness.judge.table import Table


@dataclass(frozen=True)
class Trend(Family):
    direction: str = "decreasing"
    # positions of the levels on the x axis (default: the levels themselves, or their
    # index when they are not numbers); the headline is per unit of x. A tuple is aligned
    # with the factor's levels (every setting runs them all); a mapping level -> position
    # also serves settings that run a subset of them
    x: tuple[float, ...] | tuple[tuple[object, float], ...] | dict | None = None

    def __post_init__(self) -> None:
        direction_sign(self.direction)
        if isinstance(self.x, dict):  # kept as (level, position) pairs: hashable, ordered
            object.__setattr__(self, "x", tuple((k, float(v)) for k, v in self.x.items()))
        elif self.x is not None:
            object.__setattr__(self, "x", tuple(float(v) for v in self.x))

    def positions(self, levels: tuple) -> np.ndarray:
        if self.x and isinstance(self.x[0], tuple):
            at = dict(self.x)
            if missing := [level for level in levels if level not in at]:
                raise ValueError(f"Trend.x has no position for levels {missing}: allowed "
                                 f"values are {list(at)}")
            return np.asarray([at[level] for level in levels], float)
        if self.x is not None:
            return np.asarray(self.x, float)
        try:
            return np.asarray(levels, float)
        except (TypeError, ValueError):
            return np.arange(len(levels), dtype=float)

    def decide(self, table: Table) -> Decision:
        sign = direction_sign(self.direction)  # +1: claimed falling
        samples = [sign * c for c in table.columns()]
        labels = [str(b) for b in table.levels]
        res = stats.downward_trend(self.positions(table.levels), labels, samples,
                                   clusters=table.clusters)
        effect = res.effect  # of sign × value: the claimed way is positive
        how = (f"reversal {res.pairs.deciding_pair} (Holm over every ordered pair)"
               if res.reversed else "the trend (OLS slope per replicate)")
        t = res.trend
        rows = [{"member": "trend (fall per unit)", "estimate": t.mean, "ci_low": t.ci_low,
                 "ci_high": t.ci_high, "p": t.p, "n": t.n, "n_datasets": t.n_datasets}]
        rows += [{"member": str(p["pair"]), "estimate": p["diff"], "ci_low": p["ci_low"],
                  "ci_high": p["ci_high"], "p": p["p"], "p_holm": p["p_holm_opposite"],
                  "opposite": p["opposite"]} for p in res.pairs.pairs]
        return Decision(res.verdict, effect, how, pd.DataFrame(rows))

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        """NULL: flat; PLANTED: falling (or rising) by min_effect per unit of x; a float:
        that × min_effect per unit."""
        x = self.positions(levels)
        slope = (0.0 if scenario == "null" else 1.0 if scenario == "planted"
                 else float(scenario)) * design.min_effect
        means = -direction_sign(self.direction) * slope * (x - x.mean())
        return Table(tuple(levels), paired_draw(rng, means, design), design.clusters())

    def words(self, claim: Claim) -> str:
        f = claim.measure.factor
        way, other = (("falls", "rising") if self.direction == "decreasing"
                      else ("rises", "falling"))
        return (f"{claim.measure.describe()} at each {f.words} "
                f"({', '.join(map(str, f.levels))}); per replicate the least-squares slope "
                f"over them, t-tested over dataset means; every ordered pair gets a two-sided "
                f"paired t-test. Supported if the value {way} significantly with no ordered "
                f"pair significantly {other} after Holm (a reversal); refuted if the trend is "
                "significantly the other way or such a reversal exists; else inconclusive. "
                "Headline: the trend per unit, or the reversal per unit.")

    def effect_label(self, claim: Claim) -> str:
        way = "fall" if self.direction == "decreasing" else "rise"
        return (f"{claim.measure.label}: {way} per unit of {claim.measure.factor.words} "
                "(the trend, or the reversal)")

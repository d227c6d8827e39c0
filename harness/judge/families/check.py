"""Deterministic checks: implementation checks and exact facts over a stated search.

Each member of the table (a column) is one checked quantity, each row one replicate or
one point of the search. A :class:`Bound` member is decided by its extreme over the rows,
with no sampling CI: supported when every row lies strictly on the claimed side of ``at``;
refuted when some row (``refute="any"``) or every row (``"every"``) lies strictly on the
other side of ``refute_at``. A :class:`MeanBound` member is the one statistical part a
check may hold: the 95% CI of the mean over datasets wholly beyond ``at`` supports, wholly
short of it refutes. The check holds when every member holds; the first refuting member
(in declared order) refutes it; the headline is that member's statistic, else the
``headline`` member's. ``by_setting`` gives settings their own bounds where the claim
expects different things in different settings (the same trajectory under SGD, a
different one under Adam).

Calibration: the least favourable null puts one row of one member, drawn at random,
exactly at its bound (a :class:`MeanBound` member's mean exactly at ``at``); the planted
scenario puts every row well inside (bounds by a factor of ten; means by the smallest
effect); a negative scale puts every row beyond the refutation bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import NULL, Claim, Decision, Design, Family, member_row
from harness.judge.table import Table

SIDES = ("below", "above")
REFUTE = ("any", "every")


def _side(side: str) -> int:
    if side not in SIDES:
        raise ValueError(f"side={side!r} is invalid: allowed values are {list(SIDES)}")
    return 1 if side == "below" else -1


@dataclass(frozen=True)
class Bound:
    """Every row of ``member`` lies strictly ``side`` ``at``."""

    member: object  # a level of the claim's factor
    side: str
    at: float
    refute: str = "any"  # how many rows beyond refute_at refute: "any" or "every"
    refute_at: float | None = None  # default: at (support and refutation then dichotomous)

    def __post_init__(self) -> None:
        _side(self.side)
        if self.refute not in REFUTE:
            raise ValueError(f"refute={self.refute!r} is invalid: allowed values are "
                             f"{list(REFUTE)}")

    @property
    def limit(self) -> float:
        return self.at if self.refute_at is None else self.refute_at

    def judge(self, x: np.ndarray, n_datasets: int) -> tuple[str, stats.Effect, str]:
        s = _side(self.side)  # below: +1; compare s·x with s·bound
        worst, best = (x.max(), x.min()) if s > 0 else (x.min(), x.max())
        inside = bool(s * worst < s * self.at)
        beyond = (s * worst > s * self.limit if self.refute == "any"
                  else s * best > s * self.limit)
        verdict = stats.decide(inside, bool(beyond))
        value = best if verdict == stats.REFUTED and self.refute == "every" else worst
        null = self.limit if verdict == stats.REFUTED else self.at
        extreme = "largest" if (value == x.max()) else "smallest"
        how = (f"{self.member}: {extreme} of {x.size} {value:.3g} "
               f"{'<' if value < null else '≥' if value == null else '>'} {null:g}")
        return verdict, stats.Effect(value, value, value, x.size, math.nan, n_datasets,
                                     null), how

    def words(self) -> str:
        other = "above" if self.side == "below" else "below"
        rows = "some row" if self.refute == "any" else "every row"
        return (f"{self.member}: supported if every row is {self.side} {self.at:g} "
                f"(statistic: the {'largest' if self.side == 'below' else 'smallest'}), "
                f"refuted if {rows} is {other} {self.limit:g}")

    def draw(self, rng: np.random.Generator, n: int, scenario: str | float) -> np.ndarray:
        # a factor of 10 … 100 inside the bound (beyond the refutation bound): towards 0
        # or away from it by the bound's sign, so a negative bound is simulated too
        s = _side(self.side)
        inside = self.at * 10.0 ** (-s * np.sign(self.at) * rng.uniform(1, 2, n))
        if isinstance(scenario, str) or scenario > 0:
            return inside
        return self.limit * 10.0 ** (s * np.sign(self.limit) * rng.uniform(1, 2, n))


@dataclass(frozen=True)
class MeanBound:
    """The mean of ``member`` over datasets lies ``side`` ``at`` (95% CI, t-test)."""

    member: object
    side: str
    at: float

    def __post_init__(self) -> None:
        _side(self.side)

    def judge(self, x: np.ndarray, clusters: np.ndarray) -> tuple[str, stats.Effect, str]:
        e = stats.mean_ci(x, null=self.at, clusters=clusters)
        below, above = e.ci_high < self.at, e.ci_low > self.at
        inside, beyond = (below, above) if self.side == "below" else (above, below)
        where = "above" if above else "below" if below else "reaches"
        return (stats.decide(inside, beyond), e,
                f"{self.member}: 95% CI {where} {self.at:g}")

    def words(self) -> str:
        other = "above" if self.side == "below" else "below"
        return (f"{self.member}: supported if the 95% CI of its mean over datasets lies "
                f"{self.side} {self.at:g}, refuted if it lies {other}")

    def draw(self, rng: np.random.Generator, design: Design, scenario: str | float
             ) -> np.ndarray:
        scale = 0.0 if scenario == NULL else 1.0 if isinstance(scenario, str) else scenario
        mean = self.at - _side(self.side) * scale * design.min_effect
        return mean + design.sd * rng.normal(0, 1, design.replicates)


Member = Bound | MeanBound


@dataclass(frozen=True)
class Check(Family):
    """Every member holds (see the module docstring); ``by_setting``, pairs of (setting,
    members), overrides ``members`` in the settings it names (pairs, not a dict: a
    declaration is hashable data)."""

    members: tuple[Member, ...] = ()
    headline: object | None = None  # the member whose statistic heads a non-refuted check
    by_setting: tuple[tuple[str, tuple[Member, ...]], ...] = ()
    min_levels = 1
    levels_words = "95% CI over datasets, descriptive only: a Bound reads the extreme row"

    def __post_init__(self) -> None:
        every = [self.members, *dict(self.by_setting).values()]
        if not all(every):
            raise ValueError("members must name at least one Bound or MeanBound")
        names = {m.member for ms in every for m in ms}
        if self.headline is not None and self.headline not in names:
            raise ValueError(f"headline={self.headline!r} is invalid: allowed values are "
                             f"{sorted(names)}")

    def for_setting(self, name: str) -> Check:
        """The check ``name`` is held to: its own members where ``by_setting`` names it,
        headed by ``headline`` where that is one of them (else by the last member)."""
        members = dict(self.by_setting).get(name, self.members)
        headline = self.headline if any(m.member == self.headline for m in members) else None
        return replace(self, members=members, by_setting=(), headline=headline)

    def reads(self, claim: Claim) -> tuple:
        every = [self.members, *dict(self.by_setting).values()]
        return tuple(dict.fromkeys(m.member for ms in every for m in ms))

    def decide(self, table: Table) -> Decision:
        rows, results = [], []
        for m in self.members:
            x = table.column(m.member)
            keep = np.isfinite(x)
            verdict, e, how = (m.judge(x[keep], table.n_datasets) if isinstance(m, Bound)
                               else m.judge(x[keep], table.clusters[keep]))
            if not keep.all():  # never silently: a row without a value is named
                how += f" ({int((~keep).sum())} of {x.size} rows without a finite value left out)"
            results.append((m.member, verdict, e, how))
            rows.append(member_row(m.member, e, p_holm=math.nan,
                                   holds=verdict == stats.SUPPORTED,
                                   opposite=verdict == stats.REFUTED))
        verdicts = [r[1] for r in results]
        refuting = [r for r in results if r[1] == stats.REFUTED]
        head = refuting[0] if refuting else next(
            (r for r in results if r[0] == self.headline), results[-1])
        verdict = stats.decide(all(v == stats.SUPPORTED for v in verdicts), bool(refuting))
        bound = any(m.member == head[0] and isinstance(m, Bound) for m in self.members)
        return Decision(verdict, head[2], "; ".join(r[3] for r in results),
                        pd.DataFrame(rows), ci_method="exact" if bound else "t")

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        values = np.full((design.replicates, len(levels)), np.nan)
        for m in self.members:
            j = levels.index(m.member)
            values[:, j] = (m.draw(rng, design.replicates, scenario) if isinstance(m, Bound)
                            else m.draw(rng, design, scenario))
        if scenario == NULL:  # one member at its boundary, drawn at random
            m = self.members[rng.integers(len(self.members))]
            j = levels.index(m.member)
            if isinstance(m, Bound):
                values[rng.integers(design.replicates), j] = m.at
            else:
                values[:, j] = m.draw(rng, design, NULL)
        return Table(levels, values, design.clusters())

    def words(self, claim: Claim) -> str:
        def each(members: tuple[Member, ...]) -> str:
            return "; ".join(m.words() for m in members)

        own = dict(self.by_setting)
        rest = [s for s in getattr(getattr(claim, "settings", None), "every", ()) if s not in own]
        per = "".join(f" In {name}: {each(ms)}." for name, ms in own.items())
        where = f" In {', '.join(rest)}: " if own and rest else " Elsewhere: " if own else " "
        return (f"{claim.measure.describe()}, a deterministic check over its rows "
                f"(replicates or search points; a bound has no sampling CI).{where}"
                f"{each(self.members)}.{per} The check is supported when every member is, "
                "refuted when one is (the first in this order heads it).")

    def effect_label(self, claim: Claim) -> str:
        every = [m for ms in [self.members, *dict(self.by_setting).values()] for m in ms]
        what = ("the deciding extreme over rows" if all(isinstance(m, Bound) for m in every)
                else "the deciding member's extreme over rows, or its mean with 95% CI")
        return f"{claim.measure.label} ({what})"

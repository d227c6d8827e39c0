"""A claim about every member, or about some member, of a family of effects.

The table's levels are the members. A member's effect is its column tested against
``null`` (one-sample t over dataset means: the measure computed the member's statistic
per replicate, e.g. a log ratio or a slope), or, with ``reference``, the paired difference
reference − member (e.g. "Xavier beats every rival": reference xavier). ``direction``
says which side of the null the claim puts every (or some) member on.

The member statistic (``statistic``) is the t-test (``"t"``: means) or the sign test
(``"sign"``: medians), for values a mean cannot summarize: steps to a target on an
evaluation grid (many ties), where "never reached" is ±inf, which the sign test counts as
a loss (on both sides, a tie). Two-sided, its CI the order-statistic CI of the median
(dual to the test), over per-dataset medians where datasets are shared
(:func:`harness.core.stats.sign_test_clustered`). Its draws are rounded to ``resolution``
(e.g. the evaluation interval), so calibration sees the ties real runs have.

- :class:`EveryMember`: intersection-union support (every member significant on its own at
  α; no correction needed), Holm refutation (some member significantly on the other side).
- :class:`SomeMember`: support when some member holds after Holm; refutation when some
  member is significantly on the other side after Holm (``refute="any"``), only when
  every member is (``"every"``, intersection-union), or when every member is shown inside
  ±``margin`` by TOST (``"equivalent"``: no meaningful effect in any member).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import (
    Claim,
    Decision,
    Design,
    Family,
    holm_over,
    member_draw,
    member_row,
    paired_draw,
    steps,
)
from harness.judge.table import Table

SIDES = ("positive", "negative")  # members above / below the null
STATISTICS = ("t", "sign")


def member_sign(direction: str) -> int:
    """+1 for members claimed above the null ("positive"), −1 below; ValueError naming the
    allowed values otherwise."""
    if direction not in SIDES:
        raise ValueError(f"direction={direction!r} is invalid: allowed values are "
                         f"{list(SIDES)}")
    return 1 if direction == "positive" else -1


@dataclass(frozen=True)
class _Members(Family):
    min_levels = 1
    direction: str = "positive"
    null: float = 0.0
    reference: object | None = None  # a level every other level is compared against
    statistic: str = "t"  # the member test: "t" (means) or "sign" (medians; ±inf = never)
    resolution: float = 0.0  # "sign": the grid its draws are rounded to (0: none)

    def __post_init__(self) -> None:
        member_sign(self.direction)
        if self.statistic not in STATISTICS:
            raise ValueError(f"statistic={self.statistic!r} is invalid: allowed values are "
                             f"{list(STATISTICS)}")
        if self.resolution and self.statistic != "sign":
            raise ValueError("resolution is invalid with statistic='t': it rounds the sign "
                             "test's draws")

    def names(self, table: Table) -> list:
        return [b for b in table.levels if b != self.reference]

    def count(self, levels: tuple) -> int:
        """How many members a setting holding ``levels`` tests (:func:`holm_over`)."""
        return len([b for b in levels if b != self.reference])

    ci_method = "t"  # the members' CIs (harness.judge.outcome.CI_METHODS)

    def method(self) -> str:
        return "sign test" if self.statistic == "sign" else self.ci_method

    def effects(self, table: Table, confidence: float = 0.95) -> list[stats.Effect]:
        if self.statistic == "sign":
            return [self._median(table, b) for b in self.names(table)]
        if self.reference is None:
            return [stats.mean_ci(table.column(b), confidence, self.null, table.clusters)
                    for b in table.levels]
        ref = table.column(self.reference)
        return [stats.paired(ref, table.column(b), confidence, self.null, table.clusters)
                for b in self.names(table)]

    def _median(self, table: Table, name: object) -> stats.Effect:
        """The sign test of the member (or reference − member) against the null, reported
        on the member's scale, as the t-test reports its mean."""
        x = table.column(name)
        a, b = (x, np.zeros_like(x)) if self.reference is None else (
            table.column(self.reference), x)
        e = stats.sign_test_clustered(a, b + self.null, table.clusters)
        return replace(e, mean=e.mean + self.null, ci_low=e.ci_low + self.null,
                       ci_high=e.ci_high + self.null, null=self.null)

    def label(self, name: object) -> str:
        return str(name) if self.reference is None else f"{self.reference} − {name}"

    def _rows(self, table: Table, fam: stats.Family) -> pd.DataFrame:
        return pd.DataFrame([member_row(self.label(n), e, null=e.null,
                                        p_holm=fam.p_against[i], holds=fam.holds[i],
                                        opposite=fam.against[i])
                             for i, (n, e) in enumerate(zip(self.names(table), fam.effects,
                                                            strict=True))])

    def draw(self, rng: np.random.Generator, levels: tuple, design: Design,
             scenario: str | float) -> Table:
        members = [b for b in levels if b != self.reference]
        effect = steps(rng, len(members), scenario, design.min_effect, self.need,
                       self._null_among(members))
        shift = member_sign(self.direction) * effect
        if self.reference is None:
            levels, values = tuple(members), member_draw(rng, self.null + shift, design)
        else:
            means = np.concatenate([[0.0], -(self.null + shift)])  # reference − member
            levels, values = (self.reference, *members), paired_draw(rng, means, design)
        if self.resolution:
            values = np.round(values / self.resolution) * self.resolution
        return Table(levels, values, design.clusters())

    def _null_among(self, members: list) -> list[int] | None:
        return None

    def _subject(self, claim: Claim) -> str:
        f = claim.measure.factor
        test = {"t": "t-test", "sign": "sign test of the median (ties dropped; ±inf = never "
                                       "reached; order-statistic 95% CI)"}[self.statistic]
        if self.reference is None:
            return (f"{claim.measure.describe()} of each member ({', '.join(map(str, f.levels))}"
                    f"), one-sample two-sided {test} against {self.null:g}")
        return (f"{claim.measure.describe()}, {self.reference} minus each other {f.words} "
                f"({', '.join(str(b) for b in f.levels if b != self.reference)}), two-sided "
                f"paired {test} against {self.null:g}")

    def _side(self) -> tuple[str, str]:
        return (("above", "below") if self.direction == "positive" else ("below", "above"))

    def effect_label(self, claim: Claim) -> str:
        what = (claim.measure.label if self.reference is None else
                f"{claim.measure.label}, {self.reference} − {claim.measure.factor.words}")
        median = "median, " if self.statistic == "sign" else ""
        return f"{what} ({median}the deciding member)"


@dataclass(frozen=True)
class EveryMember(_Members):
    """Every member on the claimed side of the null (see the module docstring).
    ``null_among``: the members the least-favourable null may put at the null (default:
    any); where some members follow from others (a change between two levels beside
    the levels), only those that can sit at the null while every other holds."""

    null_among: tuple | None = None
    need = "all"

    def _null_among(self, members: list) -> list[int] | None:
        return None if self.null_among is None else [members.index(m)
                                                     for m in self.null_among]

    def decide(self, table: Table) -> Decision:
        names = self.names(table)
        fam = stats.family(self.effects(table), member_sign(self.direction), "all")
        name = self.label(names[fam.deciding])
        how = {stats.SUPPORTED: f"weakest of {len(names)} members: {name}",
               stats.REFUTED: f"significantly {self._side()[1]} {self.null:g}: {name} (Holm p "
                              f"{fam.p_against[fam.deciding]:.2g})",
               stats.INCONCLUSIVE: f"undecided member: {name}"}[fam.verdict]
        return Decision(fam.verdict, fam.effect, how, self._rows(table, fam),
                        ci_method=self.method(),
                        parts=tuple(zip(map(self.label, names), fam.effects, strict=True)))

    def words(self, claim: Claim) -> str:
        claimed, other = self._side()
        return (f"{self._subject(claim)}, clustered by dataset. Supported if every member is "
                f"significantly {claimed} {self.null:g} (intersection-union, each at "
                f"α = 0.05); refuted if some member is significantly {other} it"
                f"{holm_over(claim, self.count)}; else inconclusive. Headline: the deciding "
                "member, by effect (the weakest when all hold, the strongest opposite one "
                "when refuted, the weakest undecided one otherwise), with its own p and CI.")


@dataclass(frozen=True)
class SomeMember(_Members):
    """Some member on the claimed side of the null (see the module docstring)."""

    refute: str = "any"  # "any" (Holm), "every" (intersection-union) or "equivalent"
    margin: float | None = None  # for refute="equivalent": ±margin around the null
    need = "any"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.refute not in ("any", "every", "equivalent"):
            raise ValueError(f"refute={self.refute!r} is invalid: allowed values are "
                             "['any', 'every', 'equivalent']")
        if (self.refute == "equivalent") != (self.margin is not None):
            raise ValueError("margin is invalid: allowed values are a positive number "
                             "exactly when refute='equivalent'")
        if self.refute == "equivalent" and self.statistic != "t":
            raise ValueError("statistic='sign' is invalid with refute='equivalent': TOST "
                             "needs the t-test's 90% CI")

    def decide(self, table: Table) -> Decision:
        names = self.names(table)
        claimed = member_sign(self.direction)
        effects = self.effects(table)
        fam = stats.family(effects, claimed, "any")
        size = stats.claimed_sizes(effects, claimed)
        rows = self._rows(table, fam)
        label = [self.label(n) for n in names]
        ci_level, method = 0.95, self.method()
        if self.refute == "any":  # a refutation wins (it cannot be hidden)
            verdict, effect, i = fam.verdict, fam.effect, fam.deciding
        elif any(fam.holds):  # support: the strongest holding member
            i = max((j for j, h in enumerate(fam.holds) if h), key=size.__getitem__)
            verdict, effect = stats.SUPPORTED, effects[i]
        elif self.refute == "every":
            opposite = [bool(np.isfinite(e.p) and e.p < stats.ALPHA
                             and e.direction() == -claimed) for e in effects]
            rows["opposite"] = opposite
            i = max(range(len(effects)), key=size.__getitem__)  # the weakest refutation
            verdict = stats.REFUTED if all(opposite) else stats.INCONCLUSIVE
            effect = effects[i]
        else:  # "equivalent": every member inside ±margin of the null (TOST, 90% CIs)
            e90 = [replace(e, mean=e.mean - self.null, ci_low=e.ci_low - self.null,
                           ci_high=e.ci_high - self.null, null=0.0)
                   for e in self.effects(table, 0.90)]
            same, i, p_eq, _ = stats.tost_family(e90, self.margin)
            rows["p_tost"] = p_eq
            if same == stats.SUPPORTED:
                verdict, effect = stats.REFUTED, replace(e90[i], p=p_eq[i])
                ci_level, method = 0.90, "TOST"
            else:
                i = max(range(len(effects)), key=size.__getitem__)  # closest to holding
                verdict, effect = stats.INCONCLUSIVE, effects[i]
        side = self._side()[1]
        if verdict == stats.SUPPORTED:
            how = (f"significant after Holm over {len(names)}: {label[i]} (Holm p "
                   f"{fam.p_against[i]:.2g})")
        elif verdict == stats.INCONCLUSIVE:
            how = f"undecided member: {label[i]}"
        elif self.refute == "any":
            how = f"significantly {side} {self.null:g}: {label[i]} (Holm p {fam.p_against[i]:.2g})"
        elif self.refute == "every":
            how = f"every member significantly {side} {self.null:g}; weakest: {label[i]}"
        else:
            how = f"every member within ±{self.margin:g} (TOST); least clearly: {label[i]}"
        return Decision(verdict, effect, how, rows, ci_level, method,
                        tuple(zip(label, effects, strict=True)), "any",
                        p_adjusted=fam.p_against[i] if verdict == stats.SUPPORTED
                        else math.nan)

    def words(self, claim: Claim) -> str:
        claimed, other = self._side()
        holm = holm_over(claim, self.count)
        if self.refute == "any":
            refute = f"some member is significantly {other} it{holm}"
        elif self.refute == "every":
            refute = (f"every member is significantly {other} it (intersection-union, each "
                      "at α = 0.05)")
        else:  # only here is there a margin to word
            refute = (f"every member's 90% CI lies within ±{self.margin:g} of it (TOST, "
                      "intersection-union: no meaningful effect anywhere)")
        return (f"{self._subject(claim)}, clustered by dataset. Supported if some member is "
                f"significantly {claimed} {self.null:g}{holm}; refuted if {refute}; else "
                "inconclusive. Headline: the deciding member, "
                "by effect (the strongest holding one, the strongest opposite one, or the "
                "one closest to holding), with its own p and CI.")

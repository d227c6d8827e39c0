"""What a rule returns for one claim: a verdict per setting with the statistic that
decided it, and the tables and notes behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from harness.core import stats

# What a headline CI is, so that no interval is printed as another kind: Student's t over
# dataset means (the default), Welch's for unpaired timing repeats, TOST's 90% for
# equivalence, Bonferroni's for a CI split between tests, Fieller's for a ratio, the sign
# test's order statistics for a median, and none for a deterministic check.
CI_METHODS = ("t", "Welch", "TOST", "Bonferroni", "Fieller", "sign test", "exact")


@dataclass
class Setting:
    """One setting's verdict and the statistic that decided it."""

    setting: str  # a declared setting name, e.g. "abid2018", "digits w128", "relu"
    verdict: str
    effect: stats.Effect
    decided_by: str = ""  # which member decided, e.g. "pair 64 → 256"
    ci_level: float = 0.95
    ci_method: str = "t"  # how the CI is made (CI_METHODS)
    # what decided it (stats.BASES), set by the label rule (harness.judge.claims.judge)
    basis: str = ""
    # the claim's parts in this setting, each its own test (members, adjacent pairs; none:
    # the deciding statistic alone), and whether the claim needs "all" of them or "any":
    # what "no meaningful effect" is read from
    parts: tuple[tuple[str, stats.Effect], ...] = ()
    need: str = "all"
    sized: bool = False  # Decision.sized: refuted by a statistic against its own margin
    p_adjusted: float = math.nan  # Decision.p_adjusted: within the setting (NaN: = p)
    # the rule's own deciding statistic where a gate's (in its own units) replaced
    # ``effect`` as what decided: power and the MDE are the rule's, never the gate's
    rule_effect: stats.Effect | None = None
    screened: bool = True  # False where a failed premise withholds "no meaningful effect"

    def as_json(self) -> dict[str, object]:
        e = self.effect
        return {"setting": self.setting, "verdict": self.verdict, "basis": self.basis,
                "effect": _num(e.mean),
                "ci_low": _num(e.ci_low), "ci_high": _num(e.ci_high),
                "p_value": _num(e.p), "null": _num(e.null), "n_replicates": int(e.n),
                "n_datasets": int(e.n_datasets), "decided_by": self.decided_by,
                "sized": self.sized,
                "ci_level": self.ci_level, "ci_method": self.ci_method}


@dataclass
class Outcome:
    """What a claim's rule returns: per-setting verdicts and the data behind them."""

    settings: list[Setting]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # title -> table
    notes: list[str] = field(default_factory=list)  # markdown paragraphs


def missing(why: str) -> Outcome:
    """The outcome of a rule whose runs are not (all) there: no setting decided."""
    return Outcome([], notes=[f"Not enough runs: {why}"])


def _num(x: float | None) -> float | None:
    """A number for JSON: 6 significant digits (p-values keep their size); NaN and ±inf
    (no value) as null."""
    return None if x is None or not math.isfinite(x) else float(f"{float(x):.6g}")

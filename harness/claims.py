"""Claims and experiments as registered objects, and the registry that finds them.

A claim carries its provenance (seed file and verbatim quote), a measurable restatement,
the runs it needs, and a decision rule written down before any data is seen: a function
from logged runs to a :class:`Verdict`. An experiment module in ``experiments/`` defines
one :class:`Experiment` named ``EXPERIMENT``; :func:`registry` discovers it, so adding an
experiment is one YAML file in conf/experiment/ plus one module, nothing else.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.results import RunSet


@dataclass
class Verdict:
    """The outcome of one claim's rule; ``effect`` is described by ``effect_label``."""

    claim: str
    experiment: str
    verdict: str  # supported / refuted / inconclusive
    effect: float
    ci_low: float
    ci_high: float
    n_replicates: int
    effect_label: str = ""
    detail: str = ""  # markdown: the numbers the rule looked at
    ci_level: float = 0.95  # 0.90 where the rule is an equivalence test (TOST)

    def as_json(self) -> dict[str, object]:
        def num(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), 6)

        return {"claim": self.claim, "experiment": self.experiment, "verdict": self.verdict,
                "effect": num(self.effect), "ci_low": num(self.ci_low),
                "ci_high": num(self.ci_high), "ci_level": self.ci_level,
                "n_replicates": int(self.n_replicates),
                "effect_label": self.effect_label}


def missing(claim: str, experiment: str, why: str) -> Verdict:
    """The verdict of a rule whose runs are not (all) there: inconclusive, n = 0."""
    return Verdict(claim, experiment, "inconclusive", math.nan, math.nan, math.nan, 0,
                   detail=f"Not enough runs: {why}")


@dataclass
class Claim:
    id: str
    seed: str  # seed file the quote comes from, e.g. "002 (Q43)"
    quote: str  # verbatim, in the seed's language
    hypothesis: str  # the measurable restatement we test
    runs: str  # which runs of the experiment the rule reads
    rule: str  # the decision rule, in words, declared before the data
    decide: Callable[[RunSet], Verdict]


@dataclass
class Experiment:
    name: str  # = conf/experiment/<name>.yaml and the MLflow experiment name
    title: str
    claims: list[Claim]
    # writes figures into the folder and returns the page's experiment-specific markdown
    report: Callable[[RunSet, list[Verdict], Path], str]
    original: str = ""  # what the original work reported, as markdown


def registry() -> dict[str, Experiment]:
    """Every ``experiments.<module>.EXPERIMENT``, by name, in module order."""
    import experiments

    found: dict[str, Experiment] = {}
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"experiments.{info.name}")
        exp = getattr(module, "EXPERIMENT", None)
        if isinstance(exp, Experiment):
            found[exp.name] = exp
    return found

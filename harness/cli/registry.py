"""The experiments the commands run, judge and calibrate: every
``experiments.<module>.EXPERIMENT``. Only the command layer imports ``experiments``; the
judge, the calibration and the pages receive the experiments as arguments."""

from __future__ import annotations

import importlib
import pkgutil

import experiments
from harness.judge.claims import Experiment


def registry() -> dict[str, Experiment]:
    """Every ``experiments.<module>.EXPERIMENT``, by name, in module order."""
    found: dict[str, Experiment] = {}
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"experiments.{info.name}")
        exp = getattr(module, "EXPERIMENT", None)
        if isinstance(exp, Experiment):
            found[exp.name] = exp
    return found

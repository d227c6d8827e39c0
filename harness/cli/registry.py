"""The experiments the commands run, judge and calibrate: every
``experiments.<module>.EXPERIMENT``, with its page's figures and text from
``pages.<module>.report`` where that module exists. Only the command layer imports
``experiments`` and ``pages``; the judge, the calibration and the engine's page builder
receive the experiments as arguments."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import pkgutil

import experiments
from harness.judge.claims import Claim, Experiment
from harness.judge.userclaims import user_claims
from harness.track.tracking import PROJECT_ROOT

CLAIM_DIR = PROJECT_ROOT / "conf" / "claim"  # users' own claims, one YAML file each


def registry() -> dict[str, Experiment]:
    """Every ``experiments.<module>.EXPERIMENT``, by name, in module order, each with the
    ``report`` of ``pages.<module>`` when there is one (rules never import their page)."""
    found: dict[str, Experiment] = {}
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"experiments.{info.name}")
        exp = getattr(module, "EXPERIMENT", None)
        if isinstance(exp, Experiment):
            if exp.report is None and importlib.util.find_spec(f"pages.{info.name}"):
                page = importlib.import_module(f"pages.{info.name}")
                exp = dataclasses.replace(exp, report=page.report)
            found[exp.name] = exp
    return found


def users() -> list[Claim]:
    """Every claim declared in YAML under conf/claim/ (a user's own)."""
    return user_claims(CLAIM_DIR)

"""Multiclass strategies on scikit-learn's own wrappers: one-vs-one against one-vs-rest in
fit time (MC-1a, a timing run alone) and accuracy (MC-1b), and error-correcting output
codes (MvM) against the better of the two (MC-2). Every point runs a search
(harness/train/search.py; :mod:`.searches`) whose replicates are resamples: stratified
splits of digits, fresh draws of synthetic data."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .mc import CLAIMS

EXPERIMENT = Experiment(
    name="multiclass",
    title="Multiclass strategies: one-vs-one, one-vs-rest and output codes",
    original="No experiment in the original work: the claims are tested on scikit-learn's "
             "own multiclass wrappers, over resampled splits and fresh draws.",
    claims=CLAIMS)

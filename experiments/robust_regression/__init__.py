"""Robust regression: robust losses against the squared loss under outliers (LS-2) and
smooth-L1 against L1 under descent with a fixed step (LS-7), each judged over independent
chunks of a stated search (harness/train/search.py; the searches: :mod:`.searches`):
convex fits and numpy descent, nothing is trained."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .ls2 import LS2
from .ls7 import LS7

EXPERIMENT = Experiment(
    name="robust_regression",
    title="Robust regression: Huber, smooth-L1 and L1 losses against the squared loss",
    original="No experiment in the original work: the claims are judged on searches over "
             "fresh make_regression draws and random splits of diabetes (scikit-learn's "
             "exact convex fits and numpy descent, float64), each chunk a replicate.",
    claims=[LS2, LS7],
    sweep_jobs=1)  # light searches: one process is faster (results/bench.md)

"""Convolutions and normalization layers: exact facts about parameter counts, receptive
fields and identities between layers, checked on torch's own modules over a stated search
(harness/train/search.py; the searches: :mod:`.searches`)."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .cv1 import CV1

EXPERIMENT = Experiment(
    name="convolutions",
    title="Convolutions: parameter counts, receptive fields and layer identities",
    original="No experiment in the original work: these are exact facts, decided by "
             "exact checks over a stated search on torch's own modules.",
    claims=[CV1])

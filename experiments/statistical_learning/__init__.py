"""Statistical learning: distances in high dimension (ML-3) and the bias-variance
decomposition (ML-5), each judged over independent chunks of a stated search
(harness/train/search.py; the searches: :mod:`.searches`): nothing is trained."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .ml3 import ML3A, ML3B, ML3C, ML3D
from .ml5 import ML5A, ML5B, ML5C, ML5D

EXPERIMENT = Experiment(
    name="statistical_learning",
    title="Statistical learning: distances in high dimension, bias and variance",
    original="No experiment in the original work: the claims are judged on searches "
             "over i.i.d. draws, digits and a Gaussian mixture (numpy and scikit-learn, "
             "float64), each chunk of a search an independent replicate.",
    claims=[ML3A, ML3B, ML3C, ML3D, ML5A, ML5B, ML5C, ML5D],
    sweep_jobs=1)  # light searches: one process is faster (results/bench.md)

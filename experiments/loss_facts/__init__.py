"""Loss functions and information measures: exact facts about accuracy as an objective,
softmax's numerics, divergences and entropies, surrogate losses of the 0-1 loss, the
convexity of losses through a sigmoid, the gradients of cross-entropy and the squared
error over the error and the focal loss's factor, each checked over a stated search
(harness/train/search.py) with torch's and scipy's own functions where they have them."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .accuracy import LS4
from .convexity import LS9
from .divergences import LS6A, LS6B, LS6C, LS6D
from .focal import IM3A
from .saturation import LS1A
from .softmax import LS5A, LS5B
from .surrogates import LS8A, LS8B, LS8C

EXPERIMENT = Experiment(
    name="loss_facts",
    title="Loss functions: accuracy, softmax, divergences, surrogates, convexity, saturation "
          "and focal loss",
    original="No experiment in the original work: these are exact facts and implementation "
             "checks, decided by exact checks over a stated search, and one timing "
             "(LS-5b), run alone.",
    claims=[LS4, LS5A, LS5B, LS6A, LS6B, LS6C, LS6D, LS8A, LS8B, LS8C, LS9, LS1A, IM3A],
    sweep_jobs=1)  # light searches: one process is faster (results/bench.md)

"""Optimizers: heavy-ball momentum against gradient descent (OP-1a, OP-1b) and Nesterov's
momentum against classical momentum (OP-8a, OP-8b) on quadratics, each method's step
tuned per replicate, and whether NAG scales a parameter's update by its gradient history
(OP-8c, on torch.optim). Every claim is judged over chunks of a stated search
(harness/train/search.py; the searches: :mod:`.searches`): nothing is trained."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .op1 import OP1A, OP1B
from .op4 import OP4A
from .op8 import OP8A, OP8B, OP8C

EXPERIMENT = Experiment(
    name="optimizers",
    title="Optimizers: momentum and Nesterov's momentum against gradient descent on "
          "quadratics",
    original="No experiment in the original work: the claims are judged on batched "
             "gradient-descent, heavy-ball and NAG paths on quadratics (numpy, float64), "
             "each chunk a replicate with its own tuning draws, and on torch.optim's "
             "updates over sparse gradient patterns.",
    claims=[OP1A, OP1B, OP4A, OP8A, OP8B, OP8C],
    sweep_jobs=1)  # light searches: one process is faster (results/bench.md)

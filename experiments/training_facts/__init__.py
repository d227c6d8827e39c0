"""Training facts: Newton's inverse Hessian along its iterations (OP-6), Adam's bias
correction (OP-7), what BatchNorm's output is (BD-8a, BD-8b), and GroupNorm's special
cases and the statistics each normalization computes (NM-1a, NM-1b, NM-1c), that a
sample's LN and GN outputs do not depend on its batch (BD-10a), that an MLP without a
nonlinear activation is one affine map (AC-1a), what a dead ReLU's gradient is (AC-4a,
AC-4b), that Adagrad's effective step never increases while RMSprop's and Adadelta's do
(OP-2a), and whether constant-step SGD and fixed-step GD reach a strongly convex optimum
(OP-5a, OP-5b). Each is decided by an exact check over a stated search (harness/train/search.py):
Newton paths in float64, a Monte Carlo of stated size, a briefly trained digits net, random
shapes on torch's own modules, briefly trained identity-activation nets on moons, digits
nets trained until units die, digits nets trained by each adaptive optimizer, SGD and GD
on three strongly convex problems in float64."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .adagrad import OP2A
from .adam import OP7
from .batchnorm import BD8A, BD8B
from .companions import BD10A
from .constant_step import OP5A, OP5B
from .dead import AC4A, AC4B
from .groupnorm import NM1A, NM1B, NM1C
from .linear import AC1A
from .newton import OP6

EXPERIMENT = Experiment(
    name="training_facts",
    title="Training facts: Newton's inverse Hessian, Adam's bias correction, BatchNorm's "
          "output, GroupNorm's special cases, linear networks",
    original="No experiment in the original work: these are exact facts, decided by "
             "exact checks over a stated search (Newton paths, a Monte Carlo, a trained "
             "digits net, random shapes on torch's own modules, trained moons nets).",
    claims=[OP6, OP7, BD8A, BD8B, NM1A, NM1B, NM1C, BD10A, AC1A, AC4A, AC4B, OP2A, OP5A, OP5B])

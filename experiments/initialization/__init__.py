"""Does the initial value of the weights matter? Claims IN-1, IN-2a/b (:mod:`.accuracy`),
IN-3a/b and IN-4 (:mod:`.signal`).

Design and grids: conf/experiment/initialization.yaml; every replicate has its own
dataset (final.csv's ``dataset`` column), and conditions are paired by replicate.

Pilot SDs: the committed results/initialization page (12 replicates on 4 shared
datasets), each backed out of a t-based CI over the 12 replicates as half-width / t(11) ·
√12 (IN-3b's: seed 0's 24 replicates of grid deep_sgd). Under a planted effect every
member of an intersection-union family has the same mean, so the noisiest member
decides: the SD declared is the largest member SD of the primary setting.
"""

from __future__ import annotations

from experiments.initialization.accuracy import IN1, IN2A, IN2B
from experiments.initialization.schemes import NAME
from experiments.initialization.signal import IN3A, IN3B, IN4
from harness.judge.claims import Experiment

EXPERIMENT = Experiment(
    name=NAME,
    title="Initialization: convex vs deep, symmetry, vanishing and exploding signals",
    original="""Abid (2018) Exp 10: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, a 100-100 sigmoid MLP with MSE on the logits against
one-hot labels, Adam 0.003, 500 steps of batch 64; 5 datasets, each trained once with
each of the inits Xavier, zeros, ones, N(0, 0.01) and N(0, 1) (σ, not σ²). Test
accuracy after updates 1, 51, ..., 451; at 451 ≈ 0.964 (Xavier), 0.95 (N(0,0.01)),
0.63 (N(0,1)), 0.487 (ones, flat throughout); zeros ≈ 0.5 for most of training, then
0.87, which the author attributes to numerical noise from parallel cores breaking the
symmetry. Defects: 5 datasets without intervals, no convex or nonlinear control, and a
task whose Bayes boundary is linear, so one hidden unit suffices and identical units
(symmetry) cost little.""",
    claims=[IN1, IN2A, IN2B, IN3A, IN3B, IN4],
)

"""Do layers converge at different speeds, and do early layers learn slower? LC-1 ... LC-4.

Faithful setup: Abid (2018) Exp 11 (grid ``abid``, preset abid2018), with the original's
metric (the change of the last 50 weights per layer between snapshots after updates
1, 3, ..., 749) beside better-founded ones on the same runs: relative distance of each
layer's weights to their final value, and the linear CKA of each layer's representation
with its final one (Kornblith et al. 2019; Raghu et al. 2017 found representations
converge bottom-up); grid ``abid_relu`` repeats it with ReLU. Variants (preset
``variants``): depth {3, 5, 9} × {plain sigmoid, ReLU, sigmoid + batch norm, sigmoid +
residual blocks}, read through the gradient with respect to the first and the last
hidden layer's output (the residual stream in a residual net); plain sigmoid also under
plain SGD (grid ``plain_sgd``), where that gradient is the learning speed (LC-2).
Every replicate has its own dataset (final.csv's ``dataset`` column); conditions are
paired by replicate.
"""

from __future__ import annotations

from harness.judge.claims import Experiment

from . import lc1, lc2, lc3, lc4
from .common import NAME

EXPERIMENT = Experiment(
    name=NAME,
    title="Layer convergence: which layers settle first, and vanishing gradients",
    original="""Abid (2018) Exp 11: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, 3 hidden layers of 50 (4 weight matrices), sigmoid,
MSE on the logits, Adam 0.003, 750 steps of batch 64. The last 50 entries of each
[in, out] weight matrix (first layer: the outgoing weights of input 12 (1-based; index
11)) were saved
after updates 1, 3, ..., 749; convergence = norm of the change between consecutive
snapshots. Reported (one run): layer 0's changes are noisy, peak ≈ 0.045 near step 180
and decay to ≈ 0.003; layers 1–3 start ≈ 0.04 and drop below ≈ 0.005 within 20–40
steps. Conclusion: later layers converge faster than earlier ones, the last almost
monotonically. Defects: one run, a 50-weight slice, and a per-step change that under
Adam is capped near 2 · lr · √50 rather than a distance to convergence.""",
    claims=[lc1.CLAIM, lc2.CLAIM, lc3.CLAIM, lc4.CLAIM])

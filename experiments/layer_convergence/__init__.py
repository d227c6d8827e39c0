"""Do layers converge at different speeds, and do early layers learn slower? LC-1 ... LC-4.

Faithful setup: Abid (2018) Exp 11 (grid ``abid``, preset abid2018), its weights' and the
representations' (linear CKA, Kornblith et al. 2019) distance to their end beside it; the
variants (preset ``variants``, grids in conf/experiment/layer_convergence.yaml) read the
gradient at the first and the last hidden layer's output. Every replicate has its own
dataset; conditions are paired by replicate.
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

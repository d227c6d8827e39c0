"""Is very high-dimensional data hard for a network, and does unsupervised reduction help
first? Claims DR-1a and DR-1b (:mod:`.dr1`, the catalogue's DR-1 (a) and (b)).

Design and grids: conf/experiment/dimensionality.yaml (Abid 2018 Exp 6 as written, with
PCA to 10, 5 and 1 components, and four controls with 1,000 test points). Every
replicate has its own Gaussian draw, init and noise; a replicate's k's share its
Gaussian draw, and its PCA arms at one k share the noise and R too (paired).
"""

from __future__ import annotations

from experiments.dimensionality import dr1
from harness.judge.claims import Experiment

EXPERIMENT = Experiment(
    name=dr1.NAME,
    title="Dimensionality: useless dimensions, and PCA before the network",
    original="""Abid (2018) Exp 6 (notebook cell 40): two 10-D Gaussians (class-1 mean 1 in
every dimension, Σ = cᵀc with c = 0.2·U[0,1)), n = 100 split 80/20 unstratified (20 test
points); k ∈ {1, 2, 5, ..., 2000} dummy dimensions of U[0,1) noise appended, then every
point times a matrix R of U[0,1) entries (not a rotation); PCA fitted on the training
split to 10, 5 or 1 components, or none; a 100-100 sigmoid MLP, Glorot-uniform weights
and biases, Adam 0.003, 500 full-batch steps; 3 iters. Reported (read off its figure):
without PCA ≈ 0.93–1.0 up to k = 100, then ≈ 0.43 from k = 200 on; PCA to 10 or 5 stays
≈ 0.92–0.97; PCA to 1: ≈ 0.95, then 0.82 (k = 200), 0.77 (500), 0.72 (1000), 0.55
(2000). Conclusion: reduce the dimension without supervision before a network meets very
high-dimensional data. Defects: 3 iters on a 20-point test set without intervals, and
inputs whose scale grows with k (R's entries are all positive), which saturates sigmoid
units at initialization: a fall that input scale alone can cause.""",
    claims=dr1.CLAIMS)

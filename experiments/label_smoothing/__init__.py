"""Is label smoothing a regularizer? Claims LS-3a, LS-3b and LS-3c (:mod:`.ls3`, the
catalogue's LS-3 (a) split by measure, and its (b)).

Design and grids: conf/experiment/label_smoothing.yaml (300 training digits, where the
net overfits, and all digits). A replicate's ε's share its split and its initial
weights (paired); every replicate has its own split, init and minibatch order.
"""

from __future__ import annotations

from experiments.label_smoothing import ls3
from harness.judge.claims import Experiment

EXPERIMENT = Experiment(
    name=ls3.NAME,
    title="Label smoothing: confidence, calibration and the generalization gap",
    original="""No 2018 original. The seed's value ε = 0.1 is Szegedy et al. (2016)'s for
ImageNet; Müller, Kornblith and Hinton (2019), "When does label smoothing help?", report
that it improves the calibration of over-confident ImageNet networks. Here: a
64→128→128→10 ReLU MLP on scikit-learn's digits, Adam 0.001, 3,000 steps of batch 64,
ε ∈ {0, 0.05, 0.1, 0.2}; confidence and top-label ECE (15 equal-width bins, declared
before any run) on the test set.""",
    claims=ls3.CLAIMS)

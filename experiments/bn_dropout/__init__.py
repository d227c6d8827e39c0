"""Batch norm × dropout: "1+1>2", or worse than either alone? Claims BD-1 ... BD-7.

Factorial design on two tasks where the plain net overfits (presets bn_digits,
bn_gaussian); the ``batch_norm`` and ``dropout`` probes measure the mechanism. Every
replicate has its own dataset; conditions are paired by replicate.
"""

from experiments.bn_dropout import bd1a, bd3, bd7, probes, task_final
from experiments.bn_dropout.common import NAME
from harness.judge.claims import Experiment

BD1B, BD2, BD6 = task_final.CLAIMS
EXPERIMENT = Experiment(
    name=NAME,
    title="Batch norm × dropout: together better, or worse than either alone?",
    original="""No 2018 original. Li, Chen, Hu, Yang, "Understanding the Disharmony between
Dropout and Batch Normalization by Variance Shift" (CVPR 2019): with dropout before a BN
layer, the unit's variance at test time (no dropout) differs from the running variance
BN accumulated in training, so BN normalizes test data wrongly and accuracy drops;
placing dropout only after the last BN layer (or using a variance-stable dropout) avoids
it. The seeds' claims (004, 001) summarize this as "BN and dropout each reduce
overfitting and speed training; together no 1+1>2, maybe worse than either alone".""",
    claims=[bd1a.CLAIM, BD1B, BD2, bd3.CLAIM, probes.BD4, probes.BD5, BD6, bd7.CLAIM],
)

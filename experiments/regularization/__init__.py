"""How L1, L2 and weight decay shape the weights, and whether they curb overfitting:
claims RG-1 ... RG-4 (design and grids: conf/experiment/regularization.yaml)."""

from harness.judge.claims import Experiment

from .paths import NAME, RG1, RG2A, RG2B
from .rg3 import RG3
from .rg4 import RG4

EXPERIMENT = Experiment(
    name=NAME,
    title="Regularization: L1, L2 and weight decay vs the weights and overfitting",
    original="""Abid (2018) Exp 12: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), a 50-50 sigmoid MLP with MSE plus λ·mean(|W|) (L1) or λ·mean(W²) (L2) over the
weight matrices, λ ∈ {0, 0.1, 1}, 750 steps of batch 64, Adam 0.003. Reported: L1 λ=1
drives most weights to ≈ 0 with a few at ≈ ±0.5 and accuracy ≈ 0.65–0.75; L1 λ ∈ {0,
0.1} and L2 λ=0 reach accuracy 1.0; the L2 weight range shrinks from ≈ [−1.0, 0.65] (λ=0)
to ≈ ±0.3 (λ=0.1) and ≈ ±0.2 (λ=1), with accuracy ≈ 0.83 at λ=0.1 but 1.0 at λ=1.
Defect: every run regenerated the dataset, confounding the λ comparison. Conclusion:
regularization shrinks weights, strong L1 makes them sparse, the effect on accuracy is
unclear.""",
    claims=[RG1, RG2A, RG2B, RG3, RG4],
)

"""LS-9: with a sigmoid output, the squared error is non-convex in the weights and the
cross-entropy convex, checked by autograd's second derivatives and Hessians (float64),
and apart, for one hidden layer, by midpoint convexity along segments.

The search: :mod:`tasks.loss_facts.convexity`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from tasks.loss_facts.common import TOL
from tasks.loss_facts.convexity import (
    CE_1D,
    CE_LR,
    CE_NET,
    FIT_STEPS,
    GRID,
    HIDDEN,
    MSE_1D,
    MSE_LR,
    MSE_NET,
    NET,
    PAIRS,
    PER_UNIT,
    PRIMARY,
    SCALES,
    WEIGHTS,
)

from .common import measure

LS9 = Claim(
    "LS-9", "003 (Q5 (2))",
    "sigmoid作为激活函数的时候,如果采用均方误差损失函数,那么这是一个非凸优化问题,不宜求解。"
    "而采用交叉熵损失函数依然是一个凸优化问题",
    "With a sigmoid output, the squared error is non-convex in the weights and the "
    "cross-entropy is convex. For one sigmoid unit, d²/dw² (σ(w) − 1)² < 0 somewhere on "
    f"w ∈ [−{GRID}, {GRID}] and d²/dw² (−ln σ(w)) ≥ 0 everywhere on it; for logistic "
    "regression on breast cancer, the squared error's Hessian has a negative eigenvalue at "
    "some searched weights and the cross-entropy's is positive semi-definite at every one "
    f"(tolerance {TOL:g} relative to the largest). The single unit and logistic regression "
    "(the linear model the quote's '依然' fits) primary; one hidden layer robustness, "
    "judged by midpoint convexity along segments: non-convexity of the squared error "
    "expected, and of the cross-entropy too (permuted hidden units).",
    measure=measure("LS-9", (MSE_1D, CE_1D, MSE_LR, CE_LR, MSE_NET, CE_NET),
                    "curvature of the squared error and the cross-entropy through a sigmoid",
                    "ls9", "convexity.ls9"),
    # no headline member: each setting's last (the cross-entropy's) heads it unless refuted
    rule=Check((Bound(MSE_1D, "below", -TOL, refute="every"), Bound(CE_1D, "above", -TOL),
                Bound(MSE_LR, "below", -TOL, refute="every"), Bound(CE_LR, "above", -TOL)),
               by_setting=((NET, (
                   Bound(MSE_NET, "above", TOL, refute="every"),
                   Bound(CE_NET, "below", TOL))),)),
    quantifier="primary", settings=Settings(PRIMARY, (NET,)),
    notes=(f"The search: w = i/{PER_UNIT} on [−{GRID}, {GRID}] split over the chunks; "
           f"{WEIGHTS} logistic-regression weights per chunk, random directions with norms "
           f"log-uniform over 10^{SCALES[0]:g} … 10^{SCALES[1]:g}; for one hidden layer "
           f"({HIDDEN} sigmoid units), {PAIRS} segments between two networks under torch's "
           f"default init and one between an L-BFGS fit ({FIT_STEPS} iterations) and the "
           "same network with its hidden units permuted, per chunk and loss.",
           "A non-convexity member (squared error) is supported when every chunk finds "
           "negative curvature, refuted when none does; a convexity member (cross-entropy) "
           "is refuted by one violation.",
           "Before this claim was declared, one chunk was run to time it; the Hessians "
           "per chunk went from 64 to 32 for time, nothing else changed."),
    min_effect=TOL, null_value=-TOL, category=EXACT, replicates=8)

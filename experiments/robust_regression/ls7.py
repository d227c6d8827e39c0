"""LS-7: smooth-L1 converges faster than L1 (steps to a relative suboptimality, each loss
against its own optimum, under a fixed step)."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember
from harness.judge.measures import Factor, Resampled

from .searches import (
    BATCH,
    BUDGET,
    LOSSES,
    OPTIMIZERS,
    PILOT_DRAWS,
    SGD_TARGET,
    STEP_GRID,
    STEPS,
    TARGET,
)

REPLICATES = 24  # the project's cap; the pilot SD asks for more at ratio 1.25
RATIO_MIN = math.log(1.25)  # the design notes' smallest effect: a ratio 1.25 of steps
# the SD of the primary's per-replicate log(steps L1 / steps smooth-L1) in 8 pilot chunks
# under default_rng([99, r]) (two of them at the budget for L1), rounded up
SD_LS7 = 0.81
STEP_WORDS = "; ".join(f"{opt}: L1 {STEPS[opt, 'L1']:g}, smooth-L1 {STEPS[opt, 'smooth-L1']:g}"
                       for opt in OPTIMIZERS)

LS7 = Claim(
    "LS-7", "001 (损失函数 1, smooth L1 的优点); 003 (位置损失)",
    "1. 相比于L1 Loss,可以更快的收敛。 / 003: L1损失函数对x的导数为常数,不会有梯度爆炸的问题,"
    "但其在0处不可导,在较小损失值时,得到的梯度也相对较大,可能造成模型震荡不利于收敛",
    "Smooth-L1 can converge faster than L1: at a fixed step (each loss's best of a 4-value "
    "grid), linear regression under smooth-L1 reaches a relative suboptimality "
    f"(f − f*)/f* ≤ {TARGET:g} against its own optimum in fewer steps than under L1; the "
    "log ratio steps(L1) / steps(smooth-L1) is above 0 (sign test). Primary: full-batch "
    "gradient descent; minibatch SGD and Adam give the scope (hedged: some setting "
    "suffices).",
    measure=Resampled(factor=Factor("member", LOSSES, "loss"),
                      label="steps to the target (f − f*)/f*", grid="descent",
                      task="experiments.robust_regression.searches.descent", log=True),
    rule=EveryMember(reference="L1", direction="positive", statistic="sign"),
    quantifier="some", settings=Settings(OPTIMIZERS[0], OPTIMIZERS[1:]),
    notes=(
        "Quantifier some: 001 says smooth-L1 可以更快的收敛 (can converge faster) and 003 "
        "that L1 可能造成模型震荡 (may oscillate): both hedged.",
        "Per chunk: one make_regression draw (n = 200, d = 5, noise 1, an intercept "
        f"fitted); from w = 0, {BUDGET} updates of the mean loss. f* is each loss's own "
        "optimum (the losses have different minimizers): L1's by QuantileRegressor's "
        "linear program (HiGHS), smooth-L1's (δ = 1, the seed's formula) by semismooth "
        "Newton to a gradient below 1e-12. A run that never reaches the target counts as "
        f"the budget {BUDGET} (a lower bound), so the test is the sign test of the median "
        "log ratio (ties dropped).",
        f"Steps, from the grid {', '.join(f'{s:g}' for s in STEP_GRID)} per optimizer and "
        f"loss on {PILOT_DRAWS} pilot draws under default_rng([99, k]) (the lowest median "
        f"steps to the target, ties by the band; searches.choose_steps): {STEP_WORDS}. "
        f"Minibatch SGD: batches of {BATCH} without replacement, the same batches for both "
        f"losses; its target is {SGD_TARGET:g}, because at every grid step its noise floor "
        f"lies above {TARGET:g} (seen in the step pilot before the lock; a design change "
        "from the notes' one target). Adam: full batch, β = (0.9, 0.999), ε = 1e-8.",
        "Shown, not judged (the quote's 震荡): the band max − min of (f − f*)/f* over the "
        "last 10% of the steps, per loss. Far from the optimum every residual exceeds δ "
        "and the two losses have the same gradient, Xᵀsign(r)/n: they differ only near "
        "the optimum, where L1's gradient keeps its size.",
        "The design notes' friedman1 MLP setting needs training, which this search-only "
        "experiment does not do: it is declared later, in a trained experiment.",
        "Before the lock, the step pilot and 8 pilot chunks of the search under "
        "default_rng([99, r]) (no verdict reads them) were looked at for the steps, the "
        "SD and the cost."),
    min_effect=RATIO_MIN, pilot_sd=SD_LS7, replicates=REPLICATES)

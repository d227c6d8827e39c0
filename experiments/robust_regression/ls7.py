"""LS-7: smooth-L1 converges faster than L1 (steps until the loss stays at a relative
suboptimality, each loss against its own optimum, under a fixed step)."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember
from harness.judge.measures import Factor, Resampled
from tasks.robust_regression.searches import (
    BATCH,
    BUDGET,
    LOSSES,
    OPTIMIZERS,
    PILOT_DRAWS,
    PILOT_SEED,
    SGD_LEVEL,
    STEP_GRID,
    STEPS,
    TARGET,
)

REPLICATES = 24  # the project's cap
RATIO_MIN = math.log(1.25)  # the design notes' smallest effect: a ratio 1.25 of steps
# the SD of the primary's per-replicate log(steps L1 / steps smooth-L1) in 8 pilot chunks
# under default_rng([PILOT_SEED, r]) (L1 at the budget in all 8), rounded up
SD_LS7 = 0.19
STEP_WORDS = "; ".join(f"{opt}: L1 {STEPS[opt, 'L1']:g}, smooth-L1 {STEPS[opt, 'smooth-L1']:g}"
                       for opt in OPTIMIZERS)

LS7 = Claim(
    "LS-7", "001 (损失函数 1, smooth L1 的优点); 003 (位置损失)",
    "1. 相比于L1 Loss,可以更快的收敛。 / 003: L1损失函数对x的导数为常数,不会有梯度爆炸的问题,"
    "但其在0处不可导,在较小损失值时,得到的梯度也相对较大,可能造成模型震荡不利于收敛",
    "Smooth-L1 converges faster than L1: at a fixed step (each loss's best of a 5-value "
    "grid), linear regression under smooth-L1 settles at a relative suboptimality "
    f"(f − f*)/f* ≤ {TARGET:g} against its own optimum (the first step after which it "
    "never exceeds it) in fewer steps than under L1; the log ratio steps(L1) / "
    "steps(smooth-L1) is above 0 (sign test). Primary: full-batch gradient descent; Adam "
    f"and minibatch SGD (judged on the {SGD_LEVEL}) give the scope.",
    measure=Resampled(factor=Factor("member", LOSSES, "loss"),
                      label=f"steps until (f − f*)/f* stays ≤ {TARGET:g} (SGD: {SGD_LEVEL})",
                      grid="settling", log=True,
                      task="tasks.robust_regression.searches.settling"),
    rule=EveryMember(reference="L1", direction="positive", statistic="sign"),
    quantifier="primary", settings=Settings(OPTIMIZERS[0], OPTIMIZERS[1:]),
    notes=(
        "Quantifier primary: 可以更快的收敛 is the first item of a list of smooth-L1's "
        "advantages (优点), right after L1's 收敛不稳定: a property of the loss stated "
        "plainly (可以: it can and does), not hedged as 可能 is in 003; 003's 可能 hedges "
        "L1's oscillation, the mechanism. The descent it speaks of is the plain one: "
        "full-batch GD (the design notes' primary); Adam and minibatch SGD are scope.",
        "Per chunk: one make_regression draw (n = 200, d = 5, noise 1, an intercept "
        f"fitted); from w = 0, {BUDGET} updates of the mean loss. f* is each loss's own "
        "optimum: L1's by QuantileRegressor's linear program (HiGHS), smooth-L1's (δ = 1) "
        "by semismooth Newton to a gradient below 1e-12. A run not settled by the budget "
        f"counts as {BUDGET} (a lower bound; both at the budget is a tie, dropped), hence "
        "the sign test of the median log ratio.",
        f"Steps, from the grid {', '.join(f'{s:g}' for s in STEP_GRID)} per optimizer and "
        f"loss on {PILOT_DRAWS} pilot draws under default_rng([{PILOT_SEED}, k]) (the "
        "lowest median settling step, SGD the lowest end level, ties by the band; "
        f"searches.choose_steps): {STEP_WORDS}. L1 settles at no grid step under GD or "
        "Adam in the pilot (all ties: the band chose); Adam's 0.1 sits at the grid's low "
        "edge, where a smaller step cannot cover weights of size |β| ~ 100 within the "
        f"budget. SGD: batches of {BATCH} without replacement, the same for both losses; "
        "Adam: full batch, β = (0.9, 0.999), ε = 1e-8.",
        "Shown, not judged (the quote's 震荡): the band max − min of (f − f*)/f* over the "
        "last 10% of the steps. Far from the optimum every residual exceeds δ and the two "
        "losses have the same gradient, Xᵀsign(r)/n: they differ only near the optimum.",
        "The design notes' friedman1 MLP setting needs training: declared later, in a "
        "trained experiment."),
    revision=(
        "Revised after the five master seeds' runs (0, 1, 17, 29, 43), on a review. (1) The "
        "measure counted steps to the FIRST touch of the target, not convergence: at the "
        "chosen Adam steps (L1 1.0, smooth-L1 3.0, the grid's top) neither loss settled "
        "(median final gap 1.2% L1, 2.8% smooth-L1; smooth-L1 above the target in 94% of "
        "the last 100 steps), so support rested on a passing dip. Now the settling step, "
        "steps re-chosen by it on pilot draws under a fresh seed (101) and the grid extended "
        "to 10. (2) Under full-batch GD the 1e-3 target sat inside L1's end band (1e-3 to "
        "2.4e-2), so the primary flipped between seeds: now 1e-4, below L1's floor, "
        "unsettled runs counted as the budget. (3) SGD's 1e-2 target lay inside both "
        "losses' noise band (0.5–9%): now judged on the mean end level. (4) Quantifier "
        "some → primary (the words: see the first note). The earlier rule gave, seed 0: "
        "supported via Adam, 0.450 [0.311, 1.995] (sign-test median log ratio); full-batch "
        "GD (primary) no meaningful effect 0.039 on seeds 0, 1 and 17, supported on 29 and "
        "43."),
    min_effect=RATIO_MIN, pilot_sd=SD_LS7, replicates=REPLICATES)

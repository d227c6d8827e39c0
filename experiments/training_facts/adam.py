"""OP-7: Adam's zero-initialized moment estimates are biased toward 0, E[mₜ] = (1 − β1ᵗ)E[g]
and E[vₜ] = (1 − β2ᵗ)E[g²], and the bias-corrected m̂ₜ, v̂ₜ are unbiased.

The search: :mod:`tasks.training_facts.adam`."""

from __future__ import annotations

from scipy.stats import norm

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.adam import (
    BETA1,
    BETA2,
    CHECKPOINTS,
    DISTRIBUTIONS,
    M_HAT,
    SEQUENCES,
    STATE,
    STEP,
    STEPS,
    TESTS,
    TORCH,
    TOWARD_0,
    V_HAT,
)

Z = float(norm.isf(0.01 / 2 / TESTS))
# torch against the recursions, float64: both recursions contract, so rounding stays
# ~2⁻⁵³/(1 − β2) ≈ 1e-13 of the largest value; 1e-10 leaves three orders, while a wrong
# β, a missing or misplaced correction is off by 1e-3 or more
TORCH_TOL = 1e-10

OP7 = Claim(
    "OP-7", "001 (Adam)", "如果mt和vt被初始化为0向量,那它们就会向0偏置,所以做了偏差校正,"
    "通过计算偏差校正后的mt和vt来抵消这些偏差",
    "Zero-initialized moment estimates are biased toward 0, E[mₜ] = (1 − β1ᵗ)E[g] and "
    "E[vₜ] = (1 − β2ᵗ)E[g²], and the bias-corrected m̂ₜ = mₜ/(1 − β1ᵗ), v̂ₜ = vₜ/(1 − β2ᵗ) "
    f"are unbiased (β1 = {BETA1}, β2 = {BETA2}). Monte Carlo of {SEQUENCES} gradient "
    f"sequences per chunk ({8 * SEQUENCES} over the 8 chunks) of {STEPS} steps from a "
    "stationary distribution (N(1, 1) primary; N(0.1, 1) and Exp(1) robustness): |z| of "
    f"the mean of m̂ₜ, v̂ₜ against E[g], E[g²] at t = {', '.join(map(str, CHECKPOINTS))} "
    f"below {Z:.2f} (Bonferroni over every z of the full run at a family-wise 1%), and "
    "the uncorrected m₁, v₁ below E[g], E[g²] by more than that (the bias toward 0 is "
    f"there and seen). Implementation check beside it: torch.optim.Adam's exp_avg and "
    f"exp_avg_sq, and its step, on {TORCH} of the sequences equal the recursions and "
    f"−lr·m̂ₜ/(√v̂ₜ + ε) to {TORCH_TOL:g} (float64). Shown: the uncorrected step's ratio to "
    "the corrected one over t ('biased toward 0' is not 'smaller steps': the step uses "
    "m/√v, and both are biased).",
    measure=Searched(factor=Factor("member", (M_HAT, V_HAT, TOWARD_0, STATE, STEP), "member"),
                     label="Adam's moment estimates against their expectations (Monte "
                           "Carlo) and torch.optim.Adam against the recursions",
                     grid="op7", task="tasks.training_facts.adam.op7"),
    rule=Check((Bound(M_HAT, "below", Z), Bound(V_HAT, "below", Z),
                Bound(TOWARD_0, "above", Z), Bound(STATE, "below", TORCH_TOL),
                Bound(STEP, "below", TORCH_TOL)), headline=V_HAT),
    quantifier="all",
    settings=Settings("g ~ N(1, 1)", tuple(d for d in DISTRIBUTIONS if d != "g ~ N(1, 1)")),
    notes=("m̂ₜ's z equals mₜ's against (1 − β1ᵗ)E[g] (the same numbers scaled), so one "
           "member tests both the bias formula and the correction; likewise for v.",
           "The search function was run on one chunk of trial seeds while it was written "
           "(for its speed); nothing in the rule was changed after."),
    min_effect=Z, null_value=Z, category=EXACT, replicates=8)

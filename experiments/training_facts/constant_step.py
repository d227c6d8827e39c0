"""OP-5a, OP-5b: SGD with a constant step on a strongly convex objective, and gradient
descent with a fixed step near the optimum.

The search: :mod:`tasks.training_facts.constant_step`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.constant_step import (
    EPOCHS,
    FALL,
    GD,
    GD_FIXED,
    GD_STEPS,
    INTERPOLATION,
    LEVEL,
    LOGISTIC,
    RIDGE,
    SGD_STEPS,
    WINDOW,
)

# Sizes and penalties so that SGD's transient, ~1/(η·μ) steps, ends well before T/2 at the
# smallest step (about 10 of the 20 epochs): make_regression n = 200, d = 10; logistic
# λ = 1 (L_max ≈ 105)
# Declared thresholds: linear convergence falls ≥ 10× over the second half (the design's
# line) or reaches 1e-12 (O(1/t) after 8,000–23,000 steps is ~1e-4); a noise floor stays
# above 1e-8; GD reaching 1e-10 refutes "it must shrink its step". The design's plateau
# test (falls < 2×) was dropped before the rule: at a floor single epoch-ends scatter by
# 3–10× (log10 SD ≈ 0.3 in a look at one chunk), so a fitted 20-epoch fall crosses 2× by
# chance in ~1 row in 10, while 10× sits ~4 SDs out
LINEAR, FLOOR, CONVERGED, GD_REACHES = 10.0, 1e-8, 1e-12, 1e-10
SGD_MEMBERS = tuple(m.format(c) for c in SGD_STEPS for m in (LEVEL, FALL))


def _op5(part: str, quote: str, members: tuple[str, ...], bounds: tuple[Bound, ...],
         settings: Settings, hypothesis: str, **kw: object) -> Claim:
    return Claim(
        f"OP-5{part}", "001 (随机梯度下降 cons a; 梯度下降法)", quote, hypothesis,
        measure=Searched(factor=Factor("member", members, "member"),
                         label="SGD and GD on three strongly convex problems (float64)",
                         grid="op5", task="tasks.training_facts.constant_step.op5"),
        rule=Check(bounds), quantifier="all", settings=settings, parent="OP-5",
        category=EXACT, replicates=8, **kw)


OP5A = _op5(
    "a", "由于即使在目标函数为强凸函数的情况下,SGD仍旧无法做到线性收敛。", SGD_MEMBERS,
    tuple(Bound(LEVEL.format(c), "above", FLOOR, refute_at=CONVERGED) for c in SGD_STEPS)
    + tuple(Bound(FALL.format(c), "below", LINEAR) for c in SGD_STEPS),
    Settings(RIDGE, robustness=(LOGISTIC, INTERPOLATION)),
    "Per-example SGD with a constant step does not converge linearly, even on a strongly "
    f"convex objective: at each of three steps (1, 0.5, 0.25 × 1/L_max) it stalls at a "
    f"noise floor, its relative suboptimality above {FLOOR:g} over the last {WINDOW} of "
    f"{EPOCHS} epochs and falling less than {LINEAR:g}× over epochs 21–40 (the "
    "least-squares line through its log epoch-ends). Refuted where it converges "
    f"linearly: falls {LINEAR:g}× or more over that half, or below {CONVERGED:g} (O(1/t) "
    "would be near 1e-4 after its 8,000–23,000 steps). The interpolation regime, where "
    "every example's gradient vanishes at the optimum, is judged beside the noisy "
    "problems.",
    notes=("Quantifier all: '即使…强凸…仍旧无法' is universal, so one strongly convex "
           "problem on which constant-step SGD converges linearly refutes it. The noisy "
           "problems stall at a floor that shrinks with η, as the quote's '准确度下降' "
           "implies; only the noise-free consistent system (strongly convex: n > d, full "
           "column rank) converges, to float64's floor.",
           "The design's plateau test (falls < 2× from T/2 to T) was replaced before the "
           "rule by 'falls < 10× over the second half': at a noise floor single epoch-ends "
           "scatter by 3–10×, so a 2× test fails by chance (a look at one chunk).",
           "Where a run sits at the 1e-30 rounding floor its fitted fall is 1 and reads as "
           "'holds'; its level decides (below 1e-12)."),
    min_effect=FLOOR, null_value=FLOOR)
OP5B = _op5(
    "b", "越接近最优值时,步长应该不断减小,否则会在最优值附近来回震荡。",
    tuple(GD.format(c) for c in GD_FIXED),
    tuple(Bound(GD.format(c), "above", GD_REACHES) for c in GD_FIXED),
    Settings(RIDGE, robustness=(LOGISTIC,), shown=((INTERPOLATION, "no noise and no "
                                                    "penalty: the easiest case"),)),
    "Gradient descent (full batch) must shrink its step near the optimum, or it keeps "
    "oscillating around it: with a fixed step η = 1/L or 1.8/L (inside the stable range "
    f"(0, 2/L)) it stays above {GD_REACHES:g} relative suboptimality after {GD_STEPS} "
    f"steps; refuted where it reaches {GD_REACHES:g}. SGD's runs are shown beside it (the "
    "sentence is about 梯度下降法).",
    notes=("Quantifier all: '应该不断减小,否则会…来回震荡' states a necessity.",
           "At η = 1.8/L the iterates do swing back and forth across the optimum along the "
           "top eigendirection (来回), with an amplitude that shrinks geometrically: "
           "swinging is not a failure to converge.",
           "If 步长 means the step's length η‖∇f‖, a fixed η already shrinks it near the "
           "optimum; the claim is read as the step size η, which is what schedules change."),
    min_effect=GD_REACHES, null_value=GD_REACHES)

"""What the optimizer claims share: the settings, the measure over the quadratic search,
and the prose of its design."""

from __future__ import annotations

from harness.judge.measures import Factor, Resampled
from tasks.optimizers.searches import (
    CAP_PER_KAPPA,
    GAMMAS,
    KAPPAS,
    LRS,
    TARGET,
    TUNING,
    kappa_setting,
)

PRIMARY = kappa_setting(100)
ROBUST = tuple(kappa_setting(k) for k in KAPPAS if k != 100)
# half the smallest non-zero rate (one sign change in the largest window, the cap 20κ at
# κ = 1000): a run without a counted sign change enters the logs at this floor
FLIP_FLOOR = 0.5 * 100 / (CAP_PER_KAPPA * max(KAPPAS))
FLIP_LABEL = (f"sign changes per 100 steps of the top eigencoordinate (a rate of 0 enters "
              f"as {FLIP_FLOOR:g})")
# OP-8a's count (revised on review): half the smallest non-zero count, as for the rate
COUNT_FLOOR = 0.5
COUNT_LABEL = (f"sign changes of the top eigencoordinate over the whole path (a count; "
               f"0 enters as {COUNT_FLOOR:g})")
STEP_WORDS = f"steps to (f − f*)/(f0 − f*) ≤ {TARGET:g} (the cap 20κ where never)"

DESIGN = (
    f"Quadratics ½(x − x*)ᵀA(x − x*), d = 100, eigenvalues log-spaced from 1/κ to 1; "
    f"target (f − f*)/(f0 − f*) ≤ {TARGET:g}, step cap {CAP_PER_KAPPA}κ; η from 20 "
    f"log-spaced values {LRS[0]:g} … {LRS[-1]:g} (units of 1/L). Primary κ = 100; κ = 10 "
    "and 1000 give the scope.")
FLIP_WORDS = (
    "A sign change at step t counts while the coordinate still matters at the target's "
    f"scale (|y₁,t−1| ≥ √{TARGET:g}·|y₁,0|: its own share of f − f* not yet below the "
    "target); the window is the run's own path, steps 1 … its steps to the target.")
COUNT_WORDS = (
    "The count runs over the whole path, steps 1 … the cap 20κ, with the same cutoff: a "
    f"sign change at step t counts while |y₁,t−1| ≥ √{TARGET:g}·|y₁,0| (rounding-level "
    "flips of a coordinate already negligible are not overshoots); a stable path's count "
    "stops where its envelope stays below that cutoff, at η = 1.263 near step 28 (NAG) "
    "and 129 (momentum), inside the shortest cap (200 steps at κ = 10). The top "
    "coordinate's path (λ₁ = 1, in units of its start) is the same for every draw and "
    "every κ: the count depends on the common η alone, so the replicates differ only "
    "through NAG's tuned η, and where every replicate tunes the same η the CI has zero "
    "width (the comparison is then exact at that η).")
NOT_RUN = ("Not run here (the design notes' other settings): the noisy quadratic "
           "(additive gradient noise) and the digits MLP; the verdict's scope is "
           "deterministic (noiseless, full-batch) quadratics only.")
METHOD = (
    "Per replicate (a chunk of the search, its own seed): a random start y0 ~ N(0, I) in "
    "the eigenbasis. The three methods are rotation-equivariant, so a random rotation Q "
    "and start x* + Qy0 give exactly this path (tests/test_optimizers.py checks it "
    f"against a rotated run in torch). Tuning: {TUNING} further draws of the replicate's "
    "own stream, never judged; per method the grid value with the lowest mean log steps "
    "over them (ties: the smaller γ, then the smaller η); the replicate's judged draw is "
    "then run at that choice. The updates are the seed's: v ← γv + η∇f(θ) (NAG: "
    "∇f(θ − γv)), θ ← θ − v; gradient descent is γ = 0; they equal torch.optim.SGD's "
    "(tests/test_optimizers.py). A run that never reaches the target counts as the cap "
    f"(a lower bound). OP-8b's γ grid: {', '.join(map(str, GAMMAS))}.")
LOOKED = (
    "Disclosure: while the search was written, its first version was run once on all 24 "
    "replicates under master seed 0 (the full run's own draws), to time it (11 s). It "
    "showed the directions of OP-1a and OP-1b at every κ, and NAG diverging at momentum's "
    "tuned η at κ = 1000 (past NAG's stability edge 2(1 + γ)/((1 + 2γ)L)). Two changes "
    "followed, before the lock: OP-8a's common η became NAG's tuned η (momentum is stable "
    "there), and the sign-change threshold, first relative to the draw's whole f0 − f* "
    "(a draw with a small top coordinate then counted none), became relative to the "
    "coordinate's own start. Target, cap, grids and the tuning rule did not change; the "
    "pilot SDs are from master seed 99. Master seed 1's run is the one no look preceded. "
    "What that first version gave (its OP-1b and OP-8a verdicts under seed 0) cannot be "
    "stated: it was never committed (the branch's history holds only the locked version, "
    "47a9fda) and its numbers were not recorded.")


def measure(levels: tuple[str, str], label: str, floor: float = 0.0) -> Resampled:
    """The quadratic search's rows at two members, judged in logs (a log ratio)."""
    return Resampled(factor=Factor("member", levels, "method"),
                     label=f"{label} (a difference is a log ratio)",
                     grid="quadratics", task="tasks.optimizers.searches.steps_and_overshoots",
                     log=True, floor=floor)

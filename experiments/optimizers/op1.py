"""OP-1: heavy-ball momentum (γ = 0.9) against gradient descent on quadratics, each with
its step tuned: (a) steps to a target, (b) oscillation across the top eigendirection."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import Paired
from tasks.optimizers.searches import FINE, FLIPS, GD_TUNED, HB, STEPS, TUNED

from .common import (
    DESIGN,
    FLIP_FLOOR,
    FLIP_LABEL,
    FLIP_WORDS,
    LOOKED,
    METHOD,
    NOT_RUN,
    PRIMARY,
    ROBUST,
    STEP_WORDS,
    measure,
)

SEED = "001 (2. 梯度下降算法改进 · Momentum)"
QUOTE = ("Momentum 通过加入 γ*v_{t−1},可以加速SGD,并且抑制震荡。 … γ一般为0.9。 … cons: "
         "虽然会加速收敛速度,但是由于惯性原因需要慢慢适应反向梯度情况。")
HB_TUNED = TUNED.format(HB)
# SDs of the primary's (κ = 100) per-replicate statistic in the pilot (master seed 99,
# 24 replicates; not the run's seed), rounded up: log steps ratio 0.072, log flips 0.315
SD_1A, SD_1B = 0.08, 0.32
GRID_WORDS = (
    "Shown control (declared on review): gradient descent tuned by the same rule on a "
    f"fine grid of {len(FINE)} steps η = (1 + k/200)/L, k = 0 … 199, below its edge 2/L "
    "(its best fixed step 2/(L + μ) lies in [1/L, 2/L) at every κ): the judged grid's "
    "best value for it is 1.59 at every κ (the next, 2, is the edge), and the judged "
    "grid's spacing favours momentum by up to the difference of the two log ratios in "
    "the page's table. Under master seed 0 the control picks η ≈ 1.96 at κ = 100 and "
    "needs 184 steps (geometric mean) against momentum's 125, a log ratio 0.39 (1.47×): "
    "below the declared smallest effect log 1.5 = 0.405, where the judged grid gives "
    "0.59; at κ = 1000 the control still gives 2.35, at κ = 10 −1.63.")
QUANTIFIER = ("Quantifier primary: 可以加速SGD,并且抑制震荡 is a plain statement of what "
              "momentum does (可以: it can and does, neither 一定 nor hedged as 可能); "
              "κ = 100 is the quote's ill-conditioned valley, κ = 10 and 1000 the scope.")

OTHER_METRICS = (
    "Which way the other metrics go (all shown in the search table): at κ = 100 the "
    "count over the whole path (under master seed 0: gradient descent 14 at every "
    "replicate, momentum 22–53), the total movement of the top coordinate Σ|Δy₁|/|y₁,0| "
    "(3.9 against 8–20) and the lag-1 cosine (0.98 against 0.76) agree with the declared "
    "rate that momentum oscillates more; only every sign change however small reverses "
    "it. At κ = 10 the 'holds' scope is partly the window effect: gradient descent's "
    "window is ~27 steps and momentum's ~125, and over the whole path their counts are "
    "close (14 against 6–35).")

OP1A = Claim(
    "OP-1a", SEED, QUOTE,
    "With each method's step η tuned on the same 20-value grid (on tuning draws the "
    "verdict never reads), heavy-ball momentum (γ = 0.9) reaches the target relative "
    "suboptimality in fewer steps than plain gradient descent on a quadratic: log "
    "steps(GD) − log steps(momentum) > 0. " + DESIGN,
    measure=measure((STEPS.format(GD_TUNED), STEPS.format(HB_TUNED)), STEP_WORDS),
    rule=Paired(direction="decreasing"), quantifier="primary", parent="OP-1",
    settings=Settings(PRIMARY, ROBUST),
    notes=(QUANTIFIER, "The quote says 加速SGD; gradient descent here is full-batch on a "
           "noiseless quadratic, so the verdict's scope is deterministic (noiseless, "
           "full-batch) quadratics only.", GRID_WORDS, METHOD, NOT_RUN, LOOKED),
    min_effect=math.log(1.5), pilot_sd=SD_1A, replicates=24,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the judged rule is unchanged; added the shown fine-grid "
             "control of gradient descent (its rows in the search table, its log ratio in "
             "the page's table) and the note on the grid's spacing, and the scope now "
             "says deterministic (noiseless, full-batch) quadratics. Why: the judged "
             "grid's best gradient-descent step is 1.59 at every κ (its next value, 2, is "
             "the edge), while its best fixed step is near 2/(L + μ). The earlier version "
             "gave supported under all five seeds (seed 0, κ = 100: 0.588 [0.553, "
             "0.624]; κ = 10 refuted, −1.53; κ = 1000 supported, 2.57).")

OP1B = Claim(
    "OP-1b", SEED, QUOTE,
    "抑制震荡: at each method's tuned η (as OP-1a), momentum's iterates oscillate less "
    "across the high-curvature direction than gradient descent's: fewer sign changes per "
    "100 steps of the top-eigenvector coordinate of x − x*, log rate(GD) − log "
    "rate(momentum) > 0. " + FLIP_WORDS,
    measure=measure((FLIPS.format(GD_TUNED), FLIPS.format(HB_TUNED)),
                    FLIP_LABEL, FLIP_FLOOR),
    rule=Paired(direction="decreasing"), quantifier="primary", parent="OP-1",
    settings=Settings(PRIMARY, ROBUST),
    notes=(QUANTIFIER, "The metric decides the verdict (the design notes' trap): it was "
           "declared before the run; the other two are shown beside it — every sign change "
           "however small (GD at its tuned η > 1/L flips the top coordinate every step, "
           "until float64 underflow), and the mean lag-1 cosine of consecutive updates "
           "(the MLP metric of the design notes).", OTHER_METRICS, METHOD, NOT_RUN,
           LOOKED),
    min_effect=math.log(1 / 0.75), pilot_sd=SD_1B, replicates=24,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the judged rule is unchanged (the rate per 100 steps the "
             "design notes declare for OP-1); added shown members (the count over the "
             "whole path and the top coordinate's total movement) and the note on which "
             "way the other metrics go and on the window effect at κ = 10. The earlier "
             "version gave refuted under all five seeds (seed 0, κ = 100: −1.47 [−1.59, "
             "−1.36]; κ = 10 supported, 1.38; κ = 1000 refuted, −4.26).")

"""OP-1: heavy-ball momentum (γ = 0.9) against gradient descent on quadratics, each with
its step tuned: (a) steps to a target, (b) oscillation across the top eigendirection."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import Paired

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
from .searches import FLIPS, GD_TUNED, HB, STEPS, TUNED

SEED = "001 (2. 梯度下降算法改进 · Momentum)"
QUOTE = ("Momentum 通过加入 γ*v_{t−1},可以加速SGD,并且抑制震荡。 … γ一般为0.9。 … cons: "
         "虽然会加速收敛速度,但是由于惯性原因需要慢慢适应反向梯度情况。")
HB_TUNED = TUNED.format(HB)
# SDs of the primary's (κ = 100) per-replicate statistic in the pilot (master seed 99,
# 24 replicates; not the run's seed), rounded up: log steps ratio 0.072, log flips 0.315
SD_1A, SD_1B = 0.08, 0.32
QUANTIFIER = ("Quantifier primary: 可以加速SGD,并且抑制震荡 is a plain statement of what "
              "momentum does (可以: it can and does, neither 一定 nor hedged as 可能); "
              "κ = 100 is the quote's ill-conditioned valley, κ = 10 and 1000 the scope.")

OP1A = Claim(
    "OP-1a", SEED, QUOTE,
    "With each method's step η tuned on the same 20-value grid (on tuning draws the "
    "verdict never reads), heavy-ball momentum (γ = 0.9) reaches the target relative "
    "suboptimality in fewer steps than plain gradient descent on a quadratic: log "
    "steps(GD) − log steps(momentum) > 0. " + DESIGN,
    measure=measure((STEPS.format(GD_TUNED), STEPS.format(HB_TUNED)), STEP_WORDS),
    rule=Paired(direction="decreasing"), quantifier="primary", parent="OP-1",
    settings=Settings(PRIMARY, ROBUST),
    notes=(QUANTIFIER, "Gradient descent is full-batch: the quote's SGD on a noiseless "
           "quadratic (a noisy quadratic and the digits MLP of the design notes are not "
           "run here).", METHOD, NOT_RUN, LOOKED),
    min_effect=math.log(1.5), pilot_sd=SD_1A, replicates=24)

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
           "(the MLP metric of the design notes).", METHOD, NOT_RUN, LOOKED),
    min_effect=math.log(1 / 0.75), pilot_sd=SD_1B, replicates=24)

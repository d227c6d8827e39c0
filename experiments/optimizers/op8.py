"""OP-8: Nesterov's momentum (NAG) against classical momentum on quadratics: (a) fewer
overshoots at the same (η, γ = 0.9), (b) fewer steps to a target, each at its own tuned
(η, γ); (c) whether NAG's update scales each parameter by its gradient history (the
sentence Adagrad's paragraph repeats), on torch.optim."""

from __future__ import annotations

import math

from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check, Paired
from harness.judge.measures import Factor, Searched
from tasks.optimizers.searches import (
    AT_NAG,
    BOTH,
    COUNT,
    GAMMA,
    GAMMAS,
    GRADIENT_STEPS,
    HB,
    NAG,
    PATTERNS,
    SETTLE,
    SPARSE,
    SPARSE_LR,
    STEPS,
    TUNED,
    UPDATE,
    sparse_setting,
)

from .common import (
    COUNT_FLOOR,
    COUNT_LABEL,
    COUNT_WORDS,
    LOOKED,
    METHOD,
    NOT_RUN,
    PRIMARY,
    ROBUST,
    STEP_WORDS,
    measure,
)

SEED = "001 (Nesterov accelerated 下降法(NAG))"
QUOTE_AB = ("pros: 当梯度方向快要改变的时候,它提前获得了该信息,从而减弱了这个过程,再次减少了"
            "无用的迭代。超参数设定值: 一般 γ 仍取值 0.9 左右")
QUOTE_C = ("这个算法就可以对低频的参数做较大的更新,对高频的做较小的更新,也因此,对于稀疏的数据它"
           "的表现很好,很好地提高了 SGD 的鲁棒性。")
# SDs of the primary's (κ = 100) per-replicate log ratio in the pilot (master seed 99, 24
# replicates; not the run's seed), rounded up: flips 0.040, steps 0.053. SD_8A is the
# rate's, kept for the revised count (whose seed-99 SD is 0: every replicate's NAG η is
# the same there), so the declared power is not raised by the revision
SD_8A, SD_8B = 0.05, 0.06
QUANTIFIER = ("Quantifier primary: 减弱了这个过程,再次减少了无用的迭代 is stated plainly (no "
              "一定, no 可能) of NAG against the momentum just before it; κ = 100 is primary "
              "as in OP-1, κ = 10 and 1000 the scope.")

OP8A = Claim(
    "OP-8a", SEED, QUOTE_AB,
    f"减弱了这个过程: at the same (η, γ = {GAMMA}) NAG overshoots less than classical "
    "momentum: fewer sign changes of the top-eigenvector coordinate of x − x* over the "
    "whole path, a count (log count(momentum) − log count(NAG) > 0). The common η is "
    f"NAG's tuned η at γ = {GAMMA} (momentum is stable there; at momentum's tuned η NAG "
    "can diverge). " + COUNT_WORDS,
    measure=measure((COUNT.format(AT_NAG), COUNT.format(TUNED.format(NAG))), COUNT_LABEL,
                    COUNT_FLOOR),
    rule=Paired(direction="decreasing"), quantifier="primary", parent="OP-8",
    settings=Settings(PRIMARY, ROBUST),
    notes=(QUANTIFIER, "Shown beside the count: the earlier rate per 100 steps of each "
           "run's own window, the total movement of the top coordinate and the lag-1 "
           "cosine of updates.", METHOD, NOT_RUN, LOOKED),
    min_effect=math.log(1 / 0.8), pilot_sd=SD_8A, replicates=24,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the metric was the rate of counted sign changes per 100 steps "
             "of each run's own window (steps 1 … its steps to the target); it is now "
             "their count over the whole path, with the same cutoff and the same smallest "
             "effect (20% fewer, the design notes). Why: the design notes ask for "
             "overshoots (sign changes of the top-eigenvector coordinate), a count; NAG "
             "reaches the target sooner, so its shorter window inflated its rate. At the "
             "common η = 1.263 (every replicate, every κ) the top coordinate's path does "
             "not depend on κ: NAG overshoots 28 times, momentum 47 (log ratio 0.52), and "
             "the rate's κ-dependence came from the window lengths alone. The earlier "
             "rule gave refuted under all five seeds (seed 0, κ = 100: −0.051 [−0.071, "
             "−0.032], no meaningful effect; κ = 10 refuted, −0.713; κ = 1000 supported, "
             "0.533).")

OP8B = Claim(
    "OP-8b", SEED, QUOTE_AB,
    "再次减少了无用的迭代: each at its own (η, γ) tuned on the same grid (20 η × γ ∈ "
    f"{{{', '.join(map(str, GAMMAS))}}}), NAG reaches the target in fewer steps than "
    "classical momentum: log steps(momentum) − log steps(NAG) > 0. " + STEP_WORDS + ".",
    measure=measure((STEPS.format(BOTH.format(HB)), STEPS.format(BOTH.format(NAG))),
                    STEP_WORDS),
    rule=Paired(direction="decreasing"), quantifier="primary", parent="OP-8",
    settings=Settings(PRIMARY, ROBUST),
    notes=(QUANTIFIER, "Same versus tuned hyperparameters can flip the sign (the design "
           "notes' trap): (a) is at the same (η, γ), (b) each at its own.", METHOD,
           NOT_RUN, LOOKED),
    min_effect=math.log(1.25), pilot_sd=SD_8B, replicates=24)

# "较大的更新": at least 10% more displacement per unit gradient for the rare parameter
# (Adagrad's own ratio here is √(frequent / rare) − 1, ~2 at 10:1)
LARGER = 0.10
# NAG is a linear filter with the same coefficients for every coordinate: each unit of
# gradient moves a parameter by η/(1 − γ) once the momentum has decayed, whatever its
# pattern, so rare / frequent − 1 is 0 up to float64 rounding of ~800-term sums (≲ 2e-13);
# a ratio within 1e-9 of 1 is NAG giving both the same update, refuting the sentence
SAME = 1e-9
PRIMARY_C, *ROBUST_C = (sparse_setting(*pair) for pair in SPARSE)

OP8C = Claim(
    "OP-8c", SEED, QUOTE_C,
    "NAG (torch.optim.SGD, momentum 0.9, nesterov=True) gives a parameter whose gradient "
    "is rarely non-zero (low frequency) a larger update per unit of gradient than one "
    "whose gradient is often non-zero, as Adagrad does: the ratio of their total "
    "displacements per unit gradient received, rare / frequent − 1, is above "
    f"{LARGER:g} for every pattern searched.",
    measure=Searched(factor=Factor("member", (UPDATE.format(NAG),), "member"),
                     label="rare / frequent displacement per unit gradient − 1 (the "
                           "chunk's smallest)",
                     grid="sparse", task="tasks.optimizers.searches.sparse"),
    rule=Check((Bound(UPDATE.format(NAG), "above", LARGER, refute_at=SAME),),
               headline=UPDATE.format(NAG)),
    quantifier="primary", parent="OP-8", settings=Settings(PRIMARY_C, tuple(ROBUST_C)),
    notes=("The sentence repeats, nearly word for word, the seed's Adagrad paragraph "
           "(其可以对低频的参数做较大的更新,对高频的做较小的更新…): a per-parameter step "
           "scaled by the gradient history is Adagrad's, not NAG's. Expected refuted, the "
           "bound declared from first principles: NAG's update is the same linear filter "
           "of each parameter's gradients, so a unit of gradient moves any parameter by "
           "η/(1 − γ) in all.",
           f"Per chunk and setting: {PATTERNS} random pairs of patterns over "
           f"{GRADIENT_STEPS} steps, each step's gradient +1 with the setting's probability "
           f"(else 0; the first step always +1), then {SETTLE} zero-gradient steps (γ^400 "
           f"≈ 5e-19 of the momentum left), lr {SPARSE_LR} (NAG is linear in it), float64, "
           "all pairs as one parameter vector. Shown beside it: classical momentum (the "
           "same 0) and torch.optim.Adagrad at the same lr (the sentence's own optimizer: "
           "rare / frequent ≈ √(frequent / rare)), and NAG's largest |ratio − 1|.",
           "torch's single-tensor path (foreach=False): the same arithmetic, faster for "
           "one small tensor.",
           "Quantifier primary: a property of the algorithm stated plainly (就可以), "
           "judged at a 10:1 frequency (primary), 100:1 and 10:1 at half the rate (scope)."),
    min_effect=LARGER, null_value=LARGER, category=IMPLEMENTATION, replicates=24)

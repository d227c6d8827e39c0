"""CV-3: Inception v3's 1×n then n×1 convolutions in place of an n×n one: the same
receptive field with 2/n of the parameters and multiply-adds (CV-3a), and a non-linearity
that comes from the activation between the two (CV-3b)."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.convolutions.searches import (
    BETWEEN,
    FACTORED,
    FIELD,
    FIELD_CHANNELS,
    FORMULA,
    GRID,
    LINEAR_CHANNELS,
    MACS,
    NONLINEAR,
    PAIR_DEFECT,
    ROUNDING,
    SINGLE_DEFECT,
    STACK_CHANNELS,
)

from .cv2 import EXACT_COUNT

SEED = "001 (基础卷积神经网络 7: Inception v3)"
QUOTE = ("inception V3把googlenet里一些77的卷积变成了17和71的两层串联,33的也一样,变成了13和31,"
         "这样加速了计算,还增加了网络的非线性")
STARS = ("The seed's text lost its '*': 77, 17 and 71 are read as 7×7, 1×7 and 7×1 (33, 13, "
         "31 as 3×3, 1×3, 3×1).")
# a ratio of two integers below 2⁵³ against 2/n in float64: ≤ 2 roundings of ~1e-16
MACS_AT = 1e-12
SETTINGS_3A = [f"n = {n}" for n in FACTORED]  # n = 7 first: the quote's 7×7
INCEPTION, ALONE = BETWEEN

CV3A = Claim(
    "CV-3a", SEED, QUOTE,
    f"{STARS} A 1×n conv followed by an n×1 conv sees exactly the input pixels an n×n conv "
    "sees, with 2n·C² parameters against n²·C² (2n·C² + 2C against n²·C² + C with "
    "biases) and 2/n of its multiply-adds per output pixel: '加速了计算' is read as fewer "
    "multiply-adds (wall-clock speed depends on the implementation and is not measured). "
    f"Receptive fields as in CV-2 (autograd, float64) at C ∈ {FIELD_CHANNELS}; torch's "
    f"parameter counts, bias off and on, at C ∈ {STACK_CHANNELS}; multiply-adds by torch's "
    f"flop counter (torch.utils.flop_counter) on a C × {GRID} × {GRID} map (Inception v3's "
    "1×7 grid), both padded to keep the map's size, within "
    f"{MACS_AT:g} of 2/n. Judged at n = 7 (primary) and 3, the quote's two cases, and at "
    "n = 5 (the same construction; quantifier all).",
    measure=Searched(
        factor=Factor("member", (FIELD, FORMULA, MACS), "member"),
        label="receptive fields by autograd, parameter counts and multiply-adds of "
              "nn.Conv2d: 1×n then n×1 against n×n",
        grid="cv3a", task="tasks.convolutions.searches.cv3a"),
    rule=Check((Bound(FIELD, "below", EXACT_COUNT), Bound(FORMULA, "below", EXACT_COUNT),
                Bound(MACS, "below", MACS_AT)), headline=MACS),
    quantifier="all",
    settings=Settings(SETTINGS_3A[0], tuple(SETTINGS_3A[1:])),
    notes=("One chunk of the search was run while it was written; its values were as the "
           "formulas give and nothing was changed after it.",),
    min_effect=MACS_AT, null_value=MACS_AT, category=EXACT, replicates=8, parent="CV-3")

CV3B = Claim(
    "CV-3b", SEED, QUOTE,
    f"{STARS} '还增加了网络的非线性': the network gains a non-linearity where the n×n conv "
    "was. In Inception v3 every conv is followed by batch norm and a ReLU, so the 1×n and "
    "the n×1 conv have a ReLU between them (primary); the n×n conv they replace is affine. "
    f"Supported if the n×n conv's affinity defect stays below {ROUNDING:g} (float64 "
    f"rounding) and the pair's exceeds {NONLINEAR:g} in every chunk, at every n ∈ "
    f"{FACTORED} and C ∈ {LINEAR_CHANNELS} (weights and C × {GRID} × {GRID} inputs drawn "
    "N(0, 1) afresh). The affinity defect is ‖f(ax + by) − a·f(x) − b·f(y)‖∞ over "
    "‖a·f(x)‖∞ + ‖b·f(y)‖∞ with a ~ U(−1, 2) and b = 1 − a, so a conv's bias (affine) is "
    "not taken for a non-linearity. With nothing between them (robustness) the pair is "
    "one linear map and adds none: there the quote fails, which shows the non-linearity "
    "is the added activation's, not the factorization's.",
    measure=Searched(
        factor=Factor("member", (SINGLE_DEFECT, PAIR_DEFECT), "member"),
        label="affinity defects of nn.Conv2d: the n×n conv and the 1×n, n×1 pair",
        grid="cv3b", task="tasks.convolutions.searches.cv3b"),
    rule=Check((Bound(SINGLE_DEFECT, "below", ROUNDING, refute_at=NONLINEAR),
                Bound(PAIR_DEFECT, "above", NONLINEAR, refute="every", refute_at=ROUNDING)),
               headline=PAIR_DEFECT),
    quantifier="primary",
    settings=Settings(INCEPTION, (ALONE,)),
    notes=("The quote says the network's non-linearity grows ('网络的非线性'), and Inception "
           "v3 (Szegedy et al. 2016) follows every conv of its factorizations with batch "
           "norm and a ReLU (its section 3.1 reports a linear activation between "
           "factorized convs doing worse); so the quote is judged on the network as built "
           "(primary), and the bare pair gives the scope; CV-4c reads '增加非线性' the "
           "same way.",
           "A non-linear map may look affine on one draw, so the pair's member is refuted "
           f"only when every chunk's smallest defect is below {ROUNDING:g}.",
           "One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it."),
    min_effect=NONLINEAR, null_value=NONLINEAR, category=EXACT, replicates=8, parent="CV-3")

"""CV-2: two stacked 3×3 convolutions replace one 5×5 (three: one 7×7): the same receptive
field with fewer parameters."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.convolutions.searches import (
    FEWER,
    FIELD,
    FIELD_CHANNELS,
    FORMULA,
    STACK_CHANNELS,
    STACKS,
)

# counts (pixels, parameters) are integers: below 0.5 means none / equal; "fewer": a
# ratio strictly below 1. Each bound also refutes (support and refutation dichotomous)
EXACT_COUNT, FEWER_AT = 0.5, 1.0
PRIMARY, THREE = STACKS  # two 3×3 against one 5×5: the quote's "两个小卷积核"

CV2 = Claim(
    "CV-2", "004 (模型训练难点 2.2)", "两个小卷积核的叠加代替一个大卷积核",
    "Two stacked 3×3 convolutions see exactly the input pixels one 5×5 convolution sees "
    "(three stacked: one 7×7), with fewer parameters: 18C² against 25C² (27C² against "
    "49C²) without biases, 18C² + 2C against 25C² + C (27C² + 3C against 49C² + C) with "
    "them, C input = output channels. The receptive field is the support of "
    "∂(Σ channels of the centre output)/∂input (autograd, float64, weights drawn N(0, 1) "
    f"afresh in every chunk) at C ∈ {FIELD_CHANNELS}: no pixel may differ from the K×K "
    "square, for the stack or the single conv. torch's parameter counts must equal the "
    f"formulas, bias off and on, and the stacked / single ratio stay below 1, at every "
    f"C ∈ {STACK_CHANNELS}. The quote speaks of two small kernels (primary: two 3×3 "
    "against one 5×5); three against one 7×7 is the same construction one layer deeper "
    "and judged too (quantifier all).",
    measure=Searched(
        factor=Factor("member", (FIELD, FORMULA, FEWER), "member"),
        label="receptive fields by autograd and parameter counts of nn.Conv2d: stacked "
              "3×3 convs against one K×K",
        grid="cv2", task="tasks.convolutions.searches.cv2"),
    rule=Check((Bound(FIELD, "below", EXACT_COUNT), Bound(FORMULA, "below", EXACT_COUNT),
                Bound(FEWER, "below", FEWER_AT)), headline=FEWER),
    quantifier="all",
    settings=Settings(PRIMARY, (THREE,)),
    notes=("The seed lists this line under '线性模型的局限性' (the limits of linear "
           "models): a stack adds a non-linearity only through an activation between its "
           "convs, which is CV-3b's check (a stack with nothing between is one linear map).",
           "Receptive fields are checked at C ≤ 64, counts up to C = 256: a field is set by "
           "the kernels' shapes (C only adds paths through channels), and a float64 net at "
           "C = 256 costs 0.1 s. That cut, and nothing else, followed a look at one chunk "
           "of the search while it was written (its timing; its values were as the "
           "formulas give).",),
    min_effect=FEWER_AT, null_value=FEWER_AT, category=EXACT, replicates=8)

"""CV-4: the three effects the seed gives a 1×1 convolution: cross-channel mixing
(CV-4a), changing the channel count (CV-4b) and added non-linearity (CV-4c)."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched

from .cv2 import EXACT_COUNT
from .pointwise import (
    AFTER,
    DEFECT,
    EVERY_PIXEL,
    GROW,
    LAYERS,
    LINEAR_GAP,
    MIXED_CHANNELS,
    OFF_PIXEL,
    RESIZED_CHANNELS,
    SHAPE,
    SHAPES,
    SHRINK,
    SIDE,
    UNMIXED,
)
from .searches import FORMULA, NONLINEAR, ROUNDING

SEED, QUOTE = "004 (1*1卷积)", "1*1卷积: 实现跨通道交互、升降维、增加非线性"
ALONE, WITH_RELU = AFTER

CV4A = Claim(
    "CV-4a", SEED, QUOTE,
    "'实现跨通道交互': a 1×1 conv is nn.Linear applied at every pixel (the same C_out × C_in "
    "weights and bias), so each output channel at a pixel mixes every input channel at "
    "that pixel and nothing else. Checked on random layers (C_in, C_out uniform on 1 … "
    f"{MIXED_CHANNELS}, {LAYERS} a chunk, float64 weights and inputs drawn N(0, 1)): the "
    "conv's output equals nn.Linear's, given the same weights, at every pixel of an "
    f"N × C_in × H × W map (H = W ≤ {SIDE}) within {ROUNDING:g} of its largest value "
    "(float64 rounding), and the Jacobian of one pixel's output (torch.func.jacrev) is "
    "non-zero for every (output, input) channel pair at that pixel and zero at its 8 "
    "neighbours.",
    measure=Searched(
        factor=Factor("member", (LINEAR_GAP, OFF_PIXEL, UNMIXED), "member"),
        label="a 1×1 nn.Conv2d against nn.Linear per pixel, and its Jacobian at one pixel",
        grid="cv4a", task="experiments.convolutions.pointwise.cv4a"),
    rule=Check((Bound(LINEAR_GAP, "below", ROUNDING), Bound(OFF_PIXEL, "below", EXACT_COUNT),
                Bound(UNMIXED, "below", EXACT_COUNT)), headline=LINEAR_GAP),
    quantifier="all",
    settings=Settings(EVERY_PIXEL),
    notes=("One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it.",),
    min_effect=ROUNDING, null_value=ROUNDING, category=EXACT, replicates=8, parent="CV-4")

CV4B = Claim(
    "CV-4b", SEED, QUOTE,
    "'升降维': a 1×1 conv maps C_in channels to any C_out, fewer (降维) or more (升维), "
    "with C_in·C_out weights (+ C_out biases), and leaves the batch and the map's height "
    f"and width as they are. Checked on {SHAPES} random layers a chunk and setting (C_in ≠ "
    f"C_out drawn from 1 … {RESIZED_CHANNELS}, N, H, W from 1 … {SIDE}; modules and inputs "
    "on the meta device): the output's shape must be (N, C_out, H, W) and torch's "
    "parameter count, bias off and on, must equal the formula. The quote names both "
    "directions (quantifier all).",
    measure=Searched(
        factor=Factor("member", (SHAPE, FORMULA), "member"),
        label="output shapes and parameter counts of a 1×1 nn.Conv2d",
        grid="cv4b", task="experiments.convolutions.pointwise.cv4b"),
    rule=Check((Bound(SHAPE, "below", EXACT_COUNT), Bound(FORMULA, "below", EXACT_COUNT)),
               headline=FORMULA),
    quantifier="all",
    settings=Settings(SHRINK, (GROW,)),
    notes=("One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it.",),
    min_effect=EXACT_COUNT, null_value=EXACT_COUNT, category=EXACT, replicates=8,
    parent="CV-4")

CV4C = Claim(
    "CV-4c", SEED, QUOTE,
    "'增加非线性': the quote gives it as an effect of the 1×1 conv itself, beside "
    "跨通道交互 and 升降维, which are properties of the conv alone (CV-4a, CV-4b); so the "
    f"conv alone is judged (primary): its affinity defect (as in CV-3b) must exceed "
    f"{NONLINEAR:g} in every chunk, on random layers (C_in, C_out uniform on 1 … "
    f"{MIXED_CHANNELS}, {LAYERS} a chunk, biases on, C_in × {SIDE} × {SIDE} inputs drawn "
    f"N(0, 1)); it is refuted when every chunk's smallest defect is below {ROUNDING:g} "
    "(float64 rounding: the map is affine). The conv followed by a ReLU, as NIN and "
    "GoogLeNet use it, is judged for scope: there the non-linearity is the ReLU's.",
    measure=Searched(
        factor=Factor("member", (DEFECT,), "member"),
        label="affinity defect of a 1×1 nn.Conv2d, alone or followed by a ReLU",
        grid="cv4c", task="experiments.convolutions.pointwise.cv4c"),
    rule=Check((Bound(DEFECT, "above", NONLINEAR, refute="every", refute_at=ROUNDING),),
               headline=DEFECT),
    quantifier="primary",
    settings=Settings(ALONE, (WITH_RELU,)),
    notes=("CV-3b judges the same words ('增加了网络的非线性') on the network as built, "
           "because there the quote speaks of the network; here it speaks of the 1×1 conv.",
           "One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it."),
    min_effect=NONLINEAR, null_value=NONLINEAR, category=EXACT, replicates=8, parent="CV-4")

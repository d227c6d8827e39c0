"""CV-4: the three effects the seed gives a 1×1 convolution: cross-channel mixing
(CV-4a), changing the channel count (CV-4b) and added non-linearity (CV-4c)."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.convolutions.pointwise import (
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
from tasks.convolutions.searches import FORMULA, NONLINEAR, ROUNDING

from .cv2 import EXACT_COUNT

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
        grid="cv4a", task="tasks.convolutions.pointwise.cv4a"),
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
        grid="cv4b", task="tasks.convolutions.pointwise.cv4b"),
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
    "'增加非线性': seed 004 lists '1x1小卷积核的使用' under '线性模型的局限性' beside "
    "'激活函数使用', i.e. a 1×1 conv layer with its activation, as NIN and GoogLeNet use "
    "it; so the 1×1 conv followed by a ReLU is judged (primary): its affinity defect (as "
    f"in CV-3b) must exceed {NONLINEAR:g} in every chunk, on random layers (C_in, C_out "
    f"uniform on 1 … {MIXED_CHANNELS}, {LAYERS} a chunk, biases on, C_in × {SIDE} × {SIDE} "
    f"inputs drawn N(0, 1)); it is refuted when every chunk's smallest defect is below "
    f"{ROUNDING:g} (float64 rounding: the map is affine). The conv alone gives the scope: "
    "it is affine, so the non-linearity is the ReLU's.",
    measure=Searched(
        factor=Factor("member", (DEFECT,), "member"),
        label="affinity defect of a 1×1 nn.Conv2d, alone or followed by a ReLU",
        grid="cv4c", task="tasks.convolutions.pointwise.cv4c"),
    rule=Check((Bound(DEFECT, "above", NONLINEAR, refute="every", refute_at=ROUNDING),),
               headline=DEFECT),
    quantifier="primary",
    settings=Settings(WITH_RELU, (ALONE,)),
    notes=("CV-3b judges the same words ('增加了网络的非线性') on the network as built, the "
           "same reading.",
           "One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it."),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the primary setting is now the 1×1 conv followed by a ReLU, "
             "and the conv alone is scope. The earlier rule judged the conv alone as "
             "primary and gave refuted (largest affinity defect 4.9e-16 < 1e-9 under seed "
             "0). Why: the seed's own list ('线性模型的局限性': 激活函数使用, 两个小卷积核的叠加, "
             "1x1小卷积核的使用) treats the 1×1 conv as a layer with its activation, the "
             "reading CV-3b already used for the same words.",
    min_effect=NONLINEAR, null_value=NONLINEAR, category=EXACT, replicates=8, parent="CV-4")

"""CV-1: a 3×3 depthwise-separable convolution has about 1/9 of a standard one's
parameters."""

from __future__ import annotations

import numpy as np

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.convolutions.searches import (
    BIAS_C_OUT,
    C_OUTS,
    CHANNELS,
    CV1_FORMULA,
    CV1_NEAR,
    DRAWS,
    KERNELS,
    separable_formula,
)

MARGIN = 0.10  # "一般来说 … 1/9": within 10% of 1/9, relative (declared before the search)
PRIMARY = "C_out = 256"  # a typical layer of a separable network (MobileNet: 64 … 1024)
_C_IN = np.arange(1, CHANNELS + 1)
# with biases at C_out = BIAS_C_OUT: the C_in from which the ratio stays within the margin
BIAS_FROM = 1 + int(_C_IN[np.abs(9 * np.divide(*separable_formula(
    _C_IN, BIAS_C_OUT, 3, True)) - 1) > MARGIN].max())

CV1 = Claim(
    "CV-1", "000 (深度可分离卷积)", "一般来说,深度可分离卷积最后的参数量是普通卷积的1/9。",
    "A 3×3 depthwise-separable convolution (a depthwise 3×3 conv with groups = C_in, then "
    "a 1×1 conv) has about 1/9 of the parameters of a standard 3×3 conv with the same "
    f"channels: within {MARGIN:.0%} of 1/9 (relative) for every C_in of 1 … {CHANNELS}. "
    "The exact ratio without biases is 1/K² + 1/C_out, so '一般来说' (generally) is read "
    f"as a typical layer, C_out = 256 (primary); C_out = {', '.join(map(str, C_OUTS))} and "
    f"C_out = {BIAS_C_OUT} with biases give the scope. torch's own counts must equal the "
    "formula (K²·C_in + C_in·C_out against K²·C_in·C_out, plus C_in + C_out against C_out "
    f"with biases) at every kernel of {KERNELS}, bias off and on.",
    measure=Searched(
        factor=Factor("member", (CV1_FORMULA, CV1_NEAR), "member"),
        label="parameter counts of nn.Conv2d: torch against the formula, and the ratio "
              "separable / standard against 1/9",
        grid="cv1", task="tasks.convolutions.searches.cv1"),
    rule=Check((Bound(CV1_FORMULA, "below", 0.5), Bound(CV1_NEAR, "below", MARGIN)),
               headline=CV1_NEAR),
    quantifier="primary",
    settings=Settings(PRIMARY, tuple(s for s in (
        *(f"C_out = {c}" for c in C_OUTS), f"C_out = {BIAS_C_OUT}, with biases")
        if s != PRIMARY)),
    notes=("Without biases the ratio is exactly 1/9 + 1/C_out whatever C_in (|9·ratio − 1| = "
           f"9/C_out, within {MARGIN:.0%} from C_out = 91): the search over C_in bites only "
           f"with biases, where at C_out = {BIAS_C_OUT} the ratio is within the margin from "
           f"C_in = {BIAS_FROM} on, and outside it below.",
           f"The search: C_in over every integer 1 … {CHANNELS}, split over the chunks "
           f"(replicates); torch's counts at {DRAWS} C_in per chunk (modules built on the "
           "meta device), the ratio by the formula at every C_in.",
           "Before this search was declared, one chunk of a first design (64 random C_in, "
           "biases on and off mixed into every setting) was looked at; it showed the "
           "biases' C_in + C_out move the ratio only at small C_in, so the bias case "
           "became a setting of its own (C_out = 256, with biases) and C_in a grid.",),
    min_effect=MARGIN, null_value=MARGIN, category=EXACT, replicates=8)

"""LS-4: accuracy as a training objective. Accuracy is piecewise constant in the weights,
so its derivative is 0 wherever it exists and gradient steps on it never move.

The search: :mod:`tasks.loss_facts.accuracy`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from tasks.loss_facts.accuracy import (
    AUTOGRAD,
    FD,
    GD,
    GD_LR,
    GD_STEPS,
    GRAD_POINTS,
    HIDDEN,
    JUDGED,
    MOST,
    POINTS,
    STEPS,
    ZERO,
)
from tasks.loss_facts.common import AUTOGRAD_ERROR

from .common import measure

PRIMARY = "digits"  # "以数字识别任务为例": the quote's own example

LS4 = Claim(
    "LS-4", "003 (Q2)",
    "如果以识别精度为指标,导数大多数情况下都为0。导数为0会导致权重参数的更新会停下来。",
    "Accuracy is piecewise constant in the weights, so its derivative is 0 in most places "
    "and gradient steps on it leave the weights where they are. For an MLP "
    f"(one hidden layer of {HIDDEN} sigmoid units, float64) at random weight points: "
    f"accuracy's finite difference along a random unit direction is 0 at h = {STEPS[-1]:g} "
    f"for most (> {MOST:.0%}) of the directions; autograd's gradient of accuracy written "
    "through a step of the margin has no non-zero entry; and "
    f"{GD_STEPS} steps of gradient ascent on it leave every weight bit-identical. Digits "
    "(the quote's own example, 数字识别) primary; the Gaussian mixture robustness.",
    measure=measure("LS-4", JUDGED, "accuracy's finite differences, autograd gradient and "
                    "gradient steps at random weights of an MLP", "ls4", "accuracy.ls4"),
    rule=Check((Bound(FD, "below", MOST), Bound(AUTOGRAD, "below", ZERO, refute_at=0.9),
                Bound(GD, "below", ZERO, refute_at=0.9)), headline=FD),
    quantifier="primary", settings=Settings(PRIMARY, ("gaussian mixture",)),
    notes=(f"The search: {POINTS} weight points per chunk, each a fresh MLP under torch's "
           "default init, one random unit direction each, accuracy on every sample; the "
           f"share at larger h ({', '.join(f'{h:g}' for h in STEPS[:-1])}) is shown, not "
           "judged: it falls towards 0 as h does. Autograd at "
           f"{GRAD_POINTS} points per chunk; gradient ascent (lr {GD_LR}) from one.",
           "Autograd cannot differentiate accuracy as usually written: argmax gives a "
           "tensor with no grad_fn, and torch.heaviside has no derivative (an error), both "
           "shown. The judged gradient writes the step as (sign(m) + 1)/2, whose derivative "
           f"autograd defines as 0; an autograd error would score {AUTOGRAD_ERROR} (between "
           "the bounds: inconclusive), never a refutation (design notes).",
           "Before this claim was declared, one chunk was run to time it; the points per "
           "chunk went from 128 to 64 for time, nothing else changed."),
    min_effect=MOST, null_value=MOST, category=EXACT, replicates=8)

"""CV-5: the IoU loss gives disjoint boxes no signal while the GIoU and DIoU penalties do
(CV-5a); both penalties tend to 1 as the boxes move apart (CV-5b); and the seed's own
IoU / GIoU / DIoU / CIoU code against the formulas (CV-5c)."""

from __future__ import annotations

import math

from harness.judge.claims import EXACT, IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.convolutions.boxes import (
    APART,
    DIOU_FAR,
    DIOU_GRAD,
    DIOU_R,
    DISJOINT,
    FAR_PAIRS,
    FLAT,
    GIOU_FAR,
    GIOU_GRAD,
    GIOU_R,
    IOU_GRAD,
    IOU_LOSS,
    NEGATIVE,
    ORDERED,
    PAIRS,
    POSITIVE,
    RAISES,
    SEED_DIFF,
    SEED_PAIRS,
    SIDE,
)

from .cv2 import EXACT_COUNT

SEED = "003 (Q1: IoU, GIoU and DIoU loss)"
ZERO = 1e-12  # exact zeros expected (the clamp of the overlap passes no gradient); 1e-12
# leaves float64 rounding of terms of order 1 a factor of 10⁴
PENALTY_AT = 1e-15  # a smaller penalty would not show in the float64 loss 1 + R (ulp 2.2e-16)
GRAD_AT = 1e-12  # a dimensionless gradient (‖∇‖·c) above float64 rounding by 10⁴
# CV-5b: the proven bound of s·(1 − R), plus float64 rounding: at s = 10⁸ corners reach
# 5·10¹⁰ (ulp 7.6e-6), so a side of ≥ 1 pixel carries ≤ 1.5e-5 of itself, an area ≤ 3e-5,
# and s·(1 − R) ≤ 2√2 moves by ≤ 1e-4: 1e-3 covers it ten times
FAR_AT = 2 * math.sqrt(2) + 1e-3
SEED_TOL = 1e-9  # scores ≤ 1 in size from a few dozen float64 operations: rounding ~1e-15
DISJOINT_PAIRS = 8 * PAIRS

CV5A = Claim(
    "CV-5a", SEED, "在两个框不重叠时,IoU衡等于0,此时IoU loss恒等于1 … 当两个框没有重叠区域时,"
                   "IoU为0,但R依然会产生损失",
    "For two disjoint boxes (a gap on the x or the y axis) IoU = 0, so the IoU loss "
    "1 − IoU is exactly 1 and its gradient in the predicted box's corners is zero (no "
    "signal for regression), while the GIoU penalty R = |C ∖ (P ∪ G)|/|C| and the DIoU "
    "penalty R = ρ²/c² are positive and the GIoU and DIoU losses 1 − IoU + R have a "
    "non-zero gradient (C the smallest enclosing box, c its diagonal, ρ the distance "
    f"between the centres). Autograd in float64 over {DISJOINT_PAIRS:,} random disjoint "
    f"pairs (corners uniform in (0, {SIDE:g})², kept when disjoint). A gradient is made "
    "dimensionless as ‖∇‖·c (the losses are scale-invariant). Bounds: the IoU loss's "
    f"|loss − 1| and gradient below {ZERO:g}; each penalty above {PENALTY_AT:g} and each "
    f"of the other gradients above {GRAD_AT:g}, at every pair.",
    measure=Searched(
        factor=Factor("member", (IOU_LOSS, IOU_GRAD, GIOU_R, GIOU_GRAD, DIOU_R, DIOU_GRAD),
                      "member"),
        label="IoU, GIoU and DIoU losses of disjoint boxes and their gradients (autograd, "
              "float64)",
        grid="cv5a", task="tasks.convolutions.boxes.cv5a"),
    rule=Check((Bound(IOU_LOSS, "below", ZERO), Bound(IOU_GRAD, "below", ZERO),
                Bound(GIOU_R, "above", PENALTY_AT), Bound(GIOU_GRAD, "above", GRAD_AT),
                Bound(DIOU_R, "above", PENALTY_AT), Bound(DIOU_GRAD, "above", GRAD_AT)),
               headline=GIOU_R),
    quantifier="all",
    settings=Settings(DISJOINT),
    notes=("The formulas are written once, in torch (tasks/convolutions/boxes.py, "
           "after Rezatofighi et al. 2019 and Zheng et al. 2020); CV-5c checks the seed's "
           "own code against them.",
           "One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it."),
    min_effect=PENALTY_AT, null_value=PENALTY_AT, category=EXACT, replicates=8,
    parent="CV-5")

CV5B = Claim(
    "CV-5b", SEED, "极限情况下,当两个框距离无穷远时,R→1 … (DIoU) 当两个框距离无限远时,"
                   "中心点距离和外接矩形框对角线长度无限逼近,R→1",
    "As two boxes move infinitely far apart both penalties tend to 1: GIoU's "
    "R = 1 − |P ∪ G|/|C| and DIoU's R = ρ²/c². Proven here through the bounds "
    "1 − R ≤ 2√2/s (GIoU) and 1 − R ≤ 2√2/s + 2/s² (DIoU), s = ρ/L the centre distance "
    "over the longest side L of the two boxes (proofs in the notes), and checked on "
    f"{8 * FAR_PAIRS:,} random pairs (sides ≥ 1 pixel) moved to s = 10, 10², …, 10⁸ in "
    "directions of the first quadrant (a third along each axis): s·(1 − R) of GIoU and "
    f"s·(1 − R) − 2/s of DIoU must stay below 2√2 + 1e-3 = {FAR_AT:.4f} (float64 "
    "rounding allowance) at every pair and separation.",
    measure=Searched(
        factor=Factor("member", (GIOU_FAR, DIOU_FAR), "member"),
        label="GIoU and DIoU penalties of boxes moved apart, scaled by the separation s",
        grid="cv5b", task="tasks.convolutions.boxes.cv5b"),
    rule=Check((Bound(GIOU_FAR, "below", FAR_AT), Bound(DIOU_FAR, "below", FAR_AT)),
               headline=GIOU_FAR),
    quantifier="all",
    settings=Settings(APART),
    notes=("GIoU: 1 − R = |P ∪ G|/|C| ≤ (|P| + |G|)/|C|. Let (Δx, Δy) join the centres, "
           "|Δx| ≥ ρ/√2 say: C is at least |Δx| wide and at least as tall as the taller "
           "box (height h), so |C| ≥ ρh/√2 while |P| + |G| ≤ 2Lh; 1 − R ≤ 2√2/s. "
           "Likewise with the axes swapped.",
           "DIoU: C is at most |Δx| + L wide and |Δy| + L tall, so c² − ρ² ≤ "
           "2L(|Δx| + |Δy|) + 2L² ≤ 2√2·Lρ + 2L², and 1 − R = (c² − ρ²)/c² ≤ "
           "(c² − ρ²)/ρ² ≤ 2√2/s + 2/s².",
           "One chunk of the search was run while it was written; its values were as "
           "expected and nothing was changed after it."),
    min_effect=FAR_AT, null_value=FAR_AT, category=EXACT, replicates=8, parent="CV-5")

FUNCTIONS = tuple(Bound(m, "below", SEED_TOL) for m in SEED_DIFF.values())
NO_RAISE = Bound(RAISES, "below", EXACT_COUNT)
CV5C = Claim(
    "CV-5c", "003 (Q8: 手写IOU、GIOU、DIOU、CIOU的代码)",
    "8、手写IOU、GIOU、DIOU、CIOU的代码 … def IOU_score(box1,box2): … def GIOU_score(box1,box2): "
    "… def DIOU_score(box1,box2): … def CIOU_score(box1,box2): …",
    "The seed's IOU_score, GIOU_score, DIOU_score and CIOU_score (kept in "
    "tasks/convolutions/seed_iou.py) return IoU, GIoU = IoU − |C ∖ (P ∪ G)|/|C|, "
    "DIoU = IoU − ρ²/c² and CIoU = IoU − ρ²/c² − αv (box1 the prediction, box2 the target) "
    f"within {SEED_TOL:g} of the formulas (CV-5a's, in float64), and raise on no pair. "
    f"Primary: pairs with positive coordinates (corners uniform in (0, {SIDE:g})², as in "
    f"the seed's 512 × 512 demo; {8 * SEED_PAIRS[0]:,} pairs). Robustness: such pairs "
    "whose target centre lies right of and below the prediction's (image axes), where "
    "the seed's clamp of the centre differences at 0 does nothing. Shown: corners in "
    f"(−{SIDE:g}, {SIDE:g})² (negative coordinates), and positive pairs with one box "
    "flattened to zero height. Code must hold on every valid input (quantifier all).",
    measure=Searched(
        factor=Factor("member", (*SEED_DIFF.values(), RAISES), "member"),
        label="the seed's IoU, GIoU, DIoU and CIoU functions against the formulas",
        grid="cv5c", task="tasks.convolutions.boxes.cv5c"),
    rule=Check((*FUNCTIONS, NO_RAISE), headline=SEED_DIFF["CIOU_score"],
               by_setting=((FLAT, (*FUNCTIONS[:3], NO_RAISE)),)),
    quantifier="all",
    settings=Settings(POSITIVE, (ORDERED,), shown=(
        (NEGATIVE, "outside the code's use (pixel coordinates are never negative); the "
                   "seed clamps box centres at 0"),
        (FLAT, "a degenerate box: the seed's CIoU divides by its height (atan(w/h)), so "
               "CIoU is not compared there and its calls count as raising"))),
    notes=("The seed's code clamps each centre difference at 0 before squaring it "
           "(d_2 = max(0,(d_x2 - d_x1))**2 + …), so its ρ² loses the x (or y) term "
           "whenever the target's centre is left of (or above) the prediction's; it also "
           "clamps the centres themselves at 0 (d_x1 = max(0, …)).",
           "One chunk of the search was run while it was written: DIOU_score and "
           "CIOU_score were off by up to 0.83 at positive coordinates, as reading the code "
           "had predicted; the robustness setting (target centre right of and below the "
           "prediction's) was added after that look, to show where the code agrees. "
           "Nothing else was changed."),
    min_effect=SEED_TOL, null_value=SEED_TOL, category=IMPLEMENTATION, replicates=8,
    parent="CV-5")

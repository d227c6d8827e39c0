"""LS-8: the hinge, logistic and cross-entropy losses as convex upper bounds of the 0-1
loss, checked on a grid of margins m = f·y with torch's own losses where it has them.

The search: :mod:`tasks.loss_facts.surrogates`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from tasks.loss_facts.common import TOL
from tasks.loss_facts.surrogates import BOUND, CONVEX, LN, LOG2, TOUCH, UNIT_STEPS, WIDE, WIDE_STEPS

from .common import measure

_BASES = ("The seed's formulas are lost, but its gaps match 《百面机器学习》 ch. 7 ('当预测值"
          "f∈[−1,1]时', '当fy≥1时'), which writes both losses with log₂, the base under which "
          "ℓ(0) = 1: log₂ is primary (faithful to the source); natural log, as libraries "
          "compute these losses (torch, scikit-learn's log_loss), gives the scope: there ℓ(0) "
          "= ln 2 < 1, the textbook loss times ln 2.")
_REVISED = ("Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
            "(2026-12-07): log₂ became the primary setting and the natural log the scope. "
            "The earlier rule had the natural log primary and gave refuted (at m = 0 the 0-1 "
            "loss exceeds ℓ by 1 − ln 2 = 0.307 under every seed); log₂ held. Why: the "
            "seed's text is the textbook's, whose losses are in log₂ (the review matched its "
            "gaps), and a primary setting follows the original where there is one.")


def _claim(cid: str, quote: str, hypothesis: str, members: tuple[str, ...],
           settings: Settings, notes: tuple[str, ...], revision: str = "") -> Claim:
    """An LS-8 part: every member of ``members`` within TOL of its bound on the grid."""
    sides = {BOUND: ("below", TOL), CONVEX: ("above", -TOL), TOUCH: ("below", TOL)}
    return Claim(
        cid, "003 (Q1, 用于分类问题)", quote, hypothesis,
        measure=measure(cid, members, "a surrogate loss against the 0-1 loss on a margin grid",
                        "ls8", "surrogates.ls8"),
        rule=Check(tuple(Bound(m, *sides[m]) for m in members), headline=BOUND),
        quantifier="primary", settings=settings, notes=(
            f"The grid: m = i/{WIDE_STEPS // 10} on [−{WIDE:g}, {WIDE:g}] (0 on it), "
            f"m = i/{UNIT_STEPS} on (−1, 1] for the cross-entropy, split over the chunks; "
            f"tolerance {TOL:g} (float64 rounding); the 0-1 loss counts m = 0 as an error. "
            "Before the claims were declared, one chunk was run to check it; nothing "
            "changed but its neighbours' margins, now taken on the grid exactly.",
            *notes),
        min_effect=TOL, null_value=TOL, category=EXACT, parent="LS-8", replicates=8,
        revision=revision)


LS8A = _claim(
    "LS-8a", "Hinge损失函数是0-1损失函数的一个代理损失函数,也是其紧上界",
    "The hinge loss max(0, 1 − m) is a convex upper bound of the 0-1 loss 1[m ≤ 0] that "
    "touches it ('紧', tight): ℓ(m) ≥ 1[m ≤ 0] at every margin, ℓ convex (second "
    "differences ≥ 0 on the grid), and ℓ = 1[m ≤ 0] somewhere (at m = 0 and every m ≥ 1).",
    (BOUND, CONVEX, TOUCH), Settings("hinge", shown=(
        ("exponential", "AdaBoost's e^(−m), listed beside them in the seed, which does not "
                        "call it a bound"),)),
    ("'紧' is read as touching: no convex upper bound is smallest everywhere (max(0, 1 − 2m) "
     "is one, below the hinge on (0, 1) and above it for m < 0).",))

LS8B = _claim(
    "LS-8b", "Logistic损失函数是0-1损失函数的另一个代理损失函数,它也是0-1损失函数的凸上界",
    "The logistic loss log₂(1 + e^(−m)) (the textbook's; torch's binary cross-entropy with "
    "logits divided by ln 2) is a convex upper bound of the 0-1 loss: ℓ(m) ≥ 1[m ≤ 0] at "
    "every margin and ℓ convex. log₂ primary; natural log for scope.",
    (BOUND, CONVEX), Settings(f"logistic, {LOG2}", (f"logistic, {LN}",)), (_BASES,),
    revision=_REVISED)

LS8C = _claim(
    "LS-8c", "交叉熵损失函数也是0-1损失函数的光滑凸上界",
    "For a prediction f ∈ [−1, 1] ('当预测值[…]时' in the seed), the cross-entropy "
    "−log₂((1 + m)/2) (the textbook's; torch's binary cross-entropy of p = (1 + f)/2 divided "
    "by ln 2) is a smooth convex upper bound of the 0-1 loss on m ∈ (−1, 1]: ℓ(m) ≥ "
    "1[m ≤ 0] and ℓ convex. log₂ primary; natural log for scope.",
    (BOUND, CONVEX), Settings(f"cross-entropy, {LOG2}", (f"cross-entropy, {LN}",)),
    (_BASES, "Smoothness (ℓ is analytic on (−1, 1)) is not checked numerically."),
    revision=_REVISED)

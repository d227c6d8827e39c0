"""LS-1a: how the gradient wrt the logit grows with the error under cross-entropy and
under the squared error on the probability. With p = σ(z) and label 1, error e = 1 − p:
∂CE/∂z = p − y, of size e, rising with the error everywhere; ∂MSE/∂z = 2(p − y)p(1 − p),
of size 2e²(1 − e), rising up to e = 2/3 and falling back to 0 as e → 1 (the sigmoid's
saturation). Checked by autograd on torch's own losses over a grid of errors (float64).

The search: :mod:`tasks.loss_facts.saturation`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from tasks.loss_facts.saturation import (
    CE_GROWS,
    LARGE,
    MSE_FALLS,
    MSE_RISES,
    MSE_VANISHES,
    SIGMOID,
    SMALL,
    SOFTMAX,
    VANISH,
    Z_MAX,
    Z_STEPS,
)

from .common import measure

# a relative change between neighbours beyond ±1e-12 is not rounding (the gradients are
# computed to ~1e-15 relative; the grid's smallest true relative change is ~3e-9)
RISE = 1e-12

LS1A = Claim(
    "LS-1a", "001 (损失函数 2); 003 (Q5 (1))",
    "001: 用平方误差损失函数,误差增大参数的梯度会增大,但是当误差很大时,参数的梯度就会又减小了 … "
    "由于常用的sigmoid/tanh等激活函数存在梯度饱和区,使得MSE对权重的梯度会很小 … "
    "而交叉熵损失函数则不会出现此问题。 / "
    "003: 交叉熵损失函数可以完美解决平方损失函数权重更新过慢的问题,"
    "具有“误差大的时候,权重更新快;误差小的时候,权重更新慢”的良好性质。",
    "With p = σ(z), the gradient of cross-entropy wrt z grows with the error e = |y − p| "
    "(003), while the gradient of the squared error on p grows with the error and then "
    "shrinks back toward 0 as the error approaches 1 (001). By autograd on torch's losses "
    "over 10,001 errors from 1.1e-7 to 1 − 1.1e-7 (float64): CE's |∂L/∂z| rises between "
    f"every pair of neighbouring errors; MSE's rises up to e = {SMALL}, falls past "
    f"e = {LARGE} (each beyond ±{RISE:g} relative), and at the largest error is below "
    f"{VANISH:g} of its peak. p = σ(z) primary; softmax outputs (10 classes, the gradient's "
    "norm over the logits) robustness, judged on the rise and the fall.",
    measure=measure("LS-1a", (CE_GROWS, MSE_RISES, MSE_FALLS, MSE_VANISHES), "the gradients "
                    "of cross-entropy and of the squared error wrt the logit over the error",
                    "ls1", "saturation.ls1"),
    rule=Check((Bound(CE_GROWS, "above", RISE, refute_at=-RISE),
                Bound(MSE_RISES, "above", RISE, refute_at=-RISE),
                Bound(MSE_FALLS, "below", -RISE, refute_at=RISE),
                Bound(MSE_VANISHES, "below", VANISH)), headline=MSE_VANISHES,
               by_setting=((SOFTMAX, (Bound(CE_GROWS, "above", RISE, refute_at=-RISE),
                                      Bound(MSE_RISES, "above", RISE, refute_at=-RISE),
                                      Bound(MSE_FALLS, "below", -RISE, refute_at=RISE))),)),
    quantifier="all", settings=Settings(SIGMOID, (SOFTMAX,)),
    notes=("Quantifier all: both statements are unhedged (会, 具有), and 001 writes "
           "P = softmax(x) or sigmoid(x). The quote's '参数的梯度': a weight feeding z has "
           "gradient ∂L/∂z times its input, so at a fixed input it follows ∂L/∂z. "
           "Where each holds: CE's gradient is p − y, of "
           "size exactly the error under σ (shown: ||∂L/∂z| − e|), so 003's 'fast when the "
           "error is large, slow when small' holds everywhere; MSE's is 2e²(1 − e), "
           "non-monotone in the error with its peak at e = 2/3 (shown), so 001's 'grows, "
           "then shrinks when the error is large' holds, and it is at most half of CE's "
           "(shown: the ratio 2e(1 − e)), smallest relative to CE at both ends.",
           "On softmax outputs the shrinking does not reach 0: as p_t → 0 the squared "
           "error keeps pushing probability among the wrong classes unless they share it "
           "evenly, so the gradient's norm levels off (shown: its value at the largest "
           "error ÷ its peak), while its entry on the true class's logit vanishes as under "
           "σ (shown). 'Toward 0' is the catalogue's restatement for p = σ(z) and is judged "
           "there only; the quote's own '又减小了' (falls again) is judged in both. This "
           "was seen in a computation before the declaration and set the scope.",
           f"The search: margins z = i·{Z_MAX:g}/{Z_STEPS} (|i| ≤ {Z_STEPS}), errors "
           "e = σ(−z), split over the chunks by every 8th; under softmax the true class's "
           "logit is 0 and the wrong ones ln w_j − z, w drawn per chunk (Dirichlet(1)). "
           f"'Up to e = {SMALL}': where the example is still classified correctly; 'past "
           f"e = {LARGE}': confidently wrong (p_t ≤ 0.1).",
           "Part (b), cross-entropy reaching a target in fewer training steps than the "
           "squared error, is empirical and declared elsewhere later."),
    min_effect=RISE, null_value=RISE, category=EXACT, parent="LS-1", replicates=8)

"""OP-6: along Newton's iterations on L2-regularized logistic regression, does the inverse
Hessian keep decreasing (Loewner order), and is it what shrinks Newton's steps?

The search: :mod:`tasks.training_facts.newton`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.newton import BREAST, C_GRID, SYNTHETIC, TOL, VIOLATION

OP6 = Claim(
    "OP-6", "001 (简述梯度下降法和牛顿法 ②)",
    "②海森矩阵的逆在迭代过程中不断减小,可以起到逐步减小步长的效果。",
    "Along Newton's iterations the inverse Hessian keeps decreasing, H(wₖ₊₁)⁻¹ ⪯ H(wₖ)⁻¹ "
    "in the Loewner order at every iteration, and so shrinks Newton's steps. Checked on "
    "L2-regularized logistic regression (scikit-learn's objective, intercept unpenalized) "
    "from w = 0 in float64 with damped Newton (the full step unless backtracking shortens "
    "it), at every C of 10⁻² … 10² (four per decade; scikit-learn's default C = 1 at the "
    "centre), on breast_cancer (standardized; primary) and on make_classification draws. "
    "'不断' (keeps) is universal: one iteration where H⁻¹ grows in some direction by more "
    f"than {TOL:g} of λmax(H⁻¹ₖ) refutes. Shown beside it: λmax and trace of H⁻¹, ‖∇F‖ and "
    "the Newton step ‖H⁻¹∇F‖ at the last iterate against w = 0 (the step is H⁻¹∇F: which "
    "factor shrinks it).",
    measure=Searched(factor=Factor("member", (VIOLATION,), "member"),
                     label="the inverse Hessian's Loewner order between successive Newton "
                           "iterates", grid="op6", task="tasks.training_facts.newton.op6"),
    rule=Check((Bound(VIOLATION, "below", TOL),), headline=VIOLATION),
    quantifier="all", settings=Settings(BREAST, (SYNTHETIC,)),
    notes=("A theorem predicts the answer at the first iteration: p(1 − p) ≤ ¼ with "
           "equality at w = 0, so H(w) ⪯ H(0) and H(w)⁻¹ ⪰ H(0)⁻¹ for every w; the search "
           "shows how large and how frequent the growth is along the whole path.",
           f"The search: the {len(C_GRID)} values of C split over the chunks (replicates); "
           "breast_cancer at each, and one make_classification draw per chunk (500 × 20, 5 "
           "informative) at each; every iteration pair of every path is checked. The rule "
           "is the design notes' (Loewner order, 1e-10 relative); the search function was "
           "run on trial seeds while it was written, and nothing was changed after."),
    min_effect=TOL, null_value=TOL, category=EXACT, replicates=8)

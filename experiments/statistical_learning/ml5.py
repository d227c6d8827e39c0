"""ML-5: noise, bias and variance (a: expected squared error = σ² + bias² + variance;
b: variance falls as the training set grows; c: bias² falls and d: variance rises as the
model grows more complex)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check, Trend
from harness.judge.measures import Factor, Resampled, Searched
from tasks.statistical_learning.searches import (
    BIAS,
    CHUNKS,
    DECOMPOSITION,
    DEGREES,
    FEATURE,
    FEATURES,
    GRID,
    N_FIXED,
    P_FIXED,
    PILOT,
    POLY,
    SIGMA,
    SIZE_DEGREES,
    SIZES,
    STEP_DEGREES,
    TRAINING_SETS,
    VARIANCE,
    Z_MEMBER,
)

SEED = "003 (Q10 噪声、偏差和方差的区别)"
TASK = "tasks.statistical_learning.searches.bias_variance"
# ML-5a: |z| per point, Bonferroni over every point of the full run (CHUNKS × the
# points of a chunk: polynomial degrees × sizes, random features p and n) at a
# family-wise α of 0.05, two-sided: a true decomposition is refuted by chance at most
# 5% of the time
Z_POINTS = CHUNKS * (len(DEGREES) * len(SIZES) + len(FEATURES) + len(SIZES))
Z_BOUND = float(norm.isf(0.05 / 2 / Z_POINTS))
Z_WRONG = 10.0  # refutes: a wrong decomposition misses by tens of standard errors
# ML-5b/c/d: the design notes' endpoint differences, a factor 2 between the declared
# endpoints (n = 20 → 320; degree 1 → 15 and p/n = 0.1 → 10), spread over the steps
FACTOR2 = math.log(2)
# pilot SDs, from seeds no verdict reads: the SD of the headline's per-replicate trend
# (the primary setting's), rounded up: ML-5b 0.118 (degree 3; 8 chunks, default_rng([99,
# r])); ML-5c 0.438 and ML-5d 0.503 (odd degrees; 24 chunks, default_rng([98, r]))
SD_5B, SD_5C, SD_5D = 0.12, 0.44, 0.51

FIT_WORDS = (f"y = sin(2πx) + N(0, {SIGMA}²), x ~ U[0, 1]. Per chunk one draw of "
             f"{max(SIZES)} training inputs (the first n used at size n) and of "
             f"{max(FEATURES)} ReLU features max(0, ±(x − c)), kinks c ~ U[0, 1] (the first "
             "p used); fits: least squares on a Legendre basis of the degree, or "
             "minimum-norm least squares (pseudo-inverse) on p features. Bias² and "
             "variance are exact given the training inputs (the fixed-design "
             "decomposition: f̂(x0) = h(x0)ᵀy, E f̂ = h(x0)ᵀf(X), Var f̂ = σ²‖h(x0)‖²), "
             f"averaged over {GRID} test inputs (a uniform grid); chunks differ in their "
             "inputs and features.")
COMPLEXITY = (*(f"degree {d}" for d in STEP_DEGREES), *(f"p = {p}" for p in FEATURES))
STEP_MIN = FACTOR2 / (len(STEP_DEGREES) - 1)  # a factor 2 over the polynomial's 7 steps
COMPLEXITY_SETTINGS = Settings(f"{POLY}, n = {N_FIXED}", (f"{FEATURE}, n = {N_FIXED}",))
COMPLEXITY_NOTES = (
    FIT_WORDS,
    f"Complexity steps: the odd polynomial degrees {', '.join(map(str, STEP_DEGREES))} (7 "
    "steps), or p random features with p/n = 10^(k/7 − 1), k = 0 … 14 (p = "
    f"{', '.join(map(str, FEATURES))} at n = {N_FIXED}: 0.1 … 10, the interpolation point "
    "p = n at k = 7; 14 steps); the x of the trend is the step. The smallest effect: a "
    "factor 2 over the polynomial's 7 steps, log 2 / 7 per step (a factor 4 over the "
    "random features' finer 14).",
    "Odd degrees only: sin(2πx) is odd about x = 1/2 and the inputs' distribution "
    "symmetric about it, so an even degree's new term has population coefficient 0 and "
    "adds no expressiveness for this target. On a fixed design it fits the design's "
    "asymmetry instead, and bias² (given the inputs) rises a little at every odd → even "
    "step: in 24 pilot chunks 1 → 2 by 7% (all 24 chunks), 13 → 14 by a factor 5.8 "
    "(at 10⁻¹⁷). Seen in that pilot before this rule was declared (the first draft judged "
    "every degree 1 … 15): the even degrees are fitted and shown on the page, not judged.",
    "Random features are judged as robustness: past the interpolation point p = n the "
    "minimum-norm fit's variance falls again (double descent), where the quote's "
    "monotone story may fail.")


def fit_measure(quantity: str, levels: tuple[str, ...], words: str) -> Resampled:
    return Resampled(factor=Factor("member", levels, words), label=quantity,
                    grid="bias_variance", task=TASK, where=(("quantity", quantity),),
                    log=True)


ML5A = Claim(
    "ML-5a", SEED,
    "噪声:描述了在当前任务上任何学习算法所能达到的期望泛化误差的下界 … "
    "偏差:是指预测结果与真实值之间的差异,排除噪声的影响 … "
    "方差:… 是指多个(次)模型输出的结果之间的离散差异",
    "The expected squared error against a fresh label splits exactly into noise + bias² + "
    "variance: E(y − f̂(x0))² = σ² + (E f̂(x0) − f(x0))² + Var f̂(x0), averaged over the test "
    f"inputs. Checked against Monte Carlo: per point, {TRAINING_SETS} training sets (fresh "
    "label noise on the chunk's inputs, each fitted by lstsq), each scored against fresh "
    "test labels; the Monte Carlo mean must lie within its standard error × "
    f"{Z_BOUND:.2f} of σ² + bias² + variance from the hat matrix (|z| below the bound at "
    "every point). Settings: polynomial fits (degrees 1 … 15 × n in "
    f"{{{', '.join(map(str, SIZES))}}}); random features (p over the ML-5c grid at "
    f"n = {N_FIXED}, and p = {P_FIXED} over those n).",
    measure=Searched(Factor("member", (Z_MEMBER,), "member"),
                     label="the Monte Carlo error against the decomposition",
                     grid="bias_variance", task=TASK, where=(("quantity", DECOMPOSITION),)),
    rule=Check((Bound(Z_MEMBER, "below", Z_BOUND, refute_at=Z_WRONG),), headline=Z_MEMBER),
    quantifier="all", settings=Settings(POLY, (FEATURE,)),
    notes=(PILOT, FIT_WORDS,
           f"The bound {Z_BOUND:.2f} is Bonferroni's at a family-wise α of 0.05 (two-sided) "
           f"over the full run's {Z_POINTS} points ({CHUNKS} chunks): with an exact "
           "decomposition a chance refutation has probability ≤ 0.05. A wrong one "
           "(σ² left out, or bias for bias²) misses by tens of standard errors or more "
           "wherever the variance does not swamp σ² (tests/test_statistical_learning.py); "
           "near p = n it can."),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             f"(2026-12-07): refuted only when some |z| exceeds {Z_WRONG:g} (a wrong "
             "decomposition misses by tens of standard errors, see the notes); between "
             f"{Z_BOUND:.2f} and {Z_WRONG:g} it is undecided. The earlier rule refuted at "
             f"{Z_BOUND:.2f} itself and gave supported under seeds 0, 1, 17 and 29 (largest "
             "|z| 3.4–4.1) but refuted under seed 43 (4.39). Why: at small n and high "
             "degree the Monte Carlo z is skewed (the review simulated 6,000 draws at n = "
             "20, degree 15: P(z < −3) = 0.0035 against a normal's 0.00135, minimum "
             "−4.47), so the normal Bonferroni bound does not hold the family-wise error.",
    min_effect=Z_BOUND, null_value=Z_BOUND, category=EXACT, replicates=CHUNKS,
    parent="ML-5")

ML5B = Claim(
    "ML-5b", SEED, "方差是由训练集的数据不够导致,一方面量 (数据量) 不够",
    "Variance comes from too little training data: the variance of the fit (over label "
    f"noise, averaged over the test inputs) falls as n grows through "
    f"{', '.join(map(str, SIZES))}, a downward trend of its log per doubling of n with no "
    f"significant reversal. Primary: a degree-{SIZE_DEGREES[0]} polynomial (the lowest "
    "degree that follows sin(2πx)'s period); degrees "
    f"{SIZE_DEGREES[1]} and {SIZE_DEGREES[2]} and {P_FIXED} random features (whose "
    f"interpolation point n = p = {P_FIXED} lies inside the range) give the scope.",
    measure=fit_measure(VARIANCE, tuple(f"n = {n}" for n in SIZES),
                        "training-set size n (x = log₂ n)"),
    rule=Trend("decreasing", x=tuple(np.log2(SIZES))),
    quantifier="primary",
    settings=Settings(f"{POLY}, degree {SIZE_DEGREES[0]}",
                      (*(f"{POLY}, degree {d}" for d in SIZE_DEGREES[1:]),
                       f"{FEATURE}, p = {P_FIXED}")),
    notes=(PILOT, FIT_WORDS,
           "The smallest effect: a factor 2 between n = 20 and n = 320, log 2 / 4 per "
           "doubling of n."),
    min_effect=FACTOR2 / 4, pilot_sd=SD_5B, replicates=CHUNKS, parent="ML-5")

ML5C = Claim(
    "ML-5c", SEED, "偏差是模型无法准确表达数据关系导致,比如模型过于简单",
    "Bias comes from a model too simple for the data: bias² (of the mean fit against "
    f"sin(2πx), averaged over the test inputs) falls as the model grows more complex, at "
    f"n = {N_FIXED}: a downward trend of its log over the complexity steps with no "
    "significant reversal. Primary: polynomial degree 1, 3, … 15 (odd: the target is odd); "
    "random features, p/n 0.1 … 10, give the scope.",
    measure=fit_measure(BIAS, COMPLEXITY, "complexity step"),
    rule=Trend("decreasing"), quantifier="primary", settings=COMPLEXITY_SETTINGS,
    notes=(PILOT, *COMPLEXITY_NOTES),
    min_effect=STEP_MIN, pilot_sd=SD_5C, replicates=CHUNKS, parent="ML-5")

ML5D = Claim(
    "ML-5d", SEED,
    "方差是由训练集的数据不够导致,一方面量 (数据量) 不够,有限的数据集过度训练导致模型复杂",
    "Variance comes from fitting a complex model to limited data: the variance of the fit "
    f"rises as the model grows more complex, at n = {N_FIXED}: an upward trend of its log "
    "over the complexity steps with no significant reversal. Primary: polynomial degree "
    "1, 3, … 15 (odd: the target is odd); random features, p/n 0.1 … 10, give the scope.",
    measure=fit_measure(VARIANCE, COMPLEXITY, "complexity step"),
    rule=Trend("increasing"), quantifier="primary", settings=COMPLEXITY_SETTINGS,
    notes=(PILOT, *COMPLEXITY_NOTES),
    min_effect=STEP_MIN, pilot_sd=SD_5D, replicates=CHUNKS, parent="ML-5")

"""LS-2: absolute, Huber and smooth-L1 losses are more robust to outliers than the
squared loss (each robust fit's clean-test error below least squares' under outliers)."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember
from harness.judge.measures import Factor, Resampled
from tasks.robust_regression.searches import (
    DIABETES_EPSILON,
    DIABETES_TEST,
    EPSILONS,
    HUBER_EPSILON,
    LEVERAGE,
    LEVERAGE_SETTING,
    MODELS,
    N_TEST,
    RMSE,
    SHIFT,
    N,
    y_setting,
)

REPLICATES = 24  # the project's cap (the pilot SD asks for 27 at log 1.1)
PRIMARY = y_setting(0.1)
DIABETES = y_setting(DIABETES_EPSILON, "diabetes")
# the design notes' smallest effect: 10% clean-test RMSE, a log ratio of log 1.1
RMSE_MIN = math.log(1.1)
# the SD of the primary's per-replicate log RMSE(MSE) − log RMSE(robust), the largest of
# the three members (MAE 0.163), in 8 pilot chunks under default_rng([99, r]), rounded up
SD_LS2 = 0.17
# the headline is a difference of ln RMSE: say so where it is printed (e^4.93 ≈ 138×)
LOG_RATIO = (f"{RMSE}, judged in logs (a difference is ln RMSE(MSE)/RMSE(robust), a LOG "
             "ratio: e.g. 4.93 is 138×)")

LS2 = Claim(
    "LS-2", "003 (Q1 平方 / 绝对 / Huber 损失; Q11; Q14)",
    "绝对损失函数对异常点不那么敏感,其鲁棒性比平方损失更强一些 / Huber损失函数在 ∣ f − y ∣"
    "较小时为平方损失,在 ∣ f − y ∣ 较大时为线性损失,且处处可导,对异常点鲁棒性较好 / Q11: "
    "在损失层面选择更鲁棒的损失函数 / Q14: 在误差较大时使用 MAE 可以降低 outlier 的影响",
    "With gross outliers in the training targets, linear fits under the absolute (MAE), "
    f"Huber and smooth-L1 losses have a lower clean-test RMSE than the least-squares (MSE) "
    f"fit: log RMSE(MSE) − log RMSE(robust) > 0 for every robust loss. Primary: "
    f"make_regression (n = {N}, d = 5, noise 1), a fraction ε = 0.1 of the training "
    f"targets shifted by +{SHIFT:g} SD of y; ε = 0.05 and 0.2, leverage points and "
    "diabetes give the scope.",
    measure=Resampled(factor=Factor("member", MODELS, "loss"), label=LOG_RATIO,
                      grid="contamination",
                      task="tasks.robust_regression.searches.contamination",
                      log=True, overlap=((DIABETES, DIABETES_TEST / (1 - DIABETES_TEST)),)),
    rule=EveryMember(reference="MSE", direction="positive"),
    quantifier="primary",
    settings=Settings(PRIMARY, (y_setting(0.05), y_setting(0.2), LEVERAGE_SETTING,
                                DIABETES),
                      ((y_setting(0.0), "no outliers: the robust losses' efficiency cost "
                        "(least squares is the Gaussian maximum likelihood fit here)"),
                       (y_setting(0.0, "diabetes"), "no outliers (the same cost on "
                                                    "diabetes)"))),
    notes=(
        "Quantifier primary: Q1's two sentences are plain comparatives about the losses "
        "(neither universal, 一定, nor hedged, 可能; 一些 hedges the size, not where it "
        "holds), and Huber's own definition (linear where |f − y| is large) says which "
        "outliers it speaks of: gross errors in y. Leverage points (outliers in x) and "
        "diabetes give the scope. Q14's 可以 would hedge the Huber/MAE part only.",
        "The headline is a log ratio of clean-test RMSEs, not an RMSE: e^0.69 = 2×, "
        "e^4.93 ≈ 138×.",
        f"The shift is gross: +{SHIFT:g} SD(y) is ~10³ noise SDs (make_regression's "
        "five coefficients U(0, 100) give SD(y) ≈ 130 against noise SD 1), far outside "
        "the data; it does not speak to moderate outliers of a few noise SDs.",
        "With leverage points every fit breaks down; robust losses break down less: "
        "in the five-seed review every robust fit's clean-test RMSE there was 89–171 "
        "(against ~1.0 without outliers), and the setting was inconclusive under master "
        "seeds 1 and 29. Read it as 'less bad', not as robustness.",
        f"Per chunk: one make_regression draw of {N} training and {N_TEST} clean test "
        "points (every feature informative, coefficients known); the outliers are the "
        "first round(ε n) rows of one random order (nested across ε), their y + "
        f"{SHIFT:g} × SD(y) (one-sided). Leverage points: those rows' x × {LEVERAGE:g} "
        "and y = −x·β there (the truth at the moved point, its sign flipped). Diabetes: a "
        f"random {1 - DIABETES_TEST:.0%}/{DIABETES_TEST:.0%} split, features standardized "
        f"by the training split, y-outliers at ε = {DIABETES_EPSILON:g} in training only; "
        "its splits overlap, so it is judged by Nadeau and Bengio's corrected resampled "
        "t-test. The make_regression draws are independent: no correction.",
        "The fits, all with an intercept and no penalty, each exact for its convex loss: "
        f"LinearRegression; HuberRegressor(epsilon = {HUBER_EPSILON}, alpha = 0) (the "
        "threshold in units of a scale fitted jointly, so scaled to the noise); smooth-L1 "
        "as Huber with δ = 1 in raw units of y (the seed's formula, Q14's extra "
        "hyperparameter left unscaled; semismooth Newton to a gradient below 1e-12); "
        "QuantileRegressor(quantile = 0.5, alpha = 0, solver = 'highs') for MAE (a linear "
        f"program). Also logged per model and shown: {'‖β̂ − β‖'} and the fits that raised "
        "a ConvergenceWarning.",
        "The design notes' friedman1 MLP setting needs training, which this search-only "
        "experiment does not do: it is declared later, in a trained experiment.",
        "Before the lock, 8 pilot chunks of the search under default_rng([99, r]) (no "
        f"verdict reads them) were looked at for the SD and the cost. ε values: "
        f"{', '.join(f'{e:g}' for e in EPSILONS)}."),
    min_effect=RMSE_MIN, pilot_sd=SD_LS2, replicates=REPLICATES)

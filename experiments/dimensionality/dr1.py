"""DR-1a and DR-1b: the catalogue's DR-1 (a), test accuracy falls as useless dimensions
are added, and (b), PCA before the network then raises it; Abid 2018 Exp 6 and four
controls for what else can make the fall."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import Paired, Trend
from harness.judge.measures import Factor, Final

NAME = "dimensionality"
PRIMARY = "abid2018_exp6"  # Exp 6 as written: 20 test points
# the controls (1,000 test points each), in the order the page shows them
STANDARDIZED, ORTHOGONAL, RELU, ADVERSARIAL = (
    "exp6_standardized", "exp6_orthogonal", "exp6_relu", "exp6_adversarial")
CONTROLS = (STANDARDIZED, ORTHOGONAL, RELU, ADVERSARIAL)
DIMS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)  # cell 40's dummy dimensions
CONTROL_DIMS = (1, 20, 200, 2000)  # the controls' k (conf/experiment/dimensionality.yaml)
HIGH = DIMS[-1]  # "非常高维": the top of Abid's grid, 2,010 input columns for 80 points
PCA = 10  # components: the informative dimension, Abid's first reduction
# Abid 2018 Exp 6, read off the notebook's figure (mean of 3 iters): per PCA arm
# (None: no PCA), the k read and the accuracy there
ORIGINAL = {None: {200: 0.43, 500: 0.43, 1000: 0.43, 2000: 0.43},
            1: {1: 0.95, 200: 0.82, 500: 0.77, 1000: 0.72, 2000: 0.55}}
ORIGINAL_WORDS = {None: "≈ 0.93–1.0 up to k = 100, ≈ 0.43 from k = 200 on",
                  10: "≈ 0.92–0.97 at every k", 5: "≈ 0.92–0.97 at every k",
                  1: "≈ 0.95, then 0.82 (k = 200), 0.77 (500), 0.72 (1000), 0.55 (2000)"}
# the design notes' smallest effects: 0.05 test accuracy from k = 1 to k = 2000 (a; the
# trend is per unit of x = log k / log 2000, so one unit is that whole range), 0.03 (b)
FALL_MIN, GAIN_MIN = 0.05, 0.03
# pilot SDs (master seed 101, 8 replicates of the whole sweep, not a verdict seed), of
# the headline's per-replicate statistic in the primary setting: the slope 0.113, PCA −
# none at k = 2000 0.074 (the 20-point test set; the controls' 0.012–0.028 and
# 0.013–0.049)
SD_A, SD_B = 0.113, 0.074
# run (trainer.replicates) and calibrated at 12, below the 43 and 50 that 80% power at
# the smallest effects in the primary's 20-point test set would ask: each k = 2000 point
# costs ~0.9 s a replicate on 2 cores, and the controls (1,000 test points) have SDs a
# quarter of the primary's; the power kept is in results/calibration.md
REPLICATES = 12

QUOTE = ("当处理非常高维的数据时,神经网络可能难以学习正确的分类边界。在这些情况下,可以考虑在将"
         "数据传递到神经网络之前进行无监督的降维。")
SETTINGS = Settings(PRIMARY, robustness=CONTROLS)
SEED = "002 (Q41, the second)"
PILOT = (
    "Seen before this declaration: a pilot of the whole sweep (8 replicates, master seed "
    "101, which no verdict reads). On Exp 6 as written, no PCA fell from ≈ 0.94 (k = 1) "
    "to 0.43 at every k ≥ 200 (a network that predicts one class: training accuracy "
    "0.52), and PCA to 10 − none at k = 2000 was +0.41. In the controls the fall was "
    "0.97 → 0.89 (standardized), 0.98 → 0.92 (orthogonal R), 0.98 → 0.50 (ReLU/He), 0.95 → "
    "0.50 (PCA-adversarial), and PCA − none at k = 2000 was −0.02, +0.01, +0.36 and +0.01. "
    "The settings, grids and smallest effects are the catalogue's design notes; chosen "
    "after the pilot: the trend family for (a) (the notes name the endpoint difference "
    "with no reversal), the quantifier some for both, 12 replicates, and judging (b) at "
    "k = 2000 alone (k = 200 on the page).")
SCALE = (
    "Why the faithful fall is not the dimension alone: R's entries are all positive, so "
    "an input column is a sum of 10 + k terms with mean ≈ (10 + k)/4, and its mean and "
    "spread grow with k (column mean ≈ 3 at k = 1, 53 at k = 200, 503 at k = 2000, on "
    "one draw); under Glorot-uniform first-layer weights the median |pre-activation| at "
    "init is then 0.7, 42 and 363 (that draw, one init), so 94% of first-layer units sit "
    "past |z| = 5 at k = 200, their sigmoid gradients vanish, and the net predicts one "
    "class (training accuracy ≈ 0.5). PCA centres the inputs and cuts the fan-in from "
    "10 + k to 10, so its gain there is confounded with that. Which controls remove "
    "what: standardized (z-scored inputs in both arms) and orthogonal R (a rotation: no "
    "rescaling, centred columns) remove the scale; ReLU/He removes the sigmoid's "
    "saturation but keeps the uncentred inputs, and at k = 2000 it fails too (a scale "
    "failure, not a dimension one); PCA-adversarial (on a rotation, so scale is out) "
    "puts the class shift in directions an unsupervised PCA ranks last.")
GAIN_CAUSE = (
    "What DR-1b's support rests on: PCA helps where the unreduced net cannot train at "
    "all (Exp 6 as written and ReLU/He, both at chance without PCA: the uncentred "
    "inputs), and adds nothing where the inputs are standardized or rotated (CI inside "
    "±0.03 or a small loss). So the gain the quote recommends is, here, the scale fix "
    "that PCA brings with it, not the reduction: z-scoring the inputs alone "
    "(exp6_standardized, no PCA) reaches about the accuracy PCA reaches on Exp 6.")
TEST_SET = ("Exp 6's test set is 20 points, so its accuracy moves in steps of 0.05 and "
            "its replicate SD is large; the controls draw 1,000 test points from the same "
            "distribution beside 80 training points, as in Exp 6 (their own draws).")
REVISION = (
    "After the five-seed runs and their review, one robustness setting changed: "
    "exp6_adversarial now mixes with a rotation (data.mixing orthogonal) instead of Exp "
    "6's U[0,1) matrix, because with the uncentred inputs both of its arms sat at chance "
    "at k ≥ 200 and it tested input scale, not where the signal lies (the review's "
    "finding). Its settings' verdicts under the earlier setting, seeds 0, 1, 17, 29, 43: "
    "DR-1a held (trend 0.508, 0.506, 0.504, 0.510, 0.488 per unit), DR-1b no meaningful "
    "effect (0.011 [0.001, 0.021], 0.016 [0.006, 0.025], 0.001 [−0.011, 0.012], 0.014 "
    "[0.005, 0.022], 0.009 [−0.000, 0.018]); the labels (quantifier some, decided by the "
    "primary) were supported under all five and cannot turn on a robustness setting's "
    "support.")


def accuracy(factor: Factor, grids: tuple[str, ...], where: dict | None = None) -> Final:
    """Final test accuracy (after step 500) along ``factor``."""
    return Final(factor, label="held-out test accuracy", grid=grids, where=where or {})


FALL = Claim(
    "DR-1a", SEED, QUOTE,
    "With n fixed (80 training points), the test accuracy of a network given the data "
    "without reduction falls as useless dimensions are added: a downward trend over "
    f"k ∈ {{{', '.join(map(str, DIMS))}}} dummy dimensions (x = log k / log {HIGH}, so "
    f"one unit is k = 1 → {HIGH}) with no significant reversal. Hedged (the quote's "
    "'may find it hard'): supported where it holds in some judged setting.",
    measure=accuracy(Factor("data.dummy_dims", DIMS, "dummy dimensions k"),
                     ("abid", "controls", "standardized")),
    rule=Trend("decreasing", x={k: math.log(k) / math.log(HIGH) for k in DIMS}),
    settings=SETTINGS, min_effect=FALL_MIN, quantifier="some", pilot_sd=SD_A,
    replicates=REPLICATES, parent="DR-1", revision=REVISION, notes=(PILOT, SCALE, TEST_SET, (
        f"The controls run k ∈ {{{', '.join(map(str, CONTROL_DIMS))}}}; the trend and "
        "its reversals are read on the k each setting has.")))
PCA_GAIN = Claim(
    "DR-1b", SEED, QUOTE,
    f"In that regime (k = {HIGH} dummy dimensions), PCA to {PCA} components, fitted on "
    "the training split without labels, before the network raises its test accuracy "
    "over the same network on the unreduced data (a paired difference per replicate: "
    "the same draw, noise and R). Hedged (the quote's 'can "
    "consider'): supported where it holds in some judged setting.",
    measure=accuracy(Factor("data.pca_components", (PCA, None),
                            "PCA components (None: no PCA)"),
                     ("abid", "abid_pca", "controls", "controls_pca", "standardized",
                      "standardized_pca"), {"data.dummy_dims": HIGH}),
    rule=Paired("decreasing"), settings=SETTINGS, min_effect=GAIN_MIN, quantifier="some",
    pilot_sd=SD_B, replicates=REPLICATES, parent="DR-1", revision=REVISION,
    notes=(GAIN_CAUSE, PILOT, SCALE, TEST_SET, (
        "PCA to 5 and 1 components, and every k, are on the page (Abid's figure), not "
        "judged.")))
CLAIMS = (FALL, PCA_GAIN)

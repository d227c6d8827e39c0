"""ML-3: Euclidean distance grows unreliable with the dimension (a: its relative contrast
falls; b: kNN by it loses accuracy); cosine distance suits high dimensions (c: its
contrast holds up; d: kNN by it beats kNN by Euclidean distance)."""

from __future__ import annotations

import math

import numpy as np

from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember, Paired, Trend
from harness.judge.measures import Factor, Resampled
from tasks.statistical_learning.searches import CHUNKS, DIMS, NOISE, PILOT, POINTS, QUERIES, member

SEED = "000 (常见的距离度量)"
EUCLID = "欧氏距离:度量距离长度,随着维度的增加会越来越不可靠。"
COSINE = "余弦距离:将向量之间的角度作为相似度的度量,忽略向量的长度,以适应高维空间的数据。"
TASK = "tasks.statistical_learning.searches."
CONTRAST_SETTINGS = Settings("uniform", ("Gaussian", "random norms", "mixture"))
KNN_SETTINGS = Settings("digits", ("Gaussian mixture", "digits, random norms"))
HIGH = max(NOISE)  # "high dimension": digits' 64 pixels + 1000 noise dimensions
# the design notes' smallest effects: contrast a factor 2 between d = 2 and d = 10⁴ (in
# natural log, the measure's scale), and 0.02 kNN accuracy (18 of the ~900 test digits)
FACTOR2 = math.log(2)
ACC_MIN = 0.02
DECADES = math.log10(DIMS[-1] / DIMS[0])  # 3.70: d = 2 → 10⁴
# pilot SDs: 8 chunks under seeds default_rng([99, r]), which no verdict reads; per claim
# the SD of its headline's per-replicate statistic (the primary setting's), rounded up:
# 0.0104 (per decade), 0.0150, 0.221, 0.0115
SD_3A, SD_3B, SD_3C, SD_3D = 0.011, 0.016, 0.23, 0.012

CONTRAST_WORDS = (f"Relative contrast: for each of {QUERIES} queries, (D_max − D_min) / D_min "
                  f"over {POINTS} points, both drawn afresh per chunk; a chunk's value is "
                  "the geometric mean over its queries (the rule reads its log). Settings: "
                  "uniform on [0, 1]^d; standard Gaussian; the same Gaussian points times a "
                  "per-sample factor 10^U(−1/2, 1/2) (random norms: a document's length); "
                  "a mixture of 10 Gaussians, centres N(0, I), spread 0.5.")
KNN_WORDS = ("kNN (k = 5, brute force) on a random half/half split per chunk, with 0, 100 "
             "or 1000 noise dimensions appended (the same draws for both metrics). "
             "Digits: scikit-learn's 1,797 8×8 images, noise values drawn from the digits' "
             "own pooled pixel values (an irrelevant pixel); digits, random norms: every "
             "sample, noise included, times 10^U(−1/2, 1/2); Gaussian mixture: 1,000 "
             "samples of 10 classes, centres N(0, I) in 10 dimensions, within-class "
             "N(0, I), noise N(0, 1), drawn afresh per chunk.")
RESPLIT = ("Digits' chunks are half / half resplits of one dataset with fresh noise, so "
           "they are judged by the corrected resampled t-test (n_test / n_train = 1); "
           "the Gaussian mixture draws its data afresh.")
DIGITS_SPLITS = (("digits", 1.0), ("digits, random norms", 1.0))
NB_WHY = ("Why: overlapping splits of one dataset make the plain t-test too liberal "
          "(Dietterich 1998; Nadeau and Bengio 2003).")
LOOKED = ("Before declaring, one chunk on a seed no verdict reads was looked at: in the "
          "Gram form ‖q‖² + ‖x‖² − 2qᵀx the nearest cosine distance at d = 2 (≈ 1e-11) "
          "rounded to 0, so distances come from the differences themselves up to d = 10.")


def contrast_measure(metric: str, levels: tuple[int, ...], words: str) -> Resampled:
    return Resampled(
        factor=Factor("member", tuple(member(metric, d) for d in levels), words),
        label=f"relative contrast of {metric} distances (geometric mean over the queries)",
        grid="contrast", task=TASK + "contrast", log=True)


def knn_measure(levels: tuple[str, ...], words: str, label: str) -> Resampled:
    return Resampled(factor=Factor("member", levels, words), label=label, grid="knn",
                     task=TASK + "knn", overlap=DIGITS_SPLITS)


ML3A = Claim(
    "ML-3a", SEED, EUCLID,
    "Euclidean distance grows less reliable as the dimension grows: the relative contrast "
    "(D_max − D_min)/D_min of i.i.d. points seen from a query falls with d ∈ "
    f"{{{', '.join(map(str, DIMS))}}}, a downward trend of its log per decade of d with no "
    "significant reversal. Primary: uniform on [0, 1]^d (Beyer et al. 1999's setting); "
    "Gaussian, random norms and a Gaussian mixture give the scope. ML-3b asks the same of "
    "kNN accuracy.",
    measure=contrast_measure("Euclidean", DIMS, "dimension d (x = log₁₀ d)"),
    rule=Trend("decreasing", x=tuple(np.log10(DIMS))),
    quantifier="primary", settings=CONTRAST_SETTINGS,
    notes=(PILOT, CONTRAST_WORDS, LOOKED,
           "The smallest effect: a factor 2 between d = 2 and d = 10⁴ (the design notes), "
           f"log 2 / {DECADES:.2f} decades per decade of d."),
    min_effect=FACTOR2 / DECADES, pilot_sd=SD_3A, replicates=CHUNKS, parent="ML-3")

ML3B = Claim(
    "ML-3b", SEED, EUCLID,
    "Nearest neighbours by Euclidean distance grow less accurate as the dimension grows: "
    f"kNN (k = 5) test accuracy with {HIGH} uninformative noise dimensions appended is "
    "below its accuracy with none (paired by chunk). Primary: digits; a 10-class Gaussian "
    "mixture and digits with random norms give the scope.",
    measure=knn_measure((member("Euclidean", 0, True), member("Euclidean", HIGH, True)),
                        "noise dimensions", "kNN test accuracy, Euclidean distance"),
    rule=Paired("decreasing"), quantifier="primary", settings=KNN_SETTINGS,
    notes=(PILOT, KNN_WORDS, RESPLIT,
           "100 noise dimensions are run and shown on the page, not judged: the declared "
           "comparison is between the ends, 0 and 1000."),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the digits settings are judged by Nadeau and Bengio's "
             "corrected resampled t-test, not the plain paired t-test; the earlier rule "
             "gave supported (accuracy drop 0.588, seed 0). " + NB_WHY,
    min_effect=ACC_MIN, pilot_sd=SD_3B, replicates=CHUNKS, parent="ML-3")

ML3C = Claim(
    "ML-3c", SEED, COSINE,
    "Cosine distance '适应高维' (suits high dimensions): its relative contrast holds up "
    "with the dimension, i.e. it falls by less than a factor 2 from d = 2 to d = 10⁴ "
    "(log contrast at d = 2 minus at d = 10⁴ below log 2, a bound on the fall). Cosine "
    "distance is half the squared Euclidean distance between unit vectors, so for i.i.d. "
    "data its contrast may collapse as Euclidean contrast does. Settings as ML-3a's; "
    "cosine ignores the norm, so random norms equal the Gaussian setting here.",
    measure=contrast_measure("cosine", (DIMS[0], DIMS[-1]), "dimension"),
    rule=EveryMember("negative", reference=member("cosine", DIMS[0]), null=FACTOR2),
    quantifier="primary", settings=CONTRAST_SETTINGS,
    notes=(PILOT, CONTRAST_WORDS, LOOKED,
           "The bound, a factor 2, is ML-3a's smallest effect: the same yardstick for "
           "'loses contrast' and 'holds it'."),
    min_effect=FACTOR2, pilot_sd=SD_3C, null_value=FACTOR2, no_effect=True,
    replicates=CHUNKS, parent="ML-3")

ML3D = Claim(
    "ML-3d", SEED, COSINE,
    "In high dimension kNN by cosine distance beats kNN by Euclidean distance: with "
    f"{HIGH} noise dimensions appended, kNN (k = 5) test accuracy by cosine minus by "
    "Euclidean distance > 0 (paired by chunk: the same split and noise). Primary: digits "
    "(64 + 1000 dimensions); the Gaussian mixture and digits with random norms (where "
    "the norm is a nuisance that cosine ignores) give the scope.",
    measure=knn_measure((member("cosine", HIGH, True), member("Euclidean", HIGH, True)),
                        "metric", f"kNN test accuracy with {HIGH} noise dimensions"),
    rule=Paired("decreasing"), quantifier="primary", settings=KNN_SETTINGS,
    notes=(PILOT, KNN_WORDS, RESPLIT),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the digits settings are judged by Nadeau and Bengio's "
             "corrected resampled t-test, not the plain paired t-test. The earlier rule "
             "gave refuted (no meaningful effect: cosine − Euclidean −0.002 [−0.011, "
             "0.007], inside ±0.02, seed 0). " + NB_WHY,
    min_effect=ACC_MIN, pilot_sd=SD_3D, replicates=CHUNKS, parent="ML-3")

"""ML-1: a linear SVM depends on the features' scale, so the data should be normalized
first; logistic regression does not (split into ML-1a, an exact fact about the optima,
and ML-1b/c, what scikit-learn's defaults do to held-out accuracy)."""

from __future__ import annotations

from collections.abc import Iterable

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check, Equivalent, Paired
from harness.judge.measures import Factor, Resampled, Searched
from tasks.classic_ml.searches import (
    C_DEFAULT,
    C_SETTINGS,
    CHANGED,
    FLIP,
    MAX_ITER,
    ML1A_DECISION,
    ML1A_MODELS,
    ML1A_SHARE,
    ML1B_LR,
    ML1B_SVM,
    ML1C_LR,
    TEST,
    UNCHANGED,
)

SEED = "001 (SVM 6, 第四)"
QUOTE = "第四,线性SVM依赖数据表达的距离测度,所以需要对数据先做normalization,LR不受其影响。"
REPLICATES = 24  # the project's cap: ML-1b's pilot asks for 19 (80% power at 0.02)
TASK = "tasks.classic_ml.searches."
NONE = 1e-4  # a share of changed predictions below it: none of at most 569 samples
LR_SHARE, LR_DECISION, SVM_DECISION = (ML1A_SHARE.format(ML1A_MODELS[0]),
                                       ML1A_DECISION.format(ML1A_MODELS[0]),
                                       ML1A_DECISION.format(ML1A_MODELS[1]))
ACC_MIN = 0.02  # ML-1b: the design notes' smallest effect, 0.02 accuracy
MARGIN = 0.01  # ML-1c: the design notes' equivalence margin, ±0.01 accuracy
# SDs in a 16-chunk pilot of the search under master seed 999 (not the run's seed), before
# the lock: ML-1b's paired difference in wine, ML-1c's difference in wine at C = 1
ML1B_SD, ML1C_SD = 0.0287, 0.0208
PILOT = ("Before the lock, a pilot of the searches under master seed 999 (not the run's "
         "seed) was looked at, for its SDs and cost.")
DATASETS = ("wine", "breast_cancer", "digits")
SEPARABLE = ("separable data: unpenalized LR has no optimum there, so its accuracy is where "
             "lbfgs stopped (ML-1a judges the optimum, on data with label noise)")


NB_WHY = ("Why: overlapping splits of one dataset make the plain t-test too liberal "
          "(Dietterich 1998; Nadeau and Bengio 2003).")


def splits(settings: Iterable[str]) -> tuple[tuple[str, float], ...]:
    """Every setting's replicates are random splits of one fixed dataset: n_test/n_train."""
    return tuple((s, TEST / (1 - TEST)) for s in settings)


DIGITS = ("digits", "a negative control: every pixel is on the same 0–16 scale, so "
          "standardization should matter little to either model")
RAW_SCALED = (f"Raw against standardized (StandardScaler fit on the training split) on "
              f"the same stratified 80/20 split, a fresh split per replicate; max_iter "
              f"raised to {MAX_ITER:,} (lbfgs' default 100 and liblinear's 1,000 stop early "
              "on raw features), else scikit-learn's defaults; each fit's convergence "
              "warnings are counted in the search table.")

ML1A = Claim(
    "ML-1a", SEED, QUOTE,
    "Rescaling the features by a positive diagonal D (here D = diag(1/σ_j), "
    "standardization's scaling without its centring) leaves the predictions of "
    "unpenalized logistic regression at its optimum unchanged, but not a linear SVM's: "
    f"on every sample, LR's decision function changes by less than {UNCHANGED:g} "
    "(relative) and no prediction changes, while LinearSVC's (C = 1) decision function "
    f"changes by more than {CHANGED:g}. Non-separable data, so that LR's optimum exists: "
    f"{FLIP:.0%} of each training split's labels moved to another class.",
    measure=Searched(factor=Factor("member", (LR_SHARE, LR_DECISION, SVM_DECISION),
                                   "member"),
                     label="change of the predictions after rescaling the features",
                     grid="ml1a", task=TASK + "ml1a"),
    rule=Check((Bound(LR_SHARE, "below", NONE),
                Bound(LR_DECISION, "below", UNCHANGED, refute_at=CHANGED),
                Bound(SVM_DECISION, "above", CHANGED, refute_at=UNCHANGED)),
               headline=SVM_DECISION),
    quantifier="primary", settings=Settings("wine", ("breast_cancer",)),
    notes=("Fits in float64 to tolerance 1e-10: LR by Newton's method (newton-cholesky, C = "
           "∞), LinearSVC in the primal; LR is compared only in chunks where no class pair "
           "of the training split is linearly separable (an LP per pair; else no optimum).",
           "digits is not in this check: its class pairs stay separable under label noise "
           "(a pilot: 40 to 45 of 45 pairs at 5 and 10% noise), so LR has no optimum there.",
           f"{PILOT} It changed the design: LinearSVC changed no prediction in 5 of 24 wine "
           "chunks, so the SVM's side is judged on its decision function (the shares are "
           "tabled), and the label noise went from 10% to 20% (10% left a wine class pair "
           "separable in 8 of 24 chunks)."),
    min_effect=CHANGED, null_value=CHANGED, category=EXACT, replicates=REPLICATES,
    parent="ML-1")

ML1B = Claim(
    "ML-1b", SEED, QUOTE,
    "With scikit-learn's defaults, standardizing the features changes a linear SVM's "
    "(LinearSVC) held-out accuracy more than logistic regression's: |accuracy "
    "standardized − raw| is larger for LinearSVC than for LogisticRegression (C = 1).",
    measure=Resampled(factor=Factor("member", (ML1B_SVM, ML1B_LR), "model"),
                      label="|held-out accuracy, standardized − raw|",
                      grid="ml1bc", task=TASK + "ml1bc", overlap=splits(DATASETS)),
    rule=Paired("decreasing"), quantifier="primary",
    settings=Settings("wine", ("breast_cancer",), shown=(DIGITS,)),
    notes=(RAW_SCALED, PILOT), min_effect=ACC_MIN, pilot_sd=ML1B_SD,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the replicates, random 80/20 splits of one fixed dataset, "
             "overlap, so the paired test is now Nadeau and Bengio's corrected resampled "
             "t-test (the variance times 1 + k·n_test/n_train). The earlier plain t-test "
             "gave refuted (no meaningful effect: 0.0069 [−0.004, 0.018], inside ±0.02, "
             "seed 0). " + NB_WHY,
    replicates=REPLICATES, parent="ML-1")

C_NONE = next(c for c in C_SETTINGS if c != C_DEFAULT)
ML1C = Claim(
    "ML-1c", SEED, QUOTE,
    f"'LR不受其影响': logistic regression's held-out accuracy is the same (±{MARGIN:g}) "
    "with and without standardizing the features, at scikit-learn's default L2 penalty "
    "(C = 1: primary, on wine) and unpenalized (C = ∞), judged apart: an L2 penalty "
    "depends on the features' scale, the unpenalized optimum does not (ML-1a).",
    measure=Resampled(factor=Factor("member", (ML1C_LR,), "model"),
                      label="held-out accuracy, standardized − raw",
                      grid="ml1bc", task=TASK + "ml1bc",
                      overlap=splits(f"{d}, {c}" for d in DATASETS for c in C_SETTINGS)),
    rule=Equivalent(margin=MARGIN), quantifier="primary",
    settings=Settings(f"wine, {C_DEFAULT}", (f"breast_cancer, {C_DEFAULT}",), shown=(
        *((f"{d}, {C_NONE}", SEPARABLE) for d in ("wine", "breast_cancer")),
        *((f"digits, {c}", DIGITS[1]) for c in C_SETTINGS))),
    notes=(RAW_SCALED, "Each class of wine and of breast_cancer is linearly separable "
           "from the others (an LP on the whole dataset, so on every training split too): "
           "unpenalized LR "
           "has no optimum there, and lbfgs stops where its tolerance or max_iter stops "
           "it, which depends on the scale.", PILOT,
           "On random splits of one dataset the corrected standard error never falls below "
           "√(n_test/n_train)·s, however many splits (about 0.010 at the pilot SD), so a "
           f"±{MARGIN:g} equivalence cannot be shown on wine or breast_cancer: this design "
           "can refute the claim there, not support it."),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the test is now Nadeau and Bengio's corrected resampled "
             "t-test (random 80/20 splits of one dataset overlap), and the unpenalized "
             "settings are shown, not judged (separable data: no optimum, see the notes). "
             "The earlier rule gave refuted (wine, C = 1: standardized − raw +0.032, 90% "
             "CI [0.022, 0.043], outside ±0.01, seed 0; the unpenalized wine setting "
             "failed too). " + NB_WHY,
    min_effect=MARGIN, pilot_sd=ML1C_SD, null_value=0.0, equivalence_margin=MARGIN,
    replicates=REPLICATES, parent="ML-1")

CLAIMS = [ML1A, ML1B, ML1C]

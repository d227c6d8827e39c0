"""MC-1: OvO against OvR with the same base learner, split into MC-1a (OvO's total fit
time is below OvR's, a timing run alone) and MC-1b (their accuracies are equivalent);
MC-2: ECOC (MvM) is more accurate than the better of the two."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import Equivalent, Paired
from harness.judge.measures import Factor, Resampled

from .searches import (
    BEST,
    DIGITS,
    ECOC,
    FIT,
    LR,
    OVO,
    OVR,
    REPEATS,
    SVM,
    SYNTHETIC,
    SYNTHETIC_DRAW,
    TEST,
    TREE,
    setting,
)

SEED = "000 (Q2, OvO和OvR的比较)"
QUOTE_MC1 = ("尽管OvO需要训练更多的基础分类器,但由于OvO中的每个切分出来的数据集都更小,"
             "因此基础分类器训练时间也将更短。因此,综合来看在训练时间开销上,OvO往往要小于OvR。而在性能方面,大多数情况下二者性能类似。")
QUOTE_MC2 = "其中OvO具备性能优势,而MvM则具备判断效力优势。"
# chunks of every search: the design notes' 24 splits for accuracy (the project's cap;
# MC-2's pilot SD asks for more), and for timing too (the notes' 12 splits × 3 repeats
# become 24 × 3: every grid of an experiment runs the same replicates)
REPLICATES = 24
TASK = "experiments.multiclass.searches."
SLOWER = math.log(1.1)  # MC-1a: the design notes' smallest effect, 10% fit time (log ratio)
MARGIN = 0.02  # MC-1b: the design notes' equivalence margin, ±0.02 accuracy
ECOC_MIN = 0.01  # MC-2: the design notes' smallest effect, 0.01 accuracy
# SDs of the primary's per-replicate statistic in a 12-chunk pilot of the searches under
# master seed 999 (not the run's seed), before the lock: MC-1a's log CPU-time ratio OvR /
# OvO (on the shared development machine, load ~5 on 2 cores; 0.43 in wall time first),
# MC-1b's OvO − OvR, MC-2's ECOC (code_size 1.5) − OvO
MC1A_SD, MC1B_SD, MC2_SD = 0.116, 0.0048, 0.0275
PILOT = ("Before the lock, a 12-chunk pilot of the searches under master seed 999 (not the "
         "run's seed) was looked at, for its SDs, its cost and MC-2's better of OvO and "
         "OvR. It changed the design: the timing search forced a garbage collection before "
         "each timed call (~0.1–0.3 s each with torch imported) and now pauses the "
         "collector instead; its wall times on the loaded machine had an SD of 0.43 in "
         "logs, so MC-1a reads CPU time (SD 0.12); SVC is no longer scored in the "
         "accuracy search and code_size 5 only on the synthetic data (cost; SVC's "
         "accuracies are shown from the timing search). Two smoke runs of the plumbing "
         "(profile=smoke: 3 chunks under master seed 0, i.e. the run's first 3) were seen "
         "before the lock; the second came after code_size 5 on digits was dropped, for "
         "the cost measured in the pilot; no rule changed after them.")
MC1B_SETTINGS = (setting(DIGITS, LR), setting(DIGITS, TREE), setting(SYNTHETIC, LR))
ECOC_SETTINGS = (setting(DIGITS, LR, 1.5), setting(DIGITS, TREE, 1.5), setting(SYNTHETIC, LR, 1.5),
                 setting(SYNTHETIC, LR, 5))


def overlap(settings: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """The digits settings, whose replicates are random splits of one fixed dataset, with
    their n_test / n_train (the synthetic data are fresh draws: independent)."""
    return tuple((s, TEST / (1 - TEST)) for s in settings if s.startswith(DIGITS))



WRAPPERS = ("OneVsOneClassifier, OneVsRestClassifier and OutputCodeClassifier around the "
            "same scikit-learn base learner at its defaults (LogisticRegression: lbfgs; "
            "SVC: rbf kernel, timed only; DecisionTree), features standardized on the training "
            "split. "
            "A replicate is a stratified 80/20 split of digits (K = 10, 1,797 samples) or a "
            f"fresh draw of make_classification (K = {SYNTHETIC_DRAW['n_classes']}, n = "
            f"{SYNTHETIC_DRAW['n_samples']:,}, d = {SYNTHETIC_DRAW['n_features']}; smaller "
            "than the design notes' K = 20, n = 3,000, d = 40 for the suite's time budget), "
            "independent. Each fit's convergence warnings are counted in the search table.")
NB = ("Random splits of one dataset overlap, so on digits the test is Nadeau and Bengio's "
      "corrected resampled t-test: its standard error never falls below √(n_test/n_train)·s "
      "= 0.5·s, however many splits.")
PRIMARY_WHY = ("Quantifier primary: {} concedes exceptions (so one base learner or dataset "
               "where it fails does not refute it: not 'all') but asserts more than 'can' "
               "(so one where it holds does not support it: not 'some'); the typical setting, "
               "LogisticRegression on digits, decides and the others give scope.")

MC1A = Claim(
    "MC-1a", SEED, QUOTE_MC1,
    "With the same base learner, one-vs-one's total fit time (OneVsOneClassifier.fit, "
    "K(K−1)/2 binary fits on the pairs' samples) is below one-vs-rest's "
    "(OneVsRestClassifier.fit, K fits on every sample): the log ratio of fit times OvR / "
    "OvO is above 0, judged per base learner (LogisticRegression primary, SVC robustness), "
    "on digits (K = 10), one thread, run alone.",
    measure=Resampled(factor=Factor("member", (FIT.format(OVR), FIT.format(OVO)), "wrapper"),
                      label=f"fit time (CPU s; a chunk's median over {REPEATS} interleaved "
                            "repeats)", grid="timing", task=TASK + "timing", log=True),
    rule=Paired("decreasing"), quantifier="primary",
    settings=Settings(setting(DIGITS, LR), (setting(DIGITS, SVM),)),
    notes=(PRIMARY_WHY.format("'往往' (tends to)"),
           "Timing runs alone: grid timing is hydra.sweeper.exclusive, on one thread "
           f"(threadpoolctl and trainer.threads = 1). A chunk: one split, per base {REPEATS} "
           "repeats, OvO and OvR each fit once per repeat in alternating order, the median "
           "per wrapper kept; a warm-up fit of each on 100 samples first; the garbage "
           "collector paused in each timed call. Predict time on the held-out split (once "
           "per chunk; OvO evaluates K(K−1)/2 = 45 models, OvR 10) and its accuracy are "
           "shown, not judged.",
           "The time is the process's CPU time: on one thread it is the fit's own time, "
           "without the waits for other processes that wall time adds on a shared machine; "
           "running alone, the two agree (wall times and CPU / wall are tabled).",
           "No overlap correction here: the claim is about fit time on digits itself (the "
           "split varies the data a little; the spread between chunks is the machine's), "
           "not about a generalization error over training sets drawn from a population.",
           "SVC stands for the learners whose cost grows faster than n (the quote's "
           "mechanism: OvO's smaller subsets); LinearSVC and DecisionTree, in the design "
           "notes, are not timed (the suite's time budget).", WRAPPERS, PILOT),
    min_effect=SLOWER, pilot_sd=MC1A_SD, replicates=REPLICATES, parent="MC-1")

MC1B = Claim(
    "MC-1b", SEED, QUOTE_MC1,
    "'大多数情况下二者性能类似': with the same base learner, one-vs-one and one-vs-rest are "
    f"equally accurate: held-out accuracy OvO − OvR within ±{MARGIN:g}.",
    measure=Resampled(factor=Factor("member", (OVO, OVR), "wrapper"),
                      label="held-out accuracy", grid="accuracy", task=TASK + "accuracy",
                      overlap=overlap(MC1B_SETTINGS)),
    rule=Equivalent(margin=MARGIN, reference=OVO), quantifier="primary",
    settings=Settings(MC1B_SETTINGS[0], MC1B_SETTINGS[1:]),
    notes=(PRIMARY_WHY.format("'大多数情况下' (in most cases)"),
           "'性能' here is accuracy: the sentence follows the training-time one; in MC-2's "
           "'OvO具备性能优势' it is speed (MC-1a).", WRAPPERS, NB, PILOT),
    min_effect=MARGIN, pilot_sd=MC1B_SD, null_value=0.0, equivalence_margin=MARGIN,
    replicates=REPLICATES, parent="MC-1")

MC2 = Claim(
    "MC-2", SEED, QUOTE_MC2,
    "'MvM则具备判断效力优势': error-correcting output codes (OutputCodeClassifier, a random "
    "code drawn afresh per replicate) are more accurate than both OvO and OvR with the same "
    "base learner: held-out accuracy ECOC − the better of OvO and OvR (declared per base "
    "and data from a pilot) above 0. code_size 1.5 (scikit-learn's default: 15 binary "
    "problems for K = 10) with LogisticRegression on digits primary; DecisionTree on "
    "digits and LogisticRegression on the synthetic data (code_size 1.5 and 5) "
    "robustness.",
    measure=Resampled(factor=Factor("member", (ECOC, BEST), "strategy"),
                      label="held-out accuracy", grid="accuracy", task=TASK + "accuracy",
                      overlap=overlap(ECOC_SETTINGS)),
    rule=Paired("decreasing"), quantifier="primary",
    settings=Settings(ECOC_SETTINGS[0], ECOC_SETTINGS[1:]),
    notes=("Quantifier primary: the sentence states MvM's advantage as a general property, "
           "unhedged (no 一定 or 总是 that would make it universal); as for the project's "
           "other generic statements, the typical setting decides and the others give "
           "scope.",
           "The better of OvO and OvR per base and data (experiments/multiclass/searches.py "
           "BETTER), by the pilot's mean accuracy: OvO with LogisticRegression on digits "
           "(0.982 against 0.966), with DecisionTree (0.904 against 0.819) and on the "
           "synthetic data (0.655 against 0.562). Comparing with the worse of the two would "
           "flatter ECOC (design notes).",
           WRAPPERS, NB, "At the pilot's SD (0.0275, most of it the random code's) the "
           "corrected standard error on digits stays near 0.015 however many splits: an "
           f"advantage of {ECOC_MIN:g} cannot be resolved there; an effect several times "
           "larger can, either way.", PILOT),
    min_effect=ECOC_MIN, pilot_sd=MC2_SD, replicates=REPLICATES)

CLAIMS = [MC1A, MC1B, MC2]

"""MC-1: OvO against OvR with the same base learner, split into MC-1a (OvO's total fit
time is below OvR's, a timing run alone) and MC-1b (their accuracies are equivalent);
MC-2: ECOC (MvM) is more accurate than the better of the two."""

from __future__ import annotations

import math

from harness.judge.claims import Claim, Settings
from harness.judge.families import Equivalent, Paired
from harness.judge.gates import SearchCpuBound
from harness.judge.measures import Factor, Resampled
from tasks.multiclass.searches import (
    BEST,
    CPU_SHARE,
    DIGITS,
    DRAWS,
    ECOC,
    FIT,
    LR,
    MANY,
    OVO,
    OVR,
    REPEATS,
    SVM,
    SYNTHETIC,
    TEST,
    TREE,
    setting,
)

SEED = "000 (Q2, OvO和OvR的比较)"
QUOTE_MC1 = ("尽管OvO需要训练更多的基础分类器,但由于OvO中的每个切分出来的数据集都更小,"
             "因此基础分类器训练时间也将更短。因此,综合来看在训练时间开销上,OvO往往要小于OvR。而在性能方面,大多数情况下二者性能类似。")
QUOTE_MC2 = "其中OvO具备性能优势,而MvM则具备判断效力优势。"
# chunks of every search (every grid of an experiment runs the same replicates): the
# design notes' 24 splits, cut to 16 in the seed-0 review's revision for the suite's time
# budget once MC-1a's K = 20 timing (~1 s CPU a chunk) was added: on digits the corrected
# SE is √(1/k + n_test/n_train)·s, 0.559·s at k = 16 against 0.540·s at 24
REPLICATES = 16
TASK = "tasks.multiclass.searches."
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
MC1A_SETTINGS = (setting(DIGITS, LR), setting(DIGITS, SVM), setting(MANY, LR), setting(MANY, SVM))
MC1B_SETTINGS = (setting(DIGITS, LR), setting(SYNTHETIC, LR), setting(DIGITS, TREE))
ECOC_SETTINGS = (setting(DIGITS, LR, 1.5), setting(DIGITS, TREE, 1.5), setting(SYNTHETIC, LR, 1.5),
                 setting(SYNTHETIC, LR, 5), setting(DIGITS, LR, 5))
REVISED = "Revised after the seed-0 review (2026-12-07) of the first full run (commit e0bdffe): "
# a timed chunk with a core to itself has CPU / wall ≈ 1 over its calls (one thread)
CPU_BOUND = 0.95
SECOND_REVIEW = (" Second review (after five master seeds): a validity gate added, "
                 "SearchCpuBound(0.95): a timed chunk whose CPU / wall over its timed calls is"
                 " below 0.95 shared its core, and its setting is inconclusive. Why: on a "
                 "loaded machine the effect moved with the load (the development runs of this "
                 "rule whose lowest CPU / wall was 0.62, 0.86, 0.98 and 1.00 gave SVC on "
                 "digits 0.020, 0.071, 0.189 and 0.160), so CPU time alone does not make a "
                 "timing valid; 0.95 is stricter than BS-1's 0.9 because a chunk's CPU / wall "
                 "pools all its calls, which dilutes a wait. It was declared before the five "
                 "seeds' values were read.")
FEWER = ("; and the replicates went from 24 to 16 for the suite's time budget (REPLICATES in "
         "experiments/multiclass/mc.py)")


def overlap(settings: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """The digits settings, whose replicates are random splits of one fixed dataset, with
    their n_test / n_train (the synthetic data are fresh draws: independent)."""
    return tuple((s, TEST / (1 - TEST)) for s in settings if s.startswith(DIGITS))



SYNTHETIC_DRAW = DRAWS[SYNTHETIC]
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
ONE_THREAD = ("The judged time is the process's CPU time on one thread (threadpoolctl, "
              "trainer.threads = 1): it is the fit's own time only while no other job runs in "
              "the process in parallel, which the exclusive grid ensures; it leaves out the "
              "waits for other processes that wall time adds. CPU and wall time did not "
              "agree on the shared machine: in the first seed-0 run CPU / wall over a "
              "chunk's fits ranged 0.62–0.99; this run's range is the row 'CPU / wall time "
              "over the timed fits' of the search table (and the section below).")
SOME_WHY = ("Quantifier some: '往往' is 'tends to', and the project reads 'can' and 'tends to' as "
            "hedged (as BD-6 reads 倾向于): supported if OvO's fit is significantly faster in "
            "some setting (Holm across the four), refuted if significantly slower in every one.")
PRIMARY_WHY = ("Quantifier primary: {} concedes exceptions (so one base learner or dataset "
               "where it fails does not refute it: not 'all') but asserts more than 'can' "
               "(so one where it holds does not support it: not 'some'); the typical setting, "
               "LogisticRegression on digits, decides and the others give scope.")

MC1A = Claim(
    "MC-1a", SEED, QUOTE_MC1,
    "With the same base learner, one-vs-one's total fit time (OneVsOneClassifier.fit, "
    "K(K−1)/2 binary fits on the pairs' samples) is below one-vs-rest's "
    "(OneVsRestClassifier.fit, K fits on every sample): the log ratio of fit times OvR / "
    "OvO is above 0, judged per base learner (LogisticRegression, SVC) and data: digits "
    f"(K = 10; LogisticRegression primary) and make_classification with K = 20 (n = "
    f"{DRAWS[MANY]['n_samples']:,}, d = {DRAWS[MANY]['n_features']}, a fresh draw per "
    "replicate), one thread, run alone.",
    measure=Resampled(factor=Factor("member", (FIT.format(OVR), FIT.format(OVO)), "wrapper"),
                      label=f"fit time (CPU s; a chunk's median over its interleaved repeats: "
                            f"{REPEATS[DIGITS]} on digits, {REPEATS[MANY]} on K = 20)",
                      grid="timing", task=TASK + "timing", log=True,
                      overlap=overlap(MC1A_SETTINGS)),
    rule=Paired("decreasing"), quantifier="some",
    settings=Settings(MC1A_SETTINGS[0], MC1A_SETTINGS[1:]),
    gates=(SearchCpuBound(CPU_BOUND, grid="timing", members=(CPU_SHARE,)),),
    revision=REVISED + "(1) quantifier primary → some: '往往' is 'tends to', hedged by the "
    "project's convention (BD-6's 倾向于); (2) digits judged with Nadeau and Bengio's overlap "
    "correction, as MC-1b: the claim generalizes over training sets, and the chunks are "
    "splits of one dataset; (3) a many-class setting added (make_classification K = 20, "
    "LogisticRegression and SVC, robustness), for the quote's likely source's '在类别很多时'"
    + FEWER + ". The earlier rule (primary, digits only, uncorrected, 24 chunks) gave "
    "refuted: LogisticRegression on digits ln(OvR/OvO) = −0.944 [−0.993, −0.895] (OvO ~2.6× "
    "slower), SVC on digits refuted too."
    + SECOND_REVIEW,
    notes=(SOME_WHY,
           "The label turns on the machine (disclosed 2026-12-07, rule unchanged): on the "
           "machine of the results committed before then it was supported under all five "
           "master seeds, through digits, SVC (rbf) (seed 0: 0.160 [0.110, 0.209]); rerun "
           "on another 2-core KVM Xeon with the same torch 2.13.0+cpu, OvO's advantage with "
           "SVC on digits is near the declared 10% (0.061–0.113 over the seeds), so seed 0 "
           "is refuted there (0.061 [0.035, 0.088], inside ±0.095: no meaningful effect) "
           "and seeds 1, 17, 29 and 43 supported. The primary (LogisticRegression, OvO "
           "2.7× slower) and the K = 20 settings are refuted on both machines.",
           "Timing runs alone: grid timing is hydra.sweeper.exclusive. A chunk: one split of "
           "digits and one fresh draw of the K = 20 data; per (data, base), "
           f"{REPEATS[DIGITS]} repeats on digits and {REPEATS[MANY]} on K = 20 (the time "
           "budget), OvO and OvR each fit once per repeat in alternating order (by repeat "
           "and chunk), the median per wrapper kept; a warm-up fit of each on 100 samples "
           "of digits first; the garbage collector paused in each timed call. Predict time "
           "on digits' held-out split (once per chunk) and its accuracy are shown, not "
           "judged: OvO predicts 5–10× slower (it evaluates K(K−1)/2 = 45 models, OvR 10).",
           ONE_THREAD, NB + " The K = 20 data are fresh draws: independent.",
           "With LogisticRegression the outcome comes from a fixed cost per fit, not from "
           "the quote's mechanism: a 20-sample lbfgs fit costs ~2 ms CPU on one thread (a "
           "digits pair's ~2.6 ms; measured before the lock), and OvO makes 45 "
           "fits on digits (190 on K = 20) against OvR's 10 (20), while OvR's fits on every "
           "sample take few lbfgs iterations (on one digits split 23 on average, against 17 "
           "for a pair's), so the per-sample work OvO saves is small.",
           "The K = 20 setting (added in the revision): the quote's likely source, Zhou "
           "Zhihua's 机器学习 §3.5, says OvO's training cost is smaller '在类别很多时' (when "
           "there are many classes); the design notes' make_classification K = 20, at n = "
           f"{DRAWS[MANY]['n_samples']:,} and d = {DRAWS[MANY]['n_features']} (not the "
           "notes' 3,000 and 40) to fit the suite's time budget; its cost was measured on "
           "one chunk before the lock (its values were not read for the rule).",
           "SVC stands for the learners whose cost grows faster than n (the quote's "
           "mechanism: OvO's smaller subsets); LinearSVC and DecisionTree, in the design "
           "notes, are not timed (the suite's time budget).", WRAPPERS, PILOT),
    min_effect=SLOWER, pilot_sd=MC1A_SD, replicates=REPLICATES, parent="MC-1")

TIES = ("its OvR deficit is scikit-learn's tie-breaking, not the strategies: a fully grown "
        "tree's probabilities are 0 or 1, so OvR's scores tie on ~25% of the test rows (on "
        "one digits split) and OneVsRestClassifier takes the first of the tied classes")

MC1B = Claim(
    "MC-1b", SEED, QUOTE_MC1,
    "'大多数情况下二者性能类似': with the same base learner, one-vs-one and one-vs-rest are "
    f"equally accurate: held-out accuracy OvO − OvR within ±{MARGIN:g}.",
    measure=Resampled(factor=Factor("member", (OVO, OVR), "wrapper"),
                      label="held-out accuracy", grid="accuracy", task=TASK + "accuracy",
                      overlap=overlap(MC1B_SETTINGS)),
    rule=Equivalent(margin=MARGIN, reference=OVO), quantifier="primary",
    settings=Settings(MC1B_SETTINGS[0], MC1B_SETTINGS[1:2], ((MC1B_SETTINGS[2], TIES),)),
    revision=REVISED + "DecisionTree on digits moved from robustness to shown, not judged ("
    + TIES + ")" + FEWER + ". The earlier rule gave inconclusive: LogisticRegression on "
    "digits OvO − OvR = 0.0175, 90% CI [0.0096, 0.0253] (not inside ±0.02); DecisionTree "
    "(0.084) and the K = 10 synthetic data (0.093) refuted.",
    notes=(PRIMARY_WHY.format("'大多数情况下' (in most cases)"),
           "In 2 of the 3 settings of the first seed-0 run OvO was ahead by 0.08–0.09 "
           "(DecisionTree on digits 0.084, LogisticRegression on the K = 10 synthetic data "
           "0.093), about four times the margin: relevant to '大多数情况下' (in most cases), "
           "which the primary setting alone does not settle.",
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
    "problems for K = 10) with LogisticRegression on digits primary; code_size 5 with "
    "LogisticRegression on digits, DecisionTree on digits and LogisticRegression on the "
    "synthetic data (code_size 1.5 and 5) robustness.",
    measure=Resampled(factor=Factor("member", (ECOC, BEST), "strategy"),
                      label="held-out accuracy", grid="accuracy", task=TASK + "accuracy",
                      overlap=overlap(ECOC_SETTINGS)),
    rule=Paired("decreasing"), quantifier="primary",
    settings=Settings(ECOC_SETTINGS[0], ECOC_SETTINGS[1:]),
    revision=REVISED + "code_size 5 with LogisticRegression on digits added (robustness; it "
    "had been dropped before the lock only to save ~0.4 s a chunk)" + FEWER + ". The "
    "earlier rule gave refuted: LogisticRegression on digits, code_size 1.5, ECOC − OvO = "
    "−0.071 [−0.093, −0.049].",
    notes=("Quantifier primary: the sentence states MvM's advantage as a general property, "
           "unhedged (no 一定 or 总是 that would make it universal); as for the project's "
           "other generic statements, the typical setting decides and the others give "
           "scope.",
           "The better of OvO and OvR per base and data (tasks/multiclass/searches.py "
           "BETTER), by the pilot's mean accuracy: OvO with LogisticRegression on digits "
           "(0.982 against 0.966), with DecisionTree (0.904 against 0.819) and on the "
           "synthetic data (0.655 against 0.562). Comparing with the worse of the two would "
           "flatter ECOC (design notes).",
           WRAPPERS, NB, "At the pilot's SD (0.0275, most of it the random code's) the "
           "corrected standard error on digits floors near 0.015 however many splits, so "
           "support needs an effect of at least ~0.03: the rule's power at the "
           f"{ECOC_MIN:g} smallest effect is 0, and its CI cannot fall inside "
           f"±{ECOC_MIN:g} (the no-meaningful-effect route cannot be reached). An "
           "undecided setting is weak evidence, not a tie: DecisionTree's +0.005 "
           "[−0.017, 0.027] in the first seed-0 run is one.",
           "OvO's '性能优势' in the same sentence is speed (it follows the training-time "
           "sentence of MC-1): MC-1a's claim, not tested here.", PILOT),
    min_effect=ECOC_MIN, pilot_sd=MC2_SD, replicates=REPLICATES)

CLAIMS = [MC1A, MC1B, MC2]

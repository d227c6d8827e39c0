"""LS-3a, LS-3b, LS-3c: label smoothing at the seed's ε = 0.1 against none, on 300
training digits (primary, where the net overfits) and on all digits: over-confidence
(top-label ECE, a), confidence (mean max-softmax, b) and the generalization gap in
likelihood, guarded by test accuracy (c, the catalogue's (b))."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from experiments.loss_gap import LOSS_GAP_MIN
from harness.judge.claims import Claim, Settings
from harness.judge.families import Paired
from harness.judge.gates import NonInferior
from harness.judge.measures import Factor, Final
from harness.judge.table import Table
from harness.track.results import RunSet

NAME = "label_smoothing"
FEW, FULL = "ls_digits300", "ls_digits_full"  # presets: 300 training digits; all, 80/20
SETTINGS = Settings(FEW, robustness=(FULL,))
EPS = (0.0, 0.05, 0.1, 0.2)  # swept; 0.1 (the seed's value) against 0 is judged
JUDGED = (0.0, 0.1)
# smallest effects (the catalogue's design notes): 0.01 of ECE and of mean confidence;
# the gap in nats LOSS_GAP_MIN (0.05), the project's one smallest loss-gap effect; the
# guard's non-inferiority margin 0.01 test accuracy
ECE_MIN, CONF_MIN, ACC_MARGIN = 0.01, 0.01, 0.01
# pilot SDs of the headline's per-replicate difference ε 0 − ε 0.1 on 300 digits
# (master seed 101, 8 replicates, not a verdict seed): ECE 0.0126, confidence 0.0045,
# NLL gap 0.0226 (on all digits 0.0092, 0.0057, 0.0512)
SD_ECE, SD_CONF, SD_GAP = 0.0126, 0.0045, 0.0226
# trainer.replicates, chosen after the pilot; LS-3a's 80% power at 0.01 would ask for 15
# (the rules lock's count), LS-3b's and LS-3c's for 4
REPLICATES = 12

QUOTE = ("label smoothing是一种正则化的方式,全称为Label Smoothing Regularization(LSR) … "
         "在训练ImageNet-1k的实验里通常将该值设置为0.1")
SEED = "003 (Q4)"
FACTOR = Factor("trainer.label_smoothing", JUDGED, "label smoothing ε")
PILOT = (
    "Seen before this declaration: a pilot of the whole sweep (8 replicates, master seed "
    "101, which no verdict reads). On 300 digits, ε = 0 → 0.1 took the mean confidence "
    "from 0.97 to 0.75 and top-label ECE from 0.031 to 0.182 (accuracy 0.941 → 0.935: "
    "the smoothed net is under-confident), and the NLL gap from 0.25 to 0.32 nats; on all "
    "digits ECE 0.017 → 0.138 and the gap 0.107 → 0.101. The claims, settings, "
    "smallest effects and ECE's 15 bins are the catalogue's design notes, declared "
    "unchanged; chosen after the pilot: 12 replicates and the gap's smallest effect "
    f"(the project's {LOSS_GAP_MIN:g} nats, which the notes leave open).")
ECE_WORDS = (
    "Top-label ECE (Guo et al. 2017): the test set's max-softmax probabilities in 15 "
    "equal-width bins, Σ_b (n_b/n)·|accuracy_b − confidence_b| "
    "(harness.train.probes.Calibration). It counts under-confidence as much as "
    "over-confidence; the page shows the signed gap, mean confidence − accuracy, beside "
    "it.")


def measure(metric: str, label: str) -> Final:
    """``metric`` of final.csv (after step 3,000) at ε 0 and 0.1, both grids."""
    return Final(FACTOR, label=label, grid=("few", "full"), metric=metric)


def cross_entropy(fin: pd.DataFrame, split: str) -> pd.Series:
    """Plain softmax cross-entropy of the final net on ``split`` (nats): ``*_nll`` where
    the objective differs from it (ε > 0), else ``*_loss``, which then is that
    likelihood."""
    loss = fin[f"{split}_loss"]
    return fin[f"{split}_nll"].fillna(loss) if f"{split}_nll" in fin else loss


@dataclass(frozen=True)
class NllGap(Final):
    """Test − training negative log-likelihood of the final net on the full sets
    (:func:`cross_entropy` of each)."""

    metric: str = "nll_gap"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        fin = self._select(rs.final)
        if fin.empty:
            return fin
        return fin.assign(nll_gap=cross_entropy(fin, "test") - cross_entropy(fin, "train"))

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        final = self._long(tables, "nll_gap")
        final = final.assign(train_loss=0.0, test_loss=final.nll_gap).drop(columns="nll_gap")
        return RunSet.from_tables("synthetic", self.axes(), final)


GAP = NllGap(FACTOR, label="generalization gap, test − training NLL (nats)",
             grid=("few", "full"))
ACCURACY = measure("test_acc", "held-out test accuracy")
COMMON = dict(seed=SEED, quote=QUOTE, settings=SETTINGS, quantifier="primary",
              replicates=REPLICATES, parent="LS-3", rule=Paired("decreasing"))
SCOPE = ("The quote says what label smoothing is (a regularizer) and the value used on "
         "ImageNet; what a regularizer should do here is the catalogue's restatement, "
         "judged where the net overfits (300 training digits) with all digits as "
         "robustness. ε = 0.05 and 0.2 are on the page, not judged.")

CLAIMS = (
    Claim("LS-3a", hypothesis=(
        "Training with label smoothing ε = 0.1 improves calibration: the test set's "
        "top-label expected calibration error (15 equal-width bins; it counts "
        "over- and under-confidence alike) is lower than with ε = 0."),
        measure=measure("test_ece", "top-label ECE on the test set"),
        min_effect=ECE_MIN, pilot_sd=SD_ECE, revision=(
            "The hypothesis was reworded after the five-seed runs and their review; the "
            "rule (measure, family, settings, smallest effect) is unchanged. It said "
            "'lowers over-confidence', which ECE, unsigned, does not measure: the net "
            "went from slightly over-confident (confidence − accuracy +0.03) to "
            "under-confident (−0.18), so its over-confidence was removed and overshot. "
            "The rule gave, and gives, refuted under seeds 0, 1, 17, 29, 43: ECE(0) − "
            "ECE(0.1) = −0.153 [−0.162, −0.144], −0.153 [−0.163, −0.142], −0.147 "
            "[−0.156, −0.138], −0.143 [−0.156, −0.130], −0.161 [−0.172, −0.150]."),
        notes=(PILOT, ECE_WORDS, SCOPE, (
            "Scope: the unsmoothed net here is nearly calibrated already (ECE ≈ 0.03), "
            "the small-network regime where Guo et al. (2017) found networks well "
            "calibrated; the literature's gain (Müller et al. 2019) is for over-confident "
            "deep ImageNet and CIFAR networks, which this verdict says nothing about. "
            "With 10 classes, ε = 0.1 also smooths harder than on ImageNet's 1,000: the "
            "smoothed optimum's logit gap is ln(0.91/0.01) ≈ 4.5 against ≈ 9.1. "
            "Confidence − accuracy crosses 0 between ε = 0 and 0.05 (the page), so no "
            "swept ε is small enough to show whether a little smoothing would have "
            "helped.")), **COMMON),
    Claim("LS-3b", hypothesis=(
        "Training with label smoothing ε = 0.1 lowers confidence: the mean max-softmax "
        "probability on the test set is lower than with ε = 0."),
        measure=measure("test_conf", "mean max-softmax probability on the test set"),
        min_effect=CONF_MIN, pilot_sd=SD_CONF, notes=(PILOT, SCOPE, (
            "Nearly true by definition: the smoothed loss is lowest when the net puts "
            "1 − ε + ε/10 = 0.91 on the true class, so being surer raises the loss it "
            "minimises; the verdict checks that the trained net does follow its "
            "targets there.")),
        **COMMON),
    Claim("LS-3c", hypothesis=(
        "Label smoothing regularizes: training with ε = 0.1 narrows the generalization "
        "gap in likelihood (test − training negative log-likelihood of the true class, "
        "nats) compared with ε = 0, without lowering test accuracy by more than "
        f"{ACC_MARGIN:g}."), measure=GAP, min_effect=LOSS_GAP_MIN, pilot_sd=SD_GAP,
        gates=(NonInferior(ACCURACY, 0.0, ACC_MARGIN),), notes=(PILOT, SCOPE, (
            "The catalogue's (b) also names the accuracy gap: training accuracy is "
            "saturated at 1.0 at every ε here, so that gap is the test error itself, "
            "which the guard's table reports (ε 0.1 − 0); the likelihood gap is "
            "judged."), (
            "Expect this label to sit between inconclusive and 'no meaningful effect' "
            "from seed to seed: the effect is near the rule's boundary, and the paired "
            "difference's SD over replicates was 0.031–0.100 nats under the five seeds "
            "against the pilot's 0.0226 (the ε = 0 gap has a heavy tail), so the "
            "calibrated power overstates it. Under seeds 0, 1, 17, 29, 43 the primary's "
            "ε 0 − 0.1 gap was −0.042, −0.030, −0.021, +0.029, −0.044 nats: no seed "
            "supports a narrowing; it is at most small and more often the other way."), (
            "The gap mixes calibration with generalization: smoothing floors the "
            "training NLL (≈ −ln 0.91 ≈ 0.09 at the smoothed optimum) and its "
            "under-confidence raises the test NLL; the page shows both apart."), (
            "Both likelihoods are the plain softmax cross-entropy of the true class, not "
            "the smoothed objective the ε > 0 nets minimise (logged apart as train_loss "
            "and test_loss)."),
            "Calibrated: the guard's metric is not drawn (harness.judge.gates."
            "NonInferior), so the calibrated power leaves the guard out."), **COMMON),
)

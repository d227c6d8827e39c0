"""BS-4: the fall in accuracy with batch size comes from not re-tuning the learning rate:
re-scaling it at the largest batch recovers more than half of the gap."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats as sps

from experiments.batch_size.common import (
    AXES,
    BATCHES,
    NAME,
    PRIMARY,
    SAME_STEPS,
    by_preset,
    long_rows,
    paired_draw,
    wide_frame,
)
from harness.core import stats
from harness.judge.claims import LABEL_RULE, Claim, Outcome, Setting, Settings, missing
from harness.judge.families import Custom
from harness.track.results import RunSet

CONTROLS = ("lr_sqrt", "lr_scaled", "same_steps")  # tabled
LR_CONTROLS = ("lr_sqrt", "lr_scaled")  # judged: the quote names the learning rate
# Min effect 0.25: a rule recovering 3/4 or 1/4 of the gap, not "about half". SDs from the
# previous full run (seed 0 data, 24 replicates, one dataset each), for power planning
# only: z = (abid(1) − control(400)) − 0.5·gap has SD 0.046 (lr_sqrt; lr_scaled 0.044) in
# training accuracy and 0.039 in held-out accuracy; over the assumed training gap 0.10 (the
# run's: 0.114) that is an SD of 0.46 in the fraction. The held-out gap is simulated at an
# assumed 0.05 (the run's was −0.052).
BS4_MIN_EFFECT = 0.25
BS4_ASSUMED_GAP = {"train_acc": 0.10, "test_acc": 0.05}
BS4_Z_SD = {"train_acc": 0.046, "test_acc": 0.039}
BS4_PILOT_SD = BS4_Z_SD["train_acc"] / BS4_ASSUMED_GAP["train_acc"]
BS4_METRICS = {"train_acc": (PRIMARY, "training accuracy (the metric Exp 8 plotted)"),
               "test_acc": (f"{PRIMARY} held-out", "held-out accuracy")}


def fraction_removed(base: np.ndarray, ctrl: np.ndarray, clusters: np.ndarray,
                     null: float = 0.5) -> stats.Effect:
    """f = 1 − mean(ctrl) / mean(base) over datasets, the t-test of f = ``null`` (one-sample t
    of ctrl − (1 − null)·base) and its dual Fieller 95% CI, unbounded with p = NaN where the
    baseline gap is not distinguishable from 0."""
    ok = np.isfinite(base) & np.isfinite(ctrl)
    frame = pd.DataFrame({"b": base[ok], "c": ctrl[ok], "k": clusters[ok]})
    units = frame.groupby("k", sort=False)[["b", "c"]].mean()
    k, n = len(units), int(ok.sum())
    if k < 3:
        return stats.Effect(math.nan, math.nan, math.nan, n, math.nan, k, null)
    b, c = units.b.to_numpy(), units.c.to_numpy()
    bm, cm = b.mean(), c.mean()
    s = np.cov(b, c, ddof=1) / k  # covariance of the two means
    t = sps.t.ppf(1 - stats.ALPHA / 2, k - 1)
    f = 1 - cm / bm if bm != 0 else math.nan
    p = stats.mean_ci(c - (1 - null) * b).p
    # Fieller: θ = mean(c)/mean(b) with (cm − θ·bm)² ≤ t²·(s_cc − 2θ·s_bc + θ²·s_bb)
    qa = bm**2 - t**2 * s[0, 0]
    qb = -2 * (cm * bm - t**2 * s[0, 1])
    qc = cm**2 - t**2 * s[1, 1]
    disc = qb**2 - 4 * qa * qc
    if qa > 0 and disc >= 0:
        r = math.sqrt(disc)
        th_lo, th_hi = (-qb - r) / (2 * qa), (-qb + r) / (2 * qa)
        lo, hi = 1 - th_hi, 1 - th_lo
    else:  # the baseline gap is not distinguishable from 0: the ratio is not identified
        lo, hi, p = -math.inf, math.inf, math.nan
    return stats.Effect(float(f), float(lo), float(hi), n, p, k, null)


def _bs4_setting(frames: dict[str, pd.DataFrame], metric: str
                 ) -> tuple[Setting, dict[str, pd.DataFrame]] | None:
    """BS-4 on one accuracy metric (None when runs are missing); batch 1 is held at abid2018
    so that a control that hurts the small batch (same_steps) closes no gap."""
    name, label = BS4_METRICS[metric]
    levels, base_acc, clusters = wide_frame(frames.get(PRIMARY), metric)
    ctrl = {p: wide_frame(frames.get(p), metric)[1] for p in CONTROLS}
    if len(levels) < 2 or any(levels[-1] not in c for c in ctrl.values()):
        return None
    lo, hi = levels[0], levels[-1]
    gap = base_acc[lo] - base_acc[hi]
    base = stats.mean_ci(gap, clusters=clusters)
    # the gap (abid2018 row) and the gain (control rows) side by side, each with its CI
    gain = ["gain_at_largest_vs_abid2018", "gain_ci_low", "gain_ci_high", "gain_p"]
    rows = [{"preset": PRIMARY, f"acc_batch_{lo}": np.nanmean(base_acc[lo]),
             f"acc_batch_{hi}": np.nanmean(base_acc[hi]), "gap": base.mean,
             "gap_ci_low": base.ci_low, "gap_ci_high": base.ci_high, "gap_p": base.p,
             **dict.fromkeys(gain, math.nan), "replicates": base.n,
             "datasets": base.n_datasets}]
    for p, c in ctrl.items():
        e = stats.paired(c[hi], base_acc[hi], clusters=clusters)
        rows.append({"preset": p, f"acc_batch_{lo}": np.nanmean(c[lo]) if lo in c
                     else math.nan, f"acc_batch_{hi}": np.nanmean(c[hi]),
                     **dict(zip(gain, (e.mean, e.ci_low, e.ci_high, e.p), strict=True)),
                     "replicates": e.n, "datasets": e.n_datasets})
    tables = {f"{label.capitalize()}: abid2018 gap, batch {lo} − batch {hi}, and each "
              f"control's gain at batch {hi} over abid2018 (paired by replicate)":
              pd.DataFrame(rows)}
    if not (base.p < stats.ALPHA and base.mean > 0):
        # no drop to explain: the fraction recovered is undefined, so the setting's
        # statistic is the gap that decided (null 0)
        how = ("significantly REVERSED (the larger batch is better)"
               if base.p < stats.ALPHA and base.mean < 0 else "not significantly > 0")
        return Setting(name, stats.INCONCLUSIVE, base,
                       f"premise not met: abid2018 {label} gap, batch {lo} − {hi}, "
                       f"{base.fmt()} (p = {base.p:.3g}) is {how}: no drop to explain"), tables
    # f = (acc_ctrl(hi) − acc_abid(hi)) / gap = 1 − mean(acc_abid(lo) − acc_ctrl(hi)) / gap
    fr = {p: fraction_removed(gap, base_acc[lo] - c[hi], clusters) for p, c in ctrl.items()}
    judged = [p for p in CONTROLS if p in LR_CONTROLS]
    _, adj = stats.holm([fr[p].p for p in judged])
    holm_of = dict(zip(judged, adj, strict=True))
    holds = {p: bool(holm_of[p] < stats.ALPHA and fr[p].mean > 0.5) for p in judged}
    against = {p: bool(fr[p].p < stats.ALPHA and fr[p].mean < 0.5) for p in judged}
    verdict = stats.decide(any(holds.values()), all(against.values()))
    if verdict == stats.SUPPORTED:
        pick = min((p for p in judged if holds[p]), key=lambda p: fr[p].p)
        how = f"{pick} recovers more than half (Holm over {len(judged)} learning-rate rules)"
    elif verdict == stats.REFUTED:
        pick = max(judged, key=lambda p: fr[p].p)
        how = f"every learning-rate rule recovers less than half; weakest: {pick}"
    else:
        pick = max((p for p in judged if not against[p]), key=lambda p: fr[p].mean)
        how = f"undecided learning-rate rule: {pick}"
    tables[f"Fraction of the {label} gap recovered at batch {hi} (batch {lo} held at "
           "abid2018; Fieller 95% CI, test of 0.5)"] = pd.DataFrame([
               {"control": p, "judged": p in judged, "fraction_recovered": fr[p].mean,
                "ci_low": fr[p].ci_low, "ci_high": fr[p].ci_high, "p_vs_half": fr[p].p,
                "p_holm": holm_of.get(p, math.nan),
                "recovers_over_half": holds.get(p, False),
                "recovers_under_half": against.get(p, False)} for p in CONTROLS])
    # the p the decision was taken at: Holm-adjusted for "some rule" (support), the
    # rule's own for "every rule" (refutation, intersection-union)
    head = replace(fr[pick], p=float(holm_of[pick])) if (
        verdict == stats.SUPPORTED) else fr[pick]
    return Setting(name, verdict, head, f"{label}: {how}"), tables


def decide_bs4(rs: RunSet) -> Outcome:
    frames = by_preset(rs)
    settings, tables = [], {}
    for metric in BS4_METRICS:
        got = _bs4_setting(frames, metric)
        if got is not None:
            settings.append(got[0])
            tables.update(got[1])
    if not any(st.setting == PRIMARY for st in settings):
        return missing("BS-4 needs abid2018 at two or more batch sizes and same_steps, "
                       "lr_scaled and lr_sqrt at the largest (grid main)")
    return Outcome(settings, tables=tables, notes=[
        "The caveat explains the fall of the accuracy Exp 8 plotted, which was training "
        "accuracy (0.996 at batch 1 → 0.853 at batch 400 at epoch 140): that gap is the "
        "primary setting; the held-out gap is the second setting. The quote names the "
        "learning rate, so the judged controls are the two re-scaling rules: lr_sqrt "
        "(lr ∝ √batch, the usual rule under Adam) and lr_scaled (lr ∝ batch, the rule for "
        "SGD). The fraction recovered is (accuracy of the control at the largest batch − "
        "abid2018's there) / abid2018's gap, with the smallest batch held at its abid2018 "
        "accuracy: how much of the gap the large batch alone gets back. same_steps (every "
        f"batch size gets batch 64's {SAME_STEPS} updates, so batch 1 sees about 2.3 epochs "
        "and batch 400 about 937) is shown as a control (judged = no): it changes the number "
        "of updates, not the learning rate."])


def simulate_bs4(rng: np.random.Generator, planted: bool, scale: float | None = None,
                 gap: float | None = None) -> RunSet:
    """Both metrics at the smallest and largest batch: abid2018's gap BS4_ASSUMED_GAP
    (or ``gap``); every control's accuracy at the largest batch recovers the scenario's
    fraction of it (training accuracy, primary) or the planted one (held-out,
    robustness) unless ``scale`` is given; at the smallest batch the controls sit at
    abid2018's level (the rule never reads them)."""
    ends = (BATCHES[0], BATCHES[-1])
    values: dict[str, dict[str, np.ndarray]] = {p: {} for p in (PRIMARY, *CONTROLS)}
    for metric in BS4_METRICS:
        g = BS4_ASSUMED_GAP[metric] if gap is None else gap
        shift = scale if scale is not None else float(planted or metric != "train_acc")
        recovered = 0.5 + shift * BS4_MIN_EFFECT
        # rows: abid2018 at both ends, then each control at the largest batch
        means = np.array([0.8 + g, 0.8, *[0.8 + recovered * g] * len(CONTROLS)])
        draw = paired_draw(rng, means, BS4_Z_SD[metric] / math.sqrt(0.75))
        values[PRIMARY][metric] = draw[:2]
        for i, p in enumerate(CONTROLS):
            values[p][metric] = np.stack([draw[0], draw[2 + i]])
    final = pd.concat([long_rows(p, ends, v) for p, v in values.items()], ignore_index=True)
    return RunSet.from_tables(NAME, AXES, final)


BS4 = Claim(
    "BS-4",
    "002 (Q43)",
    "这可能是由于我们没有调整不同批大小的学习率",
    "The fall in accuracy from the smallest to the largest batch that Exp 8 "
    "plotted (training accuracy, 150 epochs, one learning rate) comes from not "
    "re-tuning the learning rate per batch size: re-scaling it at the largest "
    "batch (√ or linear rule) recovers most of the gap.",
    rule=Custom(
        decide=decide_bs4,
        words="Per metric, gap = abid2018's accuracy at the smallest minus the largest "
              "batch, per replicate. The drop must exist: the gap must be significantly > "
              "0 (two-sided paired t, clustered by dataset), else the setting is "
              "inconclusive with that gap (accuracy, null 0) as its statistic, said to be "
              "reversed when it is significantly < 0. For each learning-rate rule "
              "(lr_sqrt, lr_scaled), fraction recovered f = (mean accuracy of the rule at "
              "the largest batch − abid2018's there) / mean gap, the smallest batch held "
              "at its abid2018 value (so a control that hurts the small batch cannot count "
              "as closing the gap), tested against 0.5 by the two-sided t-test of "
              "(abid2018 at the smallest − rule at the largest) − 0.5·gap over datasets, "
              "with the dual Fieller 95% CI. Per setting (abid2018: the training-accuracy "
              "gap, the one the quote explains, primary; abid2018 held-out: the held-out "
              "gap): supported if some rule recovers significantly more than half (Holm "
              "over the 2 rules); refuted if both recover significantly less than half "
              "(each at α = 0.05); else inconclusive. same_steps' fraction is tabled, not "
              "judged (it changes the updates, not the rate). Headline: the deciding "
              "rule's fraction recovered (null 0.5), or the gap when the premise fails. "
              + LABEL_RULE,
        runs="main grid: abid2018 at the smallest and largest batch; lr_sqrt (lr ∝ √batch) "
             "and lr_scaled (lr ∝ batch) at the largest, judged; same_steps (equal "
             "updates) shown as a control; training and held-out accuracy",
        effect_label="fraction of abid2018's smallest−largest batch training-accuracy "
                     "gap recovered at the largest batch by the deciding learning-rate "
                     "rule (null 0.5); when the premise fails, the gap itself "
                     "(accuracy, null 0)",
        simulate=simulate_bs4),
    settings=Settings(PRIMARY),
    min_effect=BS4_MIN_EFFECT,
    pilot_sd=BS4_PILOT_SD,
    null_value=0.5,
    revision="Changed after the seed-0 run: the fraction is now the largest batch's "
             "recovery with the smallest batch held at abid2018 (before: the gap "
             "closed, which a control that hurts the small batch also closes), and "
             "the judged family is cut to the two learning-rate rules (same_steps "
             "shown, not judged). The earlier rule gave supported, fraction 3.89 via "
             "same_steps. Review finding: same_steps changes the updates, not the "
             "learning rate the quote names, and its 'recovery' came from batch 1 "
             "getting worse.")

"""BD-1a: BN speeds training convergence (the area under the training-loss curve, plain
over BN, both at the experiment's lr and each at its own best lr), without ending worse on
test."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from experiments.bn_dropout.common import (
    ACC_MIN,
    AXES,
    LR,
    NAME,
    PRIMARY,
    REPLICATES,
    SETTING_OF,
    Runs,
    label,
    task_selection,
)
from experiments.bn_dropout.task_final import TaskFinal
from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember
from harness.judge.gates import NonInferior
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet

# The lrs both methods ran at. Second setting per task: each method at its own best lr of
# these (the project's rule: methods compared at their own tuned settings where the quote is
# about speed; Ioffe & Szegedy 2015: BN's speed comes through a higher lr), selected per
# method by the same rule (:func:`best_lr`) on the runs that are then compared.
LR_HIGH = 0.03
LRS = (LR, LR_HIGH)
SEP = " / "  # between a task and the lrs its setting compares (a comma reads as a list)
BEST = "each at its best lr"
BEST_PAIR = "plain at its best lr − BN at its best lr"  # the best-lr settings' one pair
# The smallest effect: the plain net's area under the training-loss curve MIN_RATIO × BN's.
# For a loss that decays as L0·exp(−t/τ) over a run much longer than τ, the area is L0·τ:
# the ratio of areas is the ratio of the updates the two nets need to reach any given
# loss, so 1.25 = BN needs a fifth fewer updates. Less is not what 'its main role is to
# speed up training' (主要作用是加速训练收敛) claims (Ioffe & Szegedy report 14× fewer).
MIN_RATIO = 1.25
# How to read the area (shown, not judged): the same ratio over the first EARLY_FRACTION
# of the run, where the loss falls from its start (fixed before looking, not fitted).
EARLY_FRACTION = 0.1
# The earlier statistic (shown, not judged): steps until the test accuracy first reaches
# this fraction of the lower of the pair's two best (reached by both by construction).
TARGET_FRACTION = 0.95
# AREA_SD: pilot SD of the per-replicate log area ratio, the noisiest pair a setting judges
# in the committed seed-0 run-all (24 replicates): digits w32, each at its best lr (both at
# lr 0.03), 0.345; the primary's is 0.115. Calibration draws every member with one SD, so
# the noisiest judged makes the calibrated power a lower bound.
AREA_SD = 0.345
# The synthesized runs' schedule (conf/experiment/bn_dropout.yaml, the single grids)
STEPS, EVAL_EVERY = 600, 5
# The synthesized best-lr settings: lr 0.03 put this far (in mean log area) below what the
# selection would otherwise need, for both methods, so that the real selection picks it
# by a wide margin (any positive margin reads back the same values)
SIM_MARGIN = 1.0
SAME_PAIR = f"plain at lr {LR:g} − BN at lr {LR:g}"  # the same-lr settings' one pair


def _aligned(metric: str, runs: tuple[pd.DataFrame, ...], fraction: float = 1.0
             ) -> tuple[pd.Index, pd.Index, list[np.ndarray]]:
    """(replicates, steps, each run's replicates × steps ``metric``) on the replicates and
    evaluations all runs have, up to ``fraction`` × the last step all reached."""
    wide = [c.pivot(index="replicate", columns="step", values=metric) for c in runs]
    reps, at = wide[0].index, wide[0].columns
    for w in wide[1:]:
        reps, at = reps.intersection(w.index), at.intersection(w.columns)
    at = at[at <= fraction * at.max()]
    return reps, at, [w.loc[reps, at].to_numpy(float) for w in wide]


def loss_areas(*runs: pd.DataFrame, fraction: float = 1.0) -> tuple[pd.Series, ...]:
    """Per replicate, the area under each run's training-loss curve (trapezoids between
    evaluations), on :func:`_aligned`'s span: divided by that span, the run's mean training
    loss over it. A run whose loss became non-finite (diverged) has none (NaN)."""
    reps, at, wide = _aligned("train_loss", runs, fraction)
    return tuple(pd.Series(np.trapezoid(w, at.to_numpy(float), axis=1), index=reps)
                 for w in wide)


def scaled_curves(runs: dict[tuple, tuple[np.ndarray, np.ndarray]]) -> RunSet:
    """Simulated runs whose training-loss curves share one shape, each replicate's scaled
    by exp(its log level), so that any two runs' log ratio of areas is the difference of
    their levels (any shape reads back the same ratios). ``runs``: each run's AXES values
    -> (log levels, clusters) per replicate; test accuracy 0.88 everywhere."""
    evals = np.arange(0.0, STEPS + EVAL_EVERY, EVAL_EVERY)
    shape = 2.3 * np.exp(-evals / 50.0)
    curves = pd.concat([pd.DataFrame({
        "grid": "sim", **dict(zip(AXES, axes, strict=True)),
        "replicate": np.repeat(np.arange(v.size), evals.size),
        "dataset": np.repeat(clusters, evals.size), "step": np.tile(evals, v.size),
        "test_acc": 0.88, "train_loss": (np.exp(v)[:, None] * shape[None, :]).ravel()})
        for axes, (v, clusters) in runs.items()], ignore_index=True)
    final = curves[curves.step == STEPS].drop(columns=["step", "train_loss"])
    return RunSet.from_tables(NAME, AXES, final.assign(train_acc=1.0), curves=curves)


def best_lr(log_areas: dict[float, pd.Series]) -> float:
    """A method's best lr: the one whose runs have the smaller mean log area over the
    replicates (the first lr on a tie); a run without an area (diverged) counts as
    infinitely slow, so an lr where one diverged is not the best unless both are."""
    return min(log_areas, key=lambda lr: float(np.mean(np.where(
        np.isfinite(log_areas[lr]), log_areas[lr], np.inf))))


def area_column(bn: bool, lr: float) -> str:
    """The rows' column holding a best-lr setting's per-replicate log area of one run."""
    return f"log_area_{'bn' if bn else 'plain'}_{lr:g}"


def steps_to_relative(a: pd.DataFrame, b: pd.DataFrame
                      ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Steps until each of two runs' test accuracy first reaches, per replicate,
    TARGET_FRACTION of the lower of the two runs' best. Returns (steps a, steps b,
    targets), indexed by replicate."""
    reps, at, accs = _aligned("test_acc", (a, b))
    target = TARGET_FRACTION * np.minimum(*(np.nanmax(x, axis=1) for x in accs))
    first = [at.to_numpy(float)[np.argmax(x >= target[:, None], axis=1)] for x in accs]
    return tuple(pd.Series(x, index=reps) for x in (*first, target))


def _pair_frame(plain: pd.DataFrame, bn: pd.DataFrame) -> pd.DataFrame:
    """One compared pair's rows, per replicate: the judged log area ratio and what is shown
    beside it."""
    whole, early = loss_areas(plain, bn), loss_areas(plain, bn, fraction=EARLY_FRACTION)
    st_plain, st_bn, _ = steps_to_relative(plain, bn)
    frame = pd.DataFrame({
        "log_area_ratio": np.log(whole[0]) - np.log(whole[1]),
        "early_log_ratio": np.log(early[0]) - np.log(early[1]),
        "plain_early_share": early[0] / whole[0], "bn_early_share": early[1] / whole[1],
        "plain_steps": st_plain, "bn_steps": st_bn}).rename_axis("replicate")
    return frame.reset_index().assign(last_step=min(plain.step.max(), bn.step.max()))


@dataclass(frozen=True)
class LossAreaRatio(Measure):
    """Per replicate and compared pair (the factor's levels): log(plain's area / BN's), from
    the curves of every grid; the rows also carry what :meth:`context` shows and, in the
    best-lr settings, the selected lrs and the four runs' log areas the selection read."""

    grid: str | tuple[str, ...] | None = None
    by: str = "setting"
    value_name: ClassVar[str] = "log_area_ratio"

    def levels_in(self, setting: str) -> tuple:
        return (BEST_PAIR,) if setting.endswith(SEP + BEST) else (SAME_PAIR,)

    def rows(self, rs: RunSet) -> pd.DataFrame:
        final, curves = Runs.of(rs.final), Runs.of(rs.curves)
        frames = []
        for s in final.settings():
            dataset = final.get(s, False).set_index("replicate").dataset
            runs = {(bn, lr): c for bn in (False, True) for lr in LRS
                    if final.get(s, bn, lr=lr) is not None
                    and (c := curves.get(s, bn, lr=lr)) is not None}
            pairs = []
            if {(False, LR), (True, LR)} <= set(runs):
                pairs.append(_pair_frame(runs[False, LR], runs[True, LR]).assign(
                    setting=label(s), pair=SAME_PAIR, plain_lr=LR, bn_lr=LR))
            if len(runs) == 2 * len(LRS):  # every method at every lr: select, then compare
                logs = dict(zip(runs, map(np.log, loss_areas(*runs.values())), strict=True))
                pick = {bn: best_lr({lr: logs[bn, lr] for lr in LRS}) for bn in (False, True)}
                frame = _pair_frame(runs[False, pick[False]], runs[True, pick[True]])
                pairs.append(frame.assign(
                    setting=label(s) + SEP + BEST, pair=BEST_PAIR,
                    plain_lr=pick[False], bn_lr=pick[True],
                    **{area_column(*k): frame.replicate.map(v) for k, v in logs.items()}))
            frames += [f.assign(dataset=f.replicate.map(dataset)) for f in pairs]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def describe(self) -> str:
        return (f"{self.label}: per replicate, log(plain's area / BN's), each the area under "
                "the run's training-loss curve (the whole training set's cross-entropy, "
                "trapezoids between evaluations) up to the last step both reached, i.e. "
                "the run's mean training loss over training (a diverged run has none; "
                f"log {MIN_RATIO:g} = {math.log(MIN_RATIO):.3g}: plain's area {MIN_RATIO:g}× "
                f"BN's); a setting named by its task holds the pair at lr {LR:g}, a "
                f"'{SEP}{BEST}' setting the pair of each method at its own best lr (methods "
                "compared at their own tuned settings, as a claim about speed needs): per "
                f"method, the lr of {', '.join(f'{lr:g}' for lr in LRS)} with the smaller "
                "mean log area over the replicates, selected on the same runs that are "
                "then compared and by the same rule for both (a diverged run counts as "
                "infinitely slow)")

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> tuple[dict, list[str]]:
        """Beside the verdict: the best-lr selection, how to read the area and the earlier
        steps-to-target statistic, per setting and pair; notes on the primary and the
        selection."""
        df = self.cached_rows(rs)
        if df.empty:
            return {}, []
        early, steps, split = [], [], []
        for (setting, pair), g in df.groupby(["setting", "pair"], sort=False):
            head = {"setting": setting, "pair": pair}
            e = stats.mean_ci(g.early_log_ratio, clusters=g.dataset)
            whole = stats.mean_ci(g.log_area_ratio, clusters=g.dataset)
            if e.excludes() and whole.excludes() and e.direction() != whole.direction():
                split.append(f"{setting}, {pair}: {e.fmt(3)} in the first "
                             f"{EARLY_FRACTION:.0%}, {whole.fmt(3)} over the whole run")
            early.append({**head, "mean": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
                          "plain_share": g.plain_early_share.median(),
                          "bn_share": g.bn_early_share.median(), "datasets": e.n_datasets})
            e = stats.sign_test_clustered(g.plain_steps, g.bn_steps, g.dataset)
            steps.append({**head, "median": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
                          "p": e.p, "ties": int((g.plain_steps == g.bn_steps).sum()),
                          "replicates": len(g)})
        selection, selection_notes = _selection(df[df.pair == BEST_PAIR])
        tables = {
            **selection,
            f"How to read the area (shown, not judged): log(plain's area / BN's) over the "
            f"first {EARLY_FRACTION:.0%} of the run (mean, 95% CI over datasets) and the share "
            "of each run's whole area that lies there (median)": pd.DataFrame(early),
            f"Steps to {TARGET_FRACTION:g} × the pair's lower best test accuracy saved by BN "
            "(plain − BN; the earlier rule, shown, not judged): median, sign test's 95% CI "
            "and p, ties (differences of 0)": pd.DataFrame(steps)}
        notes = [*selection_notes, *([] if not split else [
            "Where the ratio over the first part of the run and over the whole run are "
            "significant with opposite signs, the whole-run area (the judged statistic) "
            "follows the level reached later, not the early speed: "
            f"{'; '.join(split)}."])]
        primary = df[(df.setting == label(PRIMARY)) & (df.pair == SAME_PAIR)]
        if label(PRIMARY) not in judged or primary.empty:
            return tables, notes
        return tables, [*_notes(primary), *notes]

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Training-loss curves of one shape scaled per run, so that each setting reads back
        its log area ratio. A task's runs chain from plain at LR: BN at LR from the same-lr
        setting's column; plain and BN at LR_HIGH from the best-lr setting's, SIM_MARGIN
        below what :func:`best_lr` needs to pick LR_HIGH for both, so the selection's own
        noise is not drawn: calibration checks the test of the selected pair. Test accuracy
        0.88 everywhere (the guard sees no difference)."""
        level, clusters, best = {}, {}, {}  # (task, bn, lr) -> log of the curve's scale
        for name, t in tables.items():
            task, _, is_best = name.partition(SEP)
            s = SETTING_OF[task]
            clusters[s] = t.clusters
            base = level.setdefault((s, False, LR), np.zeros(len(t.clusters)))
            if is_best:
                best[s] = t.column(BEST_PAIR)
            else:
                level[s, True, LR] = base - t.column(SAME_PAIR)
        for s, v in best.items():  # BN at LR_HIGH = plain's − v, below BN at LR's mean
            bn = level.setdefault((s, True, LR), level[s, False, LR])
            high = level[s, False, LR_HIGH] = np.full(v.size, -SIM_MARGIN + min(
                0.0, float(np.mean(bn + v))))
            level[s, True, LR_HIGH] = high - v
        return scaled_curves({(*s, bn, False, 0.0, "every", lr, "inverted"): (v, clusters[s])
                              for (s, bn, lr), v in level.items()})

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {**task_selection({SETTING_OF[n.partition(SEP)[0]] for n in settings}),
                "model.batch_norm": [False, True], "optim.lr": list(LRS),
                "model.dropout": [0.0], "model.bn_after_activation": [False]}


def _selection(best: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The best-lr settings' selection as a table and a note naming its near ties."""
    if best.empty:
        return {}, []
    rows, close = [], []
    for setting, g in best.groupby("setting", sort=False):
        for bn, method in ((False, "plain"), (True, "BN")):
            lo, hi = (g[area_column(bn, lr)] for lr in LRS)
            d = stats.mean_ci(hi - lo, clusters=g.dataset)
            picked = float(g[f"{'bn' if bn else 'plain'}_lr"].iloc[0])
            rows.append({"setting": setting, "model": method,
                         f"lr {LRS[0]:g}": lo.mean(), f"lr {LRS[1]:g}": hi.mean(),
                         "difference": d.mean, "ci_low": d.ci_low, "ci_high": d.ci_high,
                         "selected lr": picked})
            if not d.excludes():
                close.append(f"{setting}, {method}: {d.fmt(3)}")
    title = (f"Each method's lr in the '{SEP}{BEST}' settings: mean log area under the "
             f"training-loss curve over the replicates at lr {LRS[0]:g} and {LRS[1]:g}, their "
             f"difference ({LRS[1]:g} − {LRS[0]:g}, mean, 95% CI over datasets) and the lr "
             "selected (the smaller mean)")
    how = ("no selection was a near tie: every method's two lrs differ significantly "
           "(the CIs above exclude 0)" if not close else
           "near ties, where the selection may favour a method by chance: "
           + "; ".join(close))
    return {title: pd.DataFrame(rows)}, [
        f"The '{SEP}{BEST}' settings select each method's lr on the same runs that are "
        "then compared, by the same rule for both (the smaller mean log area), so that "
        "neither is held at an lr that is not its best; picking the smaller of two noisy "
        "means lowers a method's area where its two lrs nearly tie, which calibration "
        f"does not draw (its simulator puts one lr far ahead); here {how}."]


@dataclass(frozen=True)
class PairAccuracy(TaskFinal):
    """Held-out accuracy of BN and the plain net in BD-1a's settings, so that the guard
    compares the runs the areas compare: at LR in a task's setting, and in its best-lr
    setting each method at the lr ``areas`` selected for it."""

    areas: LossAreaRatio | None = None  # the selection's source (None: the same-lr pairs only)

    def rows(self, rs: RunSet) -> pd.DataFrame:
        fin = super().rows(rs)
        if fin.empty:
            return fin
        lr, bn = fin.lr.to_numpy(float), (fin.batch_norm == "BN").to_numpy()
        frames = [fin[lr == LR]]
        picks = pd.DataFrame() if self.areas is None else self.areas.cached_rows(rs)
        if not picks.empty:
            picks = picks[picks.pair == BEST_PAIR].drop_duplicates("setting")
        for p in picks.itertuples():
            keep = (fin.setting == p.setting.partition(SEP)[0]) & (
                lr == np.where(bn, p.bn_lr, p.plain_lr))
            frames.append(fin[keep].assign(setting=p.setting))
        return pd.concat(frames, ignore_index=True)


def _notes(primary: pd.DataFrame) -> list[str]:
    """How to read the primary's area, and why the earlier statistic no longer decides."""
    name, last = label(PRIMARY), float(primary.last_step.iloc[0])
    whole, early = (stats.mean_ci(primary[c], clusters=primary.dataset)
                    for c in ("log_area_ratio", "early_log_ratio"))
    ties = int((primary.plain_steps == primary.bn_steps).sum())
    return [
        f"How to read BD-1a's area: it weighs each evaluation by the loss still to lose, so "
        f"the first updates, where the loss is largest, weigh most: in {name} the first "
        f"{EARLY_FRACTION:.0%} of the run ({EARLY_FRACTION * last:g} of {last:g} updates) "
        f"holds a median of {primary.plain_early_share.median():.1%} of the plain run's "
        f"area and {primary.bn_early_share.median():.1%} of BN's. A lower loss reached "
        "late (the level, not the speed) moves the ratio only through the rest: the ratio "
        f"over that first part, {early.fmt(3)}, beside the whole run's, {whole.fmt(3)}, "
        "says which carries it (the same sign: the early fall, i.e. speed; opposite "
        "signs: the later level). The training loss is evaluated in eval mode, so BN "
        "normalizes with its running statistics (momentum 0.1), which lag the batch "
        "statistics in the first updates; BN's loss as trained (batch statistics) is not "
        "logged by these runs.",
        f"The earlier statistic (steps to {TARGET_FRACTION:g} × the pair's lower best test "
        f"accuracy, shown above, not judged) is tie-limited in {name}: the target is "
        f"reached after a median of {primary.plain_steps.median():g} (plain) and "
        f"{primary.bn_steps.median():g} (BN) of {last:g} updates, and {ties} of "
        f"{len(primary)} per-replicate differences are 0; it also reads held-out accuracy "
        "where the quote speaks of training (加速训练收敛)."]


AREAS = LossAreaRatio(
    Factor("pair", (SAME_PAIR, BEST_PAIR), "compared pair"),
    "log ratio of the areas under the training-loss curves, plain over BN")
NAMES = tuple(name for task in SETTING_OF for name in (task, task + SEP + BEST))
CLAIM = Claim(
    "BD-1a", "004", "BN…主要作用是加速训练收敛,防止过拟合",
    "BN (normalizing each batch by its mean and variance) speeds training "
    "convergence: the plain net's area under the training-loss curve (its mean training "
    f"loss over training) is at least {MIN_RATIO:g}× BN's, without BN ending worse on "
    "test.",
    measure=AREAS,
    # the primary holds only the same-lr pair: its least-favourable null puts that at 0
    rule=EveryMember("positive", null_among=(SAME_PAIR,)),
    quantifier="all", settings=Settings(NAMES[0], NAMES[1:]),
    gates=(NonInferior(PairAccuracy(
        factor=Factor("model.batch_norm", ("plain", "BN"), "model"),
        names=(("plain", False), ("BN", True)), areas=AREAS,
        where={"model.dropout": 0.0, "model.bn_after_activation": False},
        label=f"held-out test accuracy (BN and plain at lr {LR:g}, or each at the lr "
              f"selected for it in a '{SEP}{BEST}' setting)"), "plain", ACC_MIN),),
    min_effect=math.log(MIN_RATIO), pilot_sd=AREA_SD, replicates=REPLICATES, parent="BD-1",
    revision="Changed after the seed-0 run (1b6894c), with its data in view (5d7398e): BD-1 "
             "(speed and gap as two members) was split into BD-1a and BD-1b; the preset's "
             "fixed held-out target, reached at the first evaluation on digits w128 and "
             "never by some Gaussian runs, became 0.95 × the lower best of each pair; the "
             "BN at lr 0.03 settings and the test-accuracy guard were added; the smallest "
             "effect went from 20 to 10 steps. The earlier rule gave BD-1 inconclusive "
             "(digits w128: 0 [−∞, ∞] steps saved; gaussian w32 supported, 70 [20, ∞]). "
             "The pilot SD (calibration and power only) went 40 → 15 → 118.4 (the noisiest "
             "member) → 7.1 (the primary's, the headline's statistic): the rule's "
             "calibrated power at 10 steps went from 0.05 to 1.00, which removes the "
             "'underpowered' mark; the verdict (inconclusive) is unchanged. "
             "Changed again after the seed-0, 1 and 17 runs, with their data in view (the "
             "steps could not resolve speed: on digits w128 the target is reached after "
             "about 20 of 600 updates, evaluated 5 apart, and 9 of 24 differences tie): the "
             "statistic went from the steps to the relative target saved (sign test) to "
             "the log ratio of the areas under the training-loss curves, plain over BN "
             "(t-test per member; the quote says training convergence, and an area does "
             "not tie); the steps are shown beside it, not judged. The smallest effect "
             "went from 10 steps (set after the data) to log 1.25, from a principle: "
             "plain's area 1.25× BN's, i.e. BN needing a fifth fewer updates on an "
             "exponentially decaying loss. The area is of the loss, not of its log, chosen "
             "with the data in view: a mean log loss weighs the late evaluations, where "
             "both losses sit orders of magnitude below their start (plain at lr 0.03 "
             "reaching 0 in float32), as much as the early ones, and on seed 0's primary "
             "it equals the final log-loss ratio (−2.59 against −2.53): the level "
             "reached, not speed. The pilot SD (calibration and power only) went from 7.1 "
             "steps (the primary's) to 1.135, the noisiest member's (the primary's: "
             "0.115), so that the calibrated power bounds every setting's. Settings "
             "'task, BN at lr 0.03' were renamed 'task / BN at lr 0.03'. The earlier rule "
             "gave: seed 0 inconclusive (digits w128: 0 [−5, 10] steps saved, p = 0.61; "
             "supported only in digits w32, BN at lr 0.03); seed 1 refuted (digits w32: "
             "−15 [−35, −5], an opposite effect; digits w128 no meaningful effect, −2.5 "
             "[−5, 5]); seed 17 inconclusive (digits w128: −5 [−10, 5]; supported in "
             "gaussian w32 and gaussian w32, BN at lr 0.03). "
             "Changed again after the seed-0, 1 and 17 runs under the area rule, with their "
             "data in view (review finding): the settings 'task / BN at lr 0.03' (BN at lr "
             "0.03 held to plain at lr 0.003 and to plain at lr 0.03, both members needed) "
             f"were replaced by 'task{SEP}{BEST}': per task, each method at the lr of "
             "0.003 and 0.03 with the smaller mean log area over the replicates, selected "
             "on the same runs by the same rule for both, and one member, plain at its best "
             "lr − BN at its best lr; the test-accuracy guard compares the same selected "
             "runs there (was: BN at lr 0.03 against plain at lr 0.003, beside the same-lr "
             "guard). The same-lr settings are unchanged. Why: the project's rule that "
             "methods are compared at their own tuned settings, with an equal budget, where "
             "a quote is about speed; the old setting held BN at lr 0.03, which is not BN's "
             "best on digits w128 (seed 0: BN's mean log area 3.49 at lr 0.03, 2.81 at lr "
             "0.003), against plain at its best, so its counterexample compared BN untuned "
             "with plain tuned. The earlier rule gave refuted under all three seeds through "
             "'digits w128 / BN at lr 0.03', plain at lr 0.003 − BN at lr 0.03: seed 0 "
             "−0.855 [−0.982, −0.728], seed 1 −0.927 [−1.03, −0.828], seed 17 −0.958 "
             "[−1.05, −0.868] (also refuted in 'gaussian w32 / BN at lr 0.03' under seeds 0 "
             "and 1, −0.298 and −0.295). The pilot SD (calibration and power only) went "
             "1.135 → 0.345, the noisiest pair a setting still judges (the 1.135 pair is "
             "judged by none since the best-lr settings), with the power 0.00 → about 0.35.")

"""BS-5a/b: SGD's frequent updates make the training objective oscillate severely. Severity
is the share of changes of the full training loss that are rises, read once a run has
left the initial plateau: per update (BS-5a) and per epoch of samples seen (BS-5b), SGD
(batch 1) against full-batch gradient descent (batch 400)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.batch_size.common import (
    AXES,
    BATCH,
    BATCHES,
    N_TRAIN,
    NAME,
    REPLICATES,
    level_frame,
    wide_frame,
)
from harness.judge.claims import Claim, Settings
from harness.judge.families import Paired
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet
from harness.train.probes import LossBursts

# Seed 001's quote is about SGD, so sgd (plain SGD, one learning rate) is primary.
BS5_PRIMARY = "sgd"
LR_SHOWN = {"lr_scaled": "it changes the learning rate with the batch",
            "lr_sqrt": "it changes the learning rate with the batch"}
BS5A_SETTINGS = Settings(BS5_PRIMARY, ("abid2018", "same_steps", "identity_cov"),
                         shown=LR_SHOWN)
# same_steps evaluates every 1171/150 ≈ 7.8 updates at every batch size: its evaluation
# intervals are a fixed number of updates, not of samples, so it has no per-epoch reading.
BS5B_SETTINGS = Settings(BS5_PRIMARY, ("abid2018", "identity_cov"), shown={
    "same_steps": "its evaluations are a fixed number of updates apart at every batch "
                  "size (1171/150 ≈ 7.8), not a fixed number of samples", **LR_SHOWN})

# Declared before any share was computed (after the earlier rule's seed 0, 1 and 17 pages
# had been read), each from a stated principle:
# - A run has left the initial plateau once its full training loss is at or below half
#   the loss of a constant prediction (ln 2 on these balanced two-class data): the
#   geometric-mean probability of the true class is then 1/√2 ≈ 0.71, halfway in log
#   probability from chance (1/2) to certainty. It is read from that evaluation on.
PLATEAU_EXIT = math.log(2) / 2
# - A change is a rise when Δ log L exceeds the rounding bound of the full loss, a float32
#   mean of N_TRAIN per-example losses (pairwise summation: ⌈log2 N_TRAIN⌉ roundings of
#   relative size eps): smaller changes cannot be told from rounding, and deterministic
#   full-batch descent would otherwise "rise" by rounding on a flat stretch.
RISE_FLOOR = math.ceil(math.log2(N_TRAIN)) * float(np.finfo(np.float32).eps)
# - A run's share needs at least 10 changes in its window, so that it resolves the
#   smallest effect (1/10).
MIN_CHANGES = 10
# - Smallest effect 0.1 (both claims): a fifth of the span from monotone descent (no
#   change is a rise: share 0) to a directionless walk (share 1/2).
BS5_MIN_EFFECT = 0.1
# Pilot SDs (power planning and calibration only, not the rule): seed 0's per-replicate SD
# of the batch 1 − 400 difference, the larger of the judged settings that have one: per
# update abid2018 0.091 (10 replicates), identity_cov 0.066 (24); per epoch 0.131 and
# 0.055. sgd and same_steps have none (a batch size never leaves the plateau).
BS5A_PILOT_SD, BS5B_PILOT_SD = 0.09, 0.13

KEYS = ["preset", "batch_size", "replicate"]
RISES = "rise_shares"  # the derived per-run table, kept with the run set's tables


def count_rises(curves: pd.DataFrame, bursts: pd.DataFrame, final: pd.DataFrame
                ) -> pd.DataFrame:
    """Per main-grid run and replicate, the rises of the full training loss from the
    first evaluation at or below PLATEAU_EXIT on: per update, the update right after each
    evaluation (the curve's loss before it, the ``loss_bursts`` probe's first loss after
    it: one sampled update per evaluation); per epoch, evaluation to evaluation (the
    curve). Columns ``updates``/``update_rises``, ``epochs``/``epoch_rises``, their
    shares ``share_update``/``share_epoch`` (NaN under MIN_CHANGES changes), the exit
    epoch (NaN: never left the plateau) and the run's lowest full training loss."""
    cur = curves[curves.grid == "main"].sort_values([*KEYS, "step"])
    groups = [cur[k] for k in KEYS]
    out = cur.train_loss.le(PLATEAU_EXIT).astype(int).groupby(groups).cummax().astype(bool)
    win = cur.loc[out, [*KEYS, "step", "epoch", "train_loss"]]
    cols = [*KEYS, "step", "start_loss"]
    if {"grid", *cols} <= set(bursts):  # runs without the probe (a one-point sweep): none
        bursts = bursts.loc[bursts.grid == "main", cols]
    else:
        bursts = pd.DataFrame(columns=cols)
    after = win.merge(bursts, on=[*KEYS, "step"], how="left")
    log_l = np.log(np.maximum(after.train_loss, LossBursts.FLOOR))
    d_update = np.log(np.maximum(after.start_loss, LossBursts.FLOOR)) - log_l
    d_epoch = log_l.groupby([after[k] for k in KEYS]).diff()
    after = after.assign(updates=d_update.notna(), update_rises=d_update > RISE_FLOOR,
                         epochs=d_epoch.notna(), epoch_rises=d_epoch > RISE_FLOOR)
    counts = after.groupby(KEYS).agg(
        exit_epoch=("epoch", "first"), updates=("updates", "sum"),
        update_rises=("update_rises", "sum"), epochs=("epochs", "sum"),
        epoch_rises=("epoch_rises", "sum"))
    runs = cur.groupby(KEYS).agg(lowest_loss=("train_loss", "min"))
    rows = runs.join(counts).reset_index()
    rows[["updates", "update_rises", "epochs", "epoch_rises"]] = rows[
        ["updates", "update_rises", "epochs", "epoch_rises"]].fillna(0).astype(int)
    for unit in ("update", "epoch"):
        n = rows[f"{unit}s"]
        rows[f"share_{unit}"] = (rows[f"{unit}_rises"] / n).where(n >= MIN_CHANGES)
    fin = final.loc[final.grid == "main", [*KEYS, "repeat", "dataset"]]
    return rows.merge(fin, on=KEYS, how="left").assign(grid="main")


def rise_shares(rs: RunSet) -> pd.DataFrame:
    """:func:`count_rises` of a run set, derived once and kept with its tables. Synthetic
    runs (calibration) bring this table ready-made: a share drawn from a normal law has
    no loss curve that counts to it."""
    if RISES not in rs._tables:
        rs._tables[RISES] = count_rises(rs.curves, rs.table("loss_bursts"), rs.final)
    return rs._tables[RISES]


@dataclass(frozen=True)
class RiseShare(Measure):
    """The share of the full training loss's changes that are rises, out of the initial
    plateau (:func:`count_rises`), per replicate and batch size; ``unit`` "update" or
    "epoch". Beside it, not judged: the other unit, and where each run left the plateau."""

    factor: Factor = BATCH
    label: str = "share of updates that raise the full training loss"
    unit: str = "update"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        return self._select(rise_shares(rs))

    def value_column(self) -> str:
        return f"share_{self.unit}"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        rows = self._long(tables, self.value_column())
        final = rows[["grid", *AXES, "replicate", "dataset"]].assign(test_acc=0.8)
        return RunSet.from_tables(NAME, AXES, final, **{RISES: rows})

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        rows = self.cached_rows(rs)
        if rows.empty or "exit_epoch" not in rows:  # synthetic runs: the shares only
            return {}, []
        title = ("Both units per setting and batch size (mean and 95% CI over datasets of "
                 "the replicates that left the plateau; not judged beside the claim's own "
                 "unit): replicates out of the plateau, and over them the median exit epoch and "
                 "changes counted per run")
        return {title: _unit_table(rows)}, [*_never_left(rows, judged), *BS5_NOTES]


def _unit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per setting and batch size: how many replicates left the plateau, when, how many
    changes each counts, and both shares."""
    frames = []
    for preset, df in rows.groupby("preset", sort=False):
        left = df[df.exit_epoch.notna()]
        runs = df.groupby("batch_size").agg(out_of_plateau=("exit_epoch", "count")).join(
            left.groupby("batch_size").agg(
                exit_epoch_median=("exit_epoch", "median"),
                updates_median=("updates", "median"), epochs_median=("epochs", "median")))
        per_unit = []
        for unit in ("update", "epoch"):
            frame = level_frame(*wide_frame(df, f"share_{unit}"), str(preset))
            per_unit.append(frame.set_index("batch_size")[["mean", "ci_low", "ci_high"]]
                            .add_prefix(f"{unit}_"))
        frames.append(runs.join(per_unit).reset_index().assign(setting=str(preset)))
    table = pd.concat(frames, ignore_index=True)
    return table[["setting", *(c for c in table if c != "setting")]]


def _never_left(rows: pd.DataFrame, judged: tuple[str, ...]) -> list[str]:
    """A note per judged setting where batch 1 or the full batch has no replicate out of
    the plateau: its contrast cannot be read from these runs."""
    notes = []
    for preset in judged:
        df = rows[rows.preset == preset]
        ends = (BATCHES[0], BATCHES[-1])
        stuck = [b for b in ends if b in set(df.batch_size)
                 and df[df.batch_size == b].exit_epoch.isna().all()]
        if stuck:
            low = df[df.batch_size.isin(stuck)].lowest_loss.min()
            notes.append(
                f"{preset}: no replicate at batch size {' or '.join(map(str, stuck))} "
                f"reaches the plateau's exit (full training loss ≤ ½ ln 2 = "
                f"{PLATEAU_EXIT:.3f}) within its budget (lowest loss of any: {low:.3f}), "
                f"so its contrast cannot be read out of the plateau from these runs: the "
                "setting is undecided.")
    return notes


BS5_NOTES = [
    f"Window: each run (replicate × batch size) is read from the first evaluation at "
    f"which its full training loss is at or below ½ ln 2 = {PLATEAU_EXIT:.3f} (half the "
    "loss of a constant prediction) to the end of training; a run that never gets there "
    f"has no value, nor has one with fewer than {MIN_CHANGES} changes in its window. A "
    f"change is a rise when Δ log L > {RISE_FLOOR:.2g} (⌈log2 {N_TRAIN}⌉ × float32 eps, "
    "the rounding bound of the full loss): deterministic full-batch descent counts no "
    "rise from rounding.",
    "Per update (BS-5a): the update right after each evaluation, one sampled update per "
    "evaluation, up to 150 per run; the unit in which the quote's \"更新比较频繁\" "
    "(frequent updates) counts. Per epoch (BS-5b): evaluation to evaluation, 500 samples "
    "drawn on average (evaluations sit at round(k · steps / 150)); at batch 1 that is 500 "
    "updates, at batch 400 one or two.",
    "Not done, for lack of runs: the contrast from a common checkpoint, every batch size "
    "continuing from the same weights once out of the plateau, per update and per "
    "sample seen at one loss level; it is what would decide sgd, whose full batch never "
    "leaves the plateau in 150 epochs. It needs a trainer that runs a shared first phase "
    "(the same seeds at one batch size until out of the plateau) before switching to "
    "each batch size, which the harness does not have, and a grid of 6 batch sizes × 4 "
    "judged settings: about 24 runs of half a minute to a minute of CPU each on seed 0 "
    "(the existing runs of these settings take 9 to 100 s), well over the 3 minutes "
    "allowed for new points in this revision. Here each run is read over its own "
    "post-plateau window, so batch 1 and batch 400 are read at different loss levels.",
    "lr_scaled and lr_sqrt change the learning rate with the batch (judged = no)."]


BS5A = Claim(
    "BS-5a", "001", "SGD 因为更新比较频繁,会造成 cost function 有严重的震荡",
    "SGD (batch 1: frequent, noisy updates) makes the training objective oscillate more "
    "than full-batch gradient descent (batch 400 = the whole training split): once a run "
    "has left the initial plateau, the full training loss rises on a larger share of "
    "SGD's updates than of full-batch descent's.",
    measure=RiseShare(), rule=Paired("decreasing"), quantifier="all",
    settings=BS5A_SETTINGS, min_effect=BS5_MIN_EFFECT, pilot_sd=BS5A_PILOT_SD,
    replicates=REPLICATES, parent="BS-5",
    revision="Split from BS-5 after the seed-0 run: BS-5 judged only monotonicity "
             "over every batch size and gave refuted (sgd, pair 1 → 4). Review "
             "finding: the seed contrasts SGD with full-batch descent, so that "
             "contrast (batch 1 vs 400) is judged here and monotonicity in BS-5b. "
             "Revised again after the seed 0, 1 and 17 runs (review finding: the "
             "full-batch 'oscillation' it was compared with was 9× the float32 "
             "resolution of log L, a ratio to rounding, and the matched level, median "
             "0.641 under sgd, sat in the initial plateau at ln 2 = 0.693): the measure is "
             "now a severity statistic, the share of updates that raise the full "
             "training loss beyond rounding, read from the first evaluation at which "
             "each run's loss is at or below ½ ln 2; window, rounding floor and smallest "
             "effect 0.1 declared before any share was computed. The earlier rule (std of "
             "Δ log L over 20 updates at a matched loss, in logs, smallest effect log 2) "
             "gave supported under seeds 0, 1 and 17 (headline same_steps 1 − 400: 2.5 "
             "[1.96, 3.04], 2.23 [1.72, 2.75], 2.63 [2.00, 3.25]; sgd 10.3, 10.8, 10.4).")
BS5B = Claim(
    "BS-5b", "001", "SGD 因为更新比较频繁,会造成 cost function 有严重的震荡",
    "The same contrast per sample seen: once a run has left the initial plateau, the full "
    "training loss rises over a larger share of SGD's epochs (500 samples drawn: 500 "
    "updates at batch 1) than of full-batch descent's (one or two updates): SGD's "
    "frequent updates make the objective oscillate on the scale of the data seen, not "
    "only from one update to the next.",
    measure=RiseShare(label="share of epochs (500 samples seen) over which the full "
                            "training loss rises", unit="epoch"),
    rule=Paired("decreasing"), quantifier="all", settings=BS5B_SETTINGS,
    min_effect=BS5_MIN_EFFECT, pilot_sd=BS5B_PILOT_SD, replicates=REPLICATES,
    parent="BS-5",
    revision="Split from BS-5 after the seed-0 run (the SGD vs full-batch contrast "
             "moved to BS-5a); the monotone rule itself was unchanged and gave refuted "
             "(sgd, pair 1 → 4). Restated after the seed 0, 1 and 17 runs (review "
             "finding: the quote contrasts SGD with full-batch descent and says nothing "
             "of an ordering over mini-batch sizes): it now tests that contrast per "
             "sample seen, the unit the issue asks for beside per update, with BS-5a's "
             "window, rounding floor and smallest effect 0.1 (declared before any share "
             "was computed); same_steps is shown, not judged (its evaluations are not a "
             "fixed number of samples apart). The earlier monotone rule (std of Δ log L "
             "per update at a matched loss, smallest effect log 2) gave refuted under "
             "seeds 0, 1 and 17, every judged setting by the reversal 1 → 16 (headline "
             "abid2018 −1.33 [−1.85, −0.80]; identity_cov −1.69 [−2.19, −1.18] and "
             "−1.55 [−2.26, −0.85]).")

"""LC-1: later layers settle before earlier ones (Abid 2018 Exp 11's answer)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import Monotone
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet, dataset_of

from .common import NAME, REPLICATES

# Weights have settled once ‖W_t − W_T‖/‖W_1 − W_T‖ stays below SETTLE: relative to the
# layer's own path, not to ‖W_T‖, which would favour larger initial entries (see the
# revision; He init: fan-in 12 vs 50).
SETTLE = 0.1
CKA_SETTLE = 0.9  # representation settled once CKA with the final one stays above this
STEPS, EVAL_START, EVAL_EVERY = 750, 1, 11  # evaluations after updates 1, 12, ..., 749
# the settings: (grid, column, threshold, settled when below it (else above))
LC1 = {"sigmoid: weights": ("abid", "to_go", SETTLE, True),
       "relu: weights": ("abid_relu", "to_go", SETTLE, True),
       "sigmoid: representations": ("abid", "cka_final", CKA_SETTLE, False),
       "relu: representations": ("abid_relu", "cka_final", CKA_SETTLE, False)}
LC1_PRIMARY = "sigmoid: weights"
# 50 steps ≈ 4.5 evaluation intervals, 1/15 of the budget: a smaller gap is within the
# resolution of a threshold rule on a curve sampled every 11 steps. Pilot SD: pair 3 → 4
# (1 → 2: 40). (The earlier 136 was the pre-issue-11 page's pair 3 → 4, 12 replicates on
# 4 datasets, of ‖W_t − W_T‖/‖W_T‖, which gave 108 (3 → 4) and 79 (2 → 3) on the pilot.)
LC1_MIN, LC1_SD = 50.0, 91.0
LAYER = Factor("layer", (1, 2, 3, 4), "layer")


def settling_steps(frame: pd.DataFrame, column: str, threshold: float, below: bool = True
                   ) -> pd.DataFrame:
    """Per replicate and layer: the first evaluation step after which ``column`` stays
    below (``below``; else above) ``threshold`` until the end (NaN if not even at the end)."""
    wide = frame.pivot_table(index=["replicate", "layer"], columns="step", values=column,
                             aggfunc="first", dropna=False).sort_index(axis=1)
    steps, v = wide.columns.to_numpy(), wide.to_numpy(float)
    with np.errstate(invalid="ignore"):
        bad = ~(v < threshold) if below else ~(v > threshold)
    n = steps.size
    first_ok = np.where(bad.any(1), n - np.argmax(bad[:, ::-1], axis=1), 0)
    settle = np.where(first_ok < n, steps[np.minimum(first_ok, n - 1)].astype(float), np.nan)
    return wide.index.to_frame(index=False).assign(settle=settle)


def with_to_go(conv: pd.DataFrame) -> pd.DataFrame:
    """``conv`` with ``to_go`` = ‖W_t − W_T‖/‖W_1 − W_T‖: dist_final over its value at the
    first evaluation (‖W_T‖ cancels)."""
    first = conv[conv.step == conv.step.min()].set_index(["replicate", "layer"]).dist_final
    at = pd.MultiIndex.from_frame(conv[["replicate", "layer"]])
    return conv.assign(to_go=conv.dist_final.to_numpy(float)
                       / first.reindex(at).to_numpy(float))


def lc1_settling(rs: RunSet, setting: str) -> pd.DataFrame:
    """Per replicate and layer, the step at which ``setting``'s measure settles (the CKA
    settings without the logits, the last layer)."""
    grid, column, threshold, below = LC1[setting]
    conv = rs.sel("convergence", grid=grid)
    if conv.empty or "dist_final" not in conv:
        return pd.DataFrame(columns=["replicate", "layer", "settle"])
    conv = with_to_go(conv) if column == "to_go" else conv[conv.layer < conv.layer.max()]
    return settling_steps(conv, column, threshold, below)


@dataclass(frozen=True)
class Settling(Measure):
    """The settling step per replicate and layer in each setting of ``LC1``
    (:func:`lc1_settling`; NaN = never settled); clusters from the grid's final.csv."""

    factor: Factor = LAYER
    label: str = "settling step (optimizer updates)"
    grid: tuple[str, ...] = ("abid", "abid_relu")
    by: str = "setting"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        frames = []
        for name, (grid, *_) in LC1.items():
            settle = lc1_settling(rs, name)
            if not settle.empty:
                reps = settle.replicate.to_numpy(int)
                frames.append(settle.assign(setting=name, replicate=reps,
                                            dataset=dataset_of(rs.sel(grid=grid), reps)))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def value_column(self) -> str:
        return "settle"

    def describe(self) -> str:
        return ("settling step per replicate (the first evaluation after which "
                f"‖W_t − W_T‖/‖W_1 − W_T‖ (W_1: after update 1) stays below {SETTLE} "
                "(weights settings, all 4 matrices), or the layer's linear CKA with its "
                f"final representation on a fixed batch stays above {CKA_SETTLE} "
                "(representations settings: the 3 hidden layers); NaN if never)")

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": ["abid2018"]}

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Per grid, monotone curves (distance from 1, CKA from 0 at the first evaluation)
        that cross each setting's threshold at the table's step, rounded to evaluations
        every EVAL_EVERY updates from two intervals before the earliest value (so any draw
        is representable); a NaN, or a layer the table lacks, never crosses."""
        values = np.concatenate([t.values.ravel() for t in tables.values()])
        values = values[np.isfinite(values)]
        lo = np.floor((values.min(initial=EVAL_START) - EVAL_START) / EVAL_EVERY) - 2
        steps = np.arange(EVAL_START + EVAL_EVERY * lo, values.max(initial=STEPS)
                          + 2 * EVAL_EVERY, EVAL_EVERY)
        layers = np.asarray(LAYER.levels)
        convs, finals = [], []
        for grid in self.grid:
            names = [n for n, (g, *_) in LC1.items() if g == grid and n in tables]
            if not names:
                continue
            reps, clusters = tables[names[0]].values.shape[0], tables[names[0]].clusters
            curves = {}
            for name in names:
                _, column, threshold, below = LC1[name]
                t = tables[name]
                raw = pd.DataFrame(t.values, columns=t.levels).reindex(columns=layers).to_numpy()
                on = steps[np.abs(steps - np.nan_to_num(raw)[:, :, None]).argmin(-1)]
                at = np.where(np.isfinite(raw), np.maximum(on, steps[1]), np.inf)
                # 0 at steps[0], 1 half an evaluation interval before the settling step
                frac = (steps - steps[0]) / (at[:, :, None] - steps[0] - EVAL_EVERY / 2)
                curves["dist_final" if below else column] = (
                    threshold ** frac if below else 1 - (1 - threshold) ** frac).ravel()
            r, la, st = np.meshgrid(np.arange(reps), layers, steps, indexing="ij")
            convs.append(pd.DataFrame({"grid": grid, "replicate": r.ravel(),
                                       "layer": la.ravel(), "step": st.ravel(), **curves}))
            finals.append(pd.DataFrame({"grid": grid, "preset": "abid2018",
                                        "activation": grid.removeprefix("abid_") or "sigmoid",
                                        "replicate": np.arange(reps), "dataset": clusters}))
        return RunSet.from_tables(NAME, ["preset", "activation"], pd.concat(finals),
                                  convergence=pd.concat(convs, ignore_index=True))

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        """How close each layer's representation is to its final one at update 1, and notes
        on where the label comes from, with the numbers: the primary's pairs, the
        representations' head start, the size of relu: weights' gap."""
        start = {g: conv[conv.step == conv.step.min()].groupby("layer").cka_final.mean()
                 if "cka_final" in (conv := rs.sel("convergence", grid=g))
                 else pd.Series(dtype=float) for g in self.grid}
        cka = pd.DataFrame([{"grid": g, "layer": la, "mean CKA with final at update 1": v}
                            for g, s in start.items() for la, v in s.items()])
        res = {name: stats.monotone(list(t.levels), t.columns(), "decreasing",
                                    clusters=t.clusters)
               for name in (LC1_PRIMARY, "relu: weights") if (t := self.read(rs, name)) is not None}
        pairs = {p["pair"]: p for p in res[LC1_PRIMARY].pairs} if LC1_PRIMARY in res else {}

        def pair(name: str) -> str:
            p = pairs.get(name)
            return (f"{name}: not run" if p is None else
                    f"{name} {p['diff']:.1f} [{p['ci_low']:.1f}, {p['ci_high']:.1f}] steps")

        sig, relu = start["abid"], start["abid_relu"]
        gap = abs(res["relu: weights"].effect.mean) if "relu: weights" in res else math.nan
        hidden = [pairs[p] for p in ("1 → 2", "2 → 3") if p in pairs]
        how = ("the hidden layers settle later-first, each pair significantly"
               if len(hidden) == 2 and all(p["holds"] for p in hidden)
               else "the hidden layers' pairs")
        notes = [
            f"Primary ({LC1_PRIMARY}): {how}: " + "; ".join(pair(p) for p in ("1 → 2", "2 → 3"))
            + "; the output layer's pair: " + pair("3 → 4") + ".",
            "The representations are scope, not the label (quantifier primary): at update 1 "
            "layer 1's mean CKA "
            f"with its final representation is already {sig.get(1, math.nan):.2f} (layers 2, "
            f"3: {sig.get(2, math.nan):.2f}, {sig.get(3, math.nan):.2f}). The first hidden "
            "layer of a 12-D input keeps much of the input's geometry from the start, so it "
            "crosses the threshold early from a head start; that is not learning faster.",
            f"relu: weights (scope) is decided by a gap of {gap:.1f} steps (its deciding pair), "
            "about "
            f"{gap / EVAL_EVERY:.1f} evaluation intervals ({EVAL_EVERY} steps), "
            f"{'below' if gap < LC1_MIN else 'not below'} the declared smallest effect "
            f"({LC1_MIN:g} steps)."]
        hidden_cka = relu[relu.index < relu.index.max()]
        if not hidden_cka.empty:
            notes.append(
                f"relu: representations: every hidden layer's mean CKA with its final "
                f"representation is at least {hidden_cka.min():.2f} at update 1"
                + (f" (≥ {CKA_SETTLE}): saturated, nearly every layer counts as settled at "
                   "the first evaluation, so the setting cannot order the layers and is "
                   "uninformative." if hidden_cka.min() >= CKA_SETTLE else "."))
        return {"How close each layer's representation already is to its final one at the "
                "first evaluation (mean over replicates; shown, not judged)": cka}, notes


CLAIM = Claim(
    "LC-1", "002 (Q45)",
    "不同层的权重是否以不同的速度收敛? (the seed: 这道题不知道怎么回答; Abid 2018 Exp 11's "
    "answer: later layers converge faster)",
    "The seed asks and does not answer; the claim tested is Abid's answer, for his sigmoid "
    "net trained with Adam: later layers settle before earlier ones. Measured on the weights "
    "and on the representations, with sigmoid and ReLU.",
    measure=Settling(), rule=Monotone("decreasing"),
    quantifier="primary", settings=Settings(LC1_PRIMARY, tuple(s for s in LC1 if s != LC1_PRIMARY)),
    notes=("Weights settings (sigmoid: Abid's, the primary; relu: the same with ReLU and He "
           "init) read all 4 weight matrices; representations settings read the 3 hidden "
           "layers: the 2-unit logits are left out, as CKA of a 2-D representation is not "
           "comparable with that of 50-unit layers at one threshold (so 3 pairs there, Holm "
           "over those). Evaluations after updates 1, 12, ..., 749: a settling step is "
           f"resolved to {EVAL_EVERY} updates.",),
    revision=(
        "Two changes after the first full run (seed 0), both with its data in view. First "
        "(584de24), the CKA representations and a ReLU net (He init) became judged "
        "settings, and the evaluations went from every 10 updates (75) to after updates 1, "
        "12, ..., 749 (69), so that the first and last fall on Abid's snapshots after "
        "updates 1 and 749 (the seed-0 run had "
        "judged abid2018's weights alone and gave supported, 124 [85.3, 162] steps, pair "
        "2 → 3; CKA's order had been seen on its page): the rule then gave mixed. Second "
        "(1496ca7), the settling measure changed from the distance to "
        "the final weights relative to their size, ‖W_t − W_T‖/‖W_T‖, to the share of each "
        "layer's own path still to go, ‖W_t − W_T‖/‖W_1 − W_T‖ (under Adam each entry moves "
        "about lr per update whatever its scale, so the first measure favours layers with "
        "larger entries), and the 2-unit logits were dropped from the CKA settings (a 2-D "
        "representation's CKA is not comparable with 50-unit layers at one threshold): the "
        "rule on this page."),
    min_effect=LC1_MIN, pilot_sd=LC1_SD, replicates=REPLICATES)

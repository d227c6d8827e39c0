"""BS-4: re-scaling the learning rate at the largest batch recovers most of the gap."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from experiments.batch_size.common import (
    AXES,
    BATCHES,
    NAME,
    PRIMARY,
    SAME_STEPS,
    by_preset,
    wide_frame,
)
from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import Recovered
from harness.judge.gates import Premise
from harness.judge.measures import Context, Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet

LR_CONTROLS = ("lr_sqrt", "lr_scaled")  # judged: the quote names the learning rate
SHOWN = "same_steps"  # tabled: it changes the number of updates, not the learning rate
# Min effect 0.25: a rule recovering 3/4 or 1/4 of the gap, not "about half". Pilot SD from
# the previous full run (seed 0 data, 24 replicates, one dataset each), for power planning:
# z = (abid(1) − control(400)) − 0.5·gap has SD 0.046 (lr_sqrt; lr_scaled 0.044) in training
# accuracy over an assumed gap of 0.10 (the run's: 0.114): an SD of 0.46 in the fraction.
BS4_MIN_EFFECT, BS4_PILOT_SD = 0.25, 0.046 / 0.10
SETTINGS = {"train_acc": PRIMARY, "test_acc": f"{PRIMARY} held-out"}  # metric -> setting
BASE = 0.8  # abid2018's simulated accuracy at the largest batch


@dataclass(frozen=True)
class GapLeft(Measure):
    """Per replicate and accuracy metric (the setting): abid2018's gap, smallest − largest
    batch, and what each control leaves of it (abid2018 at the smallest − the control at
    the largest)."""

    by: str = "setting"
    value_name: ClassVar[str] = "left"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        frames, out = by_preset(rs), []
        for metric, name in SETTINGS.items():
            levels, abid, clusters = wide_frame(frames.get(PRIMARY), metric)
            if len(levels) < 2:
                continue
            lo, hi = levels[0], levels[-1]
            left = {p: wide_frame(frames.get(p), metric)[1] for p in (*LR_CONTROLS, SHOWN)}
            cols = {"gap": abid[lo] - abid[hi],
                    **{p: abid[lo] - v[hi] for p, v in left.items() if hi in v}}
            out += [pd.DataFrame({"setting": name, "control": p, "replicate":
                                  np.arange(clusters.size), "dataset": clusters, "left": x})
                    for p, x in cols.items()]
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        rows = []
        for name in judged:
            table = replace(self, factor=Factor("control", ("gap", SHOWN))).read(rs, name)
            if table is not None and len(table.levels) == 2:
                e = stats.fraction_recovered(table.column("gap"), table.column(SHOWN),
                                             table.clusters)
                rows.append({"setting": name, "member": SHOWN, "estimate": e.mean,
                             "ci_low": e.ci_low, "ci_high": e.ci_high, "p": e.p, "n": e.n})
        title = (f"Shown, not judged: the fraction of the gap {SHOWN} recovers (Fieller 95% "
                 "CI, test of 0.5); it changes the number of updates, not the learning rate")
        return ({title: pd.DataFrame(rows)} if rows else {}), []

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """abid2018 at BASE + gap and BASE; each control at that top and at it − its left."""
        frames = []
        for preset in (PRIMARY, *LR_CONTROLS):
            for b in (BATCHES[0], BATCHES[-1]):
                cols, clusters = {}, None
                for metric, name in SETTINGS.items():
                    if name in tables:
                        t, clusters = tables[name], tables[name].clusters
                        top = BASE + t.column("gap")
                        cols[metric] = (top if b == BATCHES[0] else
                                        np.full(len(top), BASE) if preset == PRIMARY
                                        else top - t.column(preset))
                frames.append(pd.DataFrame({"grid": "main", "preset": preset,
                                            "batch_size": b, "repeat": 0, "replicate":
                                            np.arange(len(clusters)), "dataset": clusters,
                                            **cols}))
        return RunSet.from_tables(NAME, AXES, pd.concat(frames, ignore_index=True))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {"preset": [PRIMARY, *LR_CONTROLS, SHOWN],
                "trainer.batch_size": [BATCHES[0], BATCHES[-1]]}


GAP_LEFT = GapLeft(Factor("control", ("gap", *LR_CONTROLS)),
                   f"accuracy gap ({PRIMARY} at the smallest batch − {PRIMARY} at the "
                   "largest, and − each control at the largest; training accuracy, held-out "
                   f"in {PRIMARY} held-out)")

BS4 = Claim(
    "BS-4",
    "002 (Q43)",
    "这可能是由于我们没有调整不同批大小的学习率",
    "The fall in accuracy from the smallest to the largest batch that Exp 8 "
    "plotted (training accuracy, 150 epochs, one learning rate) comes from not "
    "re-tuning the learning rate per batch size: re-scaling it at the largest "
    "batch (√ or linear rule) recovers most of the gap.",
    rule=Recovered(),
    measure=GAP_LEFT,
    gates=(Premise(GAP_LEFT, "gap", what=f"{PRIMARY}'s accuracy gap, smallest − largest "
                                         "batch (a drop to explain)"),),
    quantifier="some", settings=Settings(PRIMARY, robustness=(SETTINGS["test_acc"],)),
    min_effect=BS4_MIN_EFFECT,
    pilot_sd=BS4_PILOT_SD,
    null_value=0.5,
    notes=(
        "The caveat explains the fall of the accuracy Exp 8 plotted, which was training "
        "accuracy (0.996 at batch 1 → 0.853 at batch 400 at epoch 140): that gap is the "
        "primary setting; the held-out gap is the second setting. The quote names the "
        "learning rate, so the judged controls are the two re-scaling rules: lr_sqrt "
        "(lr ∝ √batch, the usual rule under Adam) and lr_scaled (lr ∝ batch, the rule for "
        "SGD). The fraction recovered is (accuracy of the control at the largest batch − "
        "abid2018's there) / abid2018's gap, with the smallest batch held at its abid2018 "
        "accuracy: how much of the gap the large batch alone gets back. same_steps (every "
        f"batch size gets batch 64's {SAME_STEPS} updates, so batch 1 sees about 2.3 epochs "
        "and batch 400 about 937) is shown as a control, not judged: it changes the number "
        "of updates, not the learning rate.",),
    revision="Two changes after the seed-0 run, with its data in view. First (17653c5), the "
             "metric went from held-out to training accuracy (the one Exp 8 plotted; "
             "held-out kept as a second setting) and the "
             "lr_sqrt rule was added to same_steps and lr_scaled; on held-out accuracy the "
             "seed-0 rule gave inconclusive (premise not "
             "met: the gap, batch 1 − 400, −0.052 [−0.086, −0.018], reversed). Second "
             "(1e0395d), the fraction is now the largest batch's "
             "recovery with the smallest batch held at abid2018 (before: the gap "
             "closed, which a control that hurts the small batch also closes), and "
             "the judged family is cut to the two learning-rate rules (same_steps "
             "shown, not judged), which narrowed the hypothesis from an untuned learning "
             "rate or fewer updates to the learning rate alone (17653c5 still judged "
             "'equalising the updates'). The earlier rule gave supported, fraction 3.89 via "
             "same_steps. Review finding: same_steps changes the updates, not the "
             "learning rate the quote names, and its 'recovery' came from batch 1 "
             "getting worse. The pilot SD (power only) was taken from the seed-0 run's "
             "gaps.")

"""RG-1: the norm of the weights falls as the L1 or L2 strength grows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import Trend
from harness.judge.measures import Factor
from harness.judge.table import Table
from harness.track.results import RunSet

from .shared import (
    PATH,
    PENALTIES,
    TRAINS_RULE,
    TRAINS_UP_TO,
    AbidPaths,
    by_replicate,
    datasets,
    declared,
    path,
    point,
    range_title,
    runset,
    trains_check,
)

# Smallest effects worth reporting (headline units) and pilot SDs of the headline's
# per-replicate statistic. Pilot: results/regularization (12 replicates on 4 shared
# datasets, t-based 95% CIs over replicates), SD = CI half-width / t(0.975, 11) · √12.
# RG-1: the norm of all 3150 weights must fall by at least 0.2 per half-decade step of
# λ (≈ 2% of the unpenalized norm, ≈ 11 in the pilot) to count as shrinking them. SD:
# the per-replicate trend (−OLS slope of the norm on the λ index over the declared
# range), issue-12 pilot (8 replicates, own store): L2 0.93 ± SD 0.146, L1 1.06 ± SD
# 0.187; the larger, rounded up.
RG1_MIN, RG1_SD = 0.2, 0.19


@dataclass(frozen=True)
class NormPath(AbidPaths):
    """RG-1: per penalty (the setting) and replicate, the final norm of all weight
    matrices at each λ step (PATH's index: half-decades, λ = 0 one step below 0.01) of
    the penalty's declared range. Beside it, not judged: whether each λ still trains in
    this run, and the norm at the λ beyond the range."""

    factor: Factor = Factor("lam_step", range(PATH.index(TRAINS_UP_TO["l2"]) + 1), "λ step")
    label: str = "norm of all weight matrices"
    by: str = "penalty"
    where: tuple = (("preset", "abid2018"),)

    def rows(self, rs: RunSet) -> pd.DataFrame:
        frames = []
        for name, pen in PENALTIES.items():
            norms = path(rs, pen, "weight_l2")
            steps = {PATH.index(lam): {"lam": lam, "weight_l2": norms[lam]}
                     for lam in declared(rs, pen) if lam in PATH}
            frames.append(by_replicate(rs, steps, "lam_step", penalty=name))
        return pd.concat(frames, ignore_index=True)

    def value_column(self) -> str:
        return "weight_l2"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Each penalty's path; λ = 0 is one run, the first table's: every other table is
        moved by a per-replicate offset to meet it there, which no paired statistic (a
        slope, a difference between λ) sees."""
        frames, zero = [], None
        for name, t in tables.items():
            values = t.values
            if zero is None:
                zero = values[:, t.levels.index(0)]
                frames.append(point("l1", 0.0, t.clusters, weight_l2=zero))
            values = values + (zero - values[:, t.levels.index(0)])[:, None]
            frames += [point(PENALTIES[name], PATH[step], t.clusters, weight_l2=values[:, j])
                       for j, step in enumerate(t.levels) if step]
        return runset(frames)

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        ds, checks, shown = datasets(rs, "abid2018"), [], []
        for name, pen in PENALTIES.items():
            checks.append(trains_check(rs, pen, ds))
            norms = path(rs, pen, "weight_l2")
            for lam in sorted(x for x in norms if x > TRAINS_UP_TO[pen]):
                e = stats.mean_ci(norms[lam], clusters=ds)
                shown.append({"penalty": name, "λ": lam, "norm (mean)": e.mean,
                              "ci_low": e.ci_low, "ci_high": e.ci_high, "replicates": e.n})
        return {range_title(): pd.concat(checks, ignore_index=True),
                "Shown, not judged: norm of all weight matrices at the λ beyond the declared "
                "range (the net no longer trains there), mean over replicates with its 95% CI":
                    pd.DataFrame(shown)}, []


RG1 = Claim(
        "RG-1",
        "002 (Q46)",
        "正则化如何影响权重? (the seed: 在神经网络出现high variance也就是overfitting的时候,"
        "regularization(正则化)是一个很常用的方法; Abid 2018 Exp 12's answer: "
        "regularization decreases the magnitude of the weights)",
        "The seed asks and does not answer how; the claim tested is Abid's answer: the "
        "norm of the weights falls as the L1 or the L2 strength λ grows (non-increasing "
        "with no significant reversal, and a downward trend), over the λ at which the "
        "net still trains.",
        measure=NormPath(), rule=Trend("decreasing"),
        settings=Settings("L2", ("L1",)),
        notes=("λ step k is the k-th λ of the path 0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 100 "
               "(mean-reduced penalty; half-decades, λ = 0, the unpenalized net both "
               "penalties share, one step below 0.01): the trend is the norm lost per step.",
               f"The range is declared from the issue-12 pilot: L1 λ ≤ "
               f"{TRAINS_UP_TO['l1']:g} (step 5), L2 λ ≤ {TRAINS_UP_TO['l2']:g} (step 6), "
               f"the λ that trained there ({TRAINS_RULE}); a net at chance has its weights "
               "at Adam's floor, where the norm no longer measures the penalty. Each run "
               "reports whether they still train (not decisive); the λ beyond are tabled, "
               "not judged.",
               "L2 is primary: the penalty on the weights' magnitude itself, and the one "
               "whose shrinking weight range Abid reported."),
        min_effect=RG1_MIN,
        pilot_sd=RG1_SD,
        revision="Changed after the seed-0 run: support is a downward trend with no "
                 "significant reversal over a λ range declared from the pilot (L1 λ ≤ "
                 "1, L2 λ ≤ 3); the λ beyond it are tabled, not judged. The earlier "
                 "rule (every adjacent pair significantly lower, over a range chosen "
                 "from the run's own data) gave supported. Review finding: a range read "
                 "off the verdict's data is not declared before data, and strict "
                 "per-pair drops ask more than the quote's 'decreases'.")

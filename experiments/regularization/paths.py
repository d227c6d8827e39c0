"""The λ paths of the abid2018 runs (and RG-2b's plain-SGD L2 path) and what is read off
them: RG-1 (the norm falls as λ grows), RG-2a and RG-2b (L1 vs L2 at ≈ 0); with the
constants and synthetic runs the other claims (rg3, rg4) share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import EveryMember, Trend
from harness.judge.measures import Context, Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet
from harness.train.probes import WeightStats

NAME = "regularization"
# = trainer.replicates in conf/experiment/regularization.yaml (tested): the largest
# replicates_needed (RG-4, above the cap) rounded up to a multiple of 8, capped at 24
REPLICATES = 24
# the λ path (0 = unpenalized): half-decades, so RG-2's matched norms fall between near points
PATH = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)
ABID_GRIDS = ("abid_l1", "abid_l2")  # Abid's λ ∈ {0, 0.1, 1}, evaluated on his schedule
# A net at chance has its weights at Adam's floor (jitter ±lr), where the norm no longer
# measures the penalty, so RG-1 and RG-2 read λ only up to the last that trains: keeps at
# least TRAINS_KEEP of the unpenalized net's margin over CHANCE (two balanced classes).
CHANCE, TRAINS_KEEP = 0.5, 0.5
TRAINS_RULE = (f"mean test accuracy ≥ {CHANCE:g} + {TRAINS_KEEP:g} × (λ = 0's − {CHANCE:g}), "
               "from λ = 0 up to the first λ that fails")
# Declared, not read off the verdict's data: the issue-12 pilot (8 replicates, own store,
# not committed) had mean test accuracy L1: 0.889 (λ = 0), 0.890, 0.889, 0.889, 0.869,
# 0.804 (λ = 1), 0.467 (λ = 3); L2: 0.889 (λ = 0), 0.889, 0.888, 0.890, 0.888, 0.876,
# 0.792 (λ = 3), 0.485 (λ = 10); the floor 0.69 keeps L1 λ ≤ 1 and L2 λ ≤ 3.
TRAINS_UP_TO = {"l1": 1.0, "l2": 3.0}
PENALTIES = {"L2": "l2", "L1": "l1"}  # setting name -> penalty column value, primary first
RANGE_TITLE = ("Check, not decisive: does each λ of the declared range (L1 λ ≤ "
               f"{TRAINS_UP_TO['l1']:g}, L2 λ ≤ {TRAINS_UP_TO['l2']:g}, from the pilot) train "
               f"in this run? {TRAINS_RULE}")


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``penalty`` (none / l1 / l2 / elastic / prox: proximal L1) and ``lam`` (the L1
    strength, else the L2 strength) columns."""
    if frame.empty:
        return frame.assign(penalty=[], lam=[])
    l1, l2 = frame.l1 > 0, frame.l2 > 0
    pen = pd.Series(np.select([frame.proximal.astype(bool) & l1, l1 & l2, l1, l2],
                              ["prox", "elastic", "l1", "l2"], "none"), index=frame.index)
    return frame.assign(penalty=pen, lam=np.where(pen.isin(["l1", "prox"]), frame.l1, frame.l2))


def path(rs: RunSet, penalty: str, metric: str, preset: str = "abid2018"
         ) -> dict[float, np.ndarray]:
    """λ -> per-replicate final ``metric`` (ordered by replicate) for one penalty, λ = 0
    being the unpenalized run; Abid's grids (evaluated on his schedule) are left out."""
    df = labelled(rs.sel(preset=preset))
    df = df[df.penalty.isin([penalty, "none"]) & ~df.grid.isin(ABID_GRIDS)].sort_values("replicate")
    return {float(lam): g[metric].to_numpy(float) for lam, g in df.groupby("lam")}


def datasets(rs: RunSet, preset: str) -> np.ndarray | None:
    """Each replicate's dataset (ordered by replicate), the same in every condition of a
    preset: the clusters of inference."""
    df = rs.sel(preset=preset)
    if df.empty or "dataset" not in df:
        return None
    return df.groupby("replicate").dataset.first().sort_index().to_numpy()


def declared(rs: RunSet, penalty: str) -> list[float]:
    """The λ of the path within the declared range (TRAINS_UP_TO), λ = 0 first."""
    return sorted(lam for lam in path(rs, penalty, "weight_l2")
                  if lam <= TRAINS_UP_TO[penalty])


def trains_check(rs: RunSet, penalty: str, preset: str = "abid2018",
                 lams: tuple[float, ...] | None = None) -> pd.DataFrame:
    """Whether each λ of the declared range (else λ = 0 and ``lams``) trains in this run
    (TRAINS_RULE), with the mean training accuracy beside."""
    acc, train = path(rs, penalty, "test_acc", preset), path(rs, penalty, "train_acc", preset)
    if 0.0 not in acc:
        return pd.DataFrame()
    ds, floor = datasets(rs, preset), CHANCE + TRAINS_KEEP * (mean_or_nan(acc[0.0]) - CHANCE)
    rows = []
    for lam in declared(rs, penalty) if lams is None else [0.0, *(x for x in lams if x in acc)]:
        e = stats.mean_ci(acc[lam], clusters=ds)
        rows.append({"penalty": penalty.upper(), "λ": lam, "train acc": mean_or_nan(train[lam]),
                     "test acc": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
                     "floor": floor, "above the floor": bool(e.mean >= floor)})
    out = pd.DataFrame(rows)
    return out.assign(**{"trains in this run":
                         np.logical_and.accumulate(out["above the floor"].to_numpy())})


def range_check(rs: RunSet) -> dict[str, pd.DataFrame]:
    """RG-1's and RG-2a's check beside the verdict, which reads the declared range whatever
    it says."""
    return {RANGE_TITLE: pd.concat([trains_check(rs, pen) for pen in PENALTIES.values()],
                                   ignore_index=True)}


def mean_or_nan(x: np.ndarray | None) -> float:
    return float(np.nanmean(x)) if x is not None and np.isfinite(x).any() else math.nan


def reg_rows(grid: str, preset: str, l1: float, l2: float, proximal: bool = False,
             dataset: np.ndarray | None = None, **metrics: np.ndarray) -> pd.DataFrame:
    """Synthetic final rows of one point, replicate r on dataset r unless given."""
    r = len(next(iter(metrics.values())))
    return pd.DataFrame({"grid": grid, "preset": preset, "l1": l1, "l2": l2,
                         "proximal": proximal, "replicate": np.arange(r),
                         "dataset": np.arange(r, dtype=float) if dataset is None else dataset,
                         **metrics})


def runset(frames: list[pd.DataFrame], **tables: pd.DataFrame) -> RunSet:
    return RunSet.from_tables(NAME, ["preset", "l1", "l2", "proximal"],
                              pd.concat(frames, ignore_index=True), **tables)


def point(penalty: str, lam: float, clusters: np.ndarray, preset: str = "abid2018",
          **metrics: np.ndarray) -> pd.DataFrame:
    """Synthetic final rows of one point of a λ path (λ = 0: path_l1's unpenalized run;
    preset sgd: RG-2b's grid), replicate r on dataset ``clusters[r]``; every λ trains."""
    r = len(clusters)
    grid = SGD_GRID if preset == "sgd" else f"path_{penalty}" if lam else "path_l1"
    return reg_rows(grid, preset, lam if penalty == "l1" else 0.0,
                    lam if penalty == "l2" else 0.0, dataset=np.asarray(clusters),
                    test_acc=np.full(r, 0.9), train_acc=np.full(r, 0.9),
                    weight_frac_zero=np.zeros(r), **metrics)


def by_replicate(rs: RunSet, levels: dict, column: str, preset: str = "abid2018",
                 **fixed: object) -> pd.DataFrame:
    """Long rows: per level (in ``column``) its per-replicate arrays (ordered as
    :func:`path` gives them), with each replicate's dataset and the ``fixed`` columns."""
    df = rs.sel(preset=preset)
    if df.empty or not levels:
        return pd.DataFrame()
    ds = df.groupby("replicate").dataset.first().sort_index()
    return pd.concat([pd.DataFrame({column: level, "replicate": ds.index.to_numpy(),
                                    "dataset": ds.to_numpy(), "preset": preset, **fixed,
                                    **arrays})
                      for level, arrays in levels.items()], ignore_index=True)


@dataclass(frozen=True)
class AbidPaths(Measure):
    """Base of the measures read off abid2018's L1 and L2 λ paths (λ = 0: path_l1's
    unpenalized run, shared by both penalties)."""

    grid: str | tuple[str, ...] | None = ("path_l1", "path_l2")

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        # the path points (and the elastic net's, which one selection cannot exclude)
        return {"preset": ["abid2018"], "reg.proximal": [False], "trainer.eval_every": [None],
                "reg.l1": list(PATH), "reg.l2": list(PATH)}


# Smallest effects worth reporting (headline units) and pilot SDs of the headline's
# per-replicate statistic. Pilot: results/regularization (12 replicates on 4 shared
# datasets, t-based 95% CIs over replicates), SD = CI half-width / t(0.975, 11) · √12.
# RG-1: the norm of all 3150 weights must fall by ≥ 0.2 per half-decade step of λ (≈ 2% of
# the unpenalized norm, ≈ 11 in the pilot). SD: the per-replicate trend (−OLS slope of the
# norm on the λ index over the declared range), issue-12 pilot (8 replicates, own store):
# L2 0.93 ± SD 0.146, L1 1.06 ± SD 0.187; the larger, rounded up.
RG1_MIN, RG1_SD = 0.2, 0.19


@dataclass(frozen=True)
class NormPath(AbidPaths):
    """RG-1: per penalty and replicate, the final norm of all weight matrices at each λ
    step (PATH's index) of the declared range; beside it, the range check and the norm
    at the λ beyond."""

    factor: Factor = Factor("lam_step", range(PATH.index(TRAINS_UP_TO["l2"]) + 1), "λ step")
    label: str = "norm of all weight matrices"
    by: str = "penalty"
    where: tuple = (("preset", "abid2018"),)
    value_name: ClassVar[str] = "weight_l2"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        frames = []
        for name, pen in PENALTIES.items():
            norms = path(rs, pen, "weight_l2")
            steps = {PATH.index(lam): {"lam": lam, "weight_l2": norms[lam]}
                     for lam in declared(rs, pen) if lam in PATH}
            frames.append(by_replicate(rs, steps, "lam_step", penalty=name))
        return pd.concat(frames, ignore_index=True)

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

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        ds, shown = datasets(rs, "abid2018"), []
        for name, pen in PENALTIES.items():
            norms = path(rs, pen, "weight_l2")
            for lam in sorted(x for x in norms if x > TRAINS_UP_TO[pen]):
                e = stats.mean_ci(norms[lam], clusters=ds)
                shown.append({"penalty": name, "λ": lam, "norm (mean)": e.mean,
                              "ci_low": e.ci_low, "ci_high": e.ci_high, "replicates": e.n})
        return {**range_check(rs),
                "Shown, not judged: norm of all weight matrices at the λ beyond the declared "
                "range (the net no longer trains there), mean over replicates with its 95% CI":
                    pd.DataFrame(shown)}, []


RG1 = Claim(
    "RG-1", "002 (Q46)",
    "正则化如何影响权重? (the seed: 在神经网络出现high variance也就是overfitting的时候,"
    "regularization(正则化)是一个很常用的方法; Abid 2018 Exp 12's answer: "
    "regularization decreases the magnitude of the weights)",
    "The seed asks and does not answer how; the claim tested is Abid's answer: the "
    "norm of the weights falls as the L1 or the L2 strength λ grows (non-increasing "
    "with no significant reversal, and a downward trend), over the λ at which the "
    "net still trains.",
    measure=NormPath(), rule=Trend("decreasing"),
    quantifier="all", settings=Settings("L2", ("L1",)),
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
    min_effect=RG1_MIN, pilot_sd=RG1_SD,
    revision="Changed after the seed-0 run: support is a downward trend with no "
             "significant reversal over a λ range declared from the pilot (L1 λ ≤ "
             "1, L2 λ ≤ 3); the λ beyond it are tabled, not judged. The earlier "
             "rule (every adjacent pair significantly lower, over a range chosen "
             "from the run's own data) gave supported. Review finding: a range read "
             "off the verdict's data is not declared before data, and strict "
             "per-pair drops ask more than the quote's 'decreases'.")

# "≈ 0" for RG-2: |w| below 0.1 × the root mean square of all weights of the run
# (probes.WeightStats.RELATIVE). Scale-free, so L1 and L2 are compared on the shape of
# the weights, not on their size; for Gaussian-shaped weights it holds 8% of them, and
# at the norms compared it is ≈ 0.01, about 3× the per-step jitter (lr 0.003) of a
# weight Adam pushes back and forth across 0.
NEAR_ZERO = f"weight_frac_lt_{WeightStats.RELATIVE:g}rms"
SHARE_0 = 0.08  # that share in an unpenalized net, as synthetic runs put it
# RG-2a's matched norms: shares of the deepest shrinkage both penalties reach while the net
# trains, so every target is reachable in every replicate and profile (pilot: L1 reaches
# 0.52 of the unpenalized norm, L2 0.48; targets ≈ 0.84, 0.68, 0.52)
NORM_RATIOS = (1 / 3, 2 / 3, 1.0)
# RG-2a: L1 must put at least a tenth more of all weights at ≈ 0 than L2 at the same
# norm: more than doubling the ≈ 8% an unpenalized net has there. SD: a pilot of 8
# replicates of this sweep (own store, not committed), per-replicate L1 − L2 at the
# matched norms: 0.02, 0.10, 0.10 (the largest taken).
RG2A_MIN, RG2A_SD = 0.1, 0.1
# RG-2b's margin, from the threshold alone (no run; why: the claim's notes): at equal RMS a
# Laplace puts 1 − exp(−0.1·√2) = 0.132 of its mass below 0.1 RMS, a Gaussian
# erf(0.1/√2) = 0.080. SD: pilot as above, L2 λ = 3 − λ = 0 (the deciding λ).
LAPLACE_SHARE = 1 - math.exp(-WeightStats.RELATIVE * math.sqrt(2))
GAUSS_SHARE = math.erf(WeightStats.RELATIVE / math.sqrt(2))
RG2B_MARGIN = round(LAPLACE_SHARE - GAUSS_SHARE, 3)
RG2B_SD = 0.015
# RG-2b's settings and their L2 paths, one λ per λ step (the members; equal lengths:
# tested). sgd's lr and λ: the claim's notes (λ_max of the unpenalized training loss's
# Hessian 13.5 to 17.7 over 16 replicates: scripts/sgd_stability_limit.py), as many steps
# as abid2018's; abid2018: RG-1's declared range.
SGD_GRID, SGD_LR, SGD_STEPS = "sgd_l2", 0.1, 750
RG2B_L2 = {"sgd": (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1),
           "abid2018": tuple(lam for lam in PATH if 0 < lam <= TRAINS_UP_TO["l2"])}


def at_norm(norms: dict[float, np.ndarray], ys: dict[float, np.ndarray],
            lams: list[float], ratio: float | np.ndarray) -> np.ndarray:
    """Per replicate, ``ys`` where the norm of all weights first falls to ``ratio`` (one
    value, or one per replicate) × its λ = 0 value along the path ``lams``, linearly
    interpolated between the two λ that bracket it; NaN where no λ reaches it."""
    n = np.stack([norms[lam] for lam in lams]) / norms[0.0]  # (λ, R)
    y = np.stack([ys[lam] for lam in lams])
    ratio = np.broadcast_to(np.asarray(ratio, float), n.shape[1:])
    out = np.full(n.shape[1], math.nan)
    for r in range(n.shape[1]):
        below = np.flatnonzero(n[:, r] <= ratio[r])
        if len(below) and below[0] > 0:
            i = below[0]
            t = (n[i - 1, r] - ratio[r]) / (n[i - 1, r] - n[i, r])
            out[r] = y[i - 1, r] + t * (y[i, r] - y[i - 1, r])
    return out


@dataclass(frozen=True)
class MatchedShare(AbidPaths):
    """RG-2a: per replicate, L1's minus L2's share of weights at ≈ 0 where the norm has
    shrunk by each share (NORM_RATIOS) of the deepest shrinkage both penalties reach in
    that replicate over the declared range."""

    factor: Factor = Factor("shrinkage", [str(Fraction(q).limit_denominator(9))
                                          for q in NORM_RATIOS],
                            "share of the deepest common shrinkage")
    label: str = "share of weights at ≈ 0 (|w| < 0.1 RMS), L1 − L2 at a matched norm"
    value_name: ClassVar[str] = "l1_minus_l2"
    REACH = 0.75  # synthetic runs' deepest shrinkage: 1 − 0.25, both exact in binary

    def rows(self, rs: RunSet) -> pd.DataFrame:
        runs = {}
        for pen in PENALTIES.values():
            lams = declared(rs, pen)
            if len(lams) < 2 or lams[0] != 0.0:
                return pd.DataFrame()
            runs[pen] = path(rs, pen, "weight_l2"), path(rs, pen, NEAR_ZERO), lams
        reach = np.maximum(*[np.min([n[lam] / n[0.0] for lam in lams], axis=0)
                             for n, _, lams in runs.values()])
        levels = {}
        for label, q in zip(self.factor.levels, NORM_RATIOS, strict=True):
            l1, l2 = (at_norm(*runs[pen], 1 - q * (1 - reach)) for pen in ("l1", "l2"))
            levels[label] = {"L1": l1, "L2": l2, "l1_minus_l2": l1 - l2}
        return by_replicate(rs, levels, "shrinkage", preset="abid2018")

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Paths whose norms hit every matched target exactly (norm 8 at λ = 0, both
        penalties down to REACH), with L2's share at ≈ 0 at SHARE_0 and L1's SHARE_0 + the
        table's value on both sides of each target, so :func:`at_norm` reads it back."""
        (_, t), = tables.items()
        k, r = len(t.levels), len(t.clusters)
        targets = 1 - np.asarray(NORM_RATIOS) * (1 - self.REACH)
        d = [SHARE_0 + t.column(level) for level in t.levels]
        l1 = [(targets[0], d[0])] + [p for i in range(1, k) for p in ((targets[i - 1], d[i]),
                                                                        (targets[i], d[i]))]
        base = np.full(r, SHARE_0)
        frames = [point("l1", 0.0, t.clusters, weight_l2=np.full(r, 8.0),
                         **{NEAR_ZERO: base})]
        for pen, points in (("l1", l1), ("l2", [(x, base) for x in targets])):
            lams = [lam for lam in PATH if 0 < lam <= TRAINS_UP_TO[pen]]
            points += [points[-1]] * (len(lams) - len(points))
            frames += [point(pen, lam, t.clusters, weight_l2=np.full(r, 8.0 * ratio),
                              **{NEAR_ZERO: share})
                       for lam, (ratio, share) in zip(lams, points, strict=True)]
        return runset(frames)

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        shares = self.cached_rows(rs).groupby("shrinkage", sort=False).agg(
            L1=("L1", "mean"), L2=("L2", "mean"),
            replicates=("l1_minus_l2", lambda x: int(np.isfinite(x).sum()))).reset_index()
        zero = {pen: path(rs, pen, "weight_frac_zero") for pen in ("l1", "l2", "prox")}
        lams = sorted(lam for lam in set().union(*map(set, zero.values())) if lam > 0)
        return {
            "Share of weights at ≈ 0 (|w| < 0.1 × RMS of all weights) where the norm of all "
            "weights has shrunk by the given share of the deepest shrinkage both penalties "
            "reach in that replicate while training (interpolated along each penalty's λ "
            "path), mean over the replicates reaching it in both": shares,
            **range_check(rs),
            "Share of weights exactly 0 at the end, mean over replicates (float32: the "
            "subgradient never lands on 0; the proximal step does)": pd.DataFrame([
                {"λ": lam, "L1": mean_or_nan(zero["l1"].get(lam)),
                 "L2": mean_or_nan(zero["l2"].get(lam)),
                 "L1, proximal step": mean_or_nan(zero["prox"].get(lam))} for lam in lams])}, []


def _decay(lam: float) -> str:
    """The exponent of what weight decay alone does to a weight over RG-2b's SGD run."""
    return f"e^−{2 * SGD_LR * lam * SGD_STEPS:.2g}"


def _l2_steps(setting: str) -> str:
    return ", ".join(f"{lam:g}" for lam in RG2B_L2[setting])


@dataclass(frozen=True)
class ShareRise(AbidPaths):
    """RG-2b: per setting (the preset), replicate and λ step k (the k-th λ > 0 of
    RG2B_L2[setting]) at which the net trains in this run, the share of weights at ≈ 0
    minus the unpenalized net's; a step where it does not is shown with the reason."""

    factor: Factor = Factor("lam_step", range(1, len(RG2B_L2["sgd"]) + 1),
                            "L2 λ step (" + "; ".join(f"{name}: λ {_l2_steps(name)}"
                                                      for name in RG2B_L2) + ")")
    label: str = "share of weights at ≈ 0 (|w| < 0.1 RMS), L2 at λ − at λ = 0"
    grid: str | tuple[str, ...] | None = ("path_l1", "path_l2", SGD_GRID)
    no_value: ClassVar[str] = "the net does not train there in this run: shown, not judged"
    value_name: ClassVar[str] = "rise"

    def describe(self) -> str:
        return (f"{self.label}, at each λ step at which the net trains in this run "
                f"({TRAINS_RULE}; a λ step at which it does not is shown, not judged: it "
                "is no member, nor counted by Holm)")

    def steps(self, rs: RunSet) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """(Every λ step of each setting's path per replicate, with whether the net trains
        there, ``trains``; each setting's :func:`trains_check`)."""
        frames, checks = [], {}
        for setting, lams in RG2B_L2.items():
            ys = path(rs, "l2", NEAR_ZERO, setting)
            check = checks[setting] = trains_check(rs, "l2", setting, lams)
            trains = set(check["λ"][check["trains in this run"]]) if len(check) else set()
            levels = {k: {"lam": lam, "share": ys[lam], "share at λ = 0": ys[0.0],
                          "rise": ys[lam] - ys[0.0], "trains": lam in trains}
                      for k, lam in enumerate(lams, 1) if lam in ys and 0.0 in ys}
            frames.append(by_replicate(rs, levels, "lam_step", setting))
        return pd.concat(frames, ignore_index=True), checks

    def rows(self, rs: RunSet) -> pd.DataFrame:
        # a step where the net does not train has no value (a setting where none trains
        # is not testable rather than missing)
        steps = self.steps(rs)[0]
        return steps.assign(rise=steps.rise.where(steps.trains)) if len(steps) else steps

    def levels_in(self, setting: str) -> None:
        return None  # the members are this run's: the λ steps at which the net trains

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        return {**super().selection(settings), "preset": list(RG2B_L2), "reg.l1": [0.0],
                "reg.l2": [0.0, *sorted({lam for lams in RG2B_L2.values() for lam in lams})]}

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Each setting's L2 path with SHARE_0 at ≈ 0 at λ = 0, plus the table's rise at
        each λ step."""
        frames = []
        for setting, t in tables.items():
            r, lams = len(t.clusters), RG2B_L2[setting]
            frames += [point("l2", lam, t.clusters, setting, weight_l2=np.full(r, 8.0),
                             **{NEAR_ZERO: SHARE_0 + rise})
                       for lam, rise in [(0.0, np.zeros(r)),
                                         *((lams[k - 1], t.column(k)) for k in t.levels)]]
        return runset(frames)

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> Context:
        steps, checks = self.steps(rs)
        shares = steps.groupby(["preset", "lam_step", "lam", "trains"], sort=False)[
            ["share", "share at λ = 0"]].mean().reset_index().rename(
            columns={"preset": "setting", "lam_step": "λ step", "lam": "λ",
                     "trains": "judged (trains in this run)"})
        tables = {"L2: share of weights at ≈ 0 (|w| < 0.1 × RMS of all weights) at each λ "
                  "and at λ = 0, mean over replicates; a λ at which the net does not train "
                  "is shown, not judged": shares,
                  f"Decides which λ are judged: does each λ train in this run? {TRAINS_RULE}":
                      pd.concat([c.assign(setting=s) for s, c in checks.items()],
                                ignore_index=True)}
        notes = []
        for setting in judged:
            table = self.read(rs, setting)
            if table is not None and (table := table.thin()[0]).levels:
                notes.append(_rg2b_note(setting, table, shares[shares.setting == setting]))
        for setting in judged:
            check = checks[setting]
            gone = check[~check["trains in this run"]] if len(check) else check
            if len(gone):
                why = [f"{r['λ']:g} (test accuracy {r['test acc']:.3f}"
                       + (f" < floor {r['floor']:.3f})" if not r["above the floor"]
                          else f" ≥ floor {r['floor']:.3f}, but above the first λ that fails)")
                       for _, r in gone.iterrows()]
                notes.append(f"RG-2b in {setting}: λ {', '.join(why)} shown, not judged: the "
                             "net does not train there in this run.")
        return tables, notes


def _rg2b_note(setting: str, table: Table, shares: pd.DataFrame) -> str:
    """How near its margin RG-2b is decided in ``setting``: this run's numbers at the λ
    step of the largest increase."""
    effects = [stats.mean_ci(table.column(k), clusters=table.clusters) for k in table.levels]
    i = int(np.nanargmax([e.mean for e in effects]))
    row, e = shares.set_index("λ step").loc[table.levels[i]], effects[i]
    s0, s1 = row["share at λ = 0"], row["share"]
    return (f"RG-2b in {setting}: the largest increase is at L2 λ = {row['λ']:g} (step "
            f"{table.levels[i]}), where the share at ≈ 0 goes from {s0:.3f} (λ = 0) to "
            f"{s1:.3f}, ×{s1 / s0:.2f}: {e.mean:+.3f} [{e.ci_low:+.3f}, {e.ci_high:+.3f}] "
            f"against the margin {RG2B_MARGIN:g}.")


RG2A = Claim(
    "RG-2a", "001",
    "L1 正则化:增加了所有权重w参数的绝对值之和,逼迫更多的w为0,也就是变稀疏",
    "L1 drives more weights to ≈ 0 than L2 does: at the same shrinkage of the "
    "weights (equal norm, not equal λ, whose units differ between the penalties), "
    "L1 leaves a larger share of the weights at ≈ 0 (|w| < 0.1 × the RMS of all "
    "weights).",
    measure=MatchedShare(), rule=EveryMember("positive"),
    quantifier="primary", settings=Settings("abid2018"),
    notes=("Matched norms: per replicate, each penalty's share at ≈ 0 is interpolated "
           "(linearly, between the two λ that bracket it) where the norm of all weights "
           "has shrunk (1 − norm / unpenalized norm) by 1/3, 2/3 and all of the deepest "
           "shrinkage both penalties reach in that replicate over RG-1's declared "
           "range, so every target is reached.",
           "Subgradient L1 as Abid; the proximal step's exact zeros are shown beside."),
    min_effect=RG2A_MIN, pilot_sd=RG2A_SD, parent="RG-2",
    min_effect_first=0.2,  # RG-2's, before the split (4a3cadc)
    revision="Split from RG-2 after the seed-0 run, with its data in view (4a3cadc): RG-2 "
             "compared L1 and L2 at equal λ ∈ {0.1, 1, 10} on the share of |w| < 1e-3 "
             "(every λ significantly positive) and required no L2 weight exactly 0; it "
             "gave supported, 0.716 [0.597, 0.834] (λ = 10, the weakest). RG-2a keeps the "
             "L1 half, compared at matched shrinkage of the weights' norm (1/3, 2/3 and "
             "all of the deepest both penalties reach over RG-1's λ range: at 4a3cadc the "
             "λ that trained in the run itself, since ed53380 declared from the pilot), "
             "with ≈ 0 as |w| < 0.1 × the RMS of all weights and the smallest effect 0.2 → "
             f"{RG2A_MIN:g}. Why (4a3cadc): the two penalties' λ are in different units, "
             "and a threshold relative to the weights' scale compares their shape, not "
             "their size.")
RG2B = Claim(
    "RG-2b", "001",
    "L2 正则化:增加了所有权重w参数的平方之和, 逼迫所有w趋向于0但是不为0",
    "L2 shrinks all weights toward 0 without making them 0: at no λ of the declared "
    "paths at which the net trains in this run does L2 raise the share of weights at ≈ 0 "
    "(|w| < 0.1 × the RMS of all weights) "
    f"over the unpenalized net's by {RG2B_MARGIN:g} or more, the share by which a Laplace "
    "shape (L1's prior) exceeds a Gaussian one (L2's) at equal RMS. Primary: plain SGD "
    f"(lr {SGD_LR:g}) with the quote's sum of squares λ·Σw², i.e. weight decay, λ "
    f"{_l2_steps('sgd')}; robustness: Abid's Adam with λ·mean(W²) over RG-1's declared "
    f"range, λ {_l2_steps('abid2018')} (the shrinking itself is RG-1's L2 setting). "
    "Exact zeros cannot decide it: a float32 weight under a "
    "(sub)gradient step never lands on 0.",
    measure=ShareRise(), rule=EveryMember("negative", null=RG2B_MARGIN),
    quantifier="primary", settings=Settings("sgd", ("abid2018",)),
    notes=(f"The margin {RG2B_MARGIN:g} comes from the threshold alone: at equal RMS a "
           f"Laplace puts {LAPLACE_SHARE:.3f} of its mass below {WeightStats.RELATIVE:g} "
           f"RMS, a Gaussian {GAUSS_SHARE:.3f}; L1 is the negative log of a Laplace prior, L2 of a "
           "Gaussian one, so a rise by their difference moves the weights as far toward 0 "
           "as trading L2's shape for L1's.",
           "sgd is primary: the quote's mechanism is the penalty's gradient 2λw, "
           "proportional to the weight, so that plain gradient descent scales every "
           "weight by 1 − 2·lr·λ a step, toward 0 and never onto it. Adam divides that "
           "gradient by its running RMS, so a weight the loss leaves alone moves by about "
           "±lr a step, a sign step like L1's: abid2018 (Abid's setup) is judged as "
           "robustness, where the quote's reasoning does not carry.",
           f"sgd: lr {SGD_LR:g} is the largest half-decade lr below gradient descent's "
           "stability limit 2/λ_max at initialization (λ_max of the unpenalized loss's "
           "Hessian ≈ 16, on a data seed no verdict uses); its λ are half-decades whose "
           f"decay alone over the {SGD_STEPS} steps, exp(−2·lr·λ·{SGD_STEPS}), runs from "
           f"{_decay(RG2B_L2['sgd'][0])} (barely felt) to {_decay(RG2B_L2['sgd'][-1])} (a "
           "weight erased).",
           f"Both settings judge a λ only where the net trains in this run ({TRAINS_RULE}): "
           "the restatement is about the λ at which the net trains; a λ at which it does "
           "not is shown with its share and the reason, not judged."),
    min_effect=RG2B_MARGIN, pilot_sd=RG2B_SD, null_value=RG2B_MARGIN, no_effect=True,
    parent="RG-2",
    revision="Split from RG-2 after the seed-0 run, with its data in view (4a3cadc): RG-2's "
             "L2 half was 'no L2 weight exactly 0' over λ 0.01 to 100 (any exact zero "
             "refuted), which held, and RG-2 gave supported, 0.716 [0.597, 0.834] (its L1 "
             "− L2 share at λ = 10). RG-2b instead bounds the rise of L2's share at ≈ 0 "
             "(|w| < 0.1 × the RMS of all weights) over λ = 0's: below 0.1 at every λ of "
             "RG-1's range (at 4a3cadc the λ that trained in the run itself; since ed53380 "
             "declared from the pilot, λ ≤ 3). Why (4a3cadc): exact zeros cannot decide it, "
             "as a float32 weight under a (sub)gradient step never lands on 0. "
             "Revised again after seeds 0, 1 and 17 had run (review finding: 'RG-2b's "
             "margin 0.1 was set with the pilot's +0.094 in view; under Adam the L2 penalty "
             "acts like a sign step'; asked: an SGD setting and a margin not taken from the "
             f"pilot): the margin 0.1 → {RG2B_MARGIN:g}, the share at ≈ 0 by which a "
             "Laplace shape exceeds a Gaussian one at equal RMS (L1's and L2's priors), "
             "from the threshold alone; setting sgd added (grid sgd_l2: plain SGD, lr "
             f"{SGD_LR:g} from the stability limit at initialization, the quote's λ·Σw², "
             f"λ {_l2_steps('sgd')}; its lr, λ and role declared before its runs) and made "
             "primary, as the quote's reasoning (a step proportional to the weight) is "
             "plain gradient descent's; abid2018 robustness; members are λ steps, as the "
             "settings' λ differ. The earlier rule (margin 0.1, abid2018 alone) gave seed 0 "
             "supported, 0.075 [0.062, 0.088] (λ = 3, the weakest member); seed 1 "
             "supported, 0.057 [0.035, 0.079] (λ = 3); seed 17 inconclusive, 0.076 [0.051, "
             "0.100] (λ = 3). "
             "Revised again after seed 0's sgd runs had been seen (the sgd nets train up "
             "to λ = 0.003, mean train accuracy 0.81 → 0.74, and are at chance from λ = "
             "0.01): sgd's whole path was judged whatever the trains check said; now both "
             "settings judge a λ only where the net trains in this run (the declared "
             f"TRAINS_RULE, {TRAINS_RULE}), a λ that does not being shown, not judged, "
             "with the reason. Why: the restatement now reads 'at no λ at which the net "
             "trains'. This reverses a choice 9a35c09 had made on purpose before any sgd "
             "run: 'The whole path is judged: under SGD a weight decays without Adam's "
             "±lr jitter, so the share still measures the penalty where the net stops "
             "training; the trains check is shown beside.' It was reversed after that "
             "rule had refuted the claim, and it turns the label from refuted to "
             "supported: what is supported is L2 at λ ≤ 0.003 under SGD (the weight "
             "norm shrinking by about a third), not the penalty at strengths that stop "
             "the net training. The earlier rule gave seed 0 refuted: sgd 0.340 [0.197, "
             "0.482] at λ = 0.1, where the net is "
             "at chance (0.236 [0.094, 0.379] on its first 16 replicates, the data seen "
             "when this revision was asked for), abid2018 refuted, 0.076 [0.063, 0.089] "
             f"at λ = 3 (0.075 [0.062, 0.088] on 16) against the margin {RG2B_MARGIN:g}; "
             "on seeds 1 and 17 (24 replicates, run after this revision was written; "
             "their sgd nets also at chance from λ = 0.01) it gave refuted, sgd 0.411 "
             "[0.256, 0.567] (λ = 0.1), abid2018 inconclusive, 0.065 [0.048, 0.082] (λ = "
             "3), and refuted, sgd 0.260 [0.140, 0.380] (λ = 0.1), abid2018 refuted, 0.080 "
             "[0.063, 0.096] (λ = 3); on seed 29 (run under the rules frozen at "
             "96f296d) sgd 0.462 [0.315, 0.609] at λ = 0.1: refuted under all four "
             "seeds.")

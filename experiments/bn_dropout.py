"""Batch norm × dropout: "1+1>2", or worse than either alone? Claims BD-1 ... BD-6.

No 2018 original. The anchor is Li, Chen, Hu, Yang (CVPR 2019): dropout changes a unit's
variance between training and test, and a BN layer fed by dropout then normalizes test
data with running statistics that no longer match (variance shift); dropout only after
the last BN avoids it. Factorial design on two tasks where the plain net overfits
(presets bn_digits, bn_gaussian); the ``batch_norm`` and ``dropout`` probes measure the
mechanism. Every replicate has its own dataset; conditions are paired by replicate.
Verdicts read final.csv and the probes' tables; figures also the curves.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import (  # noqa: E402
    IMPLEMENTATION,
    Claim,
    Experiment,
    Outcome,
    Setting,
    Verdict,
    missing,
)
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet  # noqa: E402

NAME = "bn_dropout"
# trainer.replicates in conf/experiment/bn_dropout.yaml (tests check they agree): the max
# over the claims' replicates_needed (BD-3: 35), rounded up to a multiple of 8
REPLICATES = 24
PRIMARY = ("bn_digits", 128)  # the primary setting of BD-1, -2, -3, -4, -5, -6
SETTINGS = (("bn_digits", 128), ("bn_digits", 32), ("bn_gaussian", 32))  # declared
RATES = {"bn_digits": (0.1, 0.3, 0.5), "bn_gaussian": (0.3,)}  # dropout p per task
MAX_P = 0.5
PLACEMENTS = {"every": "dropout before BN (every)", "last": "dropout after the last BN (last)"}
MARGIN = 0.01  # accuracy: BN+DO less than one point above a single is "no better" (BD-3)
RUNNING_TOL = 1e-4  # eval output vs hand-written running-stat normalization (float32)
BATCH_MIN = 1e-2  # eval vs batch-statistics output must differ by at least this (BD-4)
# BD-5: the dropout mean's error in units of its Monte-Carlo error. Inverted dropout
# gives ≈ 1 (the noise of 100 draws; 0.99-1.03 in the pilot); a missing 1/(1−p)
# rescaling gives p/√(p/((1−p)·100)) = 3.0, 4.6, 5.0 at p = 0.1, 0.3, 0.5, so a refutation
# bound of 5 (as first declared) could never catch it: 2.5 does at every p swept.
MC_OK, MC_BAD = 2.0, 2.5

# Smallest effects worth reporting (headline units) and pilot SDs of the headline's
# per-replicate statistic. Pilot: results/bn_dropout (12 replicates on 4 shared datasets,
# t-based 95% CIs over replicates), SD = CI half-width / t(0.975, 11) · √12, primary
# setting digits w128.
# Gap reductions (BD-1, BD-2): 2 points of accuracy (4 of 200 test images, a sixth of the
# plain net's gap of 0.116); less does not "prevent overfitting" in a way worth reporting.
GAP_MIN = 0.02
BD1_SD = 0.019  # gap reduction by BN: 0.018 ± 0.0119
BD2_SD = 0.031  # gap reduction by dropout p = 0.1, the deciding (weakest) p: 0.009 ± 0.0195
# Steps to target (BD-1's other member): one evaluation interval (600 steps / 30 evals).
# The pilot page gives only medians, so the simulation's SD of the per-replicate step
# difference (STEPS_SD) is an assumption: two evaluation intervals.
MIN_STEPS, STEPS_SD = 20.0, 40.0
# Test-accuracy differences (BD-3, BD-6): one point (2 of 200 test images). BD-3's
# min_effect is the distance from "no better at all" (0) to its margin (+0.01).
ACC_MIN = 0.01
BD3_SD = 0.0205  # BN+DO − BN at p = 0.1, dropout every (the noisiest cell): 0.006 ± 0.013
BD6_SD = 0.014  # after − before ReLU: −0.021 ± 0.0088
STATS_COLUMNS = ["mean", "ci_low", "ci_high", "p"]
RUN_KEYS = ["grid", "batch_norm", "dropout", "dropout_placement", "bn_after_activation"]


def label(setting: tuple[str, int]) -> str:
    return f"{setting[0].removeprefix('bn_')} w{setting[1]}"


def placement_label(setting: tuple[str, int], placement: str) -> str:
    return f"{label(setting)} / {PLACEMENTS[placement]}"


@dataclass
class Runs:
    """final.csv indexed once by condition: (preset, width, BN, BN after the activation,
    dropout p, placement ('' without dropout)) -> its rows, ordered by replicate."""

    frames: dict[tuple, pd.DataFrame]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Runs:
        keys = ["preset", "width", "batch_norm", "bn_after_activation", "dropout",
                "dropout_placement"]
        if frame.empty:
            return cls({})
        out = {}
        for (preset, width, bn, after, p, place), g in frame.groupby(keys, sort=False):
            key = (preset, int(width), bool(bn), bool(after), float(p),
                   str(place) if p > 0 else "")
            out[key] = g.sort_values("replicate")
        return cls(out)

    def get(self, s: tuple[str, int], bn: bool, p: float = 0.0, placement: str = "every",
            after: bool = False) -> pd.DataFrame | None:
        return self.frames.get((s[0], s[1], bn, after, float(p), placement if p > 0 else ""))

    def settings(self) -> list[tuple[str, int]]:
        """(preset, width) pairs that ran, primary first, then in declared order."""
        found = {(k[0], k[1]) for k in self.frames}
        order = [s for s in SETTINGS if s in found]
        return order + sorted(found - set(order))

    def rates(self, s: tuple[str, int]) -> list[float]:
        return sorted({k[4] for k in self.frames if k[:2] == s and k[4] > 0})

    def clusters(self, s: tuple[str, int]) -> np.ndarray | None:
        """Each replicate's dataset (ordered by replicate), from any run of the setting."""
        frame = next((f for k, f in self.frames.items() if k[:2] == s), None)
        if frame is None or "dataset" not in frame:
            return None
        return frame.dataset.to_numpy()


def _acc(frame: pd.DataFrame) -> np.ndarray:
    return frame.test_acc.to_numpy(float)


def _gap(frame: pd.DataFrame) -> np.ndarray:
    return (frame.train_acc - frame.test_acc).to_numpy(float)


def _steps(frame: pd.DataFrame) -> np.ndarray:
    return np.nan_to_num(frame.steps_to_target.to_numpy(float), nan=np.inf)  # never = ∞




def _stats(e: stats.Effect, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": v for k, v in zip(STATS_COLUMNS, (e.mean, e.ci_low, e.ci_high,
                                                              e.p), strict=True)}


def _family_rows(setting: str, members: list[str], fam: stats.Family) -> list[dict]:
    return [{"setting": setting, "member": m, **_stats(e),
             "p_holm_opposite": fam.p_against[i], "holds": bool(fam.holds[i]),
             "opposite": bool(fam.against[i])}
            for i, (m, e) in enumerate(zip(members, fam.effects, strict=True))]


# ---------------------------------------------------------------- BD-1, BD-2

def decide_bd1(rs: RunSet) -> Outcome:
    runs = Runs.of(rs.final)
    settings, rows = [], []
    for s in runs.settings():
        plain, bn = runs.get(s, False), runs.get(s, True)
        if plain is None or bn is None:
            continue
        steps = stats.sign_test(_steps(plain), _steps(bn))
        gap = stats.paired(_gap(plain), _gap(bn), clusters=runs.clusters(s))
        fam = stats.family([steps, gap], +1, "all")
        members = ["steps to target saved (median, sign test)",
                   "train–test gap reduction (paired t)"]
        settings.append(Setting(label(s), fam.verdict, fam.effect,
                                f"{members[fam.deciding]}: {stats.how_decided(fam.verdict)}"))
        fam_rows = _family_rows(label(s), members, fam)
        fam_rows[0].update(plain=float(np.median(_steps(plain))),
                           BN=float(np.median(_steps(bn))))
        fam_rows[1].update(plain=float(np.nanmean(_gap(plain))),
                           BN=float(np.nanmean(_gap(bn))))
        rows += fam_rows
    if not settings:
        return missing("BD-1 needs plain and BN-only runs")
    table = pd.DataFrame(rows)
    table = table[["setting", "member", "plain", "BN", *STATS_COLUMNS, "p_holm_opposite",
                   "holds", "opposite"]].rename(columns={"mean": "plain − BN"})
    return Outcome(settings, {
        "Plain vs BN alone (no dropout), paired over replicates; steps to the preset's "
        "held-out target (never reached = ∞): medians and the sign test's median "
        "difference with its order-statistic CI; gap = train − test accuracy": table})


def decide_bd2(rs: RunSet) -> Outcome:
    runs = Runs.of(rs.final)
    settings, rows = [], []
    for s in runs.settings():
        plain = runs.get(s, False)
        ps = [p for p in runs.rates(s) if runs.get(s, False, p) is not None]
        if plain is None or not ps:
            continue
        base = _gap(plain)
        effects = [stats.paired(base, _gap(runs.get(s, False, p)), clusters=runs.clusters(s))
                   for p in ps]
        fam = stats.family(effects, +1, "all")
        settings.append(Setting(label(s), fam.verdict, fam.effect,
                                f"rate {ps[fam.deciding]:g}: {stats.how_decided(fam.verdict)}"))
        for row, p in zip(_family_rows(label(s), [f"rate {p:g}" for p in ps], fam), ps,
                          strict=True):
            rows.append({**row, "gap plain": float(np.nanmean(base)),
                         "gap dropout": float(np.nanmean(_gap(runs.get(s, False, p))))})
    if not settings:
        return missing("BD-2 needs plain and dropout-only runs")
    table = pd.DataFrame(rows).rename(columns={"mean": "gap reduction", "member": "dropout"})
    return Outcome(settings, {
        "Dropout after every block, no BN, vs plain; gap = train − test accuracy, "
        "reduction = plain − dropout, paired over replicates": table})


# ---------------------------------------------------------------- BD-3

def bd3_cell(runs: Runs, s: tuple[str, int], p: float, placement: str) -> dict | None:
    """One 2×2 cell: BN+DO against each single, and the interaction contrast."""
    parts = {"none": runs.get(s, False), "BN": runs.get(s, True),
             "DO": runs.get(s, False, p, placement), "both": runs.get(s, True, p, placement)}
    if any(v is None for v in parts.values()):
        return None
    acc = {k: _acc(v) for k, v in parts.items()}
    ds = runs.clusters(s)
    # both decisions are made against the margin: "no better" = the 95% CI upper bound
    # below +MARGIN against either single; "better" = significantly above +MARGIN
    # against both singles (intersection-union p: the larger of the two)
    vs = {k: stats.paired(acc["both"], acc[k], null=MARGIN, clusters=ds) for k in ("BN", "DO")}
    # "no better" rests on the comparison with the lower upper bound (the single BN+DO is
    # hardest to beat by the CI, not necessarily the single with the higher mean)
    hardest = min(vs, key=lambda k: vs[k].ci_high)
    above = all(e.mean > MARGIN for e in vs.values())
    # "better than both" rests on the comparison with the larger p (intersection-union)
    weaker = max(vs, key=lambda k: vs[k].p)
    return {"p": p, "acc": acc, "vs": vs, "hardest": hardest,
            "no_better": bool(vs[hardest].ci_high < MARGIN),
            "better_p": vs[weaker].p if above else 1.0, "better_against": weaker,
            "contrast": stats.mean_ci(acc["both"] - acc["BN"] - acc["DO"] + acc["none"],
                                      clusters=ds)}


def _higher_note(cell: dict, single: str) -> str:
    """Say so when the single decided against is not the one with the higher mean."""
    means = {k: float(np.nanmean(cell["acc"][k])) for k in ("BN", "DO")}
    top = max(means, key=means.get)
    if top == single:
        return ""
    return (f" ({top} alone scores higher, {means[top]:.3f} vs {means[single]:.3f}; "
            f"BN+DO − {top} = {cell['vs'][top].fmt()})")


def decide_bd3(rs: RunSet) -> Outcome:
    runs = Runs.of(rs.final)
    settings, rows, contrasts = [], [], []
    for s in runs.settings():
        for placement in PLACEMENTS:
            cells = [c for p in runs.rates(s) if (c := bd3_cell(runs, s, p, placement))]
            if not cells:
                continue
            name = placement_label(s, placement)
            reject, p_holm = stats.holm([c["better_p"] for c in cells])
            if reject.any():
                i = int(np.argmin(p_holm))
                c = cells[i]
                # its p: the one the decision was taken at, Holm-adjusted over rates
                single = c["better_against"]
                setting = Setting(name, stats.REFUTED,
                                  replace(c["vs"][single], p=float(p_holm[i])),
                                  f"rate {c['p']:g}, vs {single}: BN+DO more than "
                                  f"+{MARGIN:g} above both singles; effect = BN+DO − "
                                  f"{single}, the comparison with the larger p, which "
                                  f"'better than both' rests on (Holm over rates)"
                                  + _higher_note(c, single))
            else:
                i = max(range(len(cells)), key=lambda j: cells[j]["vs"][
                    cells[j]["hardest"]].ci_high)
                c = cells[i]
                single = c["hardest"]
                ok = all(x["no_better"] for x in cells)
                setting = Setting(name, stats.SUPPORTED if ok else stats.INCONCLUSIVE,
                                  c["vs"][single],
                                  f"rate {c['p']:g}, vs {single}: effect = BN+DO − {single}, "
                                  "the comparison with the lower 95% upper bound, " + (
                                      f"below +{MARGIN:g} (the weakest rate)" if ok else
                                      f"reaching +{MARGIN:g}") + _higher_note(c, single))
            settings.append(setting)
            for c, ph in zip(cells, p_holm, strict=True):
                means = {k: float(np.nanmean(v)) for k, v in c["acc"].items()}
                rows.append({
                    "setting": name, "dropout p": c["p"], "none": means["none"],
                    "BN": means["BN"],
                    "DO": means["DO"], "BN+DO": means["both"],
                    **_stats(c["vs"]["BN"], "BN+DO − BN "), **_stats(c["vs"]["DO"],
                                                                    "BN+DO − DO "),
                    "single with lower upper bound": c["hardest"],
                    "no better": bool(c["no_better"]),
                    "p (better than both)": c["better_p"], "Holm p (better)": float(ph)})
                contrasts.append({"setting": name, "dropout p": c["p"],
                                  **_stats(c["contrast"], "contrast ")})
    if not settings:
        return missing("BD-3 needs the 2×2 cells")
    table = pd.DataFrame(rows)
    return Outcome(settings, {
        "Test accuracy of the 2×2 cells; BN+DO minus each single, paired over replicates "
        "(95% CIs; p against +0.01; 'no better': the upper bound against the single with "
        "the lower upper bound is below +0.01)": table,
        "Interaction contrast acc(BN+DO) − acc(BN) − acc(DO) + acc(none), paired over "
        "replicates, t-based 95% CI (reported, not decisive)": pd.DataFrame(contrasts)},
        notes=["A two-way ANOVA of every cell (replicates as blocks) is on this page below, "
               "under Figures."])


# ---------------------------------------------------------------- BD-4..BD-6

def _last(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.step == frame.step.max()]


def _probe_settings(table: pd.DataFrame) -> list[tuple[str, int]]:
    found = {(p, int(w)) for p, w in table[["preset", "width"]].drop_duplicates()
             .itertuples(index=False)}
    return [s for s in SETTINGS if s in found] + sorted(found - set(SETTINGS))


def _probe_clusters(rs: RunSet, s: tuple[str, int], reps: np.ndarray) -> np.ndarray | None:
    fin = rs.final
    if fin.empty or "dataset" not in fin:
        return None
    of = fin[(fin.preset == s[0]) & (fin.width == s[1])].groupby("replicate").dataset.first()
    return of.reindex(reps).to_numpy()


def decide_bd4(rs: RunSet) -> Outcome:
    bn = rs.table("batch_norm")
    if bn.empty:
        return missing("BD-4 needs BN runs with the batch_norm probe")
    settings, rows = [], []
    for s in _probe_settings(bn):
        last = _last(bn[(bn.preset == s[0]) & (bn.width == s[1])])
        running = float(last.eval_vs_running.max())
        per_rep = last.groupby("replicate").eval_vs_batch.mean()
        eff = stats.mean_ci(per_rep.to_numpy(float), null=BATCH_MIN,
                            clusters=_probe_clusters(rs, s, per_rep.index.to_numpy()))
        if running > BATCH_MIN:
            verdict, k = stats.REFUTED, eff.n_datasets
            eff = stats.Effect(running, running, running, eff.n, math.nan, k, BATCH_MIN)
            how = f"eval output ≠ running-statistics normalization (max |Δ| > {BATCH_MIN:g})"
        else:
            verdict = stats.decide(running < RUNNING_TOL and eff.ci_low > BATCH_MIN,
                                   eff.ci_high < BATCH_MIN)
            where = ("above" if eff.ci_low > BATCH_MIN else
                     "below" if eff.ci_high < BATCH_MIN else "reaches")
            how = (f"eval = running statistics (max |Δ| {running:.1e} "
                   f"{'<' if running < RUNNING_TOL else '≥'} {RUNNING_TOL:g}); eval vs batch "
                   f"statistics: 95% CI {where} {BATCH_MIN:g}")
        settings.append(Setting(label(s), verdict, eff, how))
        rows.append({"setting": label(s), "BN runs": len(last[RUN_KEYS].drop_duplicates()),
            "max |eval − running| (abs)": running,
            **_stats(stats.mean_ci(per_rep.to_numpy(float)), "eval vs batch, ")})
    table = pd.DataFrame(rows).drop(columns=["eval vs batch, p"])
    return Outcome(settings, {
        "Every BN layer of every BN run at its last evaluation: eval-mode output vs a "
        "normalization by the running statistics written out by hand (max absolute "
        "difference), and vs a normalization by the batch's own statistics (mean |Δ| / "
        "output std per replicate, averaged over layers and runs)": table})


def decide_bd5(rs: RunSet) -> Outcome:
    do = rs.table("dropout")
    if do.empty:
        return missing("BD-5 needs dropout runs with the dropout probe")
    settings, rows = [], []
    for s in _probe_settings(do):
        last = _last(do[(do.preset == s[0]) & (do.width == s[1])])
        last = last.assign(ratio=last.rel_error / last.mc_error)
        keys, ok, bad = [], [], []
        for key, g in last.groupby(RUN_KEYS[1:4]):
            per_rep = g.groupby("replicate").ratio.mean()
            x, cl = per_rep.to_numpy(float), _probe_clusters(rs, s, per_rep.index.to_numpy())
            keys.append(key)
            ok.append(stats.mean_ci(x, null=MC_OK, clusters=cl))
            bad.append(stats.mean_ci(x, null=MC_BAD, clusters=cl))
        # refuted: some run's ratio significantly above MC_BAD (Holm over the runs)
        reject, p_bad = stats.holm([b.p if b.mean > MC_BAD else 1.0 for b in bad])
        if reject.any():
            i = int(np.argmin(p_bad))
            verdict, eff = stats.REFUTED, replace(bad[i], p=float(p_bad[i]))
            how = f"95% CI above {MC_BAD:g} (Holm over {len(keys)} dropout runs)"
        else:  # supported: every run's CI below MC_OK (intersection-union)
            i = max(range(len(keys)), key=lambda j: np.nan_to_num(ok[j].ci_high, nan=np.inf))
            below = [e.ci_high < MC_OK for e in ok]
            verdict, eff = (stats.SUPPORTED if all(below) else stats.INCONCLUSIVE), ok[i]
            how = (f"95% CI {'below' if below[i] else 'reaches'} {MC_OK:g}, the highest of "
                   f"{len(keys)} dropout runs")
        bn, p, place = keys[i]
        settings.append(Setting(label(s), verdict, eff,
                                f"BN {bool(bn)}, rate {float(p):g}, {place}: {how}"))
        rows += [{"setting": label(s), "BN": bool(k[0]), "p": float(k[1]),
                  "placement": k[2], **_stats(o, "ratio "),
                  f"p (vs {MC_BAD:g}, Holm)": float(q), "replicates": int(o.n)}
                 for k, o, q in zip(keys, ok, p_bad, strict=True)]
    return Outcome(settings, {
        "Per dropout run at its last evaluation: |mean of 100 train-mode dropout draws − "
        "eval output| / ‖eval output‖ of the last hidden block, in units of the "
        f"Monte-Carlo error √(p/((1−p)·100)): mean over replicates, t-based 95% CI, p "
        f"against {MC_OK:g}": pd.DataFrame(rows)},
        notes=[f"Consistent with E[train] = eval if the CI lies below {MC_OK:g}; a missing "
               "1/(1−p) rescaling would give p/√(p/((1−p)·100)), e.g. 4.6 at p = 0.3."])


def decide_bd6(rs: RunSet) -> Outcome:
    runs = Runs.of(rs.final)
    settings, rows = [], []
    for s in runs.settings():
        before, after = runs.get(s, True), runs.get(s, True, after=True)
        if before is None or after is None:
            continue
        d = stats.paired(_acc(after), _acc(before), clusters=runs.clusters(s))
        sig = d.p < stats.ALPHA
        verdict = stats.decide(sig and d.mean > 0, sig and d.mean < 0)
        settings.append(Setting(label(s), verdict, d, "paired t-test, after − before" + (
            "" if sig else ": not significant")))
        rows.append({"setting": label(s), "BN before ReLU": float(np.nanmean(_acc(before))),
                     "BN after ReLU": float(np.nanmean(_acc(after))), **_stats(d),
                     "verdict": verdict})
    if not settings:
        return missing("BD-6 needs BN before and after the activation")
    return Outcome(settings, {
        "Test accuracy, BN after − before the ReLU (no dropout), paired over replicates":
            pd.DataFrame(rows).rename(columns={"mean": "after − before"})})


# ---------------------------------------------------------------- simulation

def _sim_final(rng: np.random.Generator, sd: float, conds: list[tuple],
               shift: dict[tuple, float], steps: dict[tuple, np.ndarray] | None = None
               ) -> RunSet:
    """Final tables for ``conds`` ((setting, bn, p, placement, after) tuples): test
    accuracy 0.88 + a per-replicate dataset effect + ``shift[cond]`` + noise of SD
    sd/√2 per condition (so paired differences have SD ``sd``); train accuracy 1."""
    r = REPLICATES
    frames = []
    for s in dict.fromkeys(c[0] for c in conds):  # in order: reproducible draws
        u = rng.normal(0, 0.02, r)
        for c in (c for c in conds if c[0] == s):
            _, bn, p, placement, after = c
            test = 0.88 + u + shift.get(c, 0.0) + rng.normal(0, sd / math.sqrt(2), r)
            frame = pd.DataFrame({
                "grid": "sim", "preset": s[0], "width": s[1], "batch_norm": bn,
                "bn_after_activation": after, "dropout": p, "dropout_placement": placement,
                "replicate": np.arange(r), "dataset": np.arange(r, dtype=float),
                "train_acc": 1.0, "test_acc": test})
            if steps is not None:
                frame["steps_to_target"] = steps[c]
            frames.append(frame)
    return RunSet.from_tables(NAME, ["preset", "width", "batch_norm", "bn_after_activation",
                                     "dropout", "dropout_placement"],
                              pd.concat(frames, ignore_index=True))


def _members(rng: np.random.Generator, planted: bool, effect: float | None,
             smallest: float, k: int) -> np.ndarray:
    """The simulated effects of an every-member family of ``k``: ``effect`` in each if
    given (tests); else ``smallest`` in each when planted, and otherwise the least
    favourable null: one member, drawn at random, at 0 and the others at ``smallest``.
    Robustness settings pass ``planted=True``: they carry the planted effect either way
    (so "mixed" stays reachable when the primary refutes)."""
    if effect is not None:
        return np.full(k, float(effect))
    out = np.full(k, float(smallest))
    if not planted:
        out[rng.integers(k)] = 0.0
    return out


def _cond(s: tuple[str, int], bn: bool, p: float = 0.0, placement: str = "every",
          after: bool = False) -> tuple:
    return (s, bn, p, placement, after)


def simulate_bd1(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Two members per setting: BN narrows the gap by GAP_MIN and reaches the target
    MIN_STEPS earlier (planted, every setting). Not planted (least favourable): in the
    primary setting one of the two, drawn at random, at its null (no change) and the
    other planted; the robustness settings planted. ``effect`` (tests): both by
    ``effect`` × (1, MIN_STEPS / GAP_MIN) everywhere. Steps on the 20-step grid."""
    conds, shift, steps = [], {}, {}
    for s in SETTINGS:
        gap, faster = _members(rng, planted or s != PRIMARY, effect, GAP_MIN, 2)
        plain, bn = _cond(s, False), _cond(s, True)
        conds += [plain, bn]
        shift[bn] = gap
        base = rng.normal(200, 60, REPLICATES)
        quick = base - faster * MIN_STEPS / GAP_MIN + rng.normal(0, STEPS_SD, REPLICATES)
        steps[plain], steps[bn] = (np.clip(np.round(x / 20) * 20, 20, 600) for x in (base,
                                                                                  quick))
    return _sim_final(rng, BD1_SD, conds, shift, steps)


def simulate_bd2(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Dropout at every p narrows the gap by GAP_MIN (planted, every setting). Not
    planted (least favourable): in the primary setting one p, drawn at random, leaves
    the gap as it is and the others narrow it by GAP_MIN; robustness settings planted.
    ``effect`` (tests): every p by ``effect``."""
    conds, shift = [], {}
    for s in SETTINGS:
        conds.append(_cond(s, False))
        gaps = _members(rng, planted or s != PRIMARY, effect, GAP_MIN, len(RATES[s[0]]))
        for p, gap in zip(RATES[s[0]], gaps, strict=True):
            conds.append(_cond(s, False, p))
            shift[conds[-1]] = gap
    return _sim_final(rng, BD2_SD, conds, shift)


def simulate_bd3(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """BN and dropout alone both +0.02 over plain. Planted: BN+DO equal to them at every
    p (ACC_MIN below the +MARGIN boundary) in every setting. Not planted (least
    favourable): in the primary setting (digits w128, dropout every) one p, drawn at
    random, has BN+DO exactly MARGIN above both singles (the boundary of "better than
    both", both singles at it) and the other p are as planted; the other settings
    planted. ``effect`` (tests): BN+DO ``effect`` below the margin everywhere."""
    conds, shift = [], {}
    for s in SETTINGS:
        conds += [_cond(s, False), _cond(s, True)]
        shift[_cond(s, True)] = 0.02
        for placement in PLACEMENTS:
            primary = (s, placement) == (PRIMARY, "every")
            below = _members(rng, planted or not primary, effect, ACC_MIN, len(RATES[s[0]]))
            for p, d in zip(RATES[s[0]], below, strict=True):
                do, both = _cond(s, False, p, placement), _cond(s, True, p, placement)
                conds += [do, both]
                shift[do] = 0.02
                shift[both] = 0.02 + MARGIN - d
    return _sim_final(rng, BD3_SD, conds, shift)


def simulate_bd6(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """BN after the ReLU better by ACC_MIN (planted, every setting). Not planted (least
    favourable): equal in the primary setting, ACC_MIN better in the robustness
    settings. ``effect`` (tests): better by ``effect`` everywhere."""
    conds, shift = [], {}
    for s in SETTINGS:
        conds += [_cond(s, True), _cond(s, True, after=True)]
        shift[conds[-1]] = _members(rng, planted or s != PRIMARY, effect, ACC_MIN, 1)[0]
    return _sim_final(rng, BD6_SD, conds, shift)


PROBE_SD = 0.1  # relative (log-normal) SD across replicates of the probes' statistics


def _sim_probe(rng: np.random.Generator,
               rows: Callable[[tuple[str, int]], dict[str, tuple[float, float]]],
               table: str) -> RunSet:
    """A probe table (two evaluations, every setting, one BN+dropout run per setting) with
    each column drawn log-normally: rows(setting) = column -> (mean, rel. SD), the mean
    being the expectation (the log-normal's median is mean · exp(−SD²/2))."""
    r, frames, final = REPLICATES, [], []
    for s in SETTINGS:
        keys = {"grid": "sim", "preset": s[0], "width": s[1], "batch_norm": True,
                "bn_after_activation": False, "dropout": 0.3, "dropout_placement": "every"}
        cols = rows(s)
        for step in (0, 600):
            frames.append(pd.DataFrame({**keys, "step": step, "replicate": np.arange(r),
                                        "layer": 0, **{
                                            c: v * np.exp(rng.normal(-sd ** 2 / 2, sd, r))
                                            for c, (v, sd) in cols.items()}}))
        final.append(pd.DataFrame({**keys, "replicate": np.arange(r),
                                   "dataset": np.arange(r, dtype=float)}))
    return RunSet.from_tables(NAME, ["preset", "width", "batch_norm", "bn_after_activation",
                                     "dropout", "dropout_placement"],
                              pd.concat(final, ignore_index=True),
                              **{table: pd.concat(frames, ignore_index=True)})


BD4_CONDITIONS = ("running", "batch")  # the two conditions of BD-4's support


def simulate_bd4(rng: np.random.Generator, planted: bool, broken: bool = False,
                 boundary: str | None = None) -> RunSet:
    """Planted: eval mode uses the running statistics (as torch does): eval vs running
    ≈ 1e-6 (float32), eval vs batch 0.055 (the pilot's), every setting. Not planted
    (least favourable), in the primary setting one of the two conditions, drawn at
    random (or ``boundary``), at its boundary and the other as planted: "running": the
    largest |eval − running| exactly RUNNING_TOL (in one replicate, drawn at random);
    "batch": eval vs batch statistics BATCH_MIN in expectation. Robustness settings
    planted. ``broken`` (tests): eval mode uses the batch's statistics everywhere."""
    good = {"eval_vs_running": (1e-6, 0.5), "eval_vs_batch": (0.055, PROBE_SD),
            "var_shift": (1.0, PROBE_SD)}
    if broken:
        bad = {**good, "eval_vs_running": (0.055, PROBE_SD), "eval_vs_batch": (1e-6, 0.5)}
        return _sim_probe(rng, lambda s: bad, "batch_norm")
    if planted:
        boundary = None
    elif boundary is None:
        boundary = BD4_CONDITIONS[rng.integers(len(BD4_CONDITIONS))]
    at_null = {**good, "eval_vs_batch": (BATCH_MIN, PROBE_SD)} if boundary == "batch" \
        else good
    runs = _sim_probe(rng, lambda s: at_null if s == PRIMARY else good, "batch_norm")
    if boundary == "running":
        bn = runs.table("batch_norm")
        rows = bn.index[(bn.preset == PRIMARY[0]) & (bn.width == PRIMARY[1])
                        & (bn.step == bn.step.max())]
        bn.loc[rows[rng.integers(len(rows))], "eval_vs_running"] = RUNNING_TOL
    return runs


def simulate_bd5(rng: np.random.Generator, planted: bool, broken: bool = False) -> RunSet:
    """The dropout mean's error in Monte-Carlo units, per replicate (relative SD
    PROBE_SD). Planted: inverted dropout, ≈ 1 in every setting (MC_OK − min_effect).
    Not planted (least favourable): MC_OK in expectation in the primary setting, ≈ 1 in
    the robustness settings. ``broken`` (tests): no 1/(1−p) rescaling, ≈ 4.6 Monte-Carlo
    errors at p = 0.3, everywhere."""
    mc = math.sqrt(0.3 / (0.7 * 100))

    def rows(s: tuple[str, int]) -> dict[str, tuple[float, float]]:
        ratio = 4.6 if broken else MC_OK if not planted and s == PRIMARY else 1.0
        return {"rel_error": (ratio * mc, PROBE_SD), "mc_error": (mc, 0.0)}

    return _sim_probe(rng, rows, "dropout")


# ---------------------------------------------------------------- figures and page

def _fig_interaction(rs: RunSet, out: Path) -> None:
    runs = Runs.of(rs.final)
    sets = runs.settings()
    fig, axes = plt.subplots(2, len(sets), figsize=(4.5 * len(sets), 7.5), squeeze=False,
                             sharey="col")
    for j, s in enumerate(sets):
        p = max(runs.rates(s), default=0.0)
        for i, placement in enumerate(("every", "last")):
            ax = axes[i, j]
            for bn, style in ((False, "o--"), (True, "s-")):
                frames = [runs.get(s, bn), runs.get(s, bn, p, placement)]
                if any(f is None for f in frames):
                    continue
                eff = [stats.mean_ci(_acc(f), clusters=runs.clusters(s)) for f in frames]
                ax.errorbar([0, 1], [e.mean for e in eff],
                            yerr=[[e.mean - e.ci_low for e in eff],
                                  [e.ci_high - e.mean for e in eff]],
                            fmt=style, capsize=4, label="BN" if bn else "no BN")
            ax.set(xticks=[0, 1], xticklabels=["no dropout", f"dropout {p:g}"],
                   title=f"{label(s)}, dropout {placement}", ylabel="test accuracy")
            ax.legend(fontsize=8)
    fig.suptitle("Interaction plot: parallel lines = no interaction (mean, 95% CI)")
    fig.tight_layout()
    fig.savefig(out / "interaction.png", dpi=110)
    plt.close(fig)


def _fig_variance_shift(rs: RunSet, out: Path) -> None:
    bn = rs.table("batch_norm")
    if bn.empty:
        return
    last = bn[(bn.step == bn.groupby("grid").step.transform("max"))
              & (bn.layer == bn.layer.max()) & ~bn.bn_after_activation.astype(bool)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (preset, width, placement), g in last.groupby(["preset", "width",
                                                       "dropout_placement"]):
        means = g.groupby("dropout").var_shift.agg(["mean", "std", "count"])
        half = 1.96 * means["std"] / np.sqrt(means["count"])
        ax.errorbar(means.index, means["mean"], yerr=half, marker="o", capsize=3,
                    label=f"{preset.removeprefix('bn_')} w{width}, dropout {placement}")
    ax.axhline(1, color="grey", ls=":")
    ax.set(xlabel="dropout rate p", ylabel="running var / eval-time input var",
           title="Variance shift at the last BN layer (Li et al. 2019)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "variance_shift.png", dpi=110)
    plt.close(fig)


def curves_of(rs: RunSet, s: tuple[str, int], bn: bool, p: float = 0.0,
              placement: str = "every") -> pd.DataFrame:
    """Learning curves of one condition (BN before the activation)."""
    df = rs.sel("curves", preset=s[0])
    df = df[(df.width == s[1]) & (df.batch_norm.astype(bool) == bn)
            & ~df.bn_after_activation.astype(bool) & (df.dropout == p)]
    return df[df.dropout_placement == placement] if p > 0 else df


def _fig_curves(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, metric in zip(axes, ("test_acc", "train_acc"), strict=True):
        for name, kw in (("plain", {"bn": False}), ("BN", {"bn": True}),
                         (f"dropout {MAX_P}", {"bn": False, "p": MAX_P}),
                         (f"BN + dropout {MAX_P}", {"bn": True, "p": MAX_P})):
            c = curves_of(rs, PRIMARY, **kw)
            if not c.empty:
                band_frame(ax, c, "step", metric, name)
        ax.set(title=f"{label(PRIMARY)}: {metric.replace('_', ' ')}", xlabel="step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "learning_curves.png", dpi=110)
    plt.close(fig)


def _table(rs: RunSet) -> str:
    fin = rs.final
    g = fin.groupby(["preset", "width", "batch_norm", "bn_after_activation", "dropout",
                     "dropout_placement"])
    tab = g[["test_acc", "train_acc"]].mean().reset_index()
    lines = ["| task | width | BN | BN after act | p | placement | test acc | train acc |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in tab.iterrows():
        place = r.dropout_placement if r.dropout > 0 else "–"
        lines.append(f"| {r.preset.removeprefix('bn_')} | {r.width} | {r.batch_norm} | "
                     f"{r.bn_after_activation} | {r.dropout:g} | {place} | "
                     f"{r.test_acc:.3f} | {r.train_acc:.3f} |")
    return "\n".join(lines)


def anova_table(rs: RunSet) -> pd.DataFrame:
    """Two-way ANOVA of test accuracy per 2×2 cell (BN × dropout at p, per placement),
    replicates as blocks (statsmodels OLS + anova_lm, type II): the interaction's F and
    p beside BD-3's decisive comparisons. Reported, not decisive (and too slow for the
    rule itself, which calibration runs hundreds of times)."""
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    runs, rows = Runs.of(rs.final), []
    for s in runs.settings():
        for placement in PLACEMENTS:
            for p in runs.rates(s):
                frames = {(0, 0): runs.get(s, False), (1, 0): runs.get(s, True),
                          (0, 1): runs.get(s, False, p, placement),
                          (1, 1): runs.get(s, True, p, placement)}
                if any(f is None for f in frames.values()):
                    continue
                df = pd.concat([pd.DataFrame({"acc": _acc(f), "bn": b, "do": d,
                                              "rep": f.replicate.to_numpy()})
                                for (b, d), f in frames.items()]).dropna()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tab = anova_lm(smf.ols("acc ~ C(bn) * C(do) + C(rep)", df).fit(), typ=2)
                rows.append({"setting": placement_label(s, placement), "dropout p": p,
                             **{f"{name} F": float(tab.loc[term, "F"]) for name, term in
                                (("BN", "C(bn)"), ("dropout", "C(do)"),
                                 ("BN × dropout", "C(bn):C(do)"))},
                             "BN × dropout p": float(tab.loc["C(bn):C(do)", "PR(>F)"]),
                             "residual df": float(tab.loc["Residual", "df"])})
    return pd.DataFrame(rows)


def _markdown(frame: pd.DataFrame) -> str:
    from harness.report import markdown_table  # the generic renderer of rule tables

    return markdown_table(frame) if not frame.empty else "No complete 2×2 cells."


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_interaction(rs, out)
    _fig_variance_shift(rs, out)
    _fig_curves(rs, out)
    return f"""## Figures

![interaction plot](interaction.png)

![variance shift](variance_shift.png)

Li et al. predict a ratio away from 1 when dropout feeds BN (placement "every") and ≈ 1
when dropout comes only after the last BN ("last").

![learning curves](learning_curves.png)

## Two-way ANOVA per 2×2 cell (BD-3, reported beside the rule)

Test accuracy ~ BN × dropout + replicate (blocks), type II sums of squares. The
interaction F tests the same contrast as BD-3's interaction table, against the residual
of the additive-block model.

{_markdown(anova_table(rs))}

## Every condition (mean over replicates)

{_table(rs)}
"""


OVERALL = ("Overall label: the harness's rule (primary supported and refuted nowhere = "
           "supported; refuted anywhere = refuted, or mixed if supported elsewhere; "
           "otherwise inconclusive).")
TASKS = ("settings digits w128 (primary: the seeds name no setting; real images at the "
         "wider, more usual width), digits w32, gaussian w32")

EXPERIMENT = Experiment(
    name=NAME,
    title="Batch norm × dropout: together better, or worse than either alone?",
    original="""No 2018 original. Li, Chen, Hu, Yang, "Understanding the Disharmony between
Dropout and Batch Normalization by Variance Shift" (CVPR 2019): with dropout before a BN
layer, the unit's variance at test time (no dropout) differs from the running variance
BN accumulated in training, so BN normalizes test data wrongly and accuracy drops;
placing dropout only after the last BN layer (or using a variance-stable dropout) avoids
it. The seeds' claims (004, 001, 000) summarize this as "BN and dropout together are no
better, maybe worse, than either alone".""",
    claims=[
        Claim(
            "BD-1", "004", "BN…主要作用是加速训练收敛,防止过拟合",
            "BN alone speeds convergence (fewer steps to a target) and reduces the "
            "train–test gap.",
            f"plain vs BN (no dropout); {TASKS}",
            "Per setting, two members paired over replicates: steps to the preset's "
            "held-out target (never = ∞), plain − BN, by a two-sided sign test (median "
            "difference, order-statistic CI); the gap (train − test accuracy), plain − BN, "
            "by a two-sided paired t-test. Supported if both hold significantly "
            "(intersection-union, each at α = 0.05); refuted if either goes significantly "
            "the other way after Holm over the two; else inconclusive. The setting's "
            "statistic is the deciding member (the weaker when both hold). " + OVERALL,
            decide_bd1, primary=label(PRIMARY),
            effect_label="deciding member, plain − BN: train–test gap reduction "
                         "(accuracy) or steps to target saved (median, steps)",
            min_effect=GAP_MIN, pilot_sd=BD1_SD, simulate=simulate_bd1),
        Claim(
            "BD-2", "004", "Dropout…以提高模型的泛化能力,减少过拟合",
            "Dropout alone reduces the train–test gap, at every rate tried.",
            "plain vs dropout after every block (no BN), p ∈ {0.1, 0.3, 0.5} on digits, "
            f"0.3 on the Gaussian mixture; {TASKS}",
            "Per setting and p: gap reduction (plain − dropout, gap = train − test "
            "accuracy), two-sided paired t-tests over replicates. Supported if every p "
            "reduces the gap significantly (intersection-union, each at α = 0.05); refuted "
            "if some p widens it significantly after Holm over p; else inconclusive. The "
            "setting's statistic is the deciding p's reduction (the weakest when all "
            "hold). " + OVERALL,
            decide_bd2, primary=label(PRIMARY),
            effect_label="train–test gap reduction by dropout alone at the deciding rate "
                         "(accuracy)",
            min_effect=GAP_MIN, pilot_sd=BD2_SD, simulate=simulate_bd2),
        Claim(
            "BD-3", "004",
            "BN和Dropout…一起使用的话并不会产生1+1>2的效果,相反可能会得到比单独使用更差的效果",
            "BN+dropout together is no better than the better of the two alone, and may "
            "be worse. Mechanism (Li et al., CVPR 2019, variance shift): dropout before BN "
            "makes BN's running variance mismatch the eval-time variance.",
            "every 2×2 cell {BN off/on} × {dropout off/on at p}; settings = task and width "
            "× dropout placement, e.g. 'digits w128 / dropout before BN (every)' (primary: "
            "the usual placement, the one the variance-shift argument is about) and "
            "'… / dropout after the last BN (last)', for digits w128, digits w32, gaussian w32",
            "Per setting and p, test accuracy, paired over replicates: BN+DO − BN and "
            "BN+DO − DO with 95% t CIs. 'No better than the better single' is shown at a p "
            f"if the upper bound against either single is below +{MARGIN:g} (non-"
            "superiority; two chances at one-sided 2.5% each, so 5% in all); 'better than "
            f"both' if both differences are significantly above +{MARGIN:g} (two-sided "
            "paired t-tests against +0.01; intersection-union p = the larger). Supported if "
            "every p is 'no better'; refuted if some p is 'better than both' after Holm "
            "over p; else inconclusive. The setting's statistic, tested against +0.01, is the "
            "comparison the decision rests on (decided_by names the single): when not "
            "refuted, BN+DO minus the single with the lower upper bound at the p whose "
            "upper bound is highest; when refuted, BN+DO minus the single whose 'better' "
            "comparison has the larger p (the intersection-union test rests on it) at "
            "the deciding p, with its Holm-adjusted p. The interaction "
            "contrast (t CI) and a two-way ANOVA are reported, not decisive. " + OVERALL,
            decide_bd3, primary=placement_label(PRIMARY, "every"),
            effect_label="test accuracy, BN+DO − the single it was decided against (see "
                         "decided_by), at the deciding dropout rate (tested against "
                         "+0.01)",
            min_effect=ACC_MIN, pilot_sd=BD3_SD, null_value=MARGIN, simulate=simulate_bd3),
        Claim(
            "BD-4", "004", "测试阶段,可以根据训练数据…得到全局的均值和方差",
            "In eval mode BN normalizes with the running (global) statistics, not the "
            "batch's. An implementation check of torch's BatchNorm.",
            f"every BN run, batch_norm probe at the last evaluation; {TASKS}",
            "Per setting: supported if the eval outputs equal the running-statistics "
            f"normalization written out by hand (max |Δ| < {RUNNING_TOL:g}, float32) and "
            "differ from the batch-statistics one (95% t CI over replicates of mean |Δ| / "
            f"output std above {BATCH_MIN:g}); refuted if they differ from the running one "
            f"by more than {BATCH_MIN:g} or the CI against the batch one lies below "
            f"{BATCH_MIN:g}; else inconclusive. " + OVERALL,
            decide_bd4, primary=label(PRIMARY),
            effect_label="eval-mode BN output vs batch-statistics output, mean |Δ| / std "
                         f"(tested against {BATCH_MIN:g})",
            min_effect=BATCH_MIN, null_value=BATCH_MIN, category=IMPLEMENTATION,
            simulate=simulate_bd4),
        Claim(
            "BD-5", "004", "在测试的时候没有神经元被丢弃,因此输出值需要按dropout比率缩小",
            "At test time no unit is dropped and outputs must be rescaled; with inverted "
            "dropout the train-time expectation equals the eval output. An implementation "
            "check of torch's dropout.",
            f"every dropout run, dropout probe at the last evaluation; {TASKS}",
            "Per setting and dropout run, the error of the mean of 100 train-mode dropout "
            "draws against the eval output, in Monte-Carlo error units, per replicate; its "
            "mean over replicates with a t-based 95% CI (clustered by dataset where datasets "
            f"are shared). Supported if the CI lies below {MC_OK:g} in every run "
            "(intersection-union: E[train] = eval; the statistic: the run with the highest "
            f"upper bound); refuted if some run's CI lies above {MC_BAD:g} (two-sided t-tests "
            f"against {MC_BAD:g}, Holm over the runs; the statistic: that run, Holm-adjusted "
            "p); else inconclusive. " + OVERALL,
            decide_bd5, primary=label(PRIMARY),
            effect_label="dropout: |mean of train-mode outputs − eval output| / Monte-Carlo "
                         "error, mean over replicates, the run that decided",
            min_effect=MC_OK - 1.0, null_value=MC_OK, category=IMPLEMENTATION,
            simulate=simulate_bd5),
        Claim(
            "BD-6", "001", "倾向于把BN放在ReLU后面…BN放ReLU后面效果更好",
            "BN after ReLU gives better test accuracy than BN before ReLU.",
            f"BN before vs after the ReLU, no dropout; {TASKS}",
            "Per setting: two-sided paired t-test over replicates on final test accuracy, "
            "after − before. Supported if after is significantly better, refuted if "
            "before is, else inconclusive. " + OVERALL,
            decide_bd6, primary=label(PRIMARY),
            effect_label="test accuracy, BN after − before the ReLU",
            min_effect=ACC_MIN, pilot_sd=BD6_SD, simulate=simulate_bd6),
    ],
    report=report,
)

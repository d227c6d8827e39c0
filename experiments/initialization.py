"""Does the initial value of the weights matter? Claims IN-1 ... IN-4.

Faithful setup: Abid (2018) Exp 10 (grids ``abid``/``abid_normal``, preset abid2018).
Controls (conf/preset/): ``logreg``, a convex model compared with scikit-learn's
optimum (IN-1); ``moons``, a task whose Bayes boundary is not linear (IN-2); ``deep``,
depth × activation × init at init time and after 200 steps (IN-3, IN-4). Verdicts read
the per-replicate tables the runs logged (final.csv, layer_stats.csv); every replicate
has its own dataset (final.csv's ``dataset`` column), and conditions are paired by
replicate.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hydra import compose  # noqa: E402
from scipy import stats as sps  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Outcome, Setting, Verdict, missing  # noqa: E402
from harness.data import make_dataset  # noqa: E402
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet, dataset_of, hydra_context  # noqa: E402

NAME = "initialization"
REPLICATES = 24  # = trainer.replicates in conf/experiment/initialization.yaml (tested)
MARGIN = 0.01  # accuracy: one test example in 100, the equivalence margin (IN-1)
TAU = 0.03  # log10 per layer: a 4x change over 20 layers counts as growth/decay (IN-3/4)
SYMMETRIC = 0.999  # mean pairwise cosine of first-layer units: "still copies" (IN-2)
TASKS = {"abid2018": "Gaussian mixture (abid2018)", "moons": "two moons"}
CONSTANT = ("zeros", "ones")
SCALED = ("normal σ=0.01", "normal σ=1")
RIVALS = (*CONSTANT, *SCALED)  # IN-2: what Xavier must beat
RANDOM = ("xavier", *SCALED)  # IN-1: each against zero init
ACTIVATIONS = ("sigmoid", "tanh", "relu")
MATCHED = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}  # IN-4's pairing
BIG, SMALL = "normal σ=1", "normal σ=0.01"  # IN-3's too large / too small inits
# Abid (2018) Exp 10, final accuracy read off the original figure.
ORIGINAL = {"xavier": 0.96, "normal σ=0.01": 0.95, "normal σ=1": 0.63, "ones": 0.49,
            "zeros": 0.87}
OVERALL = ("Overall label: the harness's rule (primary supported and refuted nowhere = "
           "supported; refuted anywhere = refuted, or mixed if supported elsewhere; "
           "otherwise inconclusive).")

# Declared effect sizes and pilot SDs. Pilot: the committed results/initialization page
# (12 replicates on 4 shared datasets); each SD is backed out of a t-based CI over the 12
# replicates as half-width / t(11) · √12. Under a planted effect every member of an
# intersection-union family has the same mean, so the noisiest member decides: the pilot
# SD declared is the largest member SD of the primary setting.
# IN-1: the margin itself (equivalence); SD of normal σ=1 − zeros, 90% CI [−0.0018,
# +0.0035] -> 0.0051 (xavier − zeros 0.0029, normal σ=0.01 − zeros 0).
IN1_MIN, IN1_SD = MARGIN, 0.0051
# IN-2: 5 of the 100 test examples, about one binomial SE of one test set's accuracy at
# ~0.75 (0.043): a smaller gap is within one test set's noise and is not what "crucial"
# (至关重要) describes. SD: abid2018 xavier − ones, 95% CI [0.2047, 0.3320] -> 0.100
# (zeros 0.092, N(0,1) 0.077, N(0,0.01²) 0.033).
IN2_MIN, IN2_SD = 0.05, 0.100
# IN-3: 0.02 log10 per layer beyond the ±0.03 threshold (a further 2.5× over 20
# layers). SD: tanh N(0,1) gradient growth, 95% CI [0.311, 0.325] -> 0.011 (tanh
# activation-std slope 0.0094, gradient decay 0.0063).
IN3_MIN, IN3_SD = 0.02, 0.011
# IN-4: the margin ±0.03 (equivalence). SD: tanh+xavier gradient growth, 90% CI
# [−0.031, −0.019] -> 0.0116 (activation-std slope 0.0039).
IN4_MIN, IN4_SD = TAU, 0.0116


def scheme(frame: pd.DataFrame) -> pd.Series:
    """Readable init name per row: ``normal σ=…`` carries its standard deviation."""
    std = frame.init_std.map(lambda s: f"{s:g}")
    return frame.init.where(frame.init != "normal", "normal σ=" + std)


def with_scheme(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(scheme=scheme(frame)) if len(frame) else frame.assign(scheme=[])



def by_scheme(rs: RunSet, metric: str, **where) -> tuple[pd.DataFrame, np.ndarray]:
    """(replicate × init scheme table of ``metric``, each replicate's dataset): the
    columns are paired by replicate."""
    df = with_scheme(rs.sel(**where))
    if df.empty or metric not in df:
        return pd.DataFrame(), np.zeros(0)
    wide = df.pivot(index="replicate", columns="scheme", values=metric).sort_index()
    return wide, dataset_of(df, wide.index)


def _member_rows(setting: str, names: list[str], fam: stats.Family) -> list[dict]:
    return [{"setting": setting, "member": n, "mean": e.mean, "CI low": e.ci_low,
             "CI high": e.ci_high, "null": e.null, "p": e.p,
             "p (Holm, other way)": fam.p_against[i], "holds": fam.holds[i],
             "significantly the other way": fam.against[i]}
            for i, (n, e) in enumerate(zip(names, fam.effects, strict=True))]


def _decided_by(fam: stats.Family, names: list[str], threshold: float | None = None
                ) -> str:
    """Which member decided, in words. ``threshold``: the members' null when it is a
    threshold (e.g. IN-3's +TAU) rather than 0, so a refutation says "below it" rather
    than "the other way" (a member can be below +TAU and still on the claimed side)."""
    name = names[fam.deciding]
    if fam.verdict == stats.SUPPORTED:
        return f"weakest of {len(names)} members: {name}"
    if fam.verdict == stats.REFUTED:
        if threshold is not None:
            return f"significantly below the {threshold:+g} threshold (Holm): {name}"
        return f"significantly the other way (Holm): {name}"
    return f"undecided member: {name}"


def tost_family(effects90: list[stats.Effect], margin: float
                ) -> tuple[str, int, list[float], list[float]]:
    """Equivalence of every member within ±``margin`` (t-based 90% CIs).

    Supported when every member's 90% CI lies inside the margin (TOST at α = 0.05 each,
    intersection-union: no correction). Refuted when some member lies significantly
    outside: one-sided t-test against the nearer margin, Holm over the members (its 90%
    CI then lies wholly outside). Returns (verdict, deciding member, TOST p per member,
    Holm-adjusted p of 'outside' per member). Deciding: the refuting member, else the
    member with the largest TOST p (the least clearly equivalent one).
    """
    p_eq, p_out = [], []
    for e in effects90:
        k = e.n_datasets
        half = (e.ci_high - e.ci_low) / 2
        m = e.mean
        if k < 2 or not np.isfinite(half):
            p_eq.append(1.0)
            p_out.append(1.0)
            continue
        se = half / sps.t.ppf(0.95, k - 1)
        if se == 0:
            p_eq.append(0.0 if abs(m) < margin else 1.0)
            p_out.append(0.0 if abs(m) > margin else 1.0)
            continue
        p_eq.append(float(max(sps.t.sf((m + margin) / se, k - 1),
                              sps.t.sf((margin - m) / se, k - 1))))
        p_out.append(float(min(sps.t.sf((m - margin) / se, k - 1),
                               sps.t.sf((-margin - m) / se, k - 1))))
    inside = [stats.tost(e, margin) == stats.SUPPORTED for e in effects90]
    reject, adj = stats.holm(p_out)
    if reject.any():
        i = min(np.flatnonzero(reject), key=lambda j: adj[j])
        return stats.REFUTED, int(i), p_eq, [float(a) for a in adj]
    if all(inside):
        return stats.SUPPORTED, int(np.argmax(p_eq)), p_eq, [float(a) for a in adj]
    i = max((j for j in range(len(inside)) if not inside[j]), key=lambda j: p_eq[j])
    return stats.INCONCLUSIVE, int(i), p_eq, [float(a) for a in adj]


def _tost_setting(setting: str, names: list[str], effects90: list[stats.Effect],
                  margin: float) -> tuple[Setting, list[dict]]:
    verdict, i, p_eq, p_out = tost_family(effects90, margin)
    # p: the deciding test's (a refutation's Holm-adjusted p of 'outside', else TOST p)
    head = dataclasses.replace(effects90[i],
                               p=p_out[i] if verdict == stats.REFUTED else p_eq[i])
    why = {stats.SUPPORTED: f"least clearly equivalent of {len(names)}: {names[i]}",
           stats.REFUTED: f"outside ±{margin:g} (Holm): {names[i]}",
           stats.INCONCLUSIVE: f"not shown equivalent: {names[i]}"}[verdict]
    rows = [{"setting": setting, "member": n, "mean": e.mean, "90% CI low": e.ci_low,
             "90% CI high": e.ci_high, "margin": margin, "p (TOST)": p_eq[j],
             "p (Holm, outside)": p_out[j],
             "equivalent": stats.tost(e, margin) == stats.SUPPORTED,
             "significantly outside": p_out[j] < stats.ALPHA}
            for j, (n, e) in enumerate(zip(names, effects90, strict=True))]
    return Setting(setting, verdict, head, why, ci_level=0.90), rows


# ---------------------------------------------------------------- IN-1: convex model

def sklearn_optimum(rs: RunSet) -> pd.Series:
    """Test accuracy of scikit-learn's unpenalized LogisticRegression on each logreg
    replicate's own dataset (regenerated from the config and final.csv's ``dataset``),
    by replicate."""
    fin = rs.sel(preset="logreg")
    if fin.empty:
        return pd.Series(dtype=float)
    with hydra_context():
        cfg = compose("config", overrides=[f"experiment={NAME}", "preset=logreg",
                                           *[o for o in rs.overrides if "," not in o]])
    reps = np.sort(fin.replicate.unique())
    if "dataset" in fin:
        of = fin.groupby("replicate")["dataset"].first().reindex(reps).astype(int)
    else:  # runs logged before final.csv had a dataset column: replicate r used r mod k
        k = cfg.trainer.replicates if cfg.data.num_datasets is None else min(
            cfg.data.num_datasets, cfg.trainer.replicates)
        of = pd.Series(reps % k, index=reps)
    acc: dict[int, float] = {}
    for d in sorted(set(of)):
        ds = make_dataset(cfg.data, int(d))
        model = LogisticRegression(C=np.inf, max_iter=10_000).fit(ds.x_train, ds.y_train)
        acc[d] = float(model.score(ds.x_test, ds.y_test))
    return pd.Series({int(r): acc[d] for r, d in of.items()}, name="sklearn_acc")


def decide_in1(rs: RunSet) -> Outcome:
    acc, cl = by_scheme(rs, "test_acc", preset="logreg")
    others = [s for s in RANDOM if s in acc]
    if "zeros" not in acc or not others:
        return missing("needs zero init and a random init under preset logreg")
    names = [f"{s} − zeros" for s in others]
    effects = [stats.paired(acc[s], acc["zeros"], 0.90, clusters=cl) for s in others]
    setting, rows = _tost_setting("logreg", names, effects, MARGIN)
    return Outcome([setting], {
        "Random init − zero init, final test accuracy (paired by replicate)":
            pd.DataFrame(rows)},
        notes=["scikit-learn's optimum on each replicate's dataset is compared with every "
               "init on this page's *Convex control (logreg)* table."])


def _init_of(s: str) -> tuple[str, float]:
    """(model.init, model.init_std) of a readable scheme name (``normal σ=…``)."""
    return ("normal", float(s.split("=")[1])) if s.startswith("normal") else (s, 0.01)


def simulate_in1(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Each random init minus zero init, per-replicate noise of SD IN1_SD. Planted: 0 in
    every member (equivalent). Null, least favourable for a false "equivalent": one
    member, drawn at random, exactly at the margin (+MARGIN), the other two at 0.
    ``effect``: that difference in every member instead."""
    shift = dict.fromkeys(RANDOM, 0.0 if effect is None else effect)
    if effect is None and not planted:
        shift[RANDOM[rng.integers(len(RANDOM))]] = MARGIN
    base = 0.72 + rng.normal(0, 0.03, REPLICATES)  # each replicate's own dataset
    frames = []
    for s in ("zeros", *RANDOM):
        init, std = _init_of(s)
        acc = base + (0.0 if s == "zeros" else shift[s] + rng.normal(0, IN1_SD, REPLICATES))
        frames.append(pd.DataFrame({"grid": "logreg_normal" if init == "normal" else "logreg",
                                    "preset": "logreg", "init": init,
                                    "init_std": std, "replicate": np.arange(REPLICATES),
                                    "dataset": np.arange(REPLICATES, dtype=float),
                                    "test_acc": acc}))
    return RunSet.from_tables(NAME, ["preset", "init", "init_std"],
                              pd.concat(frames, ignore_index=True))


# ---------------------------------------------------------------- IN-2: MLP outcome

def in2_task(rs: RunSet, task: str) -> tuple[Setting, list[dict]] | None:
    """One task's family: Xavier − each rival (test accuracy), and each constant init's
    first-layer unit cosine against SYMMETRIC."""
    acc, cl = by_scheme(rs, "test_acc", preset=task)
    rivals = [s for s in RIVALS if s in acc]
    if "xavier" not in acc or not rivals:
        return None
    names = [f"xavier − {s}: test accuracy" for s in rivals]
    effects = [stats.paired(acc["xavier"], acc[s], clusters=cl) for s in rivals]
    cos, ccl = by_scheme(rs, "unit_cosine", preset=task)
    for s in CONSTANT:
        if s in cos:
            names.append(f"{s}: first-layer unit cosine at the end")
            effects.append(stats.mean_ci(cos[s], null=SYMMETRIC, clusters=ccl))
    fam = stats.family(effects, claimed=+1, need="all")
    return (Setting(task, fam.verdict, fam.effect, _decided_by(fam, names)),
            _member_rows(task, names, fam))


def decide_in2(rs: RunSet) -> Outcome:
    ran = {t: r for t in TASKS if (r := in2_task(rs, t)) is not None}
    if not ran:
        return missing("needs xavier and its rivals under abid2018 or moons")
    return Outcome([s for s, _ in ran.values()], {
        "Members per task (accuracy members: null 0; cosine members: null "
        f"{SYMMETRIC})": pd.DataFrame([row for _, rows in ran.values() for row in rows])})


def simulate_in2(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Planted, both tasks: Xavier ahead of every rival by IN2_MIN, the constant inits'
    units exact copies (cosine 1). Null, least favourable for a false "supported": in
    the primary task (abid2018) one of the six members, drawn at random, sits exactly
    at its boundary (that rival level with Xavier, or that constant init's cosine at
    SYMMETRIC) and the other five are planted; moons (robustness) stays planted.
    ``effect`` overrides the gap in every member of both tasks (the units stay copies)."""
    members = [*RIVALS, *(f"{s} cosine" for s in CONSTANT)]
    boundary = None if planted or effect is not None else members[rng.integers(len(members))]
    gap = IN2_MIN if effect is None else effect
    frames = []
    for task in TASKS:
        base = 0.75 + rng.normal(0, 0.05, REPLICATES)
        at = boundary if task == "abid2018" else None
        for s in ("xavier", *RIVALS):
            init, std = _init_of(s)
            acc = base - (0.0 if s in ("xavier", at) else gap) + rng.normal(
                0, IN2_SD / math.sqrt(2), REPLICATES)
            if s in CONSTANT:
                cos = (SYMMETRIC + rng.normal(0, 1e-4, REPLICATES) if at == f"{s} cosine"
                       else np.ones(REPLICATES))
            else:
                cos = rng.uniform(0.0, 0.5, REPLICATES)
            frames.append(pd.DataFrame({
                "grid": task if init != "normal" else f"{task}_normal", "preset": task,
                "init": init, "init_std": std, "replicate": np.arange(REPLICATES),
                "dataset": np.arange(REPLICATES, dtype=float), "test_acc": acc,
                "unit_cosine": cos}))
    return RunSet.from_tables(NAME, ["preset", "init", "init_std"],
                              pd.concat(frames, ignore_index=True))


# ------------------------------------------------------- IN-3/IN-4: signal across depth

def layer_slopes(rs: RunSet, depth: int | None = None) -> pd.DataFrame:
    """Per run and replicate, at step 0: least-squares slopes over the hidden layers of
    log10 act_std against the layer index (``act_slope``, forward: < 0 shrinks) and of
    log10 grad_out_norm (``grad_growth`` = −slope: how much the backpropagated gradient
    grows per layer towards the input; > 0 explodes, < 0 vanishes). With each
    replicate's ``dataset``."""
    ls = rs.sel("layer_stats", preset="deep")
    keys = ["activation", "scheme", "depth", "replicate"]
    if ls.empty:
        return pd.DataFrame(columns=[*keys, "act_slope", "grad_growth", "dataset"])
    ls = ls[ls.step == 0]
    if depth is not None:
        ls = ls[ls.depth == depth]
    ls = with_scheme(ls[ls.layer <= ls.depth])  # hidden layers only (depth+1 = logits)
    tiny = 1e-45  # float32's smallest subnormal: a signal that underflowed to zero
    x = ls.layer.to_numpy(float)
    a = np.log10(np.maximum(ls.act_std.to_numpy(float), tiny))
    g = np.log10(np.maximum(ls.grad_out_norm.to_numpy(float), tiny))
    sums = pd.DataFrame({"n": 1.0, "x": x, "xx": x * x, "a": a, "xa": x * a, "g": g,
                         "xg": x * g}).groupby([ls[k].to_numpy() for k in keys]).sum()
    sxx = sums.xx - sums.x ** 2 / sums.n
    sxx = sxx.where(sums.n >= 2)
    out = pd.DataFrame({"act_slope": (sums.xa - sums.x * sums.a / sums.n) / sxx,
                        "grad_growth": -(sums.xg - sums.x * sums.g / sums.n) / sxx})
    out.index.names = keys
    out = out.reset_index()
    fin = rs.sel(preset="deep")
    return out.assign(dataset=dataset_of(fin, out.replicate.to_numpy()))


def deepest_slopes(rs: RunSet) -> tuple[pd.DataFrame, int]:
    """layer_slopes of the deepest nets of the deep grid (IN-3 and IN-4 read those)."""
    sl = layer_slopes(rs)
    depth = int(sl.depth.max()) if len(sl) else 0
    return sl[sl.depth == depth] if len(sl) else sl, depth


def _slopes_of(sl: pd.DataFrame, activation: str, init: str) -> pd.DataFrame:
    return sl[(sl.activation == activation) & (sl.scheme == init)].sort_values("replicate")


def decide_in3(rs: RunSet) -> Outcome:
    sl, depth = deepest_slopes(rs)
    if sl.empty:
        return missing("needs the deep grid's layer_stats")
    settings, rows = [], []
    for act in ACTIVATIONS:
        big, small = _slopes_of(sl, act, BIG), _slopes_of(sl, act, SMALL)
        if big.empty or small.empty:
            continue
        names = [f"{BIG}: gradient growth towards the input",
                 f"{SMALL}: gradient decay towards the input",
                 f"{SMALL}: activation-std decay with depth"]
        effects = [stats.mean_ci(big.grad_growth, null=TAU, clusters=big.dataset),
                   stats.mean_ci(-small.grad_growth, null=TAU, clusters=small.dataset),
                   stats.mean_ci(-small.act_slope, null=TAU, clusters=small.dataset)]
        fam = stats.family(effects, claimed=+1, need="all")
        settings.append(Setting(act, fam.verdict, fam.effect,
                                _decided_by(fam, names, threshold=TAU)))
        rows += _member_rows(act, names, fam)
    if not settings:
        return missing("needs N(0, 1) and N(0, 0.01²) in the deep grid")
    return Outcome(settings, {
        f"Depth {depth}, at initialization, log10 per layer in the claimed direction "
        f"(null +{TAU}: a 4× change over 20 layers)": pd.DataFrame(rows)})


def decide_in4(rs: RunSet) -> Outcome:
    sl, depth = deepest_slopes(rs)
    if sl.empty:
        return missing("needs the deep grid's layer_stats")
    settings, rows = [], []
    for act, init in MATCHED.items():
        v = _slopes_of(sl, act, init)
        if v.empty:
            continue
        names = [f"{init}: activation-std slope", f"{init}: gradient growth"]
        effects = [stats.mean_ci(v.act_slope, 0.90, clusters=v.dataset),
                   stats.mean_ci(v.grad_growth, 0.90, clusters=v.dataset)]
        setting, r = _tost_setting(act, names, effects, TAU)
        settings.append(setting)
        rows += r
    if not settings:
        return missing("needs the matched inits in the deep grid")
    return Outcome(settings, {
        f"Depth {depth}, at initialization, log10 per layer under the matched init "
        f"(equivalence margin ±{TAU})": pd.DataFrame(rows)})


def _layer_table(rng: np.random.Generator, cells: dict[tuple[str, str], tuple[float, float]],
                 sd: float) -> RunSet:
    """Synthetic deep-grid runs at depth 20: per (activation, scheme), mean slopes
    (activation-std slope, gradient growth) with per-replicate noise of SD ``sd``;
    exact log-linear profiles, so the fitted slopes are the drawn ones."""
    depth, layers = 20, np.arange(1, 22)  # layer 21: the logits (the rule skips it)
    frames, finals = [], []
    for (act, s), (a_mean, g_mean) in cells.items():
        init, std = ("normal", float(s.split("=")[1])) if s.startswith("normal") else (s, 0.01)
        a = a_mean + rng.normal(0, sd, REPLICATES)
        g = g_mean + rng.normal(0, sd, REPLICATES)
        point = {"preset": "deep", "activation": act, "init": init, "init_std": std,
                 "depth": depth}
        frames.append(pd.DataFrame({
            **point, "step": 0, "replicate": np.repeat(np.arange(REPLICATES), layers.size),
            "layer": np.tile(layers, REPLICATES),
            "act_std": 10.0 ** np.outer(a, layers).ravel(),
            "grad_out_norm": 10.0 ** -np.outer(g, layers).ravel()}))
        finals.append(pd.DataFrame({**point, "grid": "deep", "replicate": np.arange(REPLICATES),
                                    "dataset": np.arange(REPLICATES, dtype=float)}))
    axes = ["preset", "activation", "init", "init_std", "depth"]
    return RunSet.from_tables(NAME, axes, pd.concat(finals, ignore_index=True),
                              layer_stats=pd.concat(frames, ignore_index=True))


def simulate_in3(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Planted: every member of every activation at TAU + IN3_MIN in the claimed
    direction (N(0,1) gradient growth, N(0,0.01²) gradient and activation decay). Null,
    least favourable for a false "supported": in the primary (tanh) one of the three
    members, drawn at random, exactly at +TAU and the other two planted; sigmoid and
    relu (robustness) stay planted. ``effect``: TAU + effect in every member."""
    r = TAU + (IN3_MIN if effect is None else effect)
    boundary = None if planted or effect is not None else int(rng.integers(3))
    cells = {}
    for act in ACTIVATIONS:
        m = [r, r, r]
        if act == "tanh" and boundary is not None:
            m[boundary] = TAU
        cells[(act, BIG)] = (0.0, m[0])  # (activation-std slope, gradient growth)
        cells[(act, SMALL)] = (-m[2], -m[1])
    return _layer_table(rng, cells, IN3_SD)


def simulate_in4(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Planted: both slopes of every matched init at 0 (flat). Null, least favourable
    for a false "equivalent": in the primary (tanh + xavier) one of the two slopes,
    drawn at random, exactly at the margin (±TAU, random sign) and the other at 0;
    sigmoid and relu (robustness) stay planted. ``effect``: both slopes of every
    setting at ±effect (random sign per slope)."""
    cells = {}
    for act, init in MATCHED.items():
        if effect is not None:
            at = effect * rng.choice([-1.0, 1.0], 2)
        else:
            at = np.zeros(2)
            if not planted and act == "tanh":
                at[rng.integers(2)] = TAU * rng.choice([-1.0, 1.0])
        cells[(act, init)] = (float(at[0]), float(at[1]))
    return _layer_table(rng, cells, IN4_SD)


# ---------------------------------------------------------------- figures and page

def _fig_accuracy(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for ax, preset in zip(axes, ("abid2018", "moons", "logreg"), strict=True):
        cur = with_scheme(rs.sel("curves", preset=preset))
        for s, g in cur.groupby("scheme"):
            band_frame(ax, g, "step", "test_acc", s)
            if preset == "abid2018" and s in ORIGINAL:
                ax.plot(g.step.max(), ORIGINAL[s], "*", ms=11, color=ax.lines[-1].get_color())
        ax.set(title=f"{preset}: held-out test accuracy", xlabel="step")
    if len(rs.sel(preset="logreg")):
        axes[2].axhline(sklearn_optimum(rs).mean(), color="k", ls=":",
                        label="scikit-learn optimum (mean over replicates)")
    axes[0].set_ylabel("accuracy (mean, 95% CI)")
    axes[0].plot([], [], "k*", label="Abid 2018 final (its \"test\" curve)")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "accuracy_by_init.png", dpi=110)
    plt.close(fig)


def _fig_symmetry(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    sym = with_scheme(rs.table("symmetry"))
    for ax, preset in zip(axes, TASKS, strict=True):
        for s, g in sym[sym.preset == preset].groupby("scheme"):
            band_frame(ax, g, "step", "unit_cosine", s)
        ax.set(title=f"{TASKS[preset]}: are the first-layer units copies?", xlabel="step")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("mean pairwise cosine of first-layer units")
    fig.tight_layout()
    fig.savefig(out / "symmetry.png", dpi=110)
    plt.close(fig)


def _fig_profiles(rs: RunSet, out: Path) -> None:
    ls = rs.sel("layer_stats", preset="deep")
    ls = with_scheme(ls[(ls.step == 0) & (ls.depth == ls.depth.max())])
    acts = sorted(ls.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for s, g in ls[ls.activation == act].groupby("scheme"):
            g = g.assign(log_act=np.log10(g.act_std.clip(lower=1e-45)),
                         log_grad=np.log10(g.grad_out_norm.clip(lower=1e-45)))
            band_frame(axes[0, j], g, "layer", "log_act", s)
            band_frame(axes[1, j], g, "layer", "log_grad", s)
        axes[0, j].set(title=f"{act}: activation std per layer", ylabel="log10 std")
        axes[1, j].set(title=f"{act}: gradient w.r.t. layer output", xlabel="layer",
                       ylabel="log10 norm")
    axes[0, -1].legend(fontsize=7)
    fig.suptitle(f"At initialization, depth {int(ls.depth.max()) if len(ls) else '?'}, "
                 "width 64 (last layer = logits)")
    fig.tight_layout()
    fig.savefig(out / "layer_profiles.png", dpi=110)
    plt.close(fig)


def _fig_depth(rs: RunSet, out: Path) -> None:
    sl = layer_slopes(rs)
    fin = with_scheme(rs.sel(preset="deep"))
    acts = sorted(fin.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for s, g in sl[sl.activation == act].groupby("scheme"):
            band_frame(axes[0, j], g, "depth", "grad_growth", s, marker="o")
        for s, g in fin[fin.activation == act].groupby("scheme"):
            band_frame(axes[1, j], g, "depth", "test_acc", s, marker="o")
        axes[0, j].axhspan(-TAU, TAU, color="grey", alpha=0.15)
        axes[0, j].set(title=f"{act}: gradient growth per layer at init", xscale="log",
                       ylabel="log10 per layer (> 0 explodes)")
        axes[1, j].set(title=f"{act}: test accuracy after the budget", xscale="log",
                       xlabel="hidden layers", ylabel="accuracy")
    depths = sorted(fin.depth.unique())
    for ax in axes.ravel():  # the swept depths as plain tick labels on the log axis
        ax.set_xticks(depths, [f"{d:g}" for d in depths])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    axes[0, -1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "depth.png", dpi=110)
    plt.close(fig)


def _table(rs: RunSet, preset: str, original: bool = False, symmetry: bool = True) -> str:
    """Final accuracies per init (and the Abid number, and first-layer symmetry)."""
    fin = with_scheme(rs.sel(preset=preset))
    metrics = {"test acc": "test_acc", "train acc": "train_acc"}
    if symmetry:
        metrics["first-layer unit cosine"] = "unit_cosine"
    cols = ["init", *(["Abid 2018 final"] if original else []), *metrics]
    lines = ["| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
    for s, g in fin.groupby("scheme"):
        cells = [stats.mean_ci(g[m]).fmt() for m in metrics.values()]
        orig = [str(ORIGINAL.get(s, "–"))] if original else []
        lines.append("| " + " | ".join([s, *orig, *cells]) + " |")
    return "\n".join(lines)


def _sklearn_table(rs: RunSet) -> str:
    """Each init's final test accuracy minus scikit-learn's optimum on the same
    replicate's dataset (paired), and the optimum itself."""
    acc, cl = by_scheme(rs, "test_acc", preset="logreg")
    sk = sklearn_optimum(rs)
    if acc.empty or sk.empty:
        return "No logreg runs."
    sk = sk.reindex(acc.index)
    lines = ["| init | test acc − scikit-learn's optimum, mean [95% CI] |", "|---|---|"]
    lines += [f"| {s} | {stats.paired(acc[s], sk, clusters=cl).fmt(4)} |" for s in acc]
    return "\n".join([
        f"scikit-learn's optimum (unpenalized LogisticRegression fitted on each "
        f"replicate's own training split, scored on its test split): "
        f"{stats.mean_ci(sk, clusters=cl).fmt(4)} over {len(sk)} replicates.", "",
        *lines])


def _deep_table(rs: RunSet) -> str:
    fin = with_scheme(rs.sel(preset="deep"))
    if fin.empty:
        return "No deep runs."
    tab = fin.groupby(["activation", "scheme", "depth"]).test_acc.mean().unstack("depth")
    lines = ["| activation | init | " + " | ".join(f"depth {d:g}" for d in tab.columns) + " |",
             "|---|---|" + "---|" * len(tab.columns)]
    for (act, s), row in tab.iterrows():
        lines.append(f"| {act} | {s} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_accuracy(rs, out)
    _fig_symmetry(rs, out)
    _fig_profiles(rs, out)
    _fig_depth(rs, out)
    return f"""## Figures

![test accuracy by init](accuracy_by_init.png)

Stars: the final accuracies the original reported (its curves were computed on the
training set, as in its Exp 8; compare them with our train accuracy in the table below).
Bands: mean and 95% CI over replicates, each replicate on its own dataset. The symmetry
figure shows whether zero init's first-layer units were still copies of each other when
its accuracy climbed (the original blamed noise breaking the symmetry).

![symmetry of the first layer](symmetry.png)

![per-layer profiles at initialization](layer_profiles.png)

![gradient growth and accuracy vs depth](depth.png)

The grey band is ±{TAU} log10 per layer, the declared "roughly constant" zone.

## The original's setup (abid2018), mean [95% CI] over replicates

{_table(rs, "abid2018", original=True)}

## Nonlinear task (moons)

{_table(rs, "moons")}

## Convex control (logreg)

{_table(rs, "logreg", symmetry=False)}

{_sklearn_table(rs)}

## Deep grid: test accuracy after 200 steps (mean over replicates)

{_deep_table(rs)}
"""


EXPERIMENT = Experiment(
    name=NAME,
    title="Initialization: convex vs deep, symmetry, vanishing and exploding signals",
    original="""Abid (2018) Exp 10: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, a 100-100 sigmoid MLP with MSE on the logits against
one-hot labels, Adam 0.003, 500 steps of batch 64, 5 repeats. Inits Xavier, zeros, ones,
N(0, 0.01) and N(0, 1) (σ, not σ²). Reported final accuracy ≈ 0.96 (Xavier), 0.95
(N(0,0.01)), 0.63 (N(0,1)), 0.49 (ones, flat throughout); zeros ≈ 0.49 for most of
training, then ≈ 0.87, which the author attributes to numerical noise from parallel
cores breaking the symmetry. Defects: the accuracy curves use the training set (as in
Exp 8), 5 repeats without intervals, no convex or nonlinear control.""",
    claims=[
        Claim(
            "IN-1", "002 (Q44)",
            "对一些简单的机器学习模型,或当损失函数是convex function时,"
            "零初始化和随机初始化方法是有效的",
            "For a convex model (logistic regression), zero and random init reach the same "
            "final test accuracy.",
            "preset logreg (identity covariance, 2000 steps): zeros, xavier, N(0,0.01²), "
            "N(0,1); scikit-learn's optimum on each replicate's dataset for reference",
            "Setting: logreg (the one convex model). Per replicate, final test accuracy of "
            "each random init (xavier, N(0,0.01²), N(0,1)) minus zero init, paired by "
            "replicate (same dataset and data order); t-based CIs over independent "
            f"datasets. Equivalence (TOST, α = 0.05): supported if every random init's 90% "
            f"CI lies within ±{MARGIN} (intersection-union: each must be equivalent, no "
            f"correction); refuted if some init lies significantly outside ±{MARGIN} "
            "(one-sided t-test against the nearer margin, Holm over the 3 inits; its 90% "
            "CI then lies wholly outside); else inconclusive. Headline: the deciding init "
            "(when supported, the one with the largest TOST p); p = its TOST p (for a "
            "refutation, the Holm-adjusted p of 'outside'). " + OVERALL,
            decide_in1, primary="logreg",
            effect_label=f"random init − zero init, final test accuracy (the deciding init; "
                         f"equivalence margin ±{MARGIN})",
            min_effect=IN1_MIN, pilot_sd=IN1_SD, null_value=0.0, equivalence_margin=MARGIN,
            simulate=simulate_in1),
        Claim(
            "IN-2", "002 (Q44)", "对于深度学习而言…合适的参数初始值对于模型的收敛至关重要",
            "For MLPs, the init scheme changes the outcome: Xavier/He beat constant "
            "(zeros/ones) and badly scaled Gaussian inits; constant init leaves hidden "
            "units identical (symmetry).",
            "abid2018 and moons, 100-100 sigmoid, MSE: xavier vs zeros, ones, N(0,0.01²), "
            "N(0,1); symmetry probe",
            "Settings: abid2018 (primary: the original's task) and moons. In each, a "
            "family of members, each a two-sided t-test at α = 0.05 with its 95% CI: "
            "Xavier minus each rival (zeros, ones, N(0,0.01²), N(0,1)) in final test "
            "accuracy, paired by replicate (claimed > 0); and for each constant init "
            "(zeros, ones) the first-layer mean pairwise unit cosine at the end, against "
            f"{SYMMETRIC} (claimed above: the units are still copies). A setting is "
            "supported when every member holds (intersection-union, no correction), "
            "refuted when some member is significantly the other way after Holm over the "
            "family (a rival beats Xavier, or a constant init's units stopped being "
            "copies), else inconclusive. Headline: the deciding member of the primary. "
            + OVERALL,
            decide_in2, primary="abid2018",
            effect_label="xavier − rival, final test accuracy (or a constant init's unit "
                         f"cosine against {SYMMETRIC}): the deciding member on abid2018",
            min_effect=IN2_MIN, pilot_sd=IN2_SD, simulate=simulate_in2),
        Claim(
            "IN-3", "004", "由于初始化权值过大…就会导致权值越来越大,梯度爆炸",
            "Too-large init makes gradients grow layer by layer (explode) in deep nets; "
            "too-small init makes activations and gradients vanish.",
            "preset deep at the largest depth (20), step 0: N(0,1) and N(0,0.01²) per "
            "activation",
            "Settings: the activations sigmoid, tanh (primary) and relu at the largest "
            "depth of the deep grid, at initialization. Per replicate, least-squares "
            "slopes over the hidden layers of log10 of the gradient norm w.r.t. each "
            "layer's output (growth towards the input = −slope) and of log10 activation "
            "std. Three members per activation, each claimed above "
            f"+{TAU} log10 per layer (a 4× change over 20 layers) and tested two-sided "
            f"against {TAU} (t-test, 95% CI): gradient growth under N(0,1) (explodes); "
            "gradient decay and activation-std decay under N(0,0.01²) (vanishes). An "
            "activation is supported when all three hold (intersection-union), refuted "
            f"when one is significantly below +{TAU} after Holm over the three, else "
            "inconclusive. " + OVERALL,
            decide_in3,
            # tanh: the quote names no activation; the seed lists sigmoid and tanh as the
            # saturating activations it warns about, and of the two tanh is the one whose
            # linear regime (derivative 1 at 0) lets a too-large init make each layer's
            # gain exceed 1, the mechanism the quote describes (Glorot & Bengio 2010
            # analysed it for tanh); sigmoid and relu keep their own verdicts.
            primary="tanh",
            effect_label=f"log10 per layer in the claimed direction (N(0,1) gradient "
                         f"growth, or N(0,0.01²) gradient / activation decay), the "
                         f"deciding member at the largest depth; null +{TAU}",
            min_effect=IN3_MIN, pilot_sd=IN3_SD, null_value=TAU, simulate=simulate_in3),
        Claim(
            "IN-4", "004", "2、选择合适的参数初始化方法 (against vanishing/exploding gradients)",
            "Variance-preserving init (Xavier for tanh/sigmoid, He for ReLU) keeps "
            "per-layer activation and gradient scale roughly constant with depth.",
            "preset deep at the largest depth (20), step 0: sigmoid+xavier, tanh+xavier, "
            "relu+he",
            "Settings: sigmoid + xavier, tanh + xavier (primary), relu + he. The two "
            "slopes of IN-3 under the matched init (log10 per layer). Equivalence (TOST, "
            f"α = 0.05): supported if both 90% CIs lie within ±{TAU} (intersection-union); "
            f"refuted if one lies significantly outside ±{TAU} (one-sided t-test against "
            "the nearer margin, Holm over the two; its 90% CI then lies wholly outside); "
            "else inconclusive; p = the deciding slope's TOST p (for a refutation, the "
            "Holm-adjusted p of 'outside'). " + OVERALL,
            decide_in4,
            # tanh + xavier: Xavier's variance argument was derived for tanh-like units
            # (Glorot & Bengio 2010), the saturating activation the seed discusses
            primary="tanh",
            effect_label=f"activation-std slope or gradient growth under the matched "
                         f"init (log10 per layer), the deciding one at the largest depth; "
                         f"margin ±{TAU}",
            min_effect=IN4_MIN, pilot_sd=IN4_SD, null_value=0.0, equivalence_margin=TAU,
            simulate=simulate_in4),
    ],
    report=report,
)

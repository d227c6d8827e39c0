"""Do layers converge at different speeds, and do early layers learn slower? LC-1 ... LC-4.

Faithful setup: Abid (2018) Exp 11 (grid ``abid``, preset abid2018), with the original's
metric (the change of 50 weights per layer every 2 steps) beside better-founded ones on
the same runs: relative distance of each layer's weights to their final value, and the
linear CKA of each layer's representation with its final one (Kornblith et al. 2019;
Raghu et al. 2017 found representations converge bottom-up). Variants (preset
``variants``): depth {3, 6, 10} × activation × {plain, batch norm, residual}. Every
replicate has its own dataset (final.csv's ``dataset`` column); conditions are paired
by replicate.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Outcome, Setting, Verdict, missing  # noqa: E402
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet, dataset_of  # noqa: E402

NAME = "layer_convergence"
REPLICATES = 24  # = trainer.replicates in conf/experiment/layer_convergence.yaml (tested)
SETTLE = 0.1  # a layer has settled once ‖W_t − W_T‖/‖W_T‖ stays below this (LC-1)
SETTLE_ALSO = (0.05, 0.2)  # reported beside it
CKA_SETTLE = 0.9  # representation settled once CKA with the final one stays above this
DEPTHS = (3, 6, 10)
STEPS, EVERY = 750, 10  # the abid run's budget and evaluation interval (75 evaluations)
VARIANTS = {"relu": ("relu", "plain"), "batch norm": ("sigmoid", "bn"),
            "residual": ("sigmoid", "residual")}  # LC-3, each against plain sigmoid
BASE = "sigmoid plain"  # LC-2, LC-4 and LC-3's reference
OVERALL = ("Overall label: the harness's rule (primary supported and refuted nowhere = "
           "supported; refuted anywhere = refuted, or mixed if supported elsewhere; "
           "otherwise inconclusive).")

# Declared effect sizes and pilot SDs. Pilot: the committed results/layer_convergence
# page (12 replicates on 4 shared datasets); each SD is backed out of a t-based 95% CI
# over the 12 replicates as half-width / t(11) · √12. Under a planted effect every
# member of an intersection-union family has the same mean, so the noisiest member
# decides: the pilot SD declared is the largest member SD of the primary setting.
# LC-1: 50 steps, 5 evaluation intervals or 1/15 of the 750-step budget: a smaller gap
# in when two layers settle is within the resolution of a threshold rule on a curve
# sampled every 10 steps. SD: pair 3 → 4, 95% CI [287.0, 459.6] -> 136 (1 → 2: 30,
# 2 → 3: 81).
LC1_MIN, LC1_SD = 50.0, 136.0
# LC-2: 0.2 log10, the first layer's gradient 1.6× smaller than the last's (or the
# ratio 1.6× worse one depth step deeper): a smaller imbalance is not "learning slower"
# in any practical sense. SD: the depth-10 ratio, 95% CI [−4.69, −2.42] -> 1.79 (depth 3
# 0.13, depth 6 0.32, 3 → 6 0.31, 6 → 10 1.73).
LC2_MIN, LC2_SD = 0.2, 1.79
# LC-3: the same 0.2 log10 of imbalance removed. SD: relu's improvement at depth 10,
# 95% CI [1.80, 4.34] -> 2.0 (depth 3 0.14, depth 6 0.46).
LC3_MIN, LC3_SD = 0.2, 2.0
# LC-4: 5 of the 100 test examples, about one binomial SE of one test set's accuracy at
# ~0.75 (0.043): a smaller drop is within one test set's noise. SD: pair 6 → 10, 95% CI
# [0.016, 0.187] -> 0.135 (3 → 6: 0.031).
LC4_MIN, LC4_SD = 0.05, 0.135


def variant_of(frame: pd.DataFrame) -> pd.Series:
    bn = frame.batch_norm.astype(bool)
    res = frame.residual.astype(bool)
    return pd.Series(np.select([bn, res], ["bn", "residual"], "plain"), index=frame.index)



def _wide(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """(replicate, layer) × evaluation step table of ``column``."""
    return frame.pivot_table(index=["replicate", "layer"], columns="step", values=column,
                             aggfunc="first", dropna=False).sort_index(axis=1)


def settling_steps(frame: pd.DataFrame | None, column: str = "", below: float | None = None,
                   above: float | None = None, wide: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Per replicate and layer: the first evaluation step after which ``column`` stays
    below ``below`` (or above ``above``) until the end (NaN if not even at the end).
    ``wide``: the (replicate, layer) × step table of the column, when already built."""
    if wide is None:
        if frame is None or frame.empty:
            return pd.DataFrame(columns=["replicate", "layer", "settle"])
        wide = _wide(frame, column)
    steps, v = wide.columns.to_numpy(), wide.to_numpy(float)
    with np.errstate(invalid="ignore"):
        bad = ~(v < below) if below is not None else ~(v > above)
    n = steps.size
    last_bad = np.where(bad.any(1), n - 1 - np.argmax(bad[:, ::-1], axis=1), -1)
    first_ok = last_bad + 1
    settle = np.where(first_ok < n, steps[np.minimum(first_ok, n - 1)].astype(float), np.nan)
    return wide.index.to_frame(index=False).assign(settle=settle)


def _by_layer(settle: pd.DataFrame) -> tuple[list[int], list[np.ndarray], np.ndarray]:
    """(layers, per-layer settling steps ordered by replicate, replicates)."""
    wide = settle.pivot(index="replicate", columns="layer", values="settle").sort_index()
    return ([int(c) for c in wide.columns], [wide[c].to_numpy(float) for c in wide.columns],
            wide.index.to_numpy())


def _pair_rows(res: stats.MonotoneResult, measure: str) -> list[dict]:
    return [{"measure": measure, **p} for p in res.pairs]


def _member_rows(setting: str, names: list[str], fam: stats.Family) -> list[dict]:
    return [{"setting": setting, "member": n, "mean": e.mean, "CI low": e.ci_low,
             "CI high": e.ci_high, "p": e.p, "p (Holm, other way)": fam.p_against[i],
             "holds": fam.holds[i], "significantly the other way": fam.against[i]}
            for i, (n, e) in enumerate(zip(names, fam.effects, strict=True))]


def _decided_by(fam: stats.Family, names: list[str]) -> str:
    name = names[fam.deciding]
    if fam.verdict == stats.SUPPORTED:
        return f"weakest of {len(names)}: {name}"
    if fam.verdict == stats.REFUTED:
        return f"significantly the other way (Holm): {name}"
    return f"undecided: {name}"


def _monotone_by(res: stats.MonotoneResult) -> str:
    if res.verdict == stats.SUPPORTED:
        return f"weakest pair {res.deciding_pair}"
    if res.verdict == stats.REFUTED:
        return f"pair {res.deciding_pair} significantly the other way (Holm)"
    return f"undecided pair {res.deciding_pair}"


# ---------------------------------------------------------------- LC-1

def decide_lc1(rs: RunSet) -> Outcome:
    conv = rs.sel("convergence", grid="abid")
    if conv.empty:
        return missing("needs the abid run's convergence table")
    dist = _wide(conv, "dist_final")
    layers, by_layer, reps = _by_layer(settling_steps(None, below=SETTLE, wide=dist))
    cl = dataset_of(rs.sel(grid="abid"), reps)
    res = stats.monotone(layers, by_layer, "decreasing", clusters=cl)
    cka_layers, cka, cka_reps = _by_layer(settling_steps(conv, "cka_final", above=CKA_SETTLE))
    cka_res = stats.monotone(cka_layers, cka, "increasing",
                             clusters=dataset_of(rs.sel(grid="abid"), cka_reps))
    per_layer = []
    for f in (SETTLE, *SETTLE_ALSO):
        lay, vals, _ = (layers, by_layer, reps) if f == SETTLE else _by_layer(
            settling_steps(None, below=f, wide=dist))
        for la, v in zip(lay, vals, strict=True):
            e = stats.mean_ci(v, clusters=cl)
            per_layer.append({"threshold on ‖W_t − W_T‖/‖W_T‖": f, "layer": la,
                              "settling step": e.mean, "CI low": e.ci_low,
                              "CI high": e.ci_high, "replicates settled": int(
                                  np.isfinite(v).sum())})
    setting = Setting("abid2018", res.verdict, res.effect, _monotone_by(res))
    return Outcome([setting], {
        f"Settling step per layer (layer {layers[-1]} = output; mean and 95% CI)":
            pd.DataFrame(per_layer),
        "Adjacent layers, earlier − later settling step (paired by replicate)":
            pd.DataFrame(_pair_rows(res, f"weights: distance to final < {SETTLE}")
                         + _pair_rows(cka_res, f"representation: CKA with final > "
                                               f"{CKA_SETTLE}"))},
        notes=[cka_summary(cka_res)])


def cka_summary(cka_res: stats.MonotoneResult) -> str:
    """What the CKA reading shows, pair by pair, from its numbers: which layer's
    representation settles first (two-sided paired t, 95% CI) and how that compares
    with the claim (later layers first)."""
    parts, opposite, claimed = [], 0, 0
    for pair in cka_res.pairs:  # the adjacent pairs (and any non-adjacent reversal)
        a, b = (pair["from"], pair["to"]) if "from" in pair else (
            str(pair["pair"]).split(" → "))
        d, lo, hi = float(pair["diff"]), float(pair["ci_low"]), float(pair["ci_high"])
        sig = bool(np.isfinite(pair["p"]) and pair["p"] < stats.ALPHA)
        if sig and d < 0:  # earlier − later < 0: the earlier layer settles first
            opposite += 1
            parts.append(f"layer {a} settles before layer {b}, {-d:.0f} [{-hi:.0f}, "
                         f"{-lo:.0f}] steps earlier")
        elif sig and d > 0:
            claimed += 1
            parts.append(f"layer {a} settles after layer {b}, {d:.0f} [{lo:.0f}, "
                         f"{hi:.0f}] steps later")
        else:
            parts.append(f"layers {a} and {b}: no significant difference ({d:.0f} "
                         f"[{lo:.0f}, {hi:.0f}] steps, earlier − later)")
    if opposite and not claimed:
        lead = ("By CKA the representations settle in the opposite order to the claim "
                "(earlier layers first, not later ones) wherever the order is clear")
    elif claimed and not opposite:
        lead = ("By CKA the representations settle in the claimed order (later layers "
                "first) wherever the order is clear")
    elif claimed and opposite:
        lead = "By CKA the order is mixed"
    else:
        lead = "By CKA no adjacent pair of layers settles in a significantly different order"
    return (f"{lead}: " + "; ".join(parts) + f" (settled = CKA of the layer's "
            f"representation with its final one on a fixed batch stays above "
            f"{CKA_SETTLE}, the Raghu et al. reading; mean and 95% CI over replicates, "
            "two-sided paired t per pair). Reported beside the weight-based verdict, not "
            f"part of it; the bottom-up order (earlier layers first) as a monotone test "
            f"is {cka_res.verdict}.")


def simulate_lc1(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Settling steps per layer. Planted: each layer settles LC1_MIN later than the next
    (layer 1 last). Null, least favourable for a false "supported": one adjacent pair,
    drawn at random, settles at the same step and the other two pairs LC1_MIN apart.
    ``effect``: that gap in every pair. Each layer's noise SD LC1_SD/√2, so adjacent
    differences have SD LC1_SD; curves cross the thresholds at the drawn step."""
    steps = np.arange(0, STEPS + 1, EVERY, dtype=float)
    layers = np.arange(1, 5)
    gaps = np.full(layers.size - 1, LC1_MIN if effect is None else effect)
    if effect is None and not planted:
        gaps[rng.integers(gaps.size)] = 0.0
    # settling step of layer l = the gaps of the pairs after it; centred on STEPS / 2
    mean = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    mean = mean - mean.mean() + STEPS / 2
    t = mean[None, :] + rng.normal(0, LC1_SD / math.sqrt(2), (REPLICATES, layers.size))
    t = np.clip(np.round(t / EVERY) * EVERY, 0, STEPS)  # (R, L) on the evaluation grid
    decay = 10.0 ** (-(steps[None, None, :] - t[:, :, None]) / 300.0) * 0.999
    r, la, st = np.meshgrid(np.arange(REPLICATES), layers, steps, indexing="ij")
    conv = pd.DataFrame({"grid": "abid", "replicate": r.ravel(), "layer": la.ravel(),
                         "step": st.ravel(), "dist_final": (SETTLE * decay).ravel(),
                         "cka_final": (1 - (1 - CKA_SETTLE) * decay).ravel()})
    final = pd.DataFrame({"grid": "abid", "preset": "abid2018",
                          "replicate": np.arange(REPLICATES),
                          "dataset": np.arange(REPLICATES, dtype=float)})
    return RunSet.from_tables(NAME, ["preset"], final, convergence=conv)


# ---------------------------------------------------------------- LC-2..LC-4

def grad_ratio(rs: RunSet) -> pd.DataFrame:
    """Per variant run and replicate: ``log_ratio`` = mean over evaluations of log10
    (first / last weight matrix's gradient norm); 0 = balanced, < 0 = vanishing."""
    ls = rs.sel("layer_stats", preset="variants")
    keys = ["variant", "activation", "depth", "replicate"]
    if ls.empty:
        return pd.DataFrame(columns=[*keys, "log_ratio"])
    ls = ls.assign(variant=variant_of(ls))
    last = ls.groupby([*keys, "step"]).layer.transform("max")
    idx = [*keys, "step"]
    first = ls[ls.layer == 1].set_index(idx).grad_norm
    final = ls[ls.layer == last].set_index(idx).grad_norm
    lr = np.log10(first.clip(lower=1e-45) / final.clip(lower=1e-45))
    return lr.groupby(keys).mean().rename("log_ratio").reset_index()


def _per_depth(gr: pd.DataFrame, activation: str, variant: str) -> pd.DataFrame:
    """depth × replicate table of log_ratio for one variant (paired by replicate)."""
    sel = gr[(gr.activation == activation) & (gr.variant == variant)]
    if sel.empty:
        return pd.DataFrame()
    return sel.pivot(index="replicate", columns="depth", values="log_ratio").sort_index()


def _variants_clusters(rs: RunSet, reps: pd.Index) -> np.ndarray:
    return dataset_of(rs.sel(preset="variants"), reps)


def decide_lc2(rs: RunSet) -> Outcome:
    per = _per_depth(grad_ratio(rs), "sigmoid", "plain")
    if per.empty:
        return missing("needs the plain sigmoid variant grid")
    cl = _variants_clusters(rs, per.index)
    depths = list(per.columns)
    names = [f"depth {d:g}: log10 ratio" for d in depths]
    effects = [stats.mean_ci(per[d], clusters=cl) for d in depths]
    for a, b in zip(depths[:-1], depths[1:], strict=True):
        names.append(f"depth {a:g} → {b:g}: change of the log10 ratio (deeper − shallower)")
        effects.append(stats.paired(per[b], per[a], clusters=cl))
    fam = stats.family(effects, claimed=-1, need="all")
    return Outcome([Setting(BASE, fam.verdict, fam.effect, _decided_by(fam, names))], {
        "Plain sigmoid, log10(first / last weight-gradient norm) averaged over the "
        "evaluations of training (claimed < 0)": pd.DataFrame(_member_rows(BASE, names,
                                                                            fam))})


def decide_lc3(rs: RunSet) -> Outcome:
    gr = grad_ratio(rs)
    base = _per_depth(gr, "sigmoid", "plain")
    if base.empty:
        return missing("needs the plain sigmoid variant grid")
    cl = _variants_clusters(rs, base.index)
    settings, rows = [], []
    for name, (act, var) in VARIANTS.items():
        alt = _per_depth(gr, act, var)
        depths = [d for d in base.columns if d in alt.columns] if len(alt) else []
        if not depths:
            continue
        alt = alt.reindex(base.index)
        names = [f"depth {d:g}" for d in depths]
        effects = [stats.paired(base[d].abs(), alt[d].abs(), clusters=cl) for d in depths]
        fam = stats.family(effects, claimed=+1, need="all")
        settings.append(Setting(name, fam.verdict, fam.effect, _decided_by(fam, names)))
        for r, d in zip(_member_rows(name, names, fam), depths, strict=True):
            rows.append({**r, "variant mean log10 ratio": float(alt[d].mean()),
                         "plain sigmoid mean log10 ratio": float(base[d].mean())})
    if not settings:
        return missing("needs relu, batch-norm and residual variants")
    return Outcome(settings, {
        "Improvement = |log10 ratio| of plain sigmoid − that of the variant, paired by "
        "replicate (claimed > 0)": pd.DataFrame(rows)},
        # every declared depth stays in each variant's family; whether a depth where
        # the plain net's gradients do not vanish should be dropped is issue 12's call
        notes=["Every declared depth is in each variant's family. At a depth where the "
               "plain sigmoid net's gradients do not vanish (its log10 ratio near 0) no "
               "variant can reduce the imbalance, so such a depth can block support "
               "without bearing on the claim."])


def decide_lc4(rs: RunSet) -> Outcome:
    fin = rs.sel(preset="variants")
    if fin.empty:
        return missing("needs the plain sigmoid variant grid")
    fin = fin.assign(variant=variant_of(fin))
    sel = fin[(fin.activation == "sigmoid") & (fin.variant == "plain")]
    if sel.empty:
        return missing("needs the plain sigmoid variant grid")
    acc = sel.pivot(index="replicate", columns="depth", values="test_acc").sort_index()
    cl = dataset_of(sel, acc.index)
    depths = [f"{d:g}" for d in acc.columns]
    res = stats.monotone(depths, [acc[d].to_numpy(float) for d in acc.columns],
                         "decreasing", clusters=cl)
    levels = []
    for d in acc.columns:
        e = stats.mean_ci(acc[d], clusters=cl)
        levels.append({"depth": f"{d:g}", "test accuracy": e.mean, "CI low": e.ci_low,
                       "CI high": e.ci_high})
    return Outcome([Setting(BASE, res.verdict, res.effect, _monotone_by(res))], {
        "Plain sigmoid, held-out test accuracy after the budget": pd.DataFrame(levels),
        "Adjacent depths, shallower − deeper (paired by replicate)":
            pd.DataFrame(_pair_rows(res, "test accuracy"))})


def _variant_runs(rng: np.random.Generator, ratios: dict[tuple[str, str], np.ndarray],
                  acc: np.ndarray | None = None) -> RunSet:
    """Synthetic variant runs: per (activation, variant) a (R, depths) array of
    log10 first/last gradient ratios (layer_stats with the first and the logits layer
    at one evaluation), and plain sigmoid's test accuracy per depth when given."""
    frames, finals = [], []
    for (act, var), lr in ratios.items():
        for j, d in enumerate(DEPTHS):
            point = {"preset": "variants", "activation": act, "depth": d,
                     "batch_norm": var == "bn", "residual": var == "residual"}
            reps = np.arange(REPLICATES)
            frames.append(pd.DataFrame({
                **point, "step": 0, "replicate": np.repeat(reps, 2),
                "layer": np.tile([1, d + 1], REPLICATES),
                "grad_norm": np.column_stack([10.0 ** lr[:, j], np.ones(REPLICATES)]).ravel()}))
            finals.append(pd.DataFrame({
                **point, "grid": "plain" if var == "plain" else var, "replicate": reps,
                "dataset": reps.astype(float),
                "test_acc": acc[:, j] if acc is not None and (act, var) == ("sigmoid", "plain")
                else np.nan}))
    axes = ["preset", "activation", "depth", "batch_norm", "residual"]
    return RunSet.from_tables(NAME, axes, pd.concat(finals, ignore_index=True),
                              layer_stats=pd.concat(frames, ignore_index=True))


def _levels(rng: np.random.Generator, mean: np.ndarray, sd: float) -> np.ndarray:
    """(R, depths): the level means ``mean`` (one per depth), each level's noise SD
    sd/√2 (adjacent differences then have SD sd), plus a per-replicate offset shared by
    the levels."""
    mean = np.asarray(mean, float)
    return (mean[None, :] + rng.normal(0, sd / math.sqrt(2), (REPLICATES, len(DEPTHS)))
            + rng.normal(0, 0.1, (REPLICATES, 1)))


def simulate_lc2(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Plain sigmoid log10 ratio. Planted: −LC2_MIN at depth 3 and LC2_MIN lower per
    depth step (every member at −LC2_MIN or beyond). Null, least favourable for a false
    "supported": one member exactly at 0 and every other at −LC2_MIN or beyond, drawn
    at random among the members that can sit at 0 while the others hold: the depth-3
    ratio (0, −m, −2m), the change 3 → 6 (−m, −m, −2m) or the change 6 → 10 (−m, −2m,
    −2m). (The depth-6 or depth-10 ratio cannot be 0 while the depth-3 ratio and the
    changes before it are negative.) ``effect``: −effect at depth 3 and per step."""
    m = LC2_MIN if effect is None else effect
    mean = [-m, -2 * m, -3 * m]
    if effect is None and not planted:
        mean = ([0.0, -m, -2 * m], [-m, -m, -2 * m], [-m, -2 * m, -2 * m])[rng.integers(3)]
    lr = _levels(rng, np.asarray(mean), LC2_SD)
    return _variant_runs(rng, {("sigmoid", "plain"): lr})


def simulate_lc3(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Plain sigmoid ratio far below 0 (about −6, so its sign never flips). Planted:
    each variant LC3_MIN closer to 0 at every depth. Null, least favourable for a false
    "supported": in the primary (relu) one depth, drawn at random, no closer (the same
    as plain sigmoid) and the other two LC3_MIN closer; batch norm and residual
    (robustness) stay planted. ``effect``: that gain at every depth of every variant."""
    gain = LC3_MIN if effect is None else effect
    base = _levels(rng, np.full(len(DEPTHS), -6.0), 0.0)
    ratios = {("sigmoid", "plain"): base}
    boundary = None if planted or effect is not None else int(rng.integers(len(DEPTHS)))
    for name, (act, var) in VARIANTS.items():
        g = np.full(len(DEPTHS), gain)
        if name == "relu" and boundary is not None:
            g[boundary] = 0.0
        ratios[(act, var)] = base + g[None, :] + rng.normal(0, LC3_SD, base.shape)
    return _variant_runs(rng, ratios)


def simulate_lc4(rng: np.random.Generator, planted: bool,
                 effect: float | None = None) -> RunSet:
    """Plain sigmoid test accuracy. Planted: LC4_MIN lower per depth step. Null, least
    favourable for a false "supported": one of the two depth steps, drawn at random,
    with no drop and the other with LC4_MIN. ``effect``: that drop at both steps."""
    drops = np.full(len(DEPTHS) - 1, LC4_MIN if effect is None else effect)
    if effect is None and not planted:
        drops[rng.integers(drops.size)] = 0.0
    acc = _levels(rng, 0.77 - np.concatenate([[0.0], np.cumsum(drops)]), LC4_SD)
    return _variant_runs(rng, {("sigmoid", "plain"): np.zeros_like(acc)}, acc)


# ---------------------------------------------------------------- figures and page

def _fig_curves(rs: RunSet, out: Path) -> None:
    conv = rs.sel("convergence", grid="abid")
    steps = rs.sel("convergence_steps", grid="abid")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    for lay, g in steps.groupby("layer"):
        band_frame(axes[0], g, "step", "slice_change", f"layer {lay}")
    for lay, g in conv.groupby("layer"):
        band_frame(axes[1], g, "step", "dist_final", f"layer {lay}")
        band_frame(axes[2], g, "step", "cka_final", f"layer {lay}")
    axes[0].set(title="Abid's metric: change of 50 weights per 2 steps", xlabel="step",
                yscale="log")
    axes[1].axhline(SETTLE, color="grey", ls=":", label=f"settled ({SETTLE})")
    axes[1].set(title="‖W_t − W_T‖ / ‖W_T‖ per layer", xlabel="step", yscale="log")
    axes[2].axhline(CKA_SETTLE, color="grey", ls=":", label=f"settled ({CKA_SETTLE})")
    axes[2].set(title="CKA of each layer's representation with its final one",
                xlabel="step")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle("abid2018 (3 hidden layers of 50, sigmoid): mean and 95% CI over "
                 "replicates, each on its own dataset; layer 4 = output")
    fig.tight_layout()
    fig.savefig(out / "layer_curves.png", dpi=110)
    plt.close(fig)


def _fig_settling(rs: RunSet, out: Path) -> None:
    conv = rs.sel("convergence", grid="abid")
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, frame in ((f"weights: distance to final < {SETTLE}",
                          settling_steps(conv, "dist_final", below=SETTLE)),
                         (f"representation: CKA with final > {CKA_SETTLE}",
                          settling_steps(conv, "cka_final", above=CKA_SETTLE))):
        band_frame(ax, frame, "layer", "settle", label, marker="o")
    ax.set(xlabel="layer (last = output)", ylabel="settling step",
           title="When does each layer settle? (abid2018)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "settling.png", dpi=110)
    plt.close(fig)


def _fig_ratio(rs: RunSet, out: Path) -> None:
    gr = grad_ratio(rs)
    fin = rs.sel(preset="variants")
    fin = fin.assign(variant=variant_of(fin))
    acts = sorted(gr.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for var, g in gr[gr.activation == act].groupby("variant"):
            band_frame(axes[0, j], g, "depth", "log_ratio", var, marker="o")
        for var, g in fin[fin.activation == act].groupby("variant"):
            band_frame(axes[1, j], g, "depth", "test_acc", var, marker="o")
        axes[0, j].axhline(0, color="grey", ls=":")
        axes[0, j].set(title=f"{act}: log10 first/last layer gradient norm",
                       xlabel="hidden layers")
        axes[1, j].set(title=f"{act}: test accuracy after 750 steps", xlabel="hidden layers")
        axes[0, j].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "gradient_ratio.png", dpi=110)
    plt.close(fig)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_curves(rs, out)
    _fig_settling(rs, out)
    _fig_ratio(rs, out)
    fin = rs.sel(grid="abid")
    return f"""## Figures

![per-layer convergence curves](layer_curves.png)

Left: the original's metric on our runs. It measures how much a layer moves per step,
which depends on the layer's size and learning-rate scale as much as on convergence.
Middle: how far each layer still is from where it ends. Right: how similar each layer's
representation already is to its final one.

![settling step per layer](settling.png)

{_cka_page_line(rs)}

![gradient ratio and accuracy vs depth](gradient_ratio.png)

## The original's findings beside ours

{_original_table(rs)}

Final accuracy of the abid2018 runs: test {stats.mean_ci(fin.test_acc).fmt()}, train \
{stats.mean_ci(fin.train_acc).fmt()} (the original reported none for this experiment).
"""


def _cka_page_line(rs: RunSet) -> str:
    """The CKA reading of LC-1, in words from its numbers (as in LC-1's notes)."""
    conv = rs.sel("convergence", grid="abid")
    if conv.empty or "cka_final" not in conv:
        return ""
    layers, cka, reps = _by_layer(settling_steps(conv, "cka_final", above=CKA_SETTLE))
    if len(layers) < 2:
        return ""
    res = stats.monotone(layers, cka, "increasing",
                         clusters=dataset_of(rs.sel(grid="abid"), reps))
    return cka_summary(res)


def _original_table(rs: RunSet) -> str:
    """Abid's numbers (read off its figure) beside the same statistics of our runs."""
    steps = rs.sel("convergence_steps", grid="abid")
    if steps.empty:
        return "No abid2018 run yet."
    mean = steps.groupby(["layer", "step"]).slice_change.mean().unstack("layer")
    first, later = mean[1], mean.drop(columns=1)
    below = {lay: (mean[lay] < 0.005).idxmax() if (mean[lay] < 0.005).any() else None
             for lay in later.columns}
    return "\n".join([
        "| Abid 2018 (slice of 50 weights, change per 2 steps) | ours (mean over "
        "replicates, same metric) |", "|---|---|",
        f"| layer 0 (first): noisy, peak ≈ 0.045 near step 180 | layer 1: peak "
        f"{first.max():.3f} at step {int(first.idxmax())} |",
        f"| layer 0: decays to ≈ 0.003 | layer 1: {first.iloc[-1]:.4f} at the end |",
        "| layers 1–3: start ≈ 0.04 | layers 2–4: " + ", ".join(
            f"{later[lay].iloc[0]:.3f}" for lay in later.columns) + " at the first snapshot |",
        "| layers 1–3: below ≈ 0.005 within 20–40 steps | layers 2–4: first below 0.005 at "
        "step " + ", ".join(str(int(v)) if v is not None else "never"
                            for v in below.values()) + " |",
        "| later layers converge faster | LC-1 above (weights: distance to final) |"])


EXPERIMENT = Experiment(
    name=NAME,
    title="Layer convergence: which layers settle first, and vanishing gradients",
    original="""Abid (2018) Exp 11: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, 3 hidden layers of 50 (4 weight matrices), sigmoid,
MSE on the logits, Adam 0.003, 750 steps of batch 64. A slice of 50 weights per layer
was saved every 2 steps; convergence = norm of the change between consecutive
snapshots. Reported: layer 0's changes are noisy, peak ≈ 0.045 near step 180 and decay
to ≈ 0.003; layers 1–3 start ≈ 0.04 and drop below ≈ 0.005 within 20–40 steps.
Conclusion: later layers converge faster than earlier ones, the last almost
monotonically. Defects: one run, a 50-weight slice, and a per-step change that is not a
distance to convergence.""",
    claims=[
        Claim(
            "LC-1", "002 (Q45)",
            "不同层的权重是否以不同的速度收敛? (Abid: later layers converge faster)",
            "Layers converge at different speeds; Abid's answer: later layers converge "
            "before earlier ones. Measure the step at which each layer's weights settle.",
            "abid2018 (75 evaluations, every 10 steps): relative distance to the final "
            "weights per layer; CKA of representations reported beside",
            "Setting: abid2018 (the original's net, the only one). Settling step per "
            "replicate and layer: the first evaluation after which ‖W_t − W_T‖/‖W_T‖ "
            f"stays below {SETTLE}. Adjacent layers (1 → 2, 2 → 3, 3 → 4), earlier minus "
            "later settling step, paired by replicate, two-sided paired t-tests with 95% "
            "CIs: supported if every earlier layer settles significantly later than the "
            "next (intersection-union, no correction); refuted if some earlier layer "
            "settles significantly sooner (Holm over the pairs); else inconclusive. "
            "Headline: the deciding pair. The CKA reading is reported beside, not part of "
            "the verdict. " + OVERALL,
            decide_lc1, primary="abid2018",
            effect_label="settling step, earlier − next layer (steps): the deciding "
                         "adjacent pair",
            min_effect=LC1_MIN, pilot_sd=LC1_SD, simulate=simulate_lc1),
        Claim(
            "LC-2", "004", "前面隐藏层的学习速率低于后面隐藏层",
            "With sigmoid, earlier layers get smaller gradients/updates than later layers, "
            "and the ratio worsens with depth (vanishing gradient).",
            "preset variants, plain sigmoid, depth {3, 6, 10}; layer_stats at 16 points",
            f"Setting: {BASE} (the seed's sigmoid network, the only one). Per replicate, "
            "the mean over evaluations of log10(first / last weight-matrix gradient "
            "norm). Members, each claimed below 0 and tested two-sided (t-test, 95% CI): "
            "the ratio at each depth (3, 6, 10) and its change between adjacent depths "
            "(deeper − shallower, paired by replicate). Supported if every member holds "
            "(intersection-union, no correction); refuted if some member is significantly "
            "above 0 after Holm over the five; else inconclusive. " + OVERALL,
            decide_lc2, primary=BASE,
            effect_label="log10 first/last weight-gradient norm at a depth, or its change "
                         "deeper − shallower (claimed < 0): the deciding member",
            min_effect=LC2_MIN, pilot_sd=LC2_SD, simulate=simulate_lc2),
        Claim(
            "LC-3", "004", "一般使用 Relu函数…4、使用Batch Normalization 5、使用残差结构",
            "ReLU, batch norm and residual connections each reduce that first-to-last "
            "layer gradient ratio relative to a plain sigmoid net.",
            "preset variants, depth {3, 6, 10}: relu (plain), sigmoid + batch norm, "
            "sigmoid + residual, each vs plain sigmoid",
            "Settings: the variants relu (primary), batch norm (sigmoid + BN) and residual "
            "(sigmoid + residual connections). Imbalance = |LC-2's log ratio|; "
            "improvement = imbalance(plain sigmoid) − imbalance(variant), paired by "
            "replicate, at each depth 3, 6, 10 (two-sided paired t-tests, 95% CIs). Per "
            "variant: supported if it improves at every depth (intersection-union, no "
            "correction), refuted if it worsens significantly at some depth (Holm over "
            "the depths), else inconclusive. " + OVERALL,
            decide_lc3,
            # relu: the quote's first and explicitly recommended remedy ("一般使用 Relu函数",
            # "generally use ReLU"); BN and residual are items 4 and 5 of the list
            primary="relu",
            effect_label="imbalance removed vs plain sigmoid, |log10 first/last gradient "
                         "ratio| (log10 units): the deciding depth",
            min_effect=LC3_MIN, pilot_sd=LC3_SD, simulate=simulate_lc3),
        Claim(
            "LC-4", "004", "随着隐藏层数目的增加,分类准确率反而下降了",
            "For sigmoid MLPs at a fixed training budget, test accuracy decreases as depth "
            "grows.",
            "preset variants, plain sigmoid, depth {3, 6, 10}, 750 steps",
            f"Setting: {BASE} (the only one). Adjacent depths (3 → 6, 6 → 10), final test "
            "accuracy shallower − deeper, paired by replicate, two-sided paired t-tests "
            "with 95% CIs: supported if accuracy falls significantly at every step in "
            "depth (intersection-union, no correction); refuted if it rises significantly "
            "at some step (Holm over the pairs); else inconclusive. " + OVERALL,
            decide_lc4, primary=BASE,
            effect_label="test accuracy, shallower − deeper: the deciding adjacent pair",
            min_effect=LC4_MIN, pilot_sd=LC4_SD, simulate=simulate_lc4),
    ],
    report=report,
)

"""How L1, L2 and weight decay shape the weights, and whether they curb overfitting:
claims RG-1 ... RG-4.

Faithful setup: Abid (2018) Exp 12 (grids ``abid_l1``/``abid_l2``, preset abid2018),
with one confound removed: every λ trains on the same datasets from the same initial
weights. Controls: a log-spaced λ path for L1, L2 and proximal L1, an elastic-net grid,
L2-in-the-loss vs weight decay (preset ``decay``) and a task that overfits (preset
``overfit``, digits). Verdicts read the logged tables (final.csv, weights.csv,
first_layer.csv).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Verdict, missing  # noqa: E402
from harness.plots import band  # noqa: E402
from harness.results import RunSet  # noqa: E402

NAME = "regularization"
SPARSE = "weight_frac_lt_1e-03"  # share of |w| < 1e-3: "near zero" (RG-2)
SPARSE_MARGIN = 0.05  # L1 must exceed L2's near-zero share by 5 points (RG-2)
RG2_LAMBDAS = (0.1, 1.0, 10.0)  # matched strengths compared in RG-2
SAME_TOL = 1e-4  # relative max difference of final weights: "same trajectory" (float32)
DIFF_TOL = 1e-2  # ... and "different" (RG-3)
GAP_MARGIN = 0.01  # a gap reduction under one point (of 100%) is no reduction (RG-4)
# Abid (2018) Exp 12, read off the original figures.
ORIGINAL = pd.DataFrame([
    ("l1", 0.0, "1.0", "–"), ("l1", 0.1, "1.0", "–"),
    ("l1", 1.0, "0.65–0.75", "most ≈ 0, a few ≈ ±0.5"),
    ("l2", 0.0, "1.0", "[−1.0, 0.65]"), ("l2", 0.1, "0.83", "≈ ±0.3"),
    ("l2", 1.0, "1.0", "≈ ±0.2"),
], columns=["penalty", "lam", "accuracy", "weights"])


def penalty_of(frame: pd.DataFrame) -> pd.Series:
    """none / l1 / l2 / elastic / prox (proximal L1) for each row."""
    l1, l2 = frame.l1 > 0, frame.l2 > 0
    prox = frame.proximal.astype(bool) & l1
    return pd.Series(np.select([prox, l1 & l2, l1, l2], ["prox", "elastic", "l1", "l2"],
                               "none"), index=frame.index)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``penalty`` and ``lam`` (the L1 strength, else the L2 strength) columns."""
    if frame.empty:
        return frame.assign(penalty=[], lam=[])
    pen = penalty_of(frame)
    return frame.assign(penalty=pen, lam=np.where(pen.isin(["l1", "prox"]), frame.l1,
                                                  frame.l2))


def path(rs: RunSet, penalty: str, metric: str, preset: str = "abid2018",
         table: str = "final") -> dict[float, np.ndarray]:
    """λ -> per-replicate ``metric`` for one penalty, λ = 0 being the unpenalized run."""
    df = labelled(rs.sel(table, preset=preset))
    df = df[df.penalty.isin([penalty, "none"])].sort_values("replicate")
    return {float(lam): g[metric].to_numpy(float) for lam, g in df.groupby("lam")}


# ---------------------------------------------------------------- RG-1

def decide_rg1(rs: RunSet) -> Verdict:
    verdicts, rows, effect = [], [], None
    for pen in ("l1", "l2"):
        norms = path(rs, pen, "weight_l2")
        if len(norms) < 3:
            continue
        lams = sorted(norms)
        res = stats.monotone(lams, [norms[lam] for lam in lams], "decreasing")
        verdicts.append(res.verdict)
        rows += [f"| {pen} | {p['pair']} | {p['diff']:+.4f} | [{p['ci_low']:+.4f}, "
                 f"{p['ci_high']:+.4f}] | {p['p_claimed']:.3g} | {p['p_opposite']:.3g} |"
                 for p in res.pairs]
        if pen == "l2":
            effect = stats.mean_ci(norms[lams[-1]] / norms[lams[0]])
    if not verdicts or effect is None:
        return missing("RG-1", NAME, "needs the λ paths for L1 and L2 under abid2018")
    detail = "\n".join([
        "Final norm of all weight matrices together, adjacent λ pairs (smaller − larger λ):",
        "", "| penalty | λ pair | difference | 95% CI | Holm p (decreases) | Holm p (increases) |",
        "|---|---|---|---|---|---|", *rows])
    return Verdict("RG-1", NAME, stats.combine(verdicts), effect.mean, effect.ci_low,
                   effect.ci_high, effect.n, "L2: weight norm at the largest λ / at λ = 0",
                   detail)


# ---------------------------------------------------------------- RG-2

def decide_rg2(rs: RunSet) -> Verdict:
    l1, l2 = path(rs, "l1", SPARSE), path(rs, "l2", SPARSE)
    zeros_l2 = path(rs, "l2", "weight_frac_zero")
    lams = [lam for lam in RG2_LAMBDAS if lam in l1 and lam in l2]
    if not lams:
        return missing("RG-2", NAME, "needs L1 and L2 at matched λ under abid2018")
    p_more = [stats.paired_pvalue(l1[lam] - SPARSE_MARGIN, l2[lam], "greater") for lam in lams]
    p_less = [stats.paired_pvalue(l1[lam] - SPARSE_MARGIN, l2[lam], "less") for lam in lams]
    more, p_more_adj = stats.holm(p_more)
    less, p_less_adj = stats.holm(p_less)
    l2_zeros = any((v > 0).any() for lam, v in zeros_l2.items() if lam > 0)
    rows = []
    for i, lam in enumerate(lams):
        d = stats.mean_ci(l1[lam] - l2[lam])
        rows.append(f"| {lam:g} | {np.mean(l1[lam]):.3f} | {np.mean(l2[lam]):.3f} | "
                    f"{d.fmt(3)} | {p_more_adj[i]:.3g} | {p_less_adj[i]:.3g} |")
    verdict = stats.decide(more.all() and not l2_zeros, less.any() or l2_zeros)
    ref = 1.0 if 1.0 in lams else lams[0]
    eff = stats.mean_ci(l1[ref] - l2[ref])
    prox = path(rs, "prox", "weight_frac_zero")
    detail = "\n".join([
        "Share of weights with |w| < 1e-3 at the end, all weight matrices together:", "",
        "| λ | L1 | L2 | L1 − L2 [95% CI] | Holm p (L1 − L2 > 0.05) | Holm p (< 0.05) |",
        "|---|---|---|---|---|---|", *rows, "",
        f"L2 runs with any weight exactly 0: {'yes' if l2_zeros else 'none'}. "
        "Proximal L1 (soft threshold), share of weights exactly 0 by λ: "
        + (", ".join(f"{lam:g}: {np.mean(v):.3f}" for lam, v in prox.items()) or "–") + "."])
    return Verdict("RG-2", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   f"near-zero share (|w| < 1e-3), L1 − L2 at λ = {ref:g}", detail)


# ---------------------------------------------------------------- RG-3

def final_first_layer(rs: RunSet, grid: str) -> np.ndarray | None:
    """(R, entries) first-layer weights at the end of the run of ``grid``."""
    fl = rs.sel("first_layer", grid=grid)
    if fl.empty:
        return None
    fl = fl[fl.step == fl.step.max()].sort_values(["replicate", "index"])
    return fl.value.to_numpy(float).reshape(fl.replicate.nunique(), -1)


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per replicate: max |a − b| / max |b|."""
    return np.abs(a - b).max(1) / np.abs(b).max(1)


def decide_rg3(rs: RunSet) -> Verdict:
    w = {g: final_first_layer(rs, g) for g in ("rg3_sgd_penalty", "rg3_sgd_decay",
                                                "rg3_adam_penalty", "rg3_adamw_decay")}
    if any(v is None for v in w.values()):
        return missing("RG-3", NAME, "needs the four rg3_* runs")
    sgd = relative_difference(w["rg3_sgd_penalty"], w["rg3_sgd_decay"])
    adam = relative_difference(w["rg3_adam_penalty"], w["rg3_adamw_decay"])
    sgd_same = sgd.max() <= SAME_TOL
    adam_differs, adam_same = adam.min() >= DIFF_TOL, adam.max() <= SAME_TOL
    verdict = stats.decide(sgd_same and adam_differs, not sgd_same or adam_same)
    fin = rs.final.set_index("grid")
    rows = []
    for g in w:
        f = fin.loc[[g]]
        rows.append(f"| {g} | {stats.mean_ci(f.test_acc).fmt()} | "
                    f"{stats.mean_ci(f.weight_l2).fmt()} |")
    eff = stats.mean_ci(adam)
    detail = "\n".join([
        f"Relative difference of the final first-layer weights, max |a − b| / max |b| per "
        f"replicate: SGD (L2 in the loss, λ = 0.005, vs weight_decay = 0.01) max "
        f"{sgd.max():.2e} over replicates (same trajectory if ≤ {SAME_TOL:g}); Adam + L2 vs "
        f"AdamW min {adam.min():.2e}, mean {adam.mean():.2e} (different if ≥ {DIFF_TOL:g} "
        "in every replicate).", "",
        "| run | test acc | norm of all weights |", "|---|---|---|", *rows])
    return Verdict("RG-3", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "Adam+L2 vs AdamW: relative difference of final first-layer weights",
                   detail)


# ---------------------------------------------------------------- RG-4

def decide_rg4(rs: RunSet) -> Verdict:
    df = labelled(rs.sel(preset="overfit")).sort_values("replicate")
    if df.empty or not (df.penalty == "none").any():
        return missing("RG-4", NAME, "needs the overfit grid")
    df = df.assign(gap=df.train_acc - df.test_acc)
    base = df[df.penalty == "none"]
    gap0, test0 = base.gap.to_numpy(float), base.test_acc.to_numpy(float)
    base_gap = stats.mean_ci(gap0)
    conds = [(p, lam, g) for (p, lam), g in df[df.penalty != "none"].groupby(["penalty", "lam"])]
    p_red = [stats.paired_pvalue(gap0, g.gap.to_numpy(float), "greater") for *_, g in conds]
    reduced, p_red_adj = stats.holm(p_red)
    rows, good, none_helps, best = [], False, True, None
    for (p, lam, g), red_ok, padj in zip(conds, reduced, p_red_adj, strict=True):
        red = stats.mean_ci(gap0 - g.gap.to_numpy(float))
        harm_p = stats.paired_pvalue(test0, g.test_acc.to_numpy(float), "greater")
        harmful = harm_p < stats.ALPHA
        good |= bool(red_ok) and not harmful
        none_helps &= red.ci_high < GAP_MARGIN or harmful
        if best is None or red.mean > best.mean:
            best = red
        rows.append(f"| {p} | {lam:g} | {stats.mean_ci(g.gap).fmt(3)} | {red.fmt(3)} | "
                    f"{padj:.3g} | {stats.mean_ci(g.test_acc).fmt(3)} | {harm_p:.3g} |")
    # without a baseline gap there is nothing for regularization to reduce
    verdict = stats.INCONCLUSIVE if base_gap.ci_low <= 0 else stats.decide(good, none_helps)
    detail = "\n".join([
        f"Unregularized: gap (train − test accuracy) {base_gap.fmt(3)}, test accuracy "
        f"{stats.mean_ci(test0).fmt(3)}.", "",
        "| penalty | λ | gap | gap reduction | Holm p (reduces) | test acc | p (test acc "
        "lower than λ = 0) |", "|---|---|---|---|---|---|---|", *rows])
    return Verdict("RG-4", NAME, verdict, best.mean, best.ci_low, best.ci_high, best.n,
                   "largest mean reduction of the train–test gap (digits, accuracy units)",
                   detail)


# ---------------------------------------------------------------- figures and page

def _fig_paths(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for pen in ("l1", "l2", "prox"):
        for ax, metric in zip(axes, ("weight_l2", SPARSE, "test_acc"), strict=True):
            ys = path(rs, pen, metric)
            xs = [lam for lam in sorted(ys) if lam > 0]
            if xs:
                band(ax, xs, ys, {"prox": "L1, proximal step"}.get(pen, pen.upper()))
    for ax, metric in zip(axes, ("weight_l2", SPARSE, "test_acc"), strict=True):
        none = path(rs, "l1", metric).get(0.0)
        if none is not None:
            ax.axhline(np.mean(none), color="grey", ls=":", label="λ = 0")
        ax.set(xscale="log", xlabel="λ (mean-reduced penalty, as Abid)")
        ax.legend(fontsize=7)
    axes[0].set(title="Norm of all weights", yscale="log")
    axes[1].set(title="Share of weights with |w| < 1e-3")
    axes[2].set(title="Held-out test accuracy")
    fig.tight_layout()
    fig.savefig(out / "paths.png", dpi=110)
    plt.close(fig)


def _fig_histograms(rs: RunSet, out: Path) -> None:
    fl = labelled(rs.sel("first_layer", preset="abid2018"))
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5))
    for i, pen in enumerate(("l1", "l2")):
        for j, lam in enumerate((0.0, 0.1, 1.0)):
            ax = axes[i, j]
            sel = fl[fl.penalty.isin([pen] if lam else ["none"]) & (fl.lam == lam)]
            if sel.empty:
                continue
            start, end = sel[sel.step == 0].value, sel[sel.step == sel.step.max()].value
            bins = np.linspace(min(start.min(), end.min()), max(start.max(), end.max()), 60)
            ax.hist(start, bins, alpha=0.4, color="grey", label="initial (Xavier)")
            ax.hist(end, bins, alpha=0.6, label="after 750 steps")
            ax.set(title=f"{pen.upper()} λ = {lam:g}: first-layer weights", yscale="log")
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "histograms.png", dpi=110)
    plt.close(fig)


def _fig_decay(rs: RunSet, out: Path) -> None:
    ws = rs.table("weights")
    ws = ws[ws.preset == "decay"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for g, sel in ws.groupby("grid"):
        total = sel.groupby(["step", "replicate"]).l2_norm.apply(
            lambda s: float(np.sqrt((s ** 2).sum()))).reset_index()
        mean = total.groupby("step").l2_norm.mean()
        ax.plot(mean.index, mean.values, label=g.removeprefix("rg3_"),
                ls="--" if "decay" in g else "-")
    ax.set(xlabel="step", ylabel="norm of all weights (mean over replicates)",
           title="L2 in the loss vs weight decay")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "decay.png", dpi=110)
    plt.close(fig)


def _fig_overfit(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, pen in zip(axes, ("l1", "l2"), strict=True):
        for metric, ls in (("train_acc", "--"), ("test_acc", "-")):
            ys = path(rs, pen, metric, preset="overfit")
            xs = [lam for lam in sorted(ys) if lam > 0]
            if xs:
                band(ax, xs, ys, metric.replace("_acc", ""), ls=ls)
                ax.axhline(np.mean(ys[0.0]), color="grey", ls=ls, lw=0.8)
        ax.set(xscale="log", xlabel="λ (sum-reduced)", title=f"digits, {pen.upper()}: "
               "train vs test accuracy (grey: λ = 0)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "overfit.png", dpi=110)
    plt.close(fig)


def _original_table(rs: RunSet) -> str:
    fin = labelled(rs.sel(preset="abid2018"))
    fl = labelled(rs.sel("first_layer", preset="abid2018"))
    lines = ["| penalty | λ | Abid 2018 accuracy | ours: train acc | ours: test acc | Abid "
             "2018 first-layer weights | ours: first-layer range (mean over replicates) |",
             "|---|---|---|---|---|---|---|"]
    for _, o in ORIGINAL.iterrows():
        want = ["none"] if o.lam == 0 else [o.penalty]
        f = fin[fin.penalty.isin(want) & (fin.lam == o.lam)]
        w = fl[fl.penalty.isin(want) & (fl.lam == o.lam)]
        w = w[w.step == w.step.max()].groupby("replicate").value.agg(["min", "max"]).mean()
        rng = f"[{w['min']:.2f}, {w['max']:.2f}]" if len(f) else "–"
        cells = [stats.mean_ci(f[m]).fmt() if len(f) else "–" for m in ("train_acc",
                                                                          "test_acc")]
        lines.append(f"| {o.penalty} | {o.lam:g} | {o.accuracy} | {' | '.join(cells)} | "
                     f"{o.weights} | {rng} |")
    return "\n".join(lines)


def _elastic_table(rs: RunSet) -> str:
    fin = rs.sel(grid="elastic")
    if fin.empty:
        return "No elastic-net runs."
    tab = fin.groupby(["l1", "l2"])[[SPARSE, "test_acc"]].mean().reset_index()
    lines = ["| λ1 (L1) | λ2 (L2) | share \\|w\\| < 1e-3 | test acc |", "|---|---|---|---|"]
    lines += [f"| {r.l1:g} | {r.l2:g} | {r[SPARSE]:.3f} | {r.test_acc:.3f} |"
              for _, r in tab.iterrows()]
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_paths(rs, out)
    _fig_histograms(rs, out)
    _fig_decay(rs, out)
    _fig_overfit(rs, out)
    return f"""## Figures

![norms, sparsity and accuracy vs λ](paths.png)

The proximal L1 step soft-thresholds by lr·λ per entry (divided by the matrix's size,
as the penalty is a mean), the size of the step plain SGD would take. Adam rescales the
data gradient to steps of about lr whatever its size, but not the threshold, so under
Adam the proximal step is weak: it needs a 100× larger λ than the subgradient to zero
weights out. It is shown as the textbook remedy for subgradient L1's missing exact
zeros, not as a tuned method.

![first-layer weight histograms](histograms.png)

The original plotted 50 first-layer weights over training; these histograms show all of
the first layer's weights, of every replicate, at the start and at the end.

![L2 in the loss vs weight decay](decay.png)

![overfitting on digits](overfit.png)

## The original's numbers beside ours (abid2018)

{_original_table(rs)}

The original regenerated the dataset (and so Σ) for every λ; here every λ sees the same
4 datasets and the same initial weights, so differences between rows are the penalty's.
The original's accuracy curve, as in its Exp 8, is most likely training accuracy.

## Elastic net (abid2018, mean over replicates)

{_elastic_table(rs)}
"""


EXPERIMENT = Experiment(
    name=NAME,
    title="Regularization: L1, L2 and weight decay vs the weights and overfitting",
    original="""Abid (2018) Exp 12: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), a 50-50 sigmoid MLP with MSE plus λ·mean(|W|) (L1) or λ·mean(W²) (L2) over the
weight matrices, λ ∈ {0, 0.1, 1}, 750 steps of batch 64, Adam 0.003. Reported: L1 λ=1
drives most weights to ≈ 0 with a few at ≈ ±0.5 and accuracy ≈ 0.65–0.75; L1 λ ∈ {0,
0.1} and L2 λ=0 reach accuracy 1.0; the L2 weight range shrinks from ≈ [−1.0, 0.65] (λ=0)
to ≈ ±0.3 (λ=0.1) and ≈ ±0.2 (λ=1), with accuracy ≈ 0.83 at λ=0.1 but 1.0 at λ=1.
Defect: every run regenerated the dataset, confounding the λ comparison. Conclusion:
regularization shrinks weights, strong L1 makes them sparse, the effect on accuracy is
unclear.""",
    claims=[
        Claim(
            "RG-1", "002 (Q46)", "Abid: regularization decreases the magnitude of the weights",
            "Weight norms decrease monotonically with the L1 and the L2 strength λ.",
            "abid2018: λ ∈ {0, 0.01, 0.1, 1, 10, 100} for L1 and for L2 (mean-reduced)",
            "Final norm of all weight matrices per replicate. Adjacent λ pairs, one-sided "
            "paired t-tests, Holm-corrected, per penalty: supported if every pair "
            "decreases significantly, refuted if any increases significantly, else "
            "inconclusive. Overall: both penalties agree, or mixed.",
            decide_rg1),
        Claim(
            "RG-2", "001",
            "L1…逼迫更多的w为0,也就是变稀疏; L2…逼迫所有w趋向于0但是不为0",
            "L1 yields many (near-)zero weights; L2 shrinks weights without making them "
            "zero: the fraction of |w| below a small threshold rises with λ for L1, far "
            "less for L2.",
            "abid2018: L1 vs L2 at matched λ ∈ {0.1, 1, 10}; proximal L1 shown beside",
            "Share of weights with |w| < 1e-3 at the end, L1 minus L2 at the same λ, paired "
            f"over replicates: one-sided paired t-tests of (L1 − L2) > {SPARSE_MARGIN}, Holm "
            "over the three λ. Supported if all three hold and no L2 weight is exactly 0; "
            f"refuted if any (L1 − L2) is significantly below {SPARSE_MARGIN} or L2 makes "
            "exact zeros; else inconclusive.",
            decide_rg2),
        Claim(
            "RG-3", "000",
            "L2正则是在损失函数中的添加正则项,而L2权重衰减是在权重更新回传时添加惩罚项",
            "L2-in-the-loss and decoupled weight decay give the same trajectory under "
            "plain SGD (up to the lr rescaling) but different results under Adam.",
            "preset decay: λ·Σw² with λ = 0.005 in the loss vs weight_decay = 0.01 (= 2λ, "
            "torch multiplies it by lr), under SGD (lr 0.1) and Adam vs AdamW (lr 0.003)",
            "Per replicate, max |a − b| / max |b| over the final first-layer weights. "
            f"SGD: same trajectory if ≤ {SAME_TOL:g} in every replicate (float32 rounding). "
            f"Adam vs AdamW: different if ≥ {DIFF_TOL:g} in every replicate, same if ≤ "
            f"{SAME_TOL:g}. Supported if SGD is the same and Adam differs; refuted if SGD "
            "differs or Adam is the same; else inconclusive.",
            decide_rg3),
        Claim(
            "RG-4", "004", "正则化,dropout… 解决过拟合问题",
            "Regularization reduces the train–test accuracy gap (overfitting) on a task "
            "where the unregularized model overfits.",
            "preset overfit (digits, 200 training images, 100-100 ReLU, 1500 steps): "
            "λ ∈ {1e-4, 1e-3, 1e-2} for L1 and L2 (sum-reduced) vs λ = 0",
            "Needs a baseline gap (train − test accuracy at λ = 0, 95% CI above 0), else "
            "inconclusive. Per λ: gap reduction paired over replicates, one-sided paired "
            "t-tests Holm-corrected over the six λ; a λ that lowers test accuracy (one-"
            "sided paired p < 0.05) does not count. Supported if some λ reduces the gap "
            f"without lowering test accuracy; refuted if every λ either reduces it by less "
            f"than {GAP_MARGIN} (95% CI upper bound) or lowers test accuracy; else "
            "inconclusive.",
            decide_rg4),
    ],
    report=report,
)

"""The regularization page: λ-path figures, weight histograms, L2 vs weight decay, the
overfitting task, and Abid's (2018) numbers beside ours."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.regularization.paths import ABID_GRIDS, REPLICATES, labelled, path
from harness.core import stats
from harness.judge.claims import Verdict
from harness.pages import plots
from harness.pages.plots import band, band_frame
from harness.track.results import RunSet

SPARSE = "weight_frac_lt_1e-03"  # share of |w| < 1e-3 (figures, elastic-net table)
# Abid (2018) Exp 12, read off the original figures: one run per row, each on its own
# fresh dataset and init; test accuracy after update 749 (L1 λ = 1's curve wanders in
# 0.60–0.76 late in training); the plotted weights are w0[11, :], the 50 outgoing
# weights of input 11 (his [in, out] layout), their range at the end and how many of
# them sit at ≈ 0 (|w| < 0.01, Adam's jitter ±lr) where the figure shows it.
ORIGINAL = pd.DataFrame([
    ("l1", 0.0, 1.0, -0.27, 0.39, math.nan), ("l1", 0.1, 1.0, -0.35, 0.17, math.nan),
    ("l1", 1.0, 0.67, -0.5, 0.37, 44.0), ("l2", 0.0, 1.0, -1.0, 0.65, math.nan),
    ("l2", 0.1, 0.83, -0.3, 0.3, math.nan), ("l2", 1.0, 1.0, -0.2, 0.17, math.nan),
], columns=["penalty", "lam", "test_acc", "w_min", "w_max", "near_zero"])
# FirstLayer's entries (row-major over inputs × units of our (in, out) weights) that
# are Abid's w0[11, :]
ABID_ENTRIES = range(11 * 50, 12 * 50)
PENALTY_LABELS = {"l1": "L1", "l2": "L2", "prox": "L1, proximal step"}  # figures' legends


def _fig_paths(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    metrics = ("weight_l2", SPARSE, "test_acc")
    for ax in axes:
        ax.set_xscale("log")  # before the bands: replicate dots are spread by a factor
    for k, pen in enumerate(PENALTY_LABELS):
        for ax, metric in zip(axes, metrics, strict=True):
            ys = path(rs, pen, metric)
            xs = [lam for lam in sorted(ys) if lam > 0]
            if xs:
                band(ax, xs, ys, PENALTY_LABELS[pen], color=plots.color("regularizer", pen),
                     dots=True, jitter=0.06, offset=0.15 * (k - 1))
    for ax, metric in zip(axes, metrics, strict=True):
        none = path(rs, "l1", metric).get(0.0)
        if none is not None:
            ax.axhline(np.mean(none), color=plots.color("regularizer", "none"), ls=":",
                       label="λ = 0 (mean over replicates)")
        ax.set_xlabel("λ (mean-reduced penalty, as Abid)")
        ax.legend(fontsize=7)
    axes[0].set(title="Norm of all weights", ylabel="L2 norm of all weights", yscale="log")
    axes[1].set(title="Share of weights with |w| < 1e-3", ylabel="share of weights (fraction)")
    axes[2].set(title="Held-out test accuracy", ylabel="test accuracy (fraction)")
    fig.suptitle("abid2018 net, final values: mean and 95% CI over replicates; dots: each "
                 "replicate", fontsize=10)
    plots.save(fig, out / "paths.png")


def _fig_histograms(rs: RunSet, out: Path) -> None:
    fl = labelled(rs.sel("first_layer", preset="abid2018"))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for i, pen in enumerate(("l1", "l2")):
        for j, lam in enumerate((0.0, 0.1, 1.0)):
            ax = axes[i, j]
            sel = fl[fl.penalty.isin([pen] if lam else ["none"]) & (fl.lam == lam)]
            if sel.empty:
                continue
            start, end = sel[sel.step == 0].value, sel[sel.step == sel.step.max()].value
            bins = np.linspace(min(start.min(), end.min()), max(start.max(), end.max()), 60)
            ax.hist(start, bins, alpha=0.4, color="grey", label="initial (Xavier)")
            ax.hist(end, bins, alpha=0.6, color=plots.color("regularizer", pen if lam else
                                                            "none"),
                    label=f"after {sel.step.max():g} steps")
            ax.set(title=f"{pen.upper()} λ = {lam:g}: first-layer weights", yscale="log",
                   xlabel="weight value", ylabel="count over replicates (log scale)")
            ax.legend(fontsize=7)
    plots.save(fig, out / "histograms.png")


def _fig_decay(rs: RunSet, out: Path) -> None:
    ws = rs.table("weights")
    ws = ws[ws.preset == "decay"]
    fig, ax = plt.subplots(figsize=(7, 4.4))
    for g, sel in ws.groupby("grid"):
        total = sel.groupby(["step", "replicate"]).l2_norm.apply(
            lambda s: float(np.sqrt((s ** 2).sum()))).reset_index()
        optimizer, _, how = g.removeprefix("rg3_").partition("_")
        band_frame(ax, total, "step", "l2_norm",
                   f"{optimizer}: {'weight decay' if how == 'decay' else 'L2 in the loss'}",
                   color=plots.color("optimizer", optimizer),  # decay on top, visible
                   **({"ls": "--", "zorder": 3} if how == "decay" else {"lw": 3.5,
                                                                        "alpha": 0.6}))
    ax.set(xlabel="step (optimizer updates)",
           ylabel="L2 norm of all weights (mean, 95% CI)",
           title="L2 in the loss (wide, solid) vs weight decay (dashed)")
    ax.legend(fontsize=8)
    plots.save(fig, out / "decay.png")


def _fig_overfit(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, pen in zip(axes, ("l1", "l2"), strict=True):
        ax.set_xscale("log")  # before the bands: replicate dots are spread by a factor
        for k, (metric, ls) in enumerate((("train_acc", "--"), ("test_acc", "-"))):
            split = metric.removesuffix("_acc")
            ys = path(rs, pen, metric, preset="overfit")
            xs = [lam for lam in sorted(ys) if lam > 0]
            if xs:
                band(ax, xs, ys, split, ls=ls, color=plots.color("split", split), dots=True,
                     jitter=0.08, offset=0.2 * (k - 0.5))
                ax.axhline(np.mean(ys[0.0]), color="grey", ls=ls, lw=0.8,
                           label=f"{split}, λ = 0")
        ax.set(xlabel="λ (sum-reduced)",
               title=f"digits, {pen.upper()}: train vs test accuracy (grey: λ = 0)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("final accuracy (fraction)")
    fig.suptitle("Mean and 95% CI over replicates; dots: each replicate", fontsize=10)
    plots.save(fig, out / "overfit.png")


def _original_table(rs: RunSet) -> str:
    fin = labelled(rs.sel(preset="abid2018"))
    fin = fin[fin.grid.isin(ABID_GRIDS)]
    fl = labelled(rs.sel("first_layer", preset="abid2018"))
    fl = fl[fl.grid.isin(ABID_GRIDS) & fl["index"].isin(ABID_ENTRIES)]
    lines = ["| penalty | λ | Abid: test acc (1 run) | ours: test acc, mean [95% CI] | ours: "
             "per replicate, min–max | ours: replicates ≥ 0.99 | ours: Bayes acc (mean) | "
             "Abid: w0[11, :] range | ours: same 50, range (mean) | Abid: \\|w\\| < 0.01 "
             "of 50 | ours (mean) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, o in ORIGINAL.iterrows():
        want = ["none"] if o.lam == 0 else [o.penalty]
        f = fin[fin.penalty.isin(want) & (fin.lam == o.lam)]
        if f.empty:
            continue
        w = fl[fl.penalty.isin(want) & (fl.lam == o.lam)]
        w = w[w.step == w.step.max()].groupby("replicate").value
        rng, zeros = w.agg(["min", "max"]).mean(), w.apply(lambda v: (v.abs() < 0.01).sum())
        acc = f.test_acc.to_numpy(float)
        abid_zero = "–" if math.isnan(o.near_zero) else f"{o.near_zero:.0f}"
        lines.append(
            f"| {o.penalty.upper()} | {o.lam:g} | {o.test_acc:.2f} | "
            f"{stats.mean_ci(acc).fmt()} | {np.nanmin(acc):.2f}–{np.nanmax(acc):.2f} | "
            f"{int((acc >= 0.99).sum())} of {len(acc)} | {np.nanmean(f.bayes_acc):.3f} | "
            f"[{o.w_min:.2f}, {o.w_max:.2f}] | [{rng['min']:.2f}, {rng['max']:.2f}] | "
            f"{abid_zero} | {zeros.mean():.1f} |")
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

The original plotted 50 first-layer weights over training (w0[11, :], the outgoing
weights of input 11); these histograms show all 600 of the first layer's weights, of
every replicate, after the first update and at the end; the table below compares the
same 50 as the original.

![L2 in the loss vs weight decay](decay.png)

![overfitting on digits](overfit.png)

## The original's numbers beside ours (abid2018)

{_original_table(rs)}

Both columns are TEST accuracy after update 749 (grids abid_l1, abid_l2 evaluate after
updates 1, 3, ..., 749, as Abid's notebook). Design: the original trained six runs, one
per row, each on a freshly drawn dataset (so Σ too) from a fresh init; its λ = 0 appears
twice (under L1 and under L2) on two different datasets, and each row is one draw
(n = 1, no spread). Here one row is {REPLICATES} replicates; replicate r has its own
dataset and init, shared by every λ, so rows are paired and λ = 0 is one run serving both
penalties. A single original run is comparable to one of our replicates, hence the
min–max column: Abid's 1.0 rows are draws whose classes separate (our Bayes accuracy
column is the best any classifier can do on our draws, the ceiling a mean of 1.0 would
need), and his L2 λ = 0.1 (0.83) below his λ = 1 (1.0) compares two different draws:
set the difference between our paired rows beside our min–max spread over draws.

## Elastic net (abid2018, mean over replicates)

{_elastic_table(rs)}
"""

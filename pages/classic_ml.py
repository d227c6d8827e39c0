"""The classic-ML page: k-means++ against random seeding run by run (how far each run
ends from the best inertia found, and how often beyond 1.1 × it), and the convergence
warnings of the scaling fits summed over replicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from experiments.classic_ml.ml2 import SETTINGS
from harness.judge.claims import Verdict
from harness.pages import plots
from harness.pages.report import markdown_table
from harness.track.results import RunSet
from tasks.classic_ml.searches import ITERATIONS, ML2_INITS, REFERENCE_INITS, TO_BEST

FAR = 1.1  # the design notes' "inertia > 1.1 × the best found"


def _search(rs: RunSet, grid: str) -> pd.DataFrame:
    df = rs.table("search")
    return df[df.grid == grid] if not df.empty else df


def _fig_seeding(runs: pd.DataFrame, out: Path) -> None:
    """Per setting, each run's inertia over the best found, per seeding (log scale)."""
    settings = [s for s in SETTINGS.every if s in set(runs.setting)]
    fig = Figure(figsize=(3.6 * len(settings), 3.8))
    axes = fig.subplots(1, len(settings), squeeze=False)[0]
    for ax, setting in zip(axes, settings, strict=True):
        part = runs[runs.setting == setting]
        ax.set_yscale("log")
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(FormatStrFormatter("%.3g"))
        for x, init in enumerate(ML2_INITS):
            values = part[part.member == TO_BEST.format(init)].value.to_numpy()
            colour = plots.color("seeding", init)
            plots.replicate_dots(ax, x, values, colour, jitter=0.15, s=14, alpha=0.8)
            ax.hlines(np.median(values), x - 0.25, x + 0.25, color=colour, lw=2)
        ax.axhline(FAR, color="k", ls="--", lw=1, label=f"{FAR:g} × best found")
        ax.set_xticks(range(len(ML2_INITS)), ML2_INITS)
        ax.set_xlim(-0.6, len(ML2_INITS) - 0.4)
        ax.set_title(setting, fontsize=10)
    axes[0].set_ylabel("inertia / best found (log scale)")
    axes[0].legend(loc="upper right", fontsize=8)
    plots.save(fig, out / "kmeans_seeding.png", dpi=120)


def _seeding_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per setting and seeding: the share of runs beyond FAR × the best found, and the
    median Lloyd iterations."""
    rows = []
    for setting in [s for s in SETTINGS.every if s in set(runs.setting)]:
        part = runs[runs.setting == setting]
        for init in ML2_INITS:
            far = part[part.member == TO_BEST.format(init)].value
            rows.append({"setting": setting, "seeding": init, "runs": far.size,
                         f"share > {FAR:g} × best": (far > FAR).mean(),
                         "median inertia / best": far.median(),
                         "median iterations": part[part.member == ITERATIONS.format(init)]
                         .value.median()})
    return pd.DataFrame(rows)


def _warnings_table(rs: RunSet) -> str:
    """ConvergenceWarnings of the scaling searches, summed over replicates."""
    df = pd.concat([_search(rs, g) for g in ("ml1a", "ml1bc")], ignore_index=True)
    if df.empty:
        return "No scaling searches logged."
    warned = df[df.member.str.startswith("convergence warnings")]
    total = warned.groupby(["grid", "setting", "member"], sort=False).agg(
        replicates=("replicate", "nunique"), warnings=("value", "sum")).reset_index()
    return markdown_table(total)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figure into ``out`` and the page's own sections (the verdicts' are the engine's)."""
    runs = _search(rs, "ml2")
    seeding = "No k-means search logged."
    if not runs.empty:
        _fig_seeding(runs, out)
        seeding = f"""![inertia over the best found, per run](kmeans_seeding.png)

Each dot is one KMeans run (n_init = 1) of one replicate; the bar is the median. The best
found is the lowest inertia of the replicate's two runs and a k-means++ fit with
{REFERENCE_INITS} initializations. Dashed: {FAR:g} × the best found.

{markdown_table(_seeding_table(runs))}"""
    return f"""## k-means++ against random seeding

scikit-learn's k-means++ is the greedy variant: at each step it draws 2 + ⌊ln k⌋ candidate
centres by D² sampling and keeps the one that lowers the inertia most, not the single
draw of Arthur & Vassilvitskii's (2007) k-means++; ML-2 tests the library's seeding.

{seeding}

## Convergence warnings of the scaling fits (ML-1)

ConvergenceWarnings raised by each replicate's fits, summed over the replicates:
a fit that stops at max_iter, or whose line search fails, is compared where it stopped.

{_warnings_table(rs)}
"""

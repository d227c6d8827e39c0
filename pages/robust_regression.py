"""The robust-regression page: clean-test RMSE of every loss against the outlier share ε
(LS-2), and per optimizer the settling steps of L1 and smooth-L1 with the band each hovers
in at the end (LS-7), in one figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from tasks.robust_regression.searches import (
    BAND,
    EPSILONS,
    LOSSES,
    MODELS,
    OPTIMIZERS,
    TARGET,
    y_setting,
)

COLOURS = {"MSE": "C0", "Huber": "C1", "smooth-L1": "C2", "MAE": "C3", "L1": "C3"}


def _figure(fits: pd.DataFrame, descent: pd.DataFrame, out: Path) -> None:
    fig = Figure(figsize=(13, 4))
    rmse, steps, band = fig.subplots(1, 3)
    for model in MODELS:
        means = [np.exp(np.log(fits[(fits.setting == y_setting(e))
                                    & (fits.member == model)].value).mean()) for e in EPSILONS]
        rmse.plot(EPSILONS, means, "o-", color=COLOURS[model], label=model)
    rmse.set(yscale="log", xlabel="training share of y-outliers ε (+10 SD)",
             ylabel="clean-test RMSE (geometric mean)")
    rmse.set_title("LS-2: make_regression, noise SD 1", fontsize=10)
    rmse.legend(fontsize=8)
    for i, opt in enumerate(OPTIMIZERS):
        for j, loss in enumerate(LOSSES):
            part = descent[descent.setting == opt]
            x = 3 * i + j
            if opt != OPTIMIZERS[1]:  # SGD's judged value is its end level, not steps
                plots.replicate_dots(steps, x, part[part.member == loss].value.to_numpy(),
                                     COLOURS[loss], jitter=0.12, s=12, alpha=0.7)
            plots.replicate_dots(band, x, part[part.member == BAND.format(loss)]
                                 .value.to_numpy() + 1e-16, COLOURS[loss], jitter=0.12,
                                 s=12, alpha=0.7)
    for ax, what in ((steps, f"steps until (f − f*)/f* stays ≤ {TARGET:g} (1000: not settled)"),
                     (band, "band of (f − f*)/f*, last 10% of steps (+1e-16)")):
        ax.set_yscale("log")
        ax.set_ylabel(what)
        ax.set_xticks([3 * i + j for i in range(len(OPTIMIZERS)) for j in range(2)],
                      [loss for _ in OPTIMIZERS for loss in LOSSES], fontsize=8)
        for i, opt in enumerate(OPTIMIZERS):
            ax.text(3 * i + 0.5, 1.0, opt.replace(" (", "\n("), ha="center", va="bottom",
                    transform=ax.get_xaxis_transform(), fontsize=8)
    steps.set_title("LS-7: settling steps per replicate", fontsize=10, pad=26)
    band.set_title("LS-7: where each loss hovers at the end", fontsize=10, pad=26)
    plots.save(fig, out / "robust_regression.png", dpi=120)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figure into ``out`` and the page's own section."""
    df = rs.table("search")
    if df.empty:
        return "## Robust regression\n\nNo robust-regression search logged.\n"
    _figure(df[df.grid == "contamination"], df[df.grid == "settling"], out)
    return """## Robust regression

![clean-test RMSE against ε; steps and end bands of L1 and smooth-L1](robust_regression.png)

Left: every loss's clean-test RMSE as the share of gross y-outliers grows (ε = 0 is the
robust losses' efficiency cost, shown, not judged). Middle: the step after which each
loss's relative suboptimality never exceeds the target again, per replicate (minibatch SGD
never settles at a fixed step: it is judged on its mean level over the last 10% of the
steps, in the verdict's table); right: the band it hovers in over the last 10% of the
steps. Far from the optimum every residual exceeds δ = 1 and the two losses have the same
gradient, so their races differ only at the end, where L1 keeps a band and
smooth-L1 settles (under full-batch GD).
"""

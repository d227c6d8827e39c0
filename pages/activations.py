"""The activations page: Exp 7's test-accuracy curves per activation beside Abid's final
numbers, and a table of both."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from experiments.activations.common import ACTIVATIONS, ORIGINAL, PRIMARY
from harness.core import stats
from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet


def _fig_curves(rs: RunSet, out: Path) -> None:
    """Mean test accuracy (95% band over replicates) after updates 1, 81, ..., 721 per
    activation; Abid's final values as stars at update 721."""
    cur = rs.sel("curves", preset=PRIMARY, grid="abid")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, a in enumerate(ACTIVATIONS):  # tab10: six distinct colours (plots.color
        c = cur[cur.activation == a]      # fixes only relu's and tanh's)
        if c.empty:
            continue
        color = f"C{i}"
        plots.band_frame(ax, c, "step", "test_acc", a, color=color)
        ax.plot(c.step.max(), ORIGINAL[a], "*", ms=11, color=color, mec="k", mew=0.5)
    ax.set(xlabel="update", ylabel="test accuracy", ylim=(0.45, 1.02),
           title="Exp 7: test accuracy per activation (stars: Abid 2018, final)")
    ax.legend(fontsize=8, loc="lower right")
    plots.save(fig, out / "curves.png")


def _table(rs: RunSet) -> str:
    fin = rs.sel(preset=PRIMARY, grid="abid")
    lines = ["| activation | Abid 2018 (3 iters, read off its figure) | ours: test acc, mean "
             "[95% CI] | ours: train loss |", "|---|---|---|---|"]
    for a in ACTIVATIONS:
        g = fin[fin.activation == a]
        if len(g):
            lines.append(f"| {a} | {ORIGINAL[a]:.3f} | {stats.mean_ci(g.test_acc).fmt()} | "
                         f"{stats.mean_ci(g.train_loss).fmt(4)} |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    _fig_curves(rs, out)
    return f"""## Figures

![test accuracy per activation](curves.png)

Mean test accuracy over replicates (band: 95% CI) right after updates 1, 81, ..., 721,
the points Exp 7 evaluates; stars: Abid's final values (after update 721).

## Abid 2018 beside ours (final test accuracy, after update 721)

{_table(rs)}
"""

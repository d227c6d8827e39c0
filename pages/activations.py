"""The activations page: the catalogue's AC-2 (a) as the conjunction of its three parts and
AC-1b beside its shown Exp 7 budget, Exp 7's test-accuracy curves per activation beside
Abid's final numbers, and a table of both (with the share of replicates at the ceiling)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from experiments.activations.ac1 import MARGIN
from experiments.activations.common import ACTIVATIONS, NOISY, ORIGINAL, PRIMARY
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


def _loss(x: pd.Series) -> str:
    """Mean training loss [95% CI], the CI clipped at 0 (a loss is never negative) where
    the t CI of losses near 0 crosses it."""
    e = stats.mean_ci(x)
    return replace(e, ci_low=max(e.ci_low, 0.0)).fmt(4)


def _table(rs: RunSet) -> str:
    fin = pd.concat([rs.sel(grid="abid"), rs.sel(grid="noisy")])
    lines = ["| activation | Abid 2018 (3 iters, read off its figure) | ours: test acc, mean "
             "[95% CI] | share of replicates at 1.0 | ours: train loss | noise 0.3: test "
             "acc | noise 0.3: share at 1.0 |", "|---|---|---|---|---|---|---|"]
    for a in ACTIVATIONS:
        g, n = (fin[(fin.activation == a) & (fin.preset == p)] for p in (PRIMARY, NOISY))
        if len(g):
            noisy = ([stats.mean_ci(n.test_acc).fmt(), f"{(n.test_acc >= 1).mean():.2f}"]
                     if len(n) else ["–", "–"])
            lines.append(" | ".join([
                f"| {a}", f"≈{ORIGINAL[a]:.2f}", stats.mean_ci(g.test_acc).fmt(),
                f"{(g.test_acc >= 1).mean():.2f}", _loss(g.train_loss), *noisy]) + " |")
    return "\n".join(lines)


WEAKEST = (stats.REFUTED, stats.INCONCLUSIVE, stats.SUPPORTED)  # a conjunction's order


def _glance(verdicts: list[Verdict]) -> str:
    """The catalogue's AC-2 (a) (supported only where its three parts are, else the
    weakest of their labels) and AC-1b's label with the shown Exp 7 budget beside it."""
    by = {v.claim: v for v in verdicts}
    parts = [by[c] for c in ("AC-2a1", "AC-2a2", "AC-2a3") if c in by]
    lines = []
    if parts:
        label = min((v.verdict for v in parts), key=lambda x: WEAKEST.index(x)
                    if x in WEAKEST else 0)
        lines.append(f"- **AC-2 (a)** (the catalogue's claim: the conjunction of AC-2a1, "
                     f"AC-2a2, AC-2a3; supported only where all three are, else the weakest "
                     f"label): **{label}** ({', '.join(f'{v.claim} {v.verdict}' for v in parts)}).")
    if "AC-1b" in by:
        v = by["AC-1b"]
        shown = next((t for t in v.tables.values() if {"setting", "judged", "estimate"}
                      <= set(t.columns)), pd.DataFrame())
        row = shown[shown.setting == PRIMARY] if len(shown) else shown
        budget = ""
        if len(row):
            r = row.iloc[0]
            words = ("equivalent" if abs(r.ci_low) < MARGIN and abs(r.ci_high) < MARGIN
                     else "not equivalent" if r.ci_low > MARGIN or r.ci_high < -MARGIN
                     else "undecided")
            budget = (f"; at Exp 7's budget ({PRIMARY}, shown, not judged) {words}: "
                      f"{r.estimate:+.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] (identity MLP − "
                      f"one-layer, 90% CI, margin ±{MARGIN:g})")
        lines.append(f"- **AC-1b** at convergence: **{v.verdict}**{budget}.")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    _fig_curves(rs, out)
    return f"""## At a glance

{_glance(verdicts)}

## Figures

![test accuracy per activation](curves.png)

Mean test accuracy over replicates (band: 95% CI) right after updates 1, 81, ..., 721,
the points Exp 7 evaluates; stars: Abid's final values (after update 721).

## Abid 2018 beside ours (final test accuracy, after update 721)

Noise 0.1 is Exp 7 ({PRIMARY}); noise 0.3 is the robustness setting {NOISY}, added after
the five-seed runs because noise 0.1 sits at the ceiling (share of replicates at 1.0).

{_table(rs)}
"""

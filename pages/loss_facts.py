"""The loss-facts page: accuracy's finite differences against the step (LS-4), the naive
softmax's thresholds beside theory (LS-5a), the surrogate losses against the 0-1 loss
(LS-8) and the second derivatives through a sigmoid (LS-9)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from tasks.loss_facts import accuracy, convexity, softmax, surrogates


def _rows(rs: RunSet, part: str) -> pd.DataFrame:
    search = rs.table("search")
    return search[search.part == part] if "part" in search else search.iloc[:0]


def _fig_accuracy(rs: RunSet, out: Path) -> bool:
    """LS-4: the share of directions where accuracy moves, pooled over chunks, per h."""
    rows = _rows(rs, "LS-4")
    if rows.empty:
        return False
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for task, part in rows.groupby("setting", sort=False):
        moved = [part[part.member == accuracy.moves(h)] for h in accuracy.STEPS]
        share = [(m.value * m.points).sum() / m.points.sum() for m in moved]
        ax.plot(accuracy.STEPS, share, "o-", label=f"{task} ({moved[0].points.sum()} points)")
    ax.axhline(accuracy.MOST, color=plots.GREY, ls="--", lw=1, label="bound at h = 1e-7")
    ax.set_xscale("log")
    ax.set_xlabel("finite-difference step h (unit direction)")
    ax.set_ylabel("share of directions where accuracy moves")
    ax.legend(fontsize=8)
    plots.save(fig, out / "accuracy_steps.png")
    return True


def _thresholds(rs: RunSet) -> str:
    """LS-5a: the thresholds the search found beside ln(max float) and the log of half the
    smallest subnormal (where exp rounds to 0)."""
    rows = _rows(rs, "LS-5a")
    if rows.empty:
        return "No LS-5a rows logged."
    lines = ["| dtype | overflow: smallest t, exp(t) = inf | ln(max float) | "
             "underflow: smallest gap, log p = −inf | −ln(smallest subnormal / 2) |",
             "|---|---|---|---|---|"]
    for name in softmax.DTYPES:
        part = rows[rows.setting == name].groupby("member").value.agg(["min", "max"])
        info = np.finfo(name)

        def found(member: str, frame: pd.DataFrame = part) -> str:
            lo, hi = frame.loc[member]
            return f"{lo:.9g}" if lo == hi else f"{lo:.9g} … {hi:.9g}"

        lines.append(f"| {name} | {found(softmax.OVER_AT)} | {math.log(info.max):.9g} | "
                     f"{found(softmax.UNDER_AT)} | "
                     f"{math.log(2) - math.log(float(info.smallest_subnormal)):.9g} |")
    return "\n".join(lines)


def _fig_surrogates(out: Path) -> None:
    """LS-8: every loss of the search against the 0-1 loss, each in its base."""
    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 2)
    for ax, base in zip(axes, (surrogates.LN, surrogates.LOG2), strict=True):
        m = torch.linspace(-2, 2, 2001, dtype=torch.float64)
        ax.step(m, (m <= 0).double(), where="post", color="k", lw=2, label="0-1: 1[m ≤ 0]")
        for name, (loss, div, _) in surrogates.LOSSES.items():
            if name.endswith(surrogates.LOG2 if base == surrogates.LN else surrogates.LN):
                continue  # the other base's panel
            span = m[(m > -1) & (m <= 1)] if loss is surrogates.cross_entropy else m
            ax.plot(span, loss(span) / div, label=name.split(",")[0])
        ax.axvline(0, color=plots.GREY, lw=0.5)
        ax.set_ylim(0, 3)
        ax.set_xlabel("margin m = f·y")
        ax.set_title(f"logistic and cross-entropy in {base}", fontsize=10)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("loss")
    plots.save(fig, out / "surrogates.png")


def _fig_curvature(out: Path) -> None:
    """LS-9: d²/dw² of (σ(w) − 1)² and −ln σ(w)."""
    w = torch.linspace(-8, 8, 1601, dtype=torch.float64)
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for member, values in convexity.second_derivatives(w).items():
        ax.plot(w, values, label=member.split(":")[0])
    ax.axhline(0, color=plots.GREY, lw=1)
    ax.axvline(-math.log(2), color=plots.GREY, ls=":", lw=1, label="w = −ln 2 (σ = 1/3)")
    ax.set_xlabel("w (one sigmoid unit, label 1)")
    ax.set_ylabel("second derivative")
    ax.legend(fontsize=8)
    plots.save(fig, out / "curvature.png")


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figures into ``out`` and the page's own sections."""
    _fig_surrogates(out)
    _fig_curvature(out)
    fd = ("![accuracy's finite differences against h](accuracy_steps.png)\n\nLS-4: at each "
          "step h, the share of (weight point, unit direction) pairs where accuracy at the "
          "moved weights differs from accuracy at the weights, pooled over the chunks. The "
          "share falls with h: accuracy changes only where a sample crosses a decision "
          "boundary, so the difference quotient is 0 for small h and its limit, the "
          "derivative, is 0 wherever it exists." if _fig_accuracy(rs, out)
          else "No LS-4 rows logged.")
    return f"""## Figures

{fd}

![surrogate losses against the 0-1 loss](surrogates.png)

LS-8: the losses of the search against the 0-1 loss, natural log (left) and log₂ (right);
hinge and exponential have no base. In natural log the logistic and cross-entropy losses
pass below the 0-1 loss on (−{math.log(math.e - 1):.3f}, 0] and (−{1 - 2 / math.e:.3f}, 0]
(ℓ(0) = ln 2 < 1); in log₂ they meet it at m = 0. The hinge meets it at m = 0 and for
every m ≥ 1.

![second derivatives through a sigmoid](curvature.png)

LS-9: d²/dw² (σ(w) − 1)² = 2σ'(w)(1 − σ(w))(3σ(w) − 1) is negative wherever σ(w) < 1/3
(w < −ln 2); d²/dw² (−ln σ(w)) = σ(w)(1 − σ(w)) is positive everywhere.

## LS-5a: where the naive softmax breaks

{_thresholds(rs)}

Overflow: exp(x)/Σexp(x) is non-finite once the largest logit passes ln(max float) (the
search finds the first float of the dtype above it).
Underflow: log(exp(x)/Σexp(x)) is −inf once a logit lies further below the maximum than
the log of half the smallest subnormal (exp rounds to 0 there).
"""

"""The statistical-learning page: relative contrast against the dimension and kNN accuracy
against noise dimensions (ML-3); bias², variance and the expected error against
complexity and training-set size (ML-5), the even polynomial degrees beside the judged
odd ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from harness.core import stats
from harness.judge.claims import Verdict
from harness.pages import plots
from harness.pages.report import markdown_table
from harness.track.results import RunSet
from tasks.statistical_learning.searches import (
    BIAS,
    CONTRAST_SETTINGS,
    DECOMPOSITION,
    DEGREES,
    DIMS,
    FEATURE,
    FEATURES,
    KNN_SETTINGS,
    METRICS,
    N_FIXED,
    NOISE,
    P_FIXED,
    POLY,
    SIGMA,
    SIZE_DEGREES,
    SIZES,
    STEP_DEGREES,
    VARIANCE,
    member,
)

STYLE = {"Euclidean": "-", "cosine": "--"}
# one colour per setting of a panel (tab10): plots.color's hashed colours can coincide
COLOUR = {name: f"C{i}" for names in (CONTRAST_SETTINGS, KNN_SETTINGS)
          for i, name in enumerate(names)}


def _rows(rs: RunSet, grid: str) -> pd.DataFrame:
    df = rs.table("search")
    return df[df.grid == grid] if not df.empty else df


def _samples(df: pd.DataFrame, setting: str, members: Mapping[float, str]
             ) -> dict[float, np.ndarray]:
    """x → the chunks' values of the member named for x in ``setting``."""
    part = df[df.setting == setting]
    return {x: part[part.member == name].value.to_numpy(float) for x, name in members.items()}


def _line(ax: Axes, samples: Mapping[float, np.ndarray], label: str, log: bool = False,
          **kw: object) -> None:
    """Mean over chunks with its 95% CI shaded; with ``log`` the geometric mean (the CI
    of the mean log, exponentiated), as the rules read those values."""
    xs = [x for x, v in samples.items() if v.size]
    eff = [stats.mean_ci(np.log(samples[x]) if log else samples[x]) for x in xs]
    back = np.exp if log else np.asarray
    line, = ax.plot(xs, back([e.mean for e in eff]), marker="o", ms=3, label=label, **kw)
    ax.fill_between(xs, back([e.ci_low for e in eff]), back([e.ci_high for e in eff]),
                    alpha=0.15, color=line.get_color())


def _fig_distances(rs: RunSet, out: Path) -> None:
    contrast, knn = _rows(rs, "contrast"), _rows(rs, "knn")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    for setting in CONTRAST_SETTINGS:
        for metric in METRICS:
            _line(axes[0], _samples(contrast, setting, {d: member(metric, d) for d in DIMS}),
                  f"{setting}, {metric}", log=True, ls=STYLE[metric], color=COLOUR[setting])
    axes[0].set(xscale="log", yscale="log", xlabel="dimension d",
                ylabel="relative contrast (D_max − D_min) / D_min",
                title="ML-3a, c: contrast of 1,000 i.i.d. points (geometric mean)")
    axes[0].axhline(1, color="grey", lw=0.6)
    for setting in KNN_SETTINGS:
        for metric in METRICS:
            _line(axes[1], _samples(knn, setting, {i: member(metric, k, noise=True)
                                                   for i, k in enumerate(NOISE)}),
                  f"{setting}, {metric}", ls=STYLE[metric], color=COLOUR[setting])
    axes[1].set_xticks(range(len(NOISE)), [str(k) for k in NOISE])
    axes[1].set(xlabel="noise dimensions appended", ylabel="kNN test accuracy (k = 5)",
                title="ML-3b, d: kNN on half/half splits")
    for ax in axes:
        ax.legend(fontsize=7)
    plots.save(fig, out / "distances.png")


def _decomposed(ax: Axes, df: pd.DataFrame, setting: str, xs: Sequence[float],
                names: Sequence[str]) -> None:
    """bias², variance, σ² and their sum (per chunk, then its geometric mean)."""
    by = {q: _samples(df[df.quantity == q], setting, dict(zip(xs, names, strict=True)))
          for q in (BIAS, VARIANCE)}
    total = {x: SIGMA**2 + by[BIAS][x] + by[VARIANCE][x] for x in xs}
    for label, samples in ((BIAS, by[BIAS]), (VARIANCE, by[VARIANCE]),
                           ("σ² + bias² + variance", total)):
        _line(ax, samples, label, log=True)
    ax.axhline(SIGMA**2, color="grey", ls=":", label="σ²")
    ax.set(yscale="log")
    ax.legend(fontsize=7)


def _fig_bias_variance(rs: RunSet, out: Path) -> None:
    df = _rows(rs, "bias_variance")
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6))
    _decomposed(axes[0], df, f"{POLY}, n = {N_FIXED}", DEGREES,
                [f"degree {d}" for d in DEGREES])
    for d in STEP_DEGREES:
        axes[0].axvline(d, color="grey", lw=0.3)
    axes[0].set(xlabel="polynomial degree (judged: odd, grey lines)",
                title=f"ML-5c, d: polynomial fits, n = {N_FIXED}")
    ratios = [p / N_FIXED for p in FEATURES]
    _decomposed(axes[1], df, f"{FEATURE}, n = {N_FIXED}", ratios,
                [f"p = {p}" for p in FEATURES])
    axes[1].axvline(1, color="grey", lw=0.6)
    axes[1].set(xscale="log", xlabel="p / n (p = n: the interpolation point)",
                title=f"ML-5c, d: min-norm random ReLU features, n = {N_FIXED}")
    var = df[df.quantity == VARIANCE]
    for setting in [*(f"{POLY}, degree {d}" for d in SIZE_DEGREES), f"{FEATURE}, p = {P_FIXED}"]:
        _line(axes[2], _samples(var, setting, {n: f"n = {n}" for n in SIZES}), setting,
              log=True)
    axes[2].set(xscale="log", yscale="log", xlabel="training-set size n",
                ylabel="variance", title="ML-5b: variance over n")
    axes[2].set_xticks(SIZES, [str(n) for n in SIZES], minor=False)
    axes[2].xaxis.set_minor_locator(plt.NullLocator())
    axes[2].legend(fontsize=7)
    plots.save(fig, out / "bias_variance.png")


def _z_table(rs: RunSet) -> str:
    df = _rows(rs, "bias_variance")
    df = df[df.quantity == DECOMPOSITION] if not df.empty else df
    if df.empty:
        return "No bias_variance runs."
    t = df.groupby("setting", sort=False).agg(chunks=("replicate", "nunique"),
                                              points=("points", "sum"),
                                              largest=("value", "max"),
                                              median=("value", "median")).reset_index()
    return markdown_table(t)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """Draws the two figures into ``out``; returns their captions and ML-5a's |z| per
    setting (the verdicts are rendered by the engine)."""
    _fig_distances(rs, out)
    _fig_bias_variance(rs, out)
    return f"""## Figures

![relative contrast against d; kNN accuracy against noise dimensions](distances.png)

Left: relative contrast against the dimension, Euclidean (solid) and cosine (dashed)
distances, geometric mean over the chunks with its 95% CI. At d = 2 the nearest of 1,000
points is very near, so every contrast is large there (cosine's largest: two points at
almost the same angle); both metrics' contrast falls with d. Cosine distance is Euclidean
distance between unit vectors, so for i.i.d. data it collapses too (random norms' cosine
curve is the Gaussian's); in the mixture both level off above 1, and so does Euclidean
contrast under random norms (the norms' spread, a nuisance, keeps it up). Right: kNN accuracy
(mean with 95% CI) with 0, 100 and 1000 noise dimensions appended.

![bias², variance and the error against complexity and n](bias_variance.png)

Bias², variance, σ² and their sum (the expected squared error against a fresh label),
exactly given each chunk's training inputs, geometric means over the chunks with 95% CIs.
Left: polynomial degree at n = {N_FIXED}; only odd degrees are judged (an even degree adds
nothing for this odd target and, on a fixed design, raises bias² a little: the zigzag).
Middle: minimum-norm least squares on p random ReLU features. Variance rises through the
interpolation point p = n and levels off past it, far above σ²: in one input dimension the
minimum-norm interpolant of noisy labels at nearby inputs stays steep, and no second
descent shows; bias² keeps falling. Right: variance against n at fixed complexity.

## ML-5a: the Monte Carlo check per setting

Per chunk and setting, the largest |z| over its points (the Monte Carlo error's distance
from σ² + bias² + variance in standard errors); over the chunks:

{_z_table(rs)}
"""

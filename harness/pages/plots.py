"""Plot helpers for experiment reports: one colour per level of a factor, means over
replicates with their 95% CI band (and, on request, each replicate's value beside it), and
one way to write a figure.

:func:`color` gives every (factor, level) the same colour in every figure: batch 64 is
one colour wherever a batch size is drawn, ``sgd`` another wherever an optimizer (or the
batch-size experiment's ``sgd`` setting) is. Ordered numeric factors (batch size, layer,
depth, λ, dropout rate) take a sequential colour map by value, so they never borrow a
categorical factor's colours; named levels take fixed qualitative colours; anything not
listed gets a stable colour from a hash of (factor, level). Conventions the figures keep:
black is the original paper's numbers, grey a reference line (a ceiling, λ = 0, a margin).

:func:`band` and :func:`band_frame` use :func:`harness.core.stats.mean_ci`, so a band on a
figure is the same interval the verdict tables print; values it cannot use (NaN,
infinite: a diverged replicate) are counted in the legend label, never dropped silently.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from harness.core import stats

DPI = 110  # every report figure's resolution (convex's single figure asks for 120)

# tab10, named for the tables below
BLUE, ORANGE, GREEN, RED, PURPLE = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"
BROWN, PINK, GREY, OLIVE, CYAN = "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
LIGHT_BLUE, NAVY, LEAF = "#6baed6", "#393b79", "#66a61e"

# Named levels of categorical factors (looked up case-insensitively). Where the same
# thing appears under two factors it keeps its colour: the batch-size experiment's
# ``sgd`` setting is the sgd optimizer, its ``abid2018`` runs use Adam; layer
# convergence's ``relu`` remedy is the relu activation, ``batch norm`` the BN condition.
CATEGORICAL: dict[str, dict[str, str]] = {
    "optimizer": {"sgd": RED, "adam": BLUE, "adamw": CYAN},
    "setting": {"abid2018": BLUE, "sgd": RED, "identity_cov": GREEN, "same_steps": PURPLE,
                "lr_scaled": BROWN, "lr_sqrt": PINK},
    "init": {"xavier": BLUE, "xavier ×4": LIGHT_BLUE, "he": ORANGE, "orthogonal": PURPLE,
             "normal σ=1": RED, "normal σ=0.01": GREEN, "normal": OLIVE, "zeros": BROWN,
             "ones": PINK},
    "activation": {"sigmoid": NAVY, "relu": LEAF, "tanh": CYAN},
    "variant": {"plain sigmoid": NAVY, "relu": LEAF, "batch norm": ORANGE, "residual": PINK},
    "regularizer": {"none": PURPLE, "l1": BLUE, "l2": ORANGE, "prox": CYAN},
    "condition": {"plain": BLUE, "bn": ORANGE, "dropout": GREEN, "bn + dropout": RED},
    "task": {"digits w128": PURPLE, "digits w32": BROWN, "gaussian w32": CYAN},
    "split": {"test": BLUE, "train": ORANGE},
    "step size": {"stable": BLUE, "unstable": RED},
}
# Ordered numeric factors: (colour map, anchor levels, log scale). The anchors (the
# levels the experiments sweep) sit evenly along the map, so neighbours in a sweep stay
# apart (256 and 400 are close on a log scale); a level between two anchors is placed
# between them by value (log value on a log scale), one outside them at the nearer end.
ORDINAL: dict[str, tuple[str, tuple[float, ...], bool]] = {
    "batch_size": ("viridis", (1, 4, 16, 64, 256, 400), True),
    "layer": ("plasma", (1, 2, 3, 4, 5), False),
    "depth": ("cividis", (2, 3, 5, 9, 10, 20), True),
    "lambda": ("magma", (1e-4, 1e-2, 1, 1e2), True),
    "dropout": ("viridis", (0, 0.1, 0.3, 0.5), False),
}
# The end of a sequential map too pale to read on white is left out.
_ORDINAL_SPAN = (0.0, 0.85)
# Unknown levels: a hash of (factor, level) into tab20, skipping the factor's fixed colours.
FALLBACK = [to_hex(c) for c in colormaps["tab20"].colors]


def _key(level: object) -> str:
    return str(level).strip().lower()


def _ordinal(factor: str, level: object) -> str | None:
    try:
        v = float(level)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    cmap, anchors, log = ORDINAL[factor]
    if log and v <= 0:
        return None
    scale = np.log if log else np.asarray
    t = float(np.interp(scale(v), scale(np.asarray(anchors, float)),
                        np.linspace(*_ORDINAL_SPAN, len(anchors))))
    return to_hex(colormaps[cmap](t))


def color(factor: str, level: object) -> str:
    """The colour (hex) of ``level`` of ``factor`` in every figure.

    Fixed for the named levels in :data:`CATEGORICAL` (case-insensitive) and, by value,
    for numeric levels of the factors in :data:`ORDINAL` (positive ones on a log scale);
    any other (factor, level) gets a stable colour from a CRC32 hash (the same on every
    run and machine, unlike ``hash()``), chosen among tab20's colours not already fixed
    for that factor. Two unknown levels of one factor can share a colour: name them in
    :data:`CATEGORICAL` when a figure shows both.
    """
    fixed = CATEGORICAL.get(factor, {})
    if _key(level) in fixed:
        return fixed[_key(level)]
    if factor in ORDINAL and (c := _ordinal(factor, level)) is not None:
        return c
    free = [c for c in FALLBACK if c not in fixed.values()] or FALLBACK
    return free[zlib.crc32(f"{factor}\x00{_key(level)}".encode()) % len(free)]


# CJK ideographs (unified, extension A, compatibility), with a colon that follows them
_IDEOGRAPHS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+[:：]?")


def plain_label(text: str) -> str:
    """``text`` without CJK ideographs, for a figure: matplotlib's bundled font (DejaVu
    Sans) has no glyphs for them and draws empty boxes. CV-4b's setting "降维: C_out <
    C_in" reads "C_out < C_in" on a figure; the pages' tables keep the Chinese. Text that
    is nothing but ideographs is kept (a label is never empty)."""
    return " ".join(_IDEOGRAPHS.sub(" ", text).split()) or text


def save(fig: Figure, path: Path | str, dpi: int = DPI,
         rect: tuple[float, float, float, float] = (0, 0, 1, 1)) -> None:
    """tight_layout (the axes inside ``rect``, figure fractions: room for a figure
    legend), write ``path`` at ``dpi``, close the figure."""
    import matplotlib.pyplot as plt  # here: importing this module picks no backend

    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def legend_all(target: Axes | Figure, axes: Sequence[Axes] | np.ndarray,
               **kw: object) -> None:
    """A legend on ``target`` (a panel, or the figure: then leave it room with
    :func:`save`'s ``rect``) of every labelled artist of ``axes``, each label once, in
    label order: one legend when no single panel shows every level."""
    seen: dict[str, object] = {}
    for a in np.ravel(axes):
        for handle, text in zip(*a.get_legend_handles_labels(), strict=True):
            seen.setdefault(text, handle)
    target.legend([seen[t] for t in sorted(seen)], sorted(seen), **kw)


def replicate_dots(ax: Axes, x: float, values: np.ndarray, color: str,
                   jitter: float = 0.1, offset: float = 0.0,
                   rng: np.random.Generator | None = None, **kw: object) -> None:
    """Each finite value of ``values`` as a small translucent dot at ``x`` + ``offset``,
    spread ± ``jitter`` (x units on a linear axis, factors e^offset and e^jitter on a
    log one: set the x scale first). The spread is seeded, so a rebuilt figure is the
    same file."""
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v)]
    u = offset + (rng or np.random.default_rng(0)).uniform(-jitter, jitter, v.size)
    xs = x * np.exp(u) if ax.get_xscale() == "log" and x > 0 else x + u
    kw = {"s": 7, "alpha": 0.35, "linewidths": 0, "zorder": 1.9, **kw}
    ax.scatter(xs, v, color=color, **kw)


def band(ax: Axes, x: Sequence[float], samples: Mapping[float, np.ndarray], label: str,
         dots: bool = False, jitter: float = 0.1, offset: float = 0.0,
         missing: str = "values non-finite", **kw: object) -> int:
    """Line through the mean of ``samples[x_i]`` with its 95% CI shaded, markers on.

    ``dots``: each replicate's value too, as small translucent dots spread ± ``jitter``
    in x around its mean, shifted by ``offset`` (to set two series' dots side by side):
    see :func:`replicate_dots`; set a log x axis before calling.

    Non-finite values (diverged, never reached, the log of 0) are left out of the mean
    and CI, as :func:`harness.core.stats.mean_ci` does, and counted in the label:
    "(k of n ``missing``, left out)". Returns that count.
    """
    x = list(x)
    values = [np.asarray(samples[v], float).ravel() for v in x]
    bad = sum(int((~np.isfinite(v)).sum()) for v in values)
    if bad:
        label = f"{label} ({bad} of {sum(v.size for v in values)} {missing}, left out)"
    eff = [stats.mean_ci(v) for v in values]
    kw.setdefault("marker", "o")
    line, = ax.plot(x, [e.mean for e in eff], label=label, **kw)
    ax.fill_between(x, [e.ci_low for e in eff], [e.ci_high for e in eff], alpha=0.15,
                    color=line.get_color())
    if dots:
        rng = np.random.default_rng(0)
        for xv, v in zip(x, values, strict=True):
            replicate_dots(ax, xv, v, line.get_color(), jitter, offset, rng)
    return bad


def band_frame(ax: Axes, frame: pd.DataFrame, x: str, y: str, label: str,
               **kw: object) -> int:
    """The same from a long table: one point per value of column ``x``, over its rows
    (keywords as :func:`band`'s)."""
    groups = {k: g[y].to_numpy(float) for k, g in frame.groupby(x)}
    kw.setdefault("marker", None)
    return band(ax, sorted(groups), groups, label, **kw)

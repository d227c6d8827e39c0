"""Plot helpers for experiment reports: means over replicates with their 95% CI band.

Both use :func:`harness.stats.mean_ci`, so a band on a figure is the same interval the
verdict tables print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from harness import stats


def band(ax: Axes, x: Sequence[float], samples: Mapping[float, np.ndarray], label: str,
         **kw: object) -> None:
    """Line through the mean of ``samples[x_i]`` with its 95% CI shaded, markers on."""
    eff = [stats.mean_ci(samples[v]) for v in x]
    kw.setdefault("marker", "o")
    line, = ax.plot(x, [e.mean for e in eff], label=label, **kw)
    ax.fill_between(x, [e.ci_low for e in eff], [e.ci_high for e in eff], alpha=0.15,
                    color=line.get_color())


def band_frame(ax: Axes, frame: pd.DataFrame, x: str, y: str, label: str,
               **kw: object) -> None:
    """The same from a long table: one point per value of column ``x``, over its rows."""
    groups = {k: g[y].to_numpy(float) for k, g in frame.groupby(x)}
    kw.setdefault("marker", None)
    band(ax, sorted(groups), groups, label, **kw)

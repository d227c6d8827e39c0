"""harness.pages.plots: one colour per (factor, level) across figures, replicate dots, save."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import is_color_like  # noqa: E402

from harness.pages import plots  # noqa: E402


def test_a_level_has_one_colour_in_every_call_and_spelling():
    assert plots.color("optimizer", "sgd") == plots.color("optimizer", "sgd")
    assert plots.color("optimizer", "SGD") == plots.color("optimizer", "sgd")
    assert plots.color("batch_size", 64) == plots.color("batch_size", np.int64(64)) \
        == plots.color("batch_size", 64.0) == plots.color("batch_size", "64")
    assert plots.color("task", "no such level") == plots.color("task", "no such level")


@pytest.mark.parametrize(("text", "shown"), [
    ("降维: C_out < C_in", "C_out < C_in"), ("digits w128", "digits w128"), ("升维", "升维"),
    ("w128 降维 ε 0.1", "w128 ε 0.1"),
    ("ε＝0.1, 1〜10, log₂ 10⁸ · −", "ε＝0.1, 1〜10, log₂ 10⁸ · −")])  # only ideographs go
def test_figure_labels_drop_the_cjk_the_bundled_font_cannot_draw(text, shown):
    assert plots.plain_label(text) == shown  # all-CJK text stays (a label is never empty)


@pytest.mark.parametrize("factor", sorted(plots.CATEGORICAL))
def test_levels_of_a_named_factor_have_distinct_colours(factor):
    levels = plots.CATEGORICAL[factor]
    colours = [plots.color(factor, level) for level in levels]
    assert len(set(colours)) == len(levels)
    assert all(is_color_like(c) for c in colours)


def test_ordinal_levels_are_distinct_and_ordered_by_value():
    batches = (1, 4, 16, 64, 256, 400)
    assert len({plots.color("batch_size", b) for b in batches}) == len(batches)
    assert len({plots.color("layer", la) for la in (1, 2, 3, 4)}) == 4
    # a batch size is never drawn in a categorical colour (issue 14: red was sgd in one
    # figure and batch 64 in another)
    named = {c for levels in plots.CATEGORICAL.values() for c in levels.values()}
    assert not {plots.color("batch_size", b) for b in batches} & named


def test_the_same_thing_under_two_factors_keeps_its_colour():
    assert plots.color("setting", "sgd") == plots.color("optimizer", "sgd")
    assert plots.color("setting", "abid2018") == plots.color("optimizer", "adam")
    assert plots.color("variant", "relu") == plots.color("activation", "relu")
    assert plots.color("variant", "batch norm") == plots.color("condition", "BN")


def test_unknown_levels_get_a_stable_colour_outside_the_factors_fixed_ones():
    c = plots.color("init", "lecun")
    assert is_color_like(c) and c not in plots.CATEGORICAL["init"].values()
    # the hash is CRC32, not Python's salted hash(): the same in another process
    code = "from harness.pages import plots; print(plots.color('init', 'lecun'))"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
                             cwd=Path(__file__).parents[1])
        assert out.stdout.strip() == c


def test_band_draws_replicate_dots_and_counts_what_it_leaves_out():
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    samples = {1.0: np.array([0.5, 0.6, np.nan]), 10.0: np.array([0.7, np.inf, 0.9])}
    bad = plots.band(ax, [1.0, 10.0], samples, "L1", dots=True,
                     color=plots.color("regularizer", "l1"))
    assert bad == 2
    assert ax.get_lines()[0].get_label() == "L1 (2 of 6 values non-finite, left out)"
    dots = [c for c in ax.collections if c.get_offsets().shape[0] == 2]
    assert len(dots) == 2  # one scatter per x, its 2 finite replicates each
    for col, x in zip(dots, (1.0, 10.0), strict=True):
        xs = col.get_offsets()[:, 0]
        assert np.all((xs > x * np.exp(-0.11)) & (xs < x * np.exp(0.11)))
    plt.close(fig)


def test_save_writes_and_closes(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a")
    ax.plot([0, 1], [1, 0], label="a")
    plots.legend_all(fig, [ax])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a"]
    plots.save(fig, tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0
    assert not plt.fignum_exists(fig.number)

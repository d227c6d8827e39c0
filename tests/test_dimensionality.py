"""DR-1a and DR-1b (experiments/dimensionality): the measures read the runs each setting
has (the controls run a subset of k; the no-PCA arm is pca_components None), and the
presets are Exp 6 as written."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import assert_measure_round_trips

from experiments.dimensionality import dr1
from harness.judge.families import Trend
from harness.track.results import RunSet, hydra_context

CLAIMS = {c.id: c for c in dr1.CLAIMS}


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_measures_read_back_what_they_synthesize(cid):
    assert_measure_round_trips(CLAIMS[cid], 0.9)


def _runs(rows: list[dict]) -> RunSet:
    return RunSet.from_tables("dimensionality", ["preset", "dummy_dims", "pca_components"],
                              pd.DataFrame(rows))


def test_pca_gain_pairs_the_no_pca_arm_read_as_none_at_the_top_k():
    """pandas reads a None axis cell among numbers as NaN: the level None still selects
    the no-PCA runs, and ``where`` keeps k = 2000 alone."""
    rows = [{"grid": "abid_pca" if p else "abid", "preset": dr1.PRIMARY, "dummy_dims": k,
             "pca_components": p, "replicate": r, "dataset": r,
             "test_acc": 0.4 + (p or 0) / 20 + k / 1e5}
            for k in (200, 2000) for p in (None, 10, 5) for r in range(4)]
    t = CLAIMS["DR-1b"].measure.read(_runs(rows), dr1.PRIMARY)
    assert t.levels == (10, None)
    np.testing.assert_allclose(t.values, [[0.92, 0.42]] * 4)
    assert CLAIMS["DR-1b"].rule.decide(t).effect.mean == pytest.approx(0.5)


def test_trend_reads_a_setting_that_runs_a_subset_of_the_levels():
    """x = log k / log 2000 per level, so a control's four k sit where the primary's do:
    accuracy linear in that x falls by its slope per unit."""
    rows = [{"grid": "controls", "preset": dr1.RELU, "dummy_dims": k, "pca_components": None,
             "replicate": r, "dataset": r,
             "test_acc": 0.9 - 0.2 * math.log(k) / math.log(2000) + 0.01 * (r % 2)}
            for k in dr1.CONTROL_DIMS for r in range(6)]
    c = CLAIMS["DR-1a"]
    t = c.measure.read(_runs(rows), dr1.RELU)
    assert t.levels == dr1.CONTROL_DIMS
    d = c.rule.decide(t)
    assert d.verdict == "supported" and d.effect.mean == pytest.approx(0.2)
    assert Trend(x={1: 0.0, 2: 1.0}) == Trend(x={1: 0, 2: 1})  # hashable, comparable data
    with pytest.raises(ValueError, match=r"no position for levels \[3\]"):
        Trend(x={1: 0.0, 2: 1.0}).positions((1, 3))


def test_presets_are_exp6_as_written_and_the_controls_keep_its_80_training_points():
    from hydra import compose

    from harness.train.schema import n_train

    with hydra_context():
        cfgs = {p: compose("config", overrides=["experiment=dimensionality", f"preset={p}"])
                for p in (dr1.PRIMARY, *dr1.CONTROLS)}
    exp6 = cfgs[dr1.PRIMARY]
    assert (exp6.data.dim, exp6.data.n, exp6.data.covariance_scale, exp6.data.mixing,
            exp6.model.activation, exp6.optim.lr, exp6.trainer.steps) == (
        10, 100, 0.2, "uniform", "sigmoid", 0.003, 500)
    for p, cfg in cfgs.items():
        assert cfg.trainer.batch_size == n_train(cfg) == 80, p
        assert cfg.data.n - n_train(cfg) == (20 if p == dr1.PRIMARY else 1000), p


def test_the_grids_sweep_the_levels_the_claims_declare():
    """conf/experiment/dimensionality.yaml repeats DIMS and CONTROL_DIMS: they must agree."""
    from harness.track.results import sweep_points

    keys, points = sweep_points("dimensionality")
    assert "data.dummy_dims" in keys
    by_grid: dict[str, set[int]] = {}
    for grid, overrides in points:
        value = next(o for o in overrides if o.startswith("data.dummy_dims="))
        by_grid.setdefault(grid, set()).add(int(value.split("=")[1]))
    assert by_grid["abid"] == by_grid["abid_pca"] == set(dr1.DIMS)
    for grid in ("controls", "controls_pca", "standardized", "standardized_pca"):
        assert by_grid[grid] == set(dr1.CONTROL_DIMS), grid

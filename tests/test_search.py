"""Searches (harness/train/search.py): points that check an exact fact instead of
training, the Searched measure that reads them, and the convolution searches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from harness.judge.measures import Factor, Searched
from harness.judge.table import Table
from harness.train.search import COLUMNS, row, run_search, share
from tasks.convolutions import searches

CV1 = "tasks.convolutions.searches.cv1"


def config(task: str, replicates: int = 3):
    return OmegaConf.create({"trainer": {"task": task, "replicates": replicates, "seed": 0,
                                         "threads": 1, "progress": False}})


def test_a_search_runs_chunk_by_chunk_into_one_result():
    result = run_search(config(CV1))
    rows = result.tables["search"]
    assert sorted(rows.replicate.unique()) == [0, 1, 2]
    assert (rows.dataset == rows.replicate).all()  # each chunk is its own unit
    assert set(rows.columns) >= {"setting", "member", "value", "points"}
    assert result.final["points"].shape == (3,) and result.info["points_searched"] > 0


def test_a_search_runs_on_the_points_torch_threads(monkeypatch):
    seen = []

    def threads(cfg, r, rng):
        seen.append(torch.get_num_threads())
        return pd.DataFrame({"setting": ["s"], "member": ["m"], "value": [0.0], "points": [1]})

    monkeypatch.setattr(searches, "cv1", threads)
    before = torch.get_num_threads()
    try:
        run_search(config(CV1, replicates=2))
        cfg = config(CV1, replicates=1)
        cfg.trainer.threads = 2
        run_search(cfg)
    finally:
        torch.set_num_threads(before)
    assert seen == [1, 1, 2]


def test_a_search_that_returns_no_value_column_is_an_error(monkeypatch):
    monkeypatch.setattr(searches, "cv1", lambda cfg, r, rng: pd.DataFrame({"setting": [1]}))
    with pytest.raises(ValueError, match=r"no column\(s\) \['member', 'value', 'points'\]"):
        run_search(config(CV1))


def test_the_channel_grid_is_split_over_the_chunks_exactly_once():
    cfg = config(CV1, replicates=8)
    seen = np.concatenate([searches.chunk(cfg, r, np.random.default_rng(r)) for r in range(8)])
    assert np.array_equal(np.sort(seen), np.arange(1, searches.CHANNELS + 1))


@pytest.mark.parametrize("bias", [False, True])
def test_torch_counts_a_separable_convolution_as_the_formula_does(bias):
    for c_in, c_out, k in [(1, 1, 1), (3, 32, 3), (64, 7, 5), (2048, 1024, 7)]:
        assert searches.separable(c_in, c_out, k, bias) == searches.separable_formula(
            c_in, c_out, k, bias)


def test_searched_rows_round_trip_through_synthetic_runs():
    measure = Searched(Factor("member", ("a", "b"), "member"), "x", grid="g", task="m.f")
    tables = {"s1": Table(("a", "b"), np.array([[0.1, 0.2], [0.3, 0.4]]), np.arange(2)),
              "s2": Table(("a", "b"), np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(2))}
    rs = measure.synthesize(tables)
    for name, table in tables.items():
        got = measure.read(rs, name)
        assert got.levels == table.levels and np.array_equal(got.values, table.values)
    assert measure.selection(("s1",)) == {"trainer.task": ["m.f"]}


def test_splits_of_one_dataset_get_nadeau_and_bengios_corrected_variance():
    """Overlapping splits: a paired difference's CI is t·s·√(1/k + n_test/n_train) wide on
    each side, the mean unchanged; fresh draws (no overlap declared) are read as they are."""
    from harness.core import stats
    from harness.judge.measures import Resampled

    rng = np.random.default_rng(0)
    k, rho = 24, 0.25
    values = rng.normal(0, 1, (k, 2))
    measure = Resampled(Factor("member", ("a", "b"), "member"), "x", grid="g", task="m.f",
                        overlap={"split": rho})
    rs = measure.synthesize({s: Table(("a", "b"), values, np.arange(k))
                             for s in ("split", "fresh")})
    assert np.array_equal(measure.read(rs, "fresh").values, values)
    d = np.diff(measure.read(rs, "split").values, axis=1)[:, 0]
    plain = np.diff(values, axis=1)[:, 0]
    e = stats.mean_ci(d, clusters=np.arange(k))
    t = stats.t_ppf(0.975, k - 1)
    assert np.isclose(e.mean, plain.mean())
    assert np.isclose(e.ci_high - e.mean, t * plain.std(ddof=1) * np.sqrt(1 / k + rho))


@pytest.mark.parametrize("grid", [tuple(10.0 ** (k / 4) for k in range(-8, 9)),
                                  np.arange(100_001)])
@pytest.mark.parametrize("reps", [1, 3, 8])
def test_the_chunks_share_a_grid_exactly_once(grid, reps):
    parts = [share(grid, OmegaConf.create({"trainer": {"replicates": reps}}), r)
             for r in range(reps)]
    assert sorted(x for p in parts for x in p) == sorted(grid)


def test_a_row_has_the_columns_a_search_returns_and_its_tags_first():
    assert list(row("s", "m", np.float32(0.5), np.int64(3), part="LS-4")) == ["part", *COLUMNS]

"""The statistical-learning searches (ML-3, ML-5): distances and contrast against scipy
and scikit-learn, the bias-variance decomposition against Monte Carlo (and a wrong one
caught), and the rows the claims read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from sklearn.metrics.pairwise import cosine_distances, euclidean_distances

from experiments.statistical_learning import EXPERIMENT
from experiments.statistical_learning.ml5 import Z_BOUND
from harness.judge.measures import Factor, Resampled
from harness.judge.table import Table
from harness.track.results import RunSet
from harness.train.search import run_search
from tasks.statistical_learning import searches

TASK = "tasks.statistical_learning.searches."


def config(task: str, replicates: int = 1):
    return OmegaConf.create({"trainer": {"task": TASK + task, "replicates": replicates,
                                         "seed": 0, "threads": 1, "progress": False}})


@pytest.mark.parametrize("d", [2, 50, 3000])
def test_both_distance_forms_agree_with_scikit_learn(d):
    rng = np.random.default_rng(d)
    q, x = rng.uniform(size=(7, d)), rng.uniform(size=(30, d))
    got = searches.distances(q, x)
    assert np.allclose(got["Euclidean"], euclidean_distances(q, x), rtol=1e-10)
    assert np.allclose(got["cosine"], cosine_distances(q, x), rtol=1e-8, atol=1e-13)


def test_relative_contrast_is_the_spread_over_the_nearest_distance():
    dist = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, 1.0]])
    assert np.allclose(searches.relative_contrast(dist), [3.0, 1.0])


def test_cosine_ignores_the_norm_and_euclidean_does_not():
    rng = np.random.default_rng(1)
    q, x = rng.standard_normal((5, 20)), rng.standard_normal((9, 20))
    scaled = x * rng.uniform(0.1, 10, (9, 1))
    a, b = searches.distances(q, x), searches.distances(q, scaled)
    assert np.allclose(a["cosine"], b["cosine"]) and not np.allclose(a["Euclidean"],
                                                                      b["Euclidean"])


def fit_problem(family: str, n: int, size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x, x0 = rng.uniform(size=n), (np.arange(searches.GRID) + 0.5) / searches.GRID
    if family == "polynomial":
        basis, test = searches.polynomial(x, size), searches.polynomial(x0, size)
    else:
        kinks, signs = rng.uniform(size=size), rng.choice([-1.0, 1.0], size)
        basis = searches.relu_features(x, kinks, signs)
        test = searches.relu_features(x0, kinks, signs)
    return basis, test, searches.truth(x), searches.truth(x0), rng


@pytest.mark.parametrize("family,n,size", [("polynomial", 20, 1), ("polynomial", 40, 9),
                                           ("features", 40, 40), ("features", 40, 400)])
def test_the_decomposition_matches_monte_carlo(family, n, size):
    basis, test, f, f0, rng = fit_problem(family, n, size)
    bias2, var = searches.decomposition(basis, test, f, f0)
    mean, se = searches.monte_carlo(basis, test, f, f0, rng)
    assert abs(mean - (searches.SIGMA**2 + bias2 + var)) < Z_BOUND * se


@pytest.mark.parametrize("n,degree", [(20, 1), (40, 9), (320, 15)])
def test_the_decomposition_without_its_noise_term_is_caught(n, degree):
    """Where the variance does not swamp σ² (polynomials; a random-features fit's
    variance can be 10³ σ², and σ² then a few SE)."""
    basis, test, f, f0, rng = fit_problem("polynomial", n, degree)
    bias2, var = searches.decomposition(basis, test, f, f0)
    mean, se = searches.monte_carlo(basis, test, f, f0, rng)
    assert abs(mean - (bias2 + var)) > 20 * se


def test_a_wrong_bias_term_is_caught_where_bias_is_large():
    basis, test, f, f0, rng = fit_problem("polynomial", 40, 1)
    bias2, var = searches.decomposition(basis, test, f, f0)
    mean, se = searches.monte_carlo(basis, test, f, f0, rng)
    assert abs(mean - (searches.SIGMA**2 + np.sqrt(bias2) + var)) > 20 * se


def test_the_hat_matrix_variance_is_the_fits_variance():
    basis, test, f, f0, rng = fit_problem("features", 40, 77)
    _, var = searches.decomposition(basis, test, f, f0)
    y = f[:, None] + searches.SIGMA * rng.standard_normal((len(f), 4000))
    fits = test @ np.linalg.lstsq(basis, y, rcond=searches.rcond(basis))[0]
    assert fits.var(1, ddof=1).mean() == pytest.approx(var, rel=0.1)


def test_on_a_fixed_design_polynomial_variance_falls_with_n_and_rises_with_degree():
    """Nested least squares: more rows can only shrink, more columns only grow, the
    leverage φ(x0)ᵀ(VᵀV)⁻¹φ(x0) at every test input."""
    rng = np.random.default_rng(3)
    x, x0 = rng.uniform(size=320), (np.arange(searches.GRID) + 0.5) / searches.GRID

    def var(n: int, degree: int) -> float:
        return searches.decomposition(searches.polynomial(x[:n], degree),
                                      searches.polynomial(x0, degree), x[:n], x0)[1]

    assert all(np.diff([var(n, 3) for n in searches.SIZES]) < 0)
    assert all(np.diff([var(40, d) for d in searches.DEGREES]) > 0)


@pytest.fixture(scope="module")
def two_chunks() -> RunSet:
    """Two chunks of every search, as the runs of one sweep would log them."""
    frames = []
    for grid in ("contrast", "knn", "bias_variance"):
        rows = run_search(config(grid, replicates=2)).tables["search"]
        assert {"setting", "member", "value", "points"} <= set(rows.columns)
        frames.append(rows.assign(grid=grid))
    search = pd.concat(frames, ignore_index=True)
    final = search[["grid", "replicate", "dataset"]].drop_duplicates()
    return RunSet.from_tables("statistical_learning", [], final, search=search)


@pytest.mark.parametrize("claim", EXPERIMENT.claims, ids=lambda c: c.id)
def test_every_judged_setting_has_the_levels_its_rule_reads(two_chunks, claim):
    reads = set(claim.rule.reads(claim))
    for setting in claim.settings.judged:
        table = claim.measure.read(two_chunks, setting)
        assert table is not None and table.values.shape[0] == 2
        assert len(set(table.levels) & reads) >= min(2, len(reads))
        assert np.isfinite(table.values).all()
    outcome = claim.decide(two_chunks)
    assert [s.setting for s in outcome.settings] == list(claim.settings.judged)


def test_drawn_rows_round_trip_through_synthetic_runs():
    measure = Resampled(Factor("member", ("a", "b"), "member"), "x", grid="g", task="m.f",
                        log=True)
    table = Table(("a", "b"), np.log([[1.0, 2.0], [3.0, 4.0]]), np.arange(2))
    got = measure.read(measure.synthesize({"s": table}), "s")
    assert np.allclose(got.values, table.values)
    assert "its own resample or draw" in measure.describe()

"""The robust-regression searches (LS-2, LS-7): the smooth-L1 solver and the L1 optimum
against scipy, the descent's gradients against torch autograd, the contamination, the
steps chosen by the pilot, and the rows the claims read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf
from scipy.optimize import linprog

from experiments.robust_regression import EXPERIMENT
from harness.track.results import RunSet
from harness.train.search import run_search
from tasks.robust_regression import searches

TASK = "tasks.robust_regression.searches."


def draw(seed: int = 0) -> tuple[np.ndarray, ...]:
    return searches.regression_draw(np.random.default_rng(seed))


def test_the_smooth_l1_solver_reaches_a_stationary_point_and_is_exact_for_its_loss():
    x, y, *_ = draw()
    y = y + np.where(np.arange(len(y)) < 20, 500.0, 0.0)  # outliers: few points inside ±δ
    w = searches.smooth_l1_fit(x, y, np.zeros(x.shape[1] + 1))
    xi = searches.with_intercept(x)
    assert np.abs(xi.T @ np.clip(y - xi @ w, -1, 1)).max() / len(y) < 1e-10
    loss = torch.nn.SmoothL1Loss(beta=searches.DELTA)  # torch's smooth-L1, the seed's
    assert searches.smooth_l1(y - xi @ w).mean() == pytest.approx(
        loss(torch.tensor(xi @ w), torch.tensor(y)).item(), rel=1e-12)


def test_the_l1_optimum_is_the_linear_programs():
    """min mean|y − Xw| as an LP in (w, t): t ≥ ±(y − Xw), minimize Σt."""
    x, y, *_ = draw(1)
    xi, n, p = searches.with_intercept(x), len(y), x.shape[1] + 1
    a = np.block([[-xi, -np.eye(n)], [xi, -np.eye(n)]])
    lp = linprog(np.r_[np.zeros(p), np.ones(n)], A_ub=a, b_ub=np.r_[-y, y],
                 bounds=[(None, None)] * p + [(0, None)] * n)
    assert searches.optima(x, y)["L1"] == pytest.approx(lp.fun / n, rel=1e-9)


@pytest.mark.parametrize("loss", searches.LOSSES)
def test_the_descent_gradient_is_torch_autograds(loss):
    x, y, *_ = draw(2)
    xi = searches.with_intercept(x)
    w = np.random.default_rng(0).normal(size=xi.shape[1]) * 50
    wt = torch.tensor(w, requires_grad=True)
    r = torch.tensor(y) - torch.tensor(xi) @ wt
    value = r.abs() if loss == "L1" else torch.nn.functional.smooth_l1_loss(
        r, torch.zeros_like(r), reduction="none")
    value.mean().backward()
    ours = -xi.T @ searches.psi(loss)(y - xi @ w) / len(y)
    assert np.allclose(ours, wt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_contamination_marks_the_declared_rows_only():
    x, y, _, _, coef = draw(3)
    order = np.random.default_rng(0).permutation(len(y))
    xs, ys = searches.contaminate(x, y, 0.1, order)
    bad = order[:20]
    assert np.array_equal(xs, x) and np.allclose(np.delete(ys, bad), np.delete(y, bad))
    assert np.allclose(ys[bad] - y[bad], searches.SHIFT * y.std())
    xl, yl = searches.contaminate(x, y, 0.1, order, coef)
    assert np.allclose(xl[bad], searches.LEVERAGE * x[bad])
    assert np.allclose(yl[bad], -xl[bad] @ coef)
    assert np.array_equal(searches.contaminate(x, y, 0.0, order)[1], y)


def test_the_declared_steps_are_the_pilots_choice():
    assert searches.choose_steps() == searches.STEPS


@pytest.fixture(scope="module")
def two_chunks() -> RunSet:
    """Two chunks of both searches, as one sweep's runs would log them."""
    frames = []
    for grid in ("contamination", "settling"):
        cfg = OmegaConf.create({"trainer": {"task": TASK + grid, "replicates": 2, "seed": 0,
                                            "threads": 1, "progress": False}})
        frames.append(run_search(cfg).tables["search"].assign(grid=grid))
    search = pd.concat(frames, ignore_index=True)
    final = search[["grid", "replicate", "dataset"]].drop_duplicates()
    return RunSet.from_tables("robust_regression", [], final, search=search)


@pytest.mark.parametrize("claim", EXPERIMENT.claims, ids=lambda c: c.id)
def test_every_judged_setting_has_the_levels_its_rule_reads(two_chunks, claim):
    for setting in claim.settings.every:
        table = claim.measure.read(two_chunks, setting)
        assert table is not None and table.values.shape == (2, len(claim.measure.factor.levels))
        assert np.isfinite(table.values).all()
    outcome = claim.decide(two_chunks)
    assert [s.setting for s in outcome.settings] == list(claim.settings.judged)


def test_settling_counts_the_last_exceedance_not_the_first_touch():
    """A curve that dips below the target at step 2 and comes back above at step 4 settles
    at step 5; one still above at the end is not settled (the budget)."""
    f = np.full((searches.BUDGET + 1, 2), 1.0 + 1e-6)
    f[:5, 0] = [2.0, 1.5, 1.0, 1.2, 1.1]  # f* = 1: above, above, dip, above, above
    f[-1, 1] = 1.1
    settled, band, level = searches.settle(f, 1.0, 1e-4)
    assert settled.tolist() == [5.0, searches.BUDGET]
    assert band[1] == pytest.approx(0.1 - 1e-6) and level[0] == pytest.approx(1e-6)

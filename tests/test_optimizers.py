"""The optimizer searches (OP-1, OP-4a, OP-8): the batched paths against torch.optim on a
rotated quadratic, the early-stopped tuning against a run to the cap, and the rows the
claims read."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from scipy.stats import ortho_group
from sklearn.linear_model import LogisticRegression

from experiments.optimizers import EXPERIMENT
from harness.train.data import seed_for
from tasks.optimizers import searches, solvers


def config(replicates: int = 3, seed: int = 7):
    return OmegaConf.create({"trainer": {"seed": seed, "replicates": replicates}})


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_eigenbasis_paths_are_torch_sgds_on_a_rotated_quadratic(nesterov):
    """torch.optim.SGD on ½(x − x*)ᵀQΛQᵀ(x − x*) from x* + Qy0: heavy ball's iterate is
    x* + Q(y0·h); torch's Nesterov iterate is the seed's look-ahead θ − γv."""
    rng = np.random.default_rng(0)
    lam, eta, gamma, d = searches.spectrum(100), 0.8, 0.9, searches.D
    q, xstar, y0 = ortho_group.rvs(d, random_state=1), rng.normal(size=d), rng.normal(size=d)
    a = torch.tensor(q @ np.diag(lam) @ q.T)
    p = torch.tensor(xstar + q @ y0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=eta, momentum=gamma, nesterov=nesterov)
    h, v = np.ones(d), np.zeros(d)
    for _ in range(60):
        opt.zero_grad()
        (0.5 * (p - torch.tensor(xstar)) @ a @ (p - torch.tensor(xstar))).backward()
        opt.step()
        h, v = searches.step(h, v, lam, eta, gamma, float(nesterov))
        ours = y0 * (h - gamma * v if nesterov else h)
        assert np.allclose(q.T @ (p.detach().numpy() - xstar), ours, atol=1e-10)


def test_early_stopped_tuning_chooses_and_hits_as_a_run_to_the_cap():
    y0 = np.stack([searches.draws(3, r) for r in range(4)])
    lam, cap = searches.spectrum(100), 2000
    configs = searches.grid((0.5, 0.9), True)
    groups = {"all": np.arange(len(configs[0])), "γ = 0.9": np.arange(20, 40)}
    early, picks = searches.tuned(lam, y0, cap, configs, groups)
    full = searches.descend(lam, *(c[:, None] for c in configs), y0, cap,
                            lambda *_: False)
    for name, g in groups.items():
        s = np.log(full["hit"][:, :searches.TUNING, g]).mean(1)
        assert (picks[name] == g[np.argmin(s, 1)]).all()
        i = picks[name][:, None]
        for key in ("flips", "every_flip", "cosine"):
            assert np.allclose(np.take_along_axis(early[key], i, 1),
                               np.take_along_axis(full[key], i, 1))
        assert (np.take_along_axis(early["hit"][:, -1], i, 1)
                == np.take_along_axis(full["hit"][:, -1], i, 1)).all()


def test_a_chunk_reads_its_own_draws_and_every_member_per_kappa():
    rows = searches.steps_and_overshoots(config(), 1, np.random.default_rng(seed_for(7, 1)))
    assert set(rows.setting) == {searches.kappa_setting(k) for k in searches.KAPPAS}
    assert rows.groupby(["setting", "member"]).size().eq(1).all()
    for claim in (c for c in EXPERIMENT.claims if c.measure.grid == "quadratics"):
        assert set(claim.measure.factor.levels) <= set(rows.member)
    with pytest.raises(ValueError, match="own stream"):
        searches.steps_and_overshoots(config(), 1, np.random.default_rng(seed_for(7, 2)))
    fine = rows.set_index(["setting", "member"]).value
    for k in searches.KAPPAS:  # the control's step lies above the judged grid's 1.59
        assert fine[searches.kappa_setting(k), searches.ETA.format(searches.GD_FINE)] > 1.6


def test_the_whole_path_count_is_the_top_coordinates_and_stops_before_the_cap():
    """OP-8a's count at η = 1.263 (NAG's tuned η): the same at the shortest cap (200, κ = 10)
    and at the longest (20000), and equal to descend's top coordinate's sign changes."""
    eta = np.array([searches.LRS[14]] * 2)
    gamma, nest = np.full(2, searches.GAMMA), np.array([0.0, 1.0])
    short, moved = searches.top_path(eta, gamma, nest, 200)
    long, _ = searches.top_path(eta, gamma, nest, 20000)
    assert abs(eta[0] - 1.263) < 1e-3 and (short == long).all()
    assert tuple(short) == (47, 28) and (moved > 1).all()
    lam = searches.spectrum(10)
    h, v, flips = np.ones((2, searches.D)), np.zeros((2, searches.D)), np.zeros(2)
    for _ in range(200):
        new, v = searches.step(h, v, lam, eta[:, None], gamma[:, None], nest[:, None])
        flips += (new[:, 0] * h[:, 0] < 0) & (h[:, 0] ** 2 >= searches.TARGET)
        h = new
    assert (flips == short).all()


def test_nag_moves_rare_and_frequent_parameters_alike_and_adagrad_does_not():
    rows = searches.sparse(config(), 0, np.random.default_rng(0)).set_index(
        ["setting", "member"]).value
    for pair in searches.SPARSE:
        s = searches.sparse_setting(*pair)
        assert abs(rows[s, searches.SPREAD]) < 1e-12
        assert abs(rows[s, searches.UPDATE.format(searches.HB)]) < 1e-12
        assert rows[s, searches.UPDATE.format("Adagrad")] > 1.0


def test_the_logistic_objective_is_scikit_learns_and_its_gradient_is_exact():
    """F and ∇F against a finite difference, and Newton's optimum against scikit-learn's
    LogisticRegression at the same C (its objective: ½‖w‖² + C Σ log-loss, b unpenalized)."""
    xt, y = solvers.data(solvers.BREAST, np.random.default_rng(0))
    f = solvers.Logistic(xt, y)
    theta = np.random.default_rng(1).normal(size=xt.shape[1]) * 0.1
    e = np.eye(len(theta))[3] * 1e-6
    assert (f.value(theta + e) - f.value(theta - e)) / 2e-6 == pytest.approx(
        f.grad(theta)[3], rel=1e-6)
    newton = solvers.newton(xt[:, :-1], y, f.c).thetas[-1]
    sk = LogisticRegression(C=f.c, tol=1e-12, max_iter=10_000).fit(xt[:, :-1], y)
    assert f.value(newton) <= f.value(np.r_[sk.coef_[0], sk.intercept_]) + 1e-9
    assert np.allclose(newton, np.r_[sk.coef_[0], sk.intercept_], atol=1e-4)


def test_gradient_descent_stops_at_the_first_step_to_reach_the_target():
    xt, y = solvers.data(solvers.SYNTHETIC, np.random.default_rng(2))
    f = solvers.Logistic(xt, y)
    target = f.value(solvers.newton(xt[:, :-1], y, f.c).thetas[-1]) + 1e-3
    values = solvers.descend(f, target)
    assert (values[-1] <= target).any() and not (values[-2] <= target).any()
    assert np.isfinite(values).any(1).all()  # the best steps stay finite throughout
    assert (values[1:, 0] < values[0, 0]).all()  # 1/4 of 1/L only ever descends
    assert solvers.first_below(np.array([3.0, 2.0, 1.0]), 1.5) == 2
    assert solvers.first_below(np.array([3.0, 2.0]), 1.0) == solvers.CAP


def test_a_solver_chunk_counts_every_method_in_both_settings():
    rows = solvers.iterations_to_target(config(), 0, np.random.default_rng(3))
    for setting in solvers.SETTINGS:
        got = rows[rows.setting == setting].set_index("member").value
        counts = [got[solvers.ITERATIONS.format(m)] for m in solvers.METHODS]
        assert all(1 <= c < solvers.CAP and c == int(c) for c in counts)
        assert got[solvers.ITERATIONS.format(solvers.NEWTON)] < got[
            solvers.ITERATIONS.format(solvers.GD)]
        assert got[solvers.GD_STEP] in solvers.GD_STEPS

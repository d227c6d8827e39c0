"""BS-6 (convex): the declared step sizes and budget on every replicate's data, and the
reference optimum against the trainer's own objective (the rule on synthetic runs is
tests/test_families.py's, as for every claim)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from experiments import convex as mod
from harness.judge.claims import REPLICATE_CAP, planned_replicates
from harness.train.data import make_dataset
from harness.train.schema import n_train
from harness.train.trainer import train
from pages import convex as page


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """scikit-learn's fits on a 400 × 13 split: two BLAS threads contending for two shared
    cores make the 24 reference fits ~20× slower than one thread does."""
    with threadpool_limits(1, user_api="blas"):
        yield


def test_config_is_full_batch_gradient_descent(compose_cfg):
    for overrides, lr in (([], mod.STABLE), (["optim.lr=6.0"], mod.UNSTABLE)):
        cfg = compose_cfg(overrides, experiment="convex")
        assert cfg.trainer.replicates == planned_replicates(mod.EXPERIMENT.claims)
        assert cfg.data.num_datasets is None  # every replicate on its own dataset
        assert cfg.trainer.batch_size == n_train(cfg)  # the whole training split
        assert (cfg.optim.name, cfg.optim.momentum, cfg.optim.weight_decay) == ("sgd", 0, 0)
        assert (cfg.reg.l1, cfg.reg.l2, cfg.optim.lr_ref_batch) == (0, 0, None)
        assert cfg.model.widths == [] and cfg.model.depth is None
        assert cfg.trainer.loss == "cross_entropy" and cfg.optim.lr == lr
        assert "params" in cfg.trainer.probes


def test_declared_step_sizes_and_budget_hold_on_every_replicate(compose_cfg):
    """η_stable ≤ 1/L, η_unstable > 2/λmax(∇²f(θ*)) (and > 2/L), no training split
    separable, and the convex guarantee below the margin within the step budget."""
    cfg = compose_cfg(experiment="convex")
    steps = cfg.trainer.steps
    for d in range(REPLICATE_CAP):  # beyond the replicates run, up to the cap
        c = page.step_checks((), d)
        assert not c.separable
        assert c.grad_norm < 1e-6
        assert mod.STABLE <= 1 / c.smoothness
        assert mod.UNSTABLE > 2 / c.curvature and mod.UNSTABLE > 2 / c.smoothness
        assert c.curvature <= c.smoothness
        # zero init: distance to the optimal set of the 2-logit model is ‖θ*‖/√2
        opt = c.optimum
        assert (opt.theta @ opt.theta / 2) / (2 * mod.STABLE * steps) < mod.MARGIN * opt.loss


def test_separable_detects_a_separating_hyperplane():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    y = (x[:, 0] > 0).astype(int)
    assert page.separable(x, y)
    # the same point with both labels: no hyperplane separates
    assert not page.separable(np.vstack([x, x[:1]]), np.r_[y, 1 - y[0]])


def test_reference_is_the_trainers_objective():
    """Softmax cross-entropy over logits (0, θᵀx̃) is the logistic loss the reference
    minimizes, and the optimum is a minimum of it."""
    ds = make_dataset(mod.compose_data(()), 0)
    opt = mod.optimum((), 0)
    z = mod.augmented(ds.x_train) @ opt.theta
    logits = torch.as_tensor(np.stack([np.zeros_like(z), z], 1))
    ce = float(F.cross_entropy(logits, torch.as_tensor(ds.y_train)))
    assert ce == pytest.approx(opt.loss, rel=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(5):
        nearby = opt.theta + rng.normal(0, 1e-2, opt.theta.shape)
        assert mod.logistic_loss(ds.x_train, ds.y_train, nearby) > opt.loss


def test_full_batch_gd_reaches_the_reference_optimum(compose_cfg):
    """End to end on two replicates: the trained loss and parameters (params probe)
    match scikit-learn's optimum of the same replicate's data."""
    cfg = compose_cfg(["trainer.replicates=2", "trainer.steps=200", "trainer.evals=4"],
                      experiment="convex")
    res = train(cfg)
    params = res.tables["params"]
    assert set(params.kind) == {"weight", "bias"} and set(params.layer) == {1}
    for r in range(2):
        opt = mod.optimum((), int(res.final["dataset"][r]))
        assert res.final["train_loss"][r] == pytest.approx(opt.loss, rel=1e-6)
        p = params[params.replicate == r]
        w = p[p.kind == "weight"].sort_values("index").value.to_numpy().reshape(-1, 2)
        b = p[p.kind == "bias"].sort_values("index").value.to_numpy()
        assert np.allclose(w, res.model.weights[0][r].detach().numpy())
        theta = np.r_[w[:, 1] - w[:, 0], b[1] - b[0]]
        assert np.linalg.norm(theta - opt.theta) < 1e-4 * np.linalg.norm(opt.theta)

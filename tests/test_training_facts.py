"""training_facts' searches: each finds what its claim declares it reads, a known
counterexample is found, and the formulas agree with torch's and scikit-learn's code."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression
from torch import nn

from experiments.training_facts import EXPERIMENT
from harness.train.schema import load_search
from tasks.training_facts import (
    adagrad,
    adam,
    batchnorm,
    constant_step,
    dead,
    groupnorm,
    linear,
    newton,
)


def config(replicates: int = 8):
    return OmegaConf.create({"trainer": {"replicates": replicates, "threads": 1}})


@pytest.mark.parametrize("claim", EXPERIMENT.claims, ids=lambda c: c.id)
def test_each_search_gives_every_judged_setting_the_members_its_claim_reads(claim):
    rows = load_search(claim.measure.task)(config(), 0, np.random.default_rng(0))
    for setting in claim.settings.judged:
        found = set(rows[rows.setting == setting].member)
        assert set(claim.rule.reads(claim)) <= found, setting
    assert rows.value.notna().all() and (rows.points > 0).all()


def test_newton_reaches_scikit_learns_optimum_and_its_first_step_grows_the_inverse():
    x, y = newton.dataset(newton.BREAST, np.random.default_rng(0))
    path = newton.newton(x, y, 1.0)
    lr = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12).fit(x, y)
    assert np.allclose(path.theta, np.r_[lr.coef_[0], lr.intercept_], atol=1e-8)
    # p(1 − p) ≤ ¼ = its value at w = 0: H(w) ⪯ H(0), so H(w₁)⁻¹ ⪰ H(0)⁻¹
    assert newton.violations(path)[0] > 0.1


def test_a_decreasing_inverse_hessian_is_no_violation_and_a_growing_one_is():
    def path(*scales: float) -> newton.Path:
        return newton.Path([np.zeros(3)] * len(scales), [s * np.eye(3) for s in scales],
                           np.ones(2), np.ones(2), np.zeros(3))

    assert newton.violations(path(1.0, 2.0))[0] == pytest.approx(-0.5)
    assert newton.violations(path(2.0, 1.0))[0] == pytest.approx(1.0)


def test_the_moment_recursions_are_the_seeds_and_torchs():
    g = np.random.default_rng(1).normal(0.3, 1.0, (5, 50))
    m, v = adam.moments(g)
    mm, vv = np.zeros(5), np.zeros(5)
    for t in range(50):
        mm = adam.BETA1 * mm + (1 - adam.BETA1) * g[:, t]
        vv = adam.BETA2 * vv + (1 - adam.BETA2) * g[:, t] ** 2
        assert np.allclose(m[:, t], mm, rtol=1e-13) and np.allclose(v[:, t], vv, rtol=1e-13)
    exp_avg, exp_avg_sq, step = adam.torch_adam(g)
    c1, c2 = adam.corrections(50)
    assert np.allclose(exp_avg, m, rtol=1e-12) and np.allclose(exp_avg_sq, v, rtol=1e-12)
    assert np.allclose(step, -adam.LR * (m / c1) / (np.sqrt(v / c2) + adam.EPS), rtol=1e-9)


def test_an_uncorrected_first_step_is_larger_not_smaller():
    """m₁/√v₁ = 0.1g/√(0.001g²): √10 times the corrected step, whatever g."""
    g = np.full((1, 1), 0.7)
    m, v = adam.moments(g)
    c1, c2 = adam.corrections(1)
    ratio = (m / np.sqrt(v)) / ((m / c1) / np.sqrt(v / c2))
    assert ratio[0, 0] == pytest.approx(np.sqrt(10))


def test_bn_standardizes_but_keeps_the_shape_of_a_skewed_feature():
    x = torch.from_numpy(np.random.default_rng(2).exponential(1.0, (64, 4)))
    x[:, 3] = 0.0  # a ReLU unit silent for the whole batch
    found = batchnorm.checks(x, 1e-5, None)
    assert found[batchnorm.MEAN] < 1e-12 and found[batchnorm.VAR] < 1e-12
    assert found[batchnorm.SHAPE] < 1e-10 and found[batchnorm.CONSTANT] == 0.25
    assert found[batchnorm.ONE] == 1.0  # the silent unit: variance 0, not 1
    assert found[batchnorm.NORMAL] == 1.0 and found[batchnorm.SKEW] > 1


def test_pairs_are_counted_from_the_modules_jacobians():
    x = torch.randn(3, 4, 2, 2, dtype=torch.float64)
    assert groupnorm.pairs(nn.BatchNorm2d(4, affine=False, dtype=torch.float64), x) == 4
    assert groupnorm.pairs(nn.GroupNorm(2, 4, affine=False), x) == 6
    assert groupnorm.pairs(nn.Identity(), x) == x.numel()  # nothing shared
    gn, ln = nn.GroupNorm(1, 4, affine=False), nn.LayerNorm((4, 2, 2),
                                                            elementwise_affine=False)
    assert groupnorm.relative(gn(x), ln(x)) < 1e-12
    # with affine on, GN's per-channel and LN's per-element parameters differ: the control
    gn_a = nn.GroupNorm(1, 4, dtype=torch.float64)
    ln_a = nn.LayerNorm((4, 2, 2), dtype=torch.float64)
    with torch.no_grad():
        gn_a.weight.uniform_(), ln_a.weight.uniform_()
    assert groupnorm.relative(gn_a(x), ln_a(x).detach()) > 1e-3


def test_a_unit_killed_by_its_bias_is_dead_with_zero_gradients_and_its_successors_are_not():
    net, x = dead.he_mlp(torch.Generator().manual_seed(0)), torch.rand(50, 64)
    with torch.no_grad():
        net[0].bias[3] = -1e3  # pre-activation < 0 on every input in [0, 1]⁶⁴
    masks = dead.dead_masks(net, x)
    assert masks[0][3] and masks[0].sum() < 100
    torch.nn.functional.cross_entropy(net(x), torch.arange(50) % 10).backward()
    assert dead.largest(dead.incoming(net, 0, grad=True)[3]) == 0.0
    assert dead.largest(net[2].weight.grad[:, 3]) == 0.0  # its outgoing weights too
    assert dead.largest(dead.incoming(net, 1, grad=True)) > 0  # the units after it: not


def test_the_optimum_is_where_the_gradient_vanishes_and_the_gradient_is_f_s():
    for p in constant_step.problems(np.random.default_rng(0)).values():
        w, eps = np.random.default_rng(1).standard_normal((1, p.x.shape[1])), 1e-6
        bump = eps * np.eye(p.x.shape[1])
        numeric = (p.f(w + bump) - p.f(w - bump)) / (2 * eps)
        np.testing.assert_allclose(p.grad(w)[0], numeric, rtol=1e-6, atol=1e-8)
        big, big_max = p.smoothness()
        assert big <= big_max  # one example's term is at least as curved as their mean
    ridge = constant_step.problems(np.random.default_rng(0))[constant_step.RIDGE]
    n, d = ridge.x.shape
    w = np.linalg.solve(ridge.x.T @ ridge.x / n + ridge.lam * np.eye(d), ridge.x.T @ ridge.y / n)
    assert constant_step.optimum(ridge) == pytest.approx(float(ridge.f(w)), rel=1e-12)


def test_an_identity_net_is_its_composed_affine_map_and_near_linear_nets_are_flagged():
    """The identity net is within rounding; LeakyReLU(0.99) (the review's counterexample,
    6 hidden layers) and tanh nets lie beyond the refutation bound, as the controls must."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(500, 2, generator=gen) * 5
    for act, small in ((nn.Identity(), True), (nn.LeakyReLU(linear.SLOPE), False),
                       (nn.Tanh(), False)):
        model = linear.mlp(6, act, gen)
        with torch.no_grad():
            rel, _ = linear.error(model(x), x, linear.layers(model)[0])
        if small:
            assert rel < linear.tol(6), act
        else:
            assert rel > linear.REFUTE * linear.tol(6), act


def test_nets_trained_together_train_as_each_would_alone(monkeypatch):
    monkeypatch.setattr(linear, "STEPS", 20)
    x, y = linear.moons(np.random.default_rng(0))

    def trained(names: tuple[str, ...]) -> nn.Module:
        gen = torch.Generator().manual_seed(1)
        models = {n: linear.mlp(2, nn.Identity(), gen) for n in names}
        linear.train(models, x, y, torch.Generator().manual_seed(2))
        return models["a"]

    alone, together = trained(("a",)), trained(("a", "b"))
    for p, q in zip(alone.parameters(), together.parameters(), strict=True):
        assert torch.allclose(p, q, rtol=1e-6, atol=1e-7)


def test_the_declared_optimizer_settings_are_torchs_defaults():
    for cls, kw in adagrad.OPTIMIZERS.values():
        defaults = inspect.signature(cls.__init__).parameters
        assert all(defaults[k].default == v for k, v in kw.items()), cls


@pytest.mark.parametrize("name", list(adagrad.OPTIMIZERS))
def test_each_parameter_change_is_minus_the_effective_step_times_the_gradient(name):
    """Δp = −e·g up to float32 rounding (u = 2⁻²⁴: of p's update, ≤ u|p|, and of the
    step's two or three roundings); the seed's Adagrad (ε inside the root) and Adadelta's
    step with acc_delta read after the step (the wrong order) are off far beyond it."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    cls, kw = adagrad.OPTIMIZERS[name]
    opt, u = cls(net.parameters(), **kw), 2.0**-24
    x, y = torch.randn(64, 8), torch.randint(3, (64,))
    flat = lambda ts: torch.cat([t.detach().double().flatten() for t in ts])  # noqa: E731
    wrong = {"Adagrad": lambda s: kw["lr"] / (s["sum"] + kw["eps"]).sqrt(),
             "Adadelta": lambda s: kw["lr"] * (s["acc_delta"] + kw["eps"]).sqrt()
             / (s["square_avg"] + kw["eps"]).sqrt()}.get(name)
    beyond = 0.0  # the wrong formula's largest error, in tolerances
    for _ in range(20):
        before = flat(net.parameters())
        e = adagrad.step(opt, nn.functional.cross_entropy(net(x), y))
        after, g = flat(net.parameters()), flat(p.grad for p in net.parameters())
        tol = 2 * u * after.abs() + 4 * u * (e * g).abs() + 1e-300  # never 0/0
        assert ((after - before + e * g).abs() - tol).max() <= 0
        if wrong is not None:
            other = flat(wrong(s) for s in opt.state.values())
            beyond = max(beyond, float(((after - before + other * g).abs() / tol).max()))
    assert wrong is None or beyond > 10


def test_the_rise_flags_rmsprop_and_adadelta_and_never_adagrad():
    """The member that judges Adagrad (largest rise) flags the other two: a positive
    control of the check; Adagrad's rise is at most 0 exactly."""
    found = adagrad.run(np.random.default_rng(3), steps=30)
    assert found["Adagrad"]["largest"] <= 0 and found["Adagrad"]["rises"] == 0
    for name in ("RMSprop", "Adadelta"):
        assert found[name]["largest"] > adagrad.AT and found[name]["rises"] > 0

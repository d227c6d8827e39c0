"""Penalties, the proximal L1 step and weight decay, on cases with known answers."""

from __future__ import annotations

import pytest
import torch
from omegaconf import OmegaConf

from harness.train.penalties import penalty, soft_threshold_
from harness.train.schema import RegConfig
from harness.train.trainer import train


def reg(**kw) -> RegConfig:
    return OmegaConf.structured(RegConfig(**kw))


W = [torch.tensor([[[1.0, -2.0], [0.0, 3.0]]]), torch.tensor([[[-1.0], [1.0]]])]  # R = 1


def test_penalties_per_matrix_mean_or_sum():
    # mean: (|1|+|-2|+0+|3|)/4 + (1+1)/2 = 1.5 + 1 ; squares: 14/4 + 2/2 = 4.5
    assert penalty(W, reg(l1=1.0)).item() == pytest.approx(2.5)
    assert penalty(W, reg(l2=1.0)).item() == pytest.approx(4.5)
    assert penalty(W, reg(l1=0.5, l2=2.0)).item() == pytest.approx(0.5 * 2.5 + 2 * 4.5)
    assert penalty(W, reg(l1=1.0, reduction="sum")).item() == pytest.approx(8.0)
    assert penalty(W, reg(l2=1.0, reduction="sum")).item() == pytest.approx(16.0)
    # proximal L1 is a step after the update, not a term in the loss
    assert penalty(W, reg(l1=1.0, proximal=True)).item() == 0.0


def test_penalty_is_per_replicate():
    two = [torch.stack([w[0], 2 * w[0]]) for w in W]  # replicate 1 = 2 × replicate 0
    out = penalty(two, reg(l2=1.0, reduction="sum"))
    assert out.tolist() == pytest.approx([16.0, 64.0])


def test_soft_threshold_values():
    w = [torch.tensor([[[0.5, -0.05, 0.2, -0.3, 0.0]]])]
    soft_threshold_(w, reg(l1=1.0, reduction="sum", proximal=True), lr=0.1)
    assert w[0].flatten().tolist() == pytest.approx([0.4, 0.0, 0.1, -0.2, 0.0])
    m = [torch.tensor([[[1.0, -1.0], [0.02, 0.5]]])]  # mean: threshold lr·λ/4 = 0.025
    soft_threshold_(m, reg(l1=1.0, proximal=True), lr=0.1)
    assert m[0].flatten().tolist() == pytest.approx([0.975, -0.975, 0.0, 0.475])


def _weights(compose_cfg, *overrides):
    cfg = compose_cfg(["model.widths=[16,8]", "trainer.replicates=3", "trainer.steps=60",
                       "trainer.epochs=null", "trainer.evals=2", "reg.reduction=sum",
                       *overrides])
    return train(cfg).model.weights


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_sgd_l2_in_the_loss_equals_weight_decay(compose_cfg, dtype):
    """Plain SGD: λ·Σw² in the loss adds 2λw to the gradient, exactly what
    weight_decay=2λ adds, so the trajectories agree to rounding."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        a = _weights(compose_cfg, "optim.name=sgd", "optim.lr=0.1", "reg.l2=0.05")
        b = _weights(compose_cfg, "optim.name=sgd", "optim.lr=0.1", "optim.weight_decay=0.1")
        plain = _weights(compose_cfg, "optim.name=sgd", "optim.lr=0.1")
    finally:
        torch.set_default_dtype(old)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    for wa, wb, wp in zip(a, b, plain, strict=True):
        torch.testing.assert_close(wa, wb, rtol=tol, atol=tol)
        assert not torch.allclose(wa, wp)  # and the penalty did something


def test_adam_l2_in_the_loss_differs_from_adamw(compose_cfg):
    a = _weights(compose_cfg, "optim.name=adam", "reg.l2=0.05")
    b = _weights(compose_cfg, "optim.name=adamw", "optim.weight_decay=0.1")
    assert max((wa - wb).abs().max().item() for wa, wb in zip(a, b, strict=True)) > 1e-2


def test_weight_decay_leaves_biases_alone(compose_cfg):
    """SGD with a tiny step and a huge decay: the weights shrink by (1 − lr·wd) per
    step, the biases only move by lr·gradient."""
    base = ["trainer.replicates=2", "trainer.steps=5", "trainer.epochs=null",
            "trainer.evals=1", "optim.name=sgd", "optim.lr=0.001", "model.bias_init=ones"]
    decayed = train(compose_cfg([*base, "optim.weight_decay=100"])).model
    plain = train(compose_cfg(base)).model
    for wd, wp in zip(decayed.weights, plain.weights, strict=True):
        assert (wd.norm() / wp.norm()).item() == pytest.approx(0.9 ** 5, rel=0.02)
    for bd, bp in zip(decayed.biases, plain.biases, strict=True):
        torch.testing.assert_close(bd.detach(), bp.detach(), rtol=0, atol=1e-3)


def test_weights_probe_counts_zeros_and_small_entries(compose_cfg):
    cfg = compose_cfg(["trainer.replicates=2", "trainer.steps=1", "trainer.epochs=null",
                       "trainer.evals=1", "model.init=zeros", "optim.lr=1e-12",
                       "trainer.probes=[weights,first_layer]"])
    result = train(cfg)
    table = result.tables["weights"]
    at_init = table[table.step == 0]
    assert (at_init.frac_zero == 1).all() and (at_init.l2_norm == 0).all()
    # hidden layers get no gradient through zero weights: they are still exactly zero
    hidden = table[(table.step == 1) & (table.layer < 3)]
    assert (hidden.frac_zero == 1).all()
    first = result.tables["first_layer"]
    assert sorted(first.step.unique()) == [0, 1]
    assert len(first) == 2 * 2 * 12 * 100  # 2 snapshots × 2 replicates × 12 × 100 entries

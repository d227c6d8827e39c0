"""Probes on cases whose answers are known in advance."""

from __future__ import annotations

import pytest
import torch

from harness.data import replicate_data
from harness.probes import PROBE_BATCH
from harness.trainer import train


def _run(compose_cfg, *overrides: str):
    return train(compose_cfg(["trainer.replicates=3", "trainer.epochs=null", "trainer.evals=2",
                              *overrides]))


def test_orthogonal_linear_net_preserves_the_signal_norm(compose_cfg):
    """Square orthogonal layers, identity activation, zero biases: ‖Wx‖ = ‖x‖, so every
    layer's output has the input's root mean square, exactly."""
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[layer_stats]",
                  "model.widths=[12,12,12,12]", "model.activation=identity",
                  "model.init=orthogonal", "model.bias_init=zeros")
    table = result.tables["layer_stats"]
    at_init = table[(table.step == 0) & (table.layer <= 4)]
    data = replicate_data(compose_cfg([]).data, 3, torch.device("cpu"))
    rms_in = data.x_train[:, :PROBE_BATCH].pow(2).mean(dim=(1, 2)).sqrt().numpy()
    for r in range(3):
        got = at_init[at_init.replicate == r].act_rms.to_numpy()
        assert got == pytest.approx([rms_in[r]] * 4, rel=1e-5)


def test_zero_init_keeps_hidden_units_identical(compose_cfg):
    result = _run(compose_cfg, "trainer.steps=50", "trainer.probes=[symmetry,layer_stats]",
                  "model.init=zeros", "model.bias_init=zeros", "optim.name=sgd",
                  "optim.lr=0.5")
    sym = result.tables["symmetry"]
    assert (sym.unit_cosine > 1 - 1e-5).all()  # at init and after training
    assert (result.final["unit_rank"] <= 1).all()
    grads = result.tables["layer_stats"]
    at_init = grads[grads.step == 0]
    # all weights zero: no gradient reaches the first layer, only the last one learns
    assert (at_init[at_init.layer == 1].grad_norm == 0).all()
    assert (at_init[at_init.layer == 3].grad_norm > 0).all()
    assert (result.final["grad_ratio_init"] == 0).all()


def test_random_init_breaks_symmetry(compose_cfg):
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[symmetry]",
                  "model.widths=[8,8]")
    assert (result.final["unit_rank"] == 8).all()  # 8 units, 13-dim incoming vectors
    assert (abs(result.final["unit_cosine"]) < 0.5).all()


def test_layer_probe_does_not_change_training(compose_cfg):
    plain = _run(compose_cfg, "trainer.steps=40")
    probed = _run(compose_cfg, "trainer.steps=40", "trainer.probes=[layer_stats,symmetry]")
    for a, b in zip(plain.model.weights, probed.model.weights, strict=True):
        assert torch.equal(a, b)


def test_unknown_probe_is_a_config_error(compose_cfg):
    from harness.schema import ConfigError, validate

    allowed = (r"\['batch_norm', 'convergence', 'dropout', 'first_layer', 'layer_stats', "
               r"'symmetry', 'weights'\]")
    with pytest.raises(ConfigError, match=r"trainer.probes.*" + allowed):
        validate(compose_cfg(["trainer.probes=[gradz]"]))


def test_probe_time_is_not_training_time(compose_cfg, monkeypatch):
    """A slow probe must not change the runtime a run reports (claim BS-1 reads it)."""
    import time

    from harness import probes

    base = ["trainer.steps=30", "trainer.batch_size=400", "trainer.jitter_window=30"]
    fast = _run(compose_cfg, *base).info["train_time_s"]
    real_on_step = probes.LossTrace.on_step

    def slow_on_step(self, ctx):
        time.sleep(0.02)
        real_on_step(self, ctx)

    monkeypatch.setattr(probes.LossTrace, "on_step", slow_on_step)
    slow = _run(compose_cfg, *base).info["train_time_s"]
    assert slow < fast + 0.2  # 30 × 20 ms = 0.6 s of probing stayed off the clock


def test_orthogonal_linear_net_preserves_the_backpropagated_gradient(compose_cfg):
    """With orthogonal layers and identity activations, ‖Wᵀδ‖ = ‖δ‖: the gradient with
    respect to every layer's output has the same norm (exploding/vanishing = 0)."""
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[layer_stats]",
                  "model.depth=5", "model.width=12", "model.activation=identity",
                  "model.init=orthogonal", "model.bias_init=zeros")
    table = result.tables["layer_stats"]
    at_init = table[table.step == 0]
    assert sorted(at_init.layer.unique()) == [1, 2, 3, 4, 5, 6]  # 5 hidden + logits
    for _, rep in at_init.groupby("replicate"):
        g = rep.sort_values("layer").grad_out_norm.to_numpy()
        assert g == pytest.approx([g[-1]] * 6, rel=1e-4)


def test_deep_sigmoid_gradient_vanishes_towards_the_input(compose_cfg):
    """σ'(z) ≤ 1/4: with Xavier weights the backpropagated gradient shrinks layer by
    layer in a deep sigmoid net, so the first layer's is orders of magnitude smaller."""
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[layer_stats]",
                  "model.depth=10", "model.width=64", "model.bias_init=zeros")
    at_init = result.tables["layer_stats"].query("step == 0")
    first = at_init[at_init.layer == 1].grad_out_norm.to_numpy()
    last_hidden = at_init[at_init.layer == 10].grad_out_norm.to_numpy()
    assert (first < last_hidden / 100).all()


@pytest.mark.parametrize(("init", "bias"), [("xavier", "uniform"), ("zeros", 0.0),
                                            ("ones", 1.0), ("he", 0.0), ("normal", "normal")])
def test_bias_init_same_applies_the_weight_scheme_to_biases(init, bias):
    from harness.models import init_bias_
    from harness.schema import BiasInit, Init

    b = init_bias_(torch.empty(10_000), BiasInit.same, 0.5, torch.Generator().manual_seed(0),
                   Init(init))
    if bias == "uniform":  # TF1 Glorot on a 1-D variable: U[±√(3/n)]
        assert b.abs().max() <= (3 / 10_000) ** 0.5 and b.std() > 0
    elif bias == "normal":
        assert b.std() == pytest.approx(0.5, rel=0.05)
    else:
        assert (b == bias).all()


def test_linear_cka_known_values():
    from harness.probes import linear_cka

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 64, 10, generator=gen, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(10, 10, generator=gen, dtype=torch.float64))
    assert linear_cka(x, x).tolist() == pytest.approx([1.0] * 3)
    assert linear_cka(x, x @ q).tolist() == pytest.approx([1.0] * 3)  # orthogonal
    assert linear_cka(x, 7.5 * x).tolist() == pytest.approx([1.0] * 3)  # isotropic scale
    y = torch.randn(3, 64, 4, generator=gen, dtype=torch.float64)
    assert linear_cka(x, y).tolist() == pytest.approx(linear_cka(y, x).tolist())  # symmetric
    assert (linear_cka(x, y) < 0.5).all()  # independent noise: far from 1
    assert torch.isnan(linear_cka(x, torch.ones(3, 64, 2, dtype=torch.float64))).all()


def test_convergence_probe_reaches_its_own_final_state(compose_cfg):
    result = _run(compose_cfg, "trainer.steps=20", "trainer.evals=5",
                  "trainer.probes=[convergence]", "model.widths=[8,8]")
    conv, steps = result.tables["convergence"], result.tables["convergence_steps"]
    last, first = conv[conv.step == conv.step.max()], conv[conv.step == 0]
    assert (last.dist_final == 0).all() and last.cka_final.to_numpy() == pytest.approx(1.0)
    assert (first.dist_init == 0).all() and (first.dist_final > 0).all()
    assert sorted(steps.step.unique()) == list(range(2, 21, 2))  # Abid: every 2 steps
    assert (steps.slice_change > 0).all() and sorted(conv.layer.unique()) == [1, 2, 3]


def test_residual_blocks_skip_only_where_widths_match(compose_cfg):
    """Zero weights and identity activation: each residual block adds 0, so every hidden
    layer after the first repeats the first one's output (the 12 -> 8 layer has no skip)."""
    from harness.models import BatchedMLP

    cfg = compose_cfg(["model.depth=4", "model.width=8", "model.residual=true",
                       "model.activation=identity", "model.init=zeros",
                       "model.bias_init=ones"])
    model = BatchedMLP(cfg.model, 12, 2, [1, 2])
    hidden: list[torch.Tensor] = []
    model(torch.randn(2, 5, 12), hidden)
    assert hidden[0].eq(1).all()  # first layer: 0·x + 1, no skip (12 != 8)
    for i, h in enumerate(hidden[1:], start=2):
        assert h.eq(i).all()  # h_l = h_{l-1} + (0·h + 1)

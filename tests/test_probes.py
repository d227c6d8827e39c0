"""Probes on cases whose answers are known in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from harness.train.data import replicate_data
from harness.train.probes import PROBE_BATCH
from harness.train.trainer import train


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


def test_bn_train_mode_column_keeps_the_eval_columns_and_training(compose_cfg):
    """layer_stats_bn_train: the eval-mode columns and the trained weights are those of
    layer_stats; without batch norm the train-mode column is the eval-mode one, with it
    the batch's own statistics change it."""
    base = ["trainer.steps=20", "model.widths=[8,8,8]"]
    for bn in (False, True):
        eval_only, both = (_run(compose_cfg, *base, f"model.batch_norm={bn}",
                                f"trainer.probes=[{name}]")
                           for name in ("layer_stats", "layer_stats_bn_train"))
        for a, b in zip(eval_only.model.weights, both.model.weights, strict=True):
            assert torch.equal(a, b)
        plain, table = eval_only.tables["layer_stats"], both.tables["layer_stats"]
        assert "grad_out_norm_train" not in plain
        pd.testing.assert_frame_equal(table[plain.columns], plain)
        same = table.grad_out_norm_train.to_numpy() == pytest.approx(
            table.grad_out_norm.to_numpy(), rel=1e-9)
        assert same != bn


def test_unknown_probe_is_a_config_error(compose_cfg):
    from harness.train.schema import ConfigError, validate

    allowed = (r"\['batch_norm', 'calibration', 'convergence', 'dead_units', 'dropout', "
               r"'first_layer', "
               r"'grad_share', 'layer_stats', 'layer_stats_bn_train', 'params', 'symmetry', "
               r"'weights'\]")
    with pytest.raises(ConfigError, match=r"trainer.probes.*" + allowed):
        validate(compose_cfg(["trainer.probes=[gradz]"]))


def test_probe_time_is_not_training_time(compose_cfg, monkeypatch):
    """A slow probe must not change the runtime a run reports (claim BS-1 reads it)."""
    import time

    from harness.train import probes

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
    from harness.train.models import init_bias_
    from harness.train.schema import BiasInit, Init

    b = init_bias_(torch.empty(10_000), BiasInit.same, 0.5, torch.Generator().manual_seed(0),
                   Init(init))
    if bias == "uniform":  # TF1 Glorot on a 1-D variable: U[±√(3/n)]
        assert b.abs().max() <= (3 / 10_000) ** 0.5 and b.std() > 0
    elif bias == "normal":
        assert b.std() == pytest.approx(0.5, rel=0.05)
    else:
        assert (b == bias).all()


def test_linear_cka_known_values():
    from harness.train.probes import linear_cka

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
    # Abid: snapshots after updates 1, 3, ..., so changes from update 3 on
    assert sorted(steps.step.unique()) == list(range(3, 20, 2))
    assert (steps.slice_change > 0).all() and sorted(conv.layer.unique()) == [1, 2, 3]


def test_convergence_slice_is_abids_last_50_entries():
    """Abid plots ``w.flatten()[-50:]`` of TensorFlow [in, out] matrices: for the 12 -> 50
    layer, the 50 outgoing weights of input 12. Our weights are (R, in, out) too, so a
    change to any other input's weights must not move the slice."""
    from types import SimpleNamespace

    from harness.train.probes import Convergence, StepContext

    probe = Convergence()
    w = [torch.zeros(2, 12, 50), torch.zeros(2, 50, 2)]
    model = SimpleNamespace(weights=w)

    def step(i: int) -> None:
        probe.on_step(StepContext(i, 9, torch.zeros(2), lambda: torch.zeros(2), model))

    step(1)
    w[0][:, 0, :] += 1.0  # input 1's outgoing weights: outside the slice
    step(2)  # not a snapshot (Abid: after updates 1, 3, 5, ...)
    step(3)
    w[0][:, 11, :3] += 1.0  # input 12's outgoing weights: inside the slice
    step(5)
    (s3, c3, _), (s5, c5, _) = probe.step_rows
    assert (s3, s5) == (3, 5)
    assert c3[:, 0].eq(0).all() and c5[:, 0].tolist() == pytest.approx([3 ** 0.5] * 2)


def test_residual_blocks_pair_the_hidden_matrices(compose_cfg):
    """Zero weights, identity activation, unit biases: the first layer gives 1; each block
    h <- h + W2 σ(W1 h + b1) + b2 first shows σ(0·h + 1) = 1, then h + 0·1 + 1."""
    from harness.train.models import BatchedMLP

    cfg = compose_cfg(["model.depth=5", "model.width=8", "model.residual=true",
                       "model.activation=identity", "model.init=zeros",
                       "model.bias_init=ones"])
    model = BatchedMLP(cfg.model, 12, 2, [1, 2])
    hidden: list[torch.Tensor] = []
    pre: list[torch.Tensor] = []
    logits = model(torch.randn(2, 5, 12), hidden, pre=pre)
    assert [float(h.detach().unique()) for h in hidden] == [1, 1, 2, 1, 3]
    assert len(pre) == 6 and pre[-1] is logits and pre[2].eq(1).all()


def test_residual_needs_blocks_of_two(compose_cfg):
    from harness.train.schema import ConfigError, validate

    with pytest.raises(ConfigError, match="model.residual"):
        validate(compose_cfg(["model.depth=4", "model.residual=true"]))


def test_unit_spread_ignores_per_unit_offsets(compose_cfg):
    """Zero weights, random biases: every hidden unit outputs its own constant σ(b_j),
    so the pooled std is > 0 but no unit varies across inputs (act_unit_std = 0)."""
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[layer_stats]",
                  "model.init=zeros", "model.bias_init=normal", "model.init_std=0.5")
    hidden = result.tables["layer_stats"].query("step == 0 and layer <= 2")
    assert (hidden.act_std > 0.01).all()
    assert (hidden.act_unit_std == 0).all()


def test_layer_probe_measures_gradients_below_float32s_range(compose_cfg):
    """Depth 20, sigmoid, N(0, 0.001²): each layer scales the backpropagated gradient by
    about σ'(0)·0.001·√64 = 0.002, ~1e-55 at the first layer, below float32's smallest
    subnormal (1.4e-45); the probe's float64 copy still measures it."""
    result = _run(compose_cfg, "trainer.steps=1", "trainer.probes=[layer_stats]",
                  "model.depth=20", "model.width=64", "model.bias_init=zeros",
                  "model.init=normal", "model.init_std=0.001")
    at_init = result.tables["layer_stats"].query("step == 0")
    first = at_init[at_init.layer == 1].grad_out_norm.to_numpy()
    assert ((first > 0) & (first < 1e-45)).all()


def test_init_gain_scales_the_drawn_weights(compose_cfg):
    from harness.train.models import init_layers
    from harness.train.schema import ConfigError, validate

    plain, gained = (init_layers(compose_cfg([f"model.init_gain={g}"]).model, 12, 2,
                                 torch.Generator().manual_seed(0)) for g in (1, 4))
    for (w1, b1), (w4, b4) in zip(plain, gained, strict=True):
        assert torch.equal(w4, 4 * w1) and torch.equal(b4, b1)
    with pytest.raises(ConfigError, match="model.init_gain"):
        validate(compose_cfg(["model.init=normal", "model.init_gain=2"]))
    with pytest.raises(ConfigError, match="model.init_gain"):
        validate(compose_cfg(["model.init_gain=0"]))


def test_the_schema_names_every_registered_probe():
    """schema.PROBE_NAMES (what validation allows) and probes.PROBES (what runs) agree."""
    from harness.train.probes import PROBES
    from harness.train.schema import PROBE_NAMES

    assert set(PROBE_NAMES) == set(PROBES)


def _dead_probe_case(compose_cfg, activation: str = "relu"):
    """A 2-replicate net on 2×400 training examples whose first hidden unit is silenced by
    a large negative bias, and whose second fires on the last training example alone."""
    from omegaconf import OmegaConf

    from harness.train.models import BatchedMLP
    from harness.train.schema import ModelConfig

    data = replicate_data(compose_cfg([]).data, 2, torch.device("cpu"))
    data.x_train[:, :, 0] = data.x_train[:, :, 0].clamp(max=10)
    data.x_train[:, -1, 0] = 100.0
    model = BatchedMLP(OmegaConf.structured(ModelConfig(widths=[6, 5], activation=activation)),
                       12, 2, [1, 2])
    with torch.no_grad():
        model.biases[0][:, :, 0] = -1e4
        model.weights[0][:, :, 1] = 0
        model.weights[0][:, 0, 1] = 1
        model.biases[0][:, :, 1] = -50
    return model, data


def _dead_by_hand(model, x) -> list[torch.Tensor]:
    """(R, units) per hidden layer: pre-activation <= 0 on every row of x."""
    h, dead = x, []
    for w, b in zip(model.weights[:-1], model.biases[:-1], strict=True):
        z = torch.baddbmm(b, h, w)
        dead.append((z <= 0).all(dim=1))
        h = model.act(z)
    return dead


def test_dead_units_are_judged_on_the_whole_training_set(compose_cfg):
    """Unit 1 fires on the last of 400 training examples only: alive (the first 256 would
    call it dead). Unit 0 is dead; a bias that revives it counts a revival. The counts
    are those computed by hand on the full training set."""
    from harness.train.probes import DeadUnits, EvalContext
    from harness.train.trainer import replicate_loss

    model, data = _dead_probe_case(compose_cfg)
    probe = DeadUnits()
    before = _dead_by_hand(model, data.x_train)
    assert before[0][:, 0].all() and not before[0][:, 1].any()
    assert _dead_by_hand(model, data.x_train[:, :PROBE_BATCH])[0][:, 1].all()
    probe.on_eval(EvalContext(0, model, data, replicate_loss))
    with torch.no_grad():
        model.biases[0][:, :, 0] = 1e4
    after = _dead_by_hand(model, data.x_train)
    probe.on_eval(EvalContext(5, model, data, replicate_loss))
    table = probe.table().set_index(["step", "replicate", "layer"])
    for step, dead in ((0, before), (5, after)):
        for layer, d in enumerate(dead, 1):
            rows = table.xs((step, layer), level=("step", "layer"))
            assert rows.dead.tolist() == d.sum(1).tolist()
            assert rows.dead_share.tolist() == pytest.approx((d.sum(1) / d.shape[1]).tolist())
    revived = table.xs((5, 1), level=("step", "layer")).revived
    assert revived.tolist() == (before[0] & ~after[0]).sum(1).tolist()
    assert (revived >= 1).all()
    assert (table.xs(0, level="step")[["revived", "died"]] == 0).all().all()
    total = sum(d.sum(1) for d in after) / 11
    torch.testing.assert_close(probe.summary()["dead_share"], total.double())


def test_dead_units_probe_does_not_change_training_and_counts_leaky_units(compose_cfg):
    common = ["trainer.steps=30", "model.activation=leaky_relu", "model.leaky_slope=0.1",
              "model.init=he", "optim.name=sgd", "optim.lr=0.1"]
    plain = _run(compose_cfg, *common)
    probed = _run(compose_cfg, *common, "trainer.probes=[dead_units]")
    for a, b in zip(plain.model.weights, probed.model.weights, strict=True):
        assert torch.equal(a, b)
    table = probed.tables["dead_units"]
    assert sorted(table.step.unique()) == [0, 15, 30] and sorted(table.layer.unique()) == [1, 2]
    assert ((table.dead_share >= 0) & (table.dead_share <= 1)).all()
    assert probed.final["dead_share"].shape == (3,)


def test_gradient_shares_are_the_cross_entropy_formula(compose_cfg):
    """Softmax cross-entropy: ∂ℓ_i/∂z_i = p_i − onehot(y_i), so example i's share is
    ‖p_i − onehot(y_i)‖₁ over the sum of all of them; groups by class and kind (p_t > 0.9,
    right, wrong). Focal loss (γ = 2) takes share away from the easy examples."""
    from harness.train.probes import EvalContext, GradShare
    from harness.train.schema import Loss
    from harness.train.trainer import LossSpec, replicate_loss

    model, data = _dead_probe_case(compose_cfg)
    with torch.no_grad():
        model.weights[-1].mul_(20)  # confident logits: some p_t > 0.9, some wrong
        logits = model.eval()(data.x_train)
    y = data.y_train
    p = logits.softmax(-1)
    g = (p - torch.nn.functional.one_hot(y, 2)).abs().sum(-1)
    p_t = p.gather(-1, y[..., None])[..., 0]
    kind = torch.where(p_t > 0.9, 0, torch.where(logits.argmax(-1) == y, 1, 2))
    probe, focal = GradShare(), GradShare()
    probe.on_eval(EvalContext(0, model, data, lambda z, t: replicate_loss(z, t, "cross_entropy")))
    spec = LossSpec(Loss.focal, focal_gamma=2.0)
    focal.on_eval(EvalContext(0, model, data, lambda z, t: replicate_loss(z, t, spec)))
    table = probe.table()
    assert set(table.kind) == {"easy", "correct", "wrong"} and len(table) == 2 * 2 * 3
    for row in table.itertuples():
        mine = (y[row.replicate] == row._3) & (kind[row.replicate] == GradShare.KINDS.index(
            row.kind))
        assert row.count == mine.sum().item()
        assert row.grad_share == pytest.approx(
            (g[row.replicate][mine].sum() / g[row.replicate].sum()).item(), rel=1e-5, abs=1e-9)
    assert table.groupby("replicate")["count"].sum().tolist() == [400, 400]
    easy = probe.summary()["easy_grad_share"]
    assert ((easy > 0) & (focal.summary()["easy_grad_share"] < easy)).all()


def test_top_label_ece_matches_its_definition_by_hand():
    """15 equal-width bins (b−1)/15 < conf ≤ b/15, the first also 0: Σ_b n_b/n ·
    |accuracy_b − confidence_b|, per replicate; a confidence of exactly 1/15 falls in bin
    1, and 0 and 1 land in the first and the last."""
    from harness.train.probes import ECE_BINS, top_label_ece

    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, (3, 500))
    conf[:, :4] = [0.0, 1 / 15, 2 / 15, 1.0]
    right = (rng.uniform(0, 1, conf.shape) < conf).astype(float)
    edges = np.arange(ECE_BINS + 1) / ECE_BINS  # Guo et al.'s loop over bin edges
    by_hand = []
    for c, r in zip(conf, right, strict=True):
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            inside = (c > lo) & (c <= hi) | ((c == 0) & (lo == 0))
            ece += abs(r[inside].sum() - c[inside].sum()) / c.size
        by_hand.append(ece)
    got = top_label_ece(torch.tensor(conf), torch.tensor(right))
    np.testing.assert_allclose(got.numpy(), by_hand, rtol=1e-12)
    # worked by hand: 0.2 = 3/15 tops bin 3 (0.133, 0.2], right: 0.8; 0.25 in bin 4, wrong:
    # 0.25; 0.9 in bin 14 (0.867, 0.933], wrong: 0.9; 1.0 in bin 15, right: 0 → 1.95 / 4
    four = top_label_ece(torch.tensor([[0.2, 0.25, 0.9, 1.0]], dtype=torch.float64),
                         torch.tensor([[1.0, 0.0, 0.0, 1.0]], dtype=torch.float64))
    assert four.item() == pytest.approx(1.95 / 4)
    ones = torch.ones(2, 10, dtype=torch.float64)
    assert top_label_ece(ones, ones).tolist() == [0.0, 0.0]  # sure and right: calibrated
    assert top_label_ece(ones, 0 * ones).tolist() == [1.0, 1.0]  # sure and wrong


def test_calibration_probe_reads_the_test_set_in_eval_mode(compose_cfg):
    """Its summary is the last evaluation's mean max-softmax probability and top-label
    ECE of the trained replicates on their own test sets; its table has every evaluation."""
    from harness.train.probes import top_label_ece

    cfg = compose_cfg(["trainer.steps=20", "trainer.evals=2", "trainer.probes=[calibration]",
                       "trainer.replicates=2", "model.dropout=0.3"])
    res = train(cfg)
    data = replicate_data(cfg.data, 2, torch.device("cpu"))
    with res.model.inference():
        probs = torch.softmax(res.model(data.x_test).double(), -1)
    conf, pred = probs.max(-1)
    np.testing.assert_allclose(res.final["test_conf"], conf.mean(1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(res.final["test_ece"], top_label_ece(
        conf, (pred == data.y_test).double()).numpy(), rtol=1e-6)
    assert len(res.tables["calibration"]) == 2 * 3  # replicates × evaluations (0, 10, 20)

"""The classification losses (trainer.loss and its options) against direct formulas and
torch's own, their validation, and the config hashes of runs stored before them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight
from torch.nn import functional as F

from harness.core.confighash import config_hash, semantic_config
from harness.train import fusion
from harness.train.data import replicate_data
from harness.train.schema import ConfigError, Loss, validate
from harness.train.trainer import LossSpec, focal_loss, loss_spec, replicate_loss, train

LOSS_FIELDS = ("class_weight", "label_smoothing", "focal_gamma", "focal_alpha",
               "focal_alpha_class")


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _batch(r: int = 3, b: int = 7, c: int = 4, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return (3 * torch.randn(r, b, c, generator=gen, dtype=torch.float64),
            torch.randint(c, (r, b), generator=gen))


@pytest.mark.parametrize(("gamma", "alpha", "alpha_class"),
                         [(2.0, None, 1), (2.0, 0.25, 1), (0.5, 0.25, 0), (5.0, 0.9, 3)])
def test_focal_loss_is_the_direct_formula(gamma, alpha, alpha_class):
    """−α_t (1−p_t)^γ log p_t per example with p_t = softmax(z)_y, written out in numpy;
    the per-replicate loss is its mean over the batch."""
    logits, y = _batch()
    z = logits.numpy()
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    p_t = np.take_along_axis(p, y.numpy()[..., None], -1)[..., 0]
    a_t = 1.0 if alpha is None else np.where(y.numpy() == alpha_class, alpha, 1 - alpha)
    direct = -a_t * (1 - p_t) ** gamma * np.log(p_t)
    ours = focal_loss(logits, y, gamma, alpha, alpha_class)
    np.testing.assert_allclose(ours.numpy(), direct, rtol=1e-12)
    spec = LossSpec(Loss.focal, focal_gamma=gamma, focal_alpha=alpha,
                    focal_alpha_class=alpha_class)
    np.testing.assert_allclose(replicate_loss(logits, y, spec).numpy(), direct.mean(1),
                               rtol=1e-12)


def test_focal_over_cross_entropy_is_the_modulating_factor():
    """IM-3 (a): per example, focal/CE = (1−p_t)^γ; at p_t = 0.5 and γ = 2, × 0.25."""
    p_t = torch.linspace(0.001, 0.999, 101, dtype=torch.float64)
    logits = torch.stack([torch.zeros_like(p_t), (p_t / (1 - p_t)).log()], -1)  # p_1 = p_t
    y = torch.ones_like(p_t, dtype=torch.long)
    ratio = focal_loss(logits, y, 2.0) / F.cross_entropy(logits, y, reduction="none")
    torch.testing.assert_close(ratio, (1 - p_t) ** 2, rtol=1e-12, atol=0)
    half = focal_loss(torch.zeros(1, 2, dtype=torch.float64), torch.tensor([1]), 2.0)
    assert half.item() == pytest.approx(0.25 * np.log(2), rel=1e-15)


def test_focal_with_gamma_0_and_no_alpha_is_cross_entropy_exactly():
    logits, y = _batch()
    spec = LossSpec(Loss.focal, focal_gamma=0.0)
    assert torch.equal(replicate_loss(logits, y, spec),
                       replicate_loss(logits, y, Loss.cross_entropy))
    assert torch.equal(replicate_loss(logits.float(), y, spec),
                       replicate_loss(logits.float(), y, Loss.cross_entropy))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_focal_gradient_is_finite_where_the_example_is_certain(dtype):
    """p_t = 1 in floating point (a huge margin): γ < 1 would give 0·∞ without the floor."""
    logits = torch.tensor([[[0.0, 800.0], [0.0, 1.0]]], dtype=dtype, requires_grad=True)
    y = torch.tensor([[1, 1]])
    for gamma in (0.5, 1.0, 2.0):
        (grad,) = torch.autograd.grad(replicate_loss(logits, y, LossSpec(
            Loss.focal, focal_gamma=gamma)).sum(), logits)
        assert torch.isfinite(grad).all() and (grad[0, 0] == 0).all()


def test_class_weights_are_torchs_weighted_mean_per_replicate():
    """Each replicate its own weights: F.cross_entropy(weight=w_r), Σ w_y ℓ / Σ w_y."""
    logits, y = _batch()
    weights = torch.rand(3, 4, dtype=torch.float64) + 0.1
    ours = replicate_loss(logits, y, LossSpec(class_weights=weights))
    for r in range(3):
        ref = F.cross_entropy(logits[r], y[r], weight=weights[r])
        torch.testing.assert_close(ours[r], ref, rtol=1e-13, atol=0)


def test_balanced_weights_come_from_each_replicates_own_training_set(compose_cfg):
    cfg = compose_cfg(["trainer.class_weight=balanced"])
    y = torch.tensor([[0, 0, 0, 1], [0, 1, 1, 1], [0, 0, 1, 1]])
    spec = loss_spec(cfg.trainer, y, 2)
    # n / (K·n_k): replicate 0 has 3 of class 0 and 1 of class 1
    torch.testing.assert_close(spec.class_weights, torch.tensor(
        [[4 / 6, 4 / 2], [4 / 2, 4 / 6], [1.0, 1.0]]))
    for r in range(3):
        np.testing.assert_allclose(spec.class_weights[r].numpy(), compute_class_weight(
            "balanced", classes=np.arange(2), y=y[r].numpy()), rtol=1e-6)
    given = loss_spec(compose_cfg(["trainer.class_weight=[1,20]"]).trainer, y, 2)
    assert given.class_weights.tolist() == [[1.0, 20.0]] * 3


def test_full_batch_balanced_weights_equal_the_minority_tiled_to_balance(compose_cfg, float64):
    """IM-2's identity: with the minority repeated r times (Abid's tiling), the plain mean
    cross-entropy equals the balanced weighted mean on the untiled set."""
    gen = torch.Generator().manual_seed(1)
    y = torch.tensor([[0] * 12 + [1] * 3])  # ratio 4
    logits = torch.randn(1, 15, 2, generator=gen)
    tiled = torch.cat([logits, *[logits[:, 12:]] * 3], 1), torch.cat([y, *[y[:, 12:]] * 3], 1)
    spec = loss_spec(compose_cfg(["trainer.class_weight=balanced"]).trainer, y, 2)
    torch.testing.assert_close(replicate_loss(logits, y, spec),
                               replicate_loss(*tiled, Loss.cross_entropy), rtol=1e-14, atol=0)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_label_smoothing_is_torchs_definition(eps):
    """Targets (1−ε)·one-hot + ε/K: loss (1−ε)(−log p_y) + ε/K Σ_k (−log p_k)."""
    logits, y = _batch()
    logp = logits.log_softmax(-1)
    direct = ((1 - eps) * -logp.gather(-1, y[..., None])[..., 0]
              - eps / 4 * logp.sum(-1)).mean(1)
    ours = replicate_loss(logits, y, LossSpec(label_smoothing=eps))
    torch.testing.assert_close(ours, direct, rtol=1e-13, atol=0)


def test_mse_on_probabilities_and_on_logits():
    logits, y = _batch()
    one_hot = F.one_hot(y, 4).double()
    for r in range(3):
        torch.testing.assert_close(replicate_loss(logits, y, Loss.mse_prob)[r],
                                   F.mse_loss(logits[r].softmax(-1), one_hot[r]))
        torch.testing.assert_close(replicate_loss(logits, y, Loss.mse)[r],
                                   F.mse_loss(logits[r], one_hot[r]))


SMALL = ["trainer.replicates=2", "trainer.steps=15", "trainer.epochs=null", "trainer.evals=3",
         "data.n=80", "model.widths=[8]", "data.class1_fraction=0.25"]


@pytest.mark.parametrize("extra", [["trainer.label_smoothing=0.1"],
                                   ["trainer.class_weight=balanced"],
                                   ["trainer.loss=focal", "trainer.focal_alpha=0.25"],
                                   ["trainer.loss=mse_prob"]])
def test_logged_loss_is_the_objective_and_nll_the_plain_cross_entropy(compose_cfg, extra):
    """train_loss is the objective the run optimized (penalty aside); train_nll, logged
    beside it, is plain softmax cross-entropy on the same logits."""
    cfg = compose_cfg([*SMALL, *extra])
    validate(cfg)
    result = train(cfg)
    model = result.model.eval()
    data = replicate_data(cfg.data, 2, torch.device("cpu"))
    with torch.no_grad():
        logits = model(data.x_train)
    spec = loss_spec(cfg.trainer, data.y_train, 2)
    np.testing.assert_allclose(result.final["train_loss"],
                               replicate_loss(logits, data.y_train, spec).numpy(), rtol=1e-6)
    np.testing.assert_allclose(result.final["train_nll"], replicate_loss(
        logits, data.y_train, Loss.cross_entropy).numpy(), rtol=1e-6)
    assert not np.allclose(result.final["train_loss"], result.final["train_nll"])


def test_plain_runs_log_what_they_logged_before(compose_cfg):
    for loss in ("cross_entropy", "mse"):
        result = train(compose_cfg([*SMALL, f"trainer.loss={loss}"]))
        assert set(result.curves) == {"train_acc", "train_loss", "test_acc", "test_loss"}


@pytest.mark.parametrize(("override", "allowed"), [
    (["trainer.class_weight=[1,2,3]"], "a list of 2 numbers > 0"),
    (["trainer.class_weight=[1,0]"], "a list of 2 numbers > 0"),
    (["trainer.class_weight=inverse"], "null, 'balanced'"),
    (["trainer.loss=mse", "trainer.class_weight=balanced"],
     "null unless trainer.loss=cross_entropy"),
    (["trainer.label_smoothing=1"], "0 <= x < 1"),
    (["trainer.loss=focal", "trainer.label_smoothing=0.1"], "0 unless trainer.loss"),
    (["trainer.class_weight=balanced", "trainer.label_smoothing=0.1"], "class_weight=null"),
    (["trainer.focal_gamma=0"], "else 2 (the default)"),
    (["trainer.loss=focal", "trainer.focal_gamma=-1"], "x >= 0"),
    (["trainer.focal_alpha=0.25"], "with trainer.loss=focal, else null"),
    (["trainer.loss=focal", "trainer.focal_alpha=1.5"], "0 < x < 1"),
    (["trainer.loss=focal", "trainer.focal_alpha=0.25", "trainer.focal_alpha_class=2"],
     "a class 0 .. 1"),
    (["trainer.focal_alpha_class=0"], "else 1 (the default)"),
])
def test_loss_options_out_of_range_or_without_their_loss_fail(compose_cfg, override, allowed):
    with pytest.raises(ConfigError) as err:
        validate(compose_cfg(override))
    key = override[-1].split("=")[0]  # the option under test comes last
    assert key in str(err.value) and allowed in str(err.value)


def test_digits_take_ten_class_weights(compose_cfg):
    ten = "[" + ",".join(["1"] * 10) + "]"
    validate(compose_cfg(["data.kind=digits", "data.dim=64", f"trainer.class_weight={ten}"]))


def test_stored_runs_keep_their_hashes(compose_cfg):
    """The new fields at their defaults are not part of a point's identity: an existing
    experiment hashes as it did before them (the value below is main's before this
    change); any other value is hashed, and keeps points apart in fusion."""
    # batch_size as it was then: its loss-burst probe traced 20 updates until fb86238
    cfg = compose_cfg(["trainer.jitter_burst=20"], experiment="batch_size")
    assert config_hash(cfg) == "c73f7e62aee5280a"
    assert set(LOSS_FIELDS).isdisjoint(semantic_config(cfg)["trainer"])
    assert "leaky_slope" not in semantic_config(cfg)["model"]
    on = compose_cfg(["trainer.jitter_burst=20", "trainer.label_smoothing=0.1"],
                     experiment="batch_size")
    assert semantic_config(on)["trainer"]["label_smoothing"] == 0.1
    assert fusion.fusion_key(on) != fusion.fusion_key(cfg)

"""activations: the preset is Exp 7 as written, the one-layer model is one affine map, a
sign net's hidden layers get no gradient, and the measures read back what they
synthesize (the members computed from accuracies as declared)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from conftest import assert_measure_round_trips
from hydra import compose

from experiments.activations import EXPERIMENT, ac1, ac2
from harness.track.results import RunSet, hydra_context
from harness.train.models import BatchedMLP

CLAIMS = {c.id: c for c in EXPERIMENT.claims}


def _cfg(*overrides: str):
    with hydra_context():
        return compose("config", overrides=["experiment=activations", *overrides])


@pytest.fixture(scope="module")
def cfg():
    return _cfg()


def test_preset_is_exp7(cfg):
    """experiments.py Experiment7.run with cell 47's arguments (iters 3 → replicates)."""
    d, m, o, t = cfg.data, cfg.model, cfg.optim, cfg.trainer
    assert (d.kind, d.n, d.noise, d.dim, d.test_fraction) == ("moons", 500, 0.1, 2, 0.2)
    assert d.preprocess == [] and not d.minmax_per_set  # normalize_x=False
    assert (m.depth, m.width, m.init, m.bias_init) == (2, 30, "xavier", "same")
    assert (o.name, o.lr, t.batch_size, t.sampling, t.steps, t.loss) == (
        "adam", 0.003, 64, "random", 800, "cross_entropy")
    # step % 80 == 0, right after that step's update: updates 1, 81, ..., 721
    assert (t.eval_start, t.eval_every) == (1, 80)
    assert t.replicates == 24  # the cap (claims.REPLICATE_CAP); the claims ask 24 and 25


def test_noisy_preset_changes_only_the_noise_and_smoke_cuts_every_budget(cfg):
    """abid2018_noise03 (AC-2's robustness setting) is Exp 7 with make_moons noise 0.3;
    profile=smoke drops the 8,000-step budget of abid2018_long too (steps null, 2 epochs)."""
    noisy = _cfg("preset=abid2018_noise03")
    assert noisy.data.noise == 0.3
    assert (noisy.trainer.steps, noisy.model.width, noisy.optim.lr) == (
        cfg.trainer.steps, cfg.model.width, cfg.optim.lr)
    for preset in ("abid2018", "abid2018_long", "abid2018_noise03"):
        t = _cfg(f"preset={preset}", "profile=smoke").trainer
        assert (t.steps, t.epochs, t.replicates) == (None, 2, 3), preset


def test_one_layer_model_is_one_affine_map():
    """model.depth 0 (grid linear): one weight matrix and bias, no activation applied."""
    c = _cfg("model.depth=0", "model.activation=sign")  # an activation would show
    net = BatchedMLP(c.model, 2, 2, [0, 1])
    assert len(net.weights) == 1
    x = torch.randn(2, 50, 2)
    torch.testing.assert_close(net(x), x @ net.weights[0] + net.biases[0])


def test_sign_net_hidden_layers_get_no_gradient(cfg):
    """torch.sign: the layers below it never train, only the read-out (AC-2a3's note)."""
    net = BatchedMLP(_cfg("model.activation=sign").model, 2, 2, [0, 1])
    x, y = torch.randn(2, 64, 2), torch.randint(2, (2, 64))
    F.cross_entropy(net(x).transpose(1, 2), y).backward()
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        assert not w.grad.any() and not b.grad.any()
    assert net.weights[-1].grad.abs().sum() > 0


def test_ac2_families_read_raw_accuracies():
    """AC-2a1 tests raw accuracy against the floor, AC-2a3 the raw relu − x against the
    margin (so label rule v2's no-effect window sits around relu − x = 0), AC-2a2 is TOST."""
    acc = {"relu": [1.0, 0.99, 1.0], "tanh": [0.99, 0.99, 1.0], "x2": [0.98, 0.99, 0.99],
           "sin": [1.0, 0.98, 1.0], "sign": [0.96, 0.97, 0.95],
           "identity": [0.88, 0.86, 0.9]}
    final = pd.DataFrame([{"grid": "abid", "preset": "abid2018", "activation": a,
                           "replicate": r, "dataset": r, "test_acc": v}
                          for a, vs in acc.items() for r, v in enumerate(vs)])
    rs = RunSet.from_tables("x", ["preset", "activation"], final)
    fits = CLAIMS["AC-2a1"].rule.decide(CLAIMS["AC-2a1"].measure.read(rs, "abid2018"))
    assert fits.effect.null == ac2.FLOOR and fits.effect.mean == pytest.approx(0.9867, abs=1e-4)
    worse = CLAIMS["AC-2a3"].rule.decide(CLAIMS["AC-2a3"].measure.read(rs, "abid2018"))
    assert worse.effect.null == ac2.MARGIN and worse.effect.mean == pytest.approx(0.0367, abs=1e-4)
    assert CLAIMS["AC-2a2"].ci_level == 0.90


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_measures_read_back_what_they_synthesize(cid):
    assert_measure_round_trips(CLAIMS[cid], 0.9)


def test_arms_from_depth():
    final = pd.DataFrame([{"grid": g, "preset": "abid2018", "activation": "identity",
                           "depth": d, "replicate": r, "dataset": r, "test_acc": 0.8 + d / 100}
                          for g, d in (("abid", 2), ("linear", 0)) for r in range(3)])
    t = CLAIMS["AC-1b"].measure.read(
        RunSet.from_tables("x", ["preset", "activation", "depth"], final), "abid2018")
    assert t.levels == (ac1.MLP, ac1.ONE)
    np.testing.assert_allclose(t.values[:, 0] - t.values[:, 1], 0.02)

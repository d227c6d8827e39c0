"""Configs compose, and bad input fails before training with the field and allowed values."""

from __future__ import annotations

import pytest
from conftest import EXPERIMENTS
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from harness.claims import registry
from harness.schema import ConfigError, validate


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_validates_and_is_registered(compose_cfg, experiment):
    cfg = compose_cfg(experiment=experiment)
    validate(cfg)
    assert cfg.experiment_name == experiment
    assert experiment in registry()
    claim_ids = {c.id for c in registry()[experiment].claims}
    assert set(cfg.claims) == claim_ids


def test_presets_apply_after_the_experiment(compose_cfg):
    cfg = compose_cfg(["preset=same_steps"], experiment="batch_size")
    assert (cfg.trainer.steps, cfg.trainer.epochs, cfg.preset) == (1171, None, "same_steps")
    cfg = compose_cfg(["preset=lr_scaled", "trainer.batch_size=256"], experiment="batch_size")
    from harness.trainer import effective_lr

    assert effective_lr(cfg.optim, cfg.trainer.batch_size) == pytest.approx(0.012)


def test_smoke_profile_shrinks_any_experiment(compose_cfg):
    for experiment in EXPERIMENTS:
        cfg = compose_cfg(["profile=smoke"], experiment=experiment)
        assert cfg.trainer.replicates <= 3 and cfg.trainer.epochs <= 2


@pytest.mark.parametrize(
    ("override", "field", "allowed"),
    [
        ("data.n=-5", "data.n", "integers >= 4"),
        ("data.n=0", "data.n", "integers >= 4"),
        ("data.dim=0", "data.dim", ">= 1"),
        ("data.test_fraction=1.5", "data.test_fraction", "0 < x < 1"),
        ("data.class1_fraction=0", "data.class1_fraction", "0 < x < 1"),
        ("data.mean_pattern=wavy", "data.mean_pattern", "'constant', 'inverse'"),
        ("model.dropout=1.0", "model.dropout", "0 <= p < 1"),
        ("model.widths=[10,0]", "model.widths", "integers >= 1"),
        ("optim.lr=0", "optim.lr", "x > 0"),
        ("optim.lr=-1", "optim.lr", "x > 0"),
        ("optim.nesterov=true", "optim.nesterov", "optim.momentum > 0"),
        ("trainer.replicates=0", "trainer.replicates", ">= 1"),
        ("trainer.batch_size=1000", "trainer.batch_size", "training-set size 400"),
        ("trainer.batch_size=0", "trainer.batch_size", "1 <= batch_size"),
        ("trainer.steps=10", "trainer.steps/trainer.epochs", "exactly one"),
        ("trainer.evals=0", "trainer.evals", ">= 1"),
        ("trainer.target_acc=2", "trainer.target_acc", "0 < x <= 1"),
    ],
)
def test_out_of_range_values_name_field_and_allowed_values(compose_cfg, override, field,
                                                           allowed):
    cfg = compose_cfg([override], experiment="batch_size")
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert field in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize(
    ("override", "field", "allowed"),
    [
        ("optim.name=adamx", "optim.name", "sgd, adam, adamw, rmsprop, adagrad"),
        ("trainer.device=tpu", "trainer.device", "auto, cpu, cuda"),
        ("model.activation=swishy", "model.activation", "sigmoid, tanh, relu"),
        ("model.init=glorot", "model.init", "xavier"),
        ("data.covariance=full", "data.covariance", "identity, abid"),
        ("trainer.sampling=shuffle", "trainer.sampling", "epoch, random"),
        ("trainer.loss=hinge", "trainer.loss", "cross_entropy, mse"),
        ("data.n=abc", "data.n", "Integer"),
        ("optim.lr=fast", "optim.lr", "Float"),
    ],
)
def test_wrong_types_and_names_fail_at_compose_time(compose_cfg, override, field, allowed):
    with pytest.raises((ConfigCompositionException, ValidationError)) as err:
        compose_cfg([override], experiment="batch_size")
    text = f"{err.value} {err.value.__cause__}"
    assert field in text and allowed in text


def test_typo_in_a_field_name_fails(compose_cfg):
    with pytest.raises(ConfigCompositionException) as err:
        compose_cfg(["optim.lrr=0.1"], experiment="batch_size")
    assert "lrr" in f"{err.value} {err.value.__cause__}"


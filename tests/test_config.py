"""Configs compose, and bad input fails before training with the field and allowed values."""

from __future__ import annotations

import pytest
from conftest import BAD_NAMES, BAD_TASK_VALUES, BAD_VALUES, EXPERIMENTS
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from harness.cli.registry import registry
from harness.train.schema import ConfigError, validate


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
    from harness.train.trainer import effective_lr

    assert effective_lr(cfg.optim, cfg.trainer.batch_size) == pytest.approx(0.012)


def test_smoke_profile_shrinks_any_experiment(compose_cfg):
    for experiment in EXPERIMENTS:
        cfg = compose_cfg(["profile=smoke"], experiment=experiment)
        assert cfg.trainer.replicates <= 3 and cfg.trainer.epochs <= 2


@pytest.mark.parametrize(("override", "field", "allowed"), BAD_VALUES)
def test_out_of_range_values_name_field_and_allowed_values(compose_cfg, override, field,
                                                           allowed):
    cfg = compose_cfg([override], experiment="batch_size")
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert field in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize(("overrides", "field", "allowed"), BAD_TASK_VALUES)
def test_data_options_out_of_their_task_name_field_and_allowed_values(compose_cfg, overrides,
                                                                      field, allowed):
    with pytest.raises(ConfigError) as err:
        validate(compose_cfg(overrides, experiment="batch_size"))
    assert field in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize(("override", "field", "allowed"), BAD_NAMES)
def test_wrong_types_and_names_fail_at_compose_time(compose_cfg, override, field, allowed):
    with pytest.raises((ConfigCompositionException, ValidationError)) as err:
        compose_cfg([override], experiment="batch_size")
    text = f"{err.value} {err.value.__cause__}"
    assert field in text and allowed in text


def test_typo_in_a_field_name_fails(compose_cfg):
    with pytest.raises(ConfigCompositionException) as err:
        compose_cfg(["optim.lrr=0.1"], experiment="batch_size")
    assert "lrr" in f"{err.value} {err.value.__cause__}"


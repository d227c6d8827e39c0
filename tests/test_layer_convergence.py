"""Layer-convergence rules (LC-1..LC-4) on synthetic runs, and the helpers they read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import layer_convergence as mod
from harness import stats
from harness.claims import judge

CLAIMS = {c.id: c for c in mod.EXPERIMENT.claims}
# an effect well beyond the declared one in the claimed direction, and the opposite
OBVIOUS = {"LC-1": 200.0, "LC-2": 3.0, "LC-3": 3.0, "LC-4": 0.2}


def test_replicates_match_the_experiment_yaml(compose_cfg):
    cfg = compose_cfg(experiment="layer_convergence")
    assert cfg.trainer.replicates == mod.REPLICATES
    assert cfg.data.num_datasets is None  # every replicate on its own dataset


def _label(claim_id: str, effect: float, seed: int = 0):
    claim = CLAIMS[claim_id]
    outcome = claim.decide(claim.simulate(np.random.default_rng(seed), True, effect=effect))
    return judge(claim, mod.NAME, outcome).verdict, outcome


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_obvious_effect_is_supported_and_the_opposite_refuted(claim_id):
    label, outcome = _label(claim_id, OBVIOUS[claim_id])
    assert label == stats.SUPPORTED
    assert {s.verdict for s in outcome.settings} == {stats.SUPPORTED}
    assert CLAIMS[claim_id].primary in {s.setting for s in outcome.settings}
    label, outcome = _label(claim_id, -OBVIOUS[claim_id])
    assert label == stats.REFUTED
    for s in outcome.settings:  # a decided setting's CI excludes the null
        assert s.verdict == stats.REFUTED and s.effect.excludes()


def test_settling_step_is_the_first_evaluation_after_which_it_stays_below():
    frame = pd.DataFrame({"replicate": 0, "layer": 1, "step": [0, 10, 20, 30, 40],
                          "dist_final": [0.5, 0.05, 0.2, 0.08, 0.0]})
    steps = mod.settling_steps(frame, "dist_final", below=0.1)
    assert steps.settle.tolist() == [30.0]
    assert mod.settling_steps(frame, "dist_final", below=0.6).settle.tolist() == [0.0]
    assert np.isnan(mod.settling_steps(frame, "dist_final", below=0.0).settle.iloc[0])


def test_simulated_settling_steps_are_read_back():
    rs = mod.simulate_lc1(np.random.default_rng(0), True, effect=100.0)
    settle = mod.settling_steps(rs.sel("convergence", grid="abid"), "dist_final",
                                below=mod.SETTLE)
    means = settle.groupby("layer").settle.mean()
    assert means.is_monotonic_decreasing and means.iloc[0] - means.iloc[-1] > 200

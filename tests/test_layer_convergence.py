"""Layer-convergence rules (LC-1..LC-4) on synthetic runs, and the helpers they read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import NoNoise

from experiments import layer_convergence as mod
from harness.core import stats
from harness.judge.claims import judge

CLAIMS = {c.id: c for c in mod.EXPERIMENT.claims}
# an effect well beyond the declared one in the claimed direction, and the opposite
OBVIOUS = {"LC-1": 200.0, "LC-2": 3.0, "LC-3": 3.0, "LC-4": 0.05}


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
    settle = mod.lc1_settling(rs, mod.LC1_PRIMARY)
    means = settle.groupby("layer").settle.mean()
    assert means.is_monotonic_decreasing and means.iloc[0] - means.iloc[-1] > 200


CLAIMED = {"LC-1": +1, "LC-2": -1, "LC-3": +1, "LC-4": +1}  # the sign each member claims


def _members(claim_id: str, planted: bool, seed: int) -> pd.DataFrame:
    """Each member's (or adjacent pair's) signed distance from 0 in the claimed
    direction, with its setting, on a noise-free simulation."""
    claim = CLAIMS[claim_id]
    tables = claim.decide(claim.simulate(NoNoise(seed), planted)).tables
    rows = next(t for t in tables.values() if "member" in t or "pair" in t)
    if "pair" in rows:  # LC-1: adjacent pairs per setting
        rows = rows[rows.adjacent].assign(member=rows.pair, mean=rows["diff"])
    return rows.assign(beyond=CLAIMED[claim_id] * rows["mean"])


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_null_is_least_favourable_and_planted_holds_everywhere(claim_id):
    """planted=False: in the primary exactly one member sits at 0 and every other holds
    as planted; the robustness settings are planted. planted=True: every member of
    every setting holds."""
    chosen = set()
    for seed in range(12):
        rows = _members(claim_id, False, seed)
        at = rows[rows.beyond.abs() < 1e-9]
        assert at.setting.tolist() == [CLAIMS[claim_id].primary]
        assert (rows.drop(at.index).beyond > 1e-6).all()
        chosen |= set(at.member)
    assert len(chosen) > 1 or claim_id == "LC-4"  # LC-4 has one member, the trend
    assert (_members(claim_id, True, 0).beyond > 1e-6).all()


def test_lc3_members_are_the_declared_depths_and_residual_skips_depth_3():
    outcome = CLAIMS["LC-3"].decide(CLAIMS["LC-3"].simulate(np.random.default_rng(0), True))
    members = next(iter(outcome.tables.values())).member.tolist()
    assert members == [f"{name}, depth {d:g}" for name, depths in mod.LC3_DEPTHS.items()
                       for d in depths]
    assert "residual, depth 3" not in members


def test_lc1_to_go_is_the_share_of_each_layers_own_path():
    conv = pd.DataFrame({"replicate": 0, "layer": [1, 1, 1, 2, 2, 2], "step": [1, 12, 23] * 2,
                         "dist_final": [0.4, 0.2, 0.0, 0.02, 0.01, 0.0]})
    assert mod.with_to_go(conv).to_go.tolist() == [1.0, 0.5, 0.0, 1.0, 0.5, 0.0]


def test_lc1_cka_settings_leave_out_the_logits():
    rs = mod.simulate_lc1(np.random.default_rng(0), True)
    assert set(mod.lc1_settling(rs, "sigmoid: representations").layer) == {1, 2, 3}
    assert set(mod.lc1_settling(rs, mod.LC1_PRIMARY).layer) == {1, 2, 3, 4}


def test_lc3_shows_residual_depth_3_unjudged_and_revisions_are_filled():
    outcome = CLAIMS["LC-3"].decide(CLAIMS["LC-3"].simulate(np.random.default_rng(0), True))
    shown = next(t for k, t in outcome.tables.items() if k.startswith("Shown, not judged"))
    assert list(zip(shown.remedy, shown.depth, strict=True)) == [("residual", "3")]
    assert CLAIMS["LC-1"].revision and CLAIMS["LC-3"].revision

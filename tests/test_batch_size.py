"""Batch-size claims (BS-1 ... BS-5a/b): decision rules on synthetic runs, their helpers, and
the module's constants against conf/experiment/batch_size.yaml."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hydra import compose

from experiments.batch_size import EXPERIMENT
from experiments.batch_size.common import (
    AXES,
    BATCHES,
    BURST,
    CPU_BOUND,
    N_TRAIN,
    PRIMARY,
    REPLICATES,
    SAME_STEPS,
    TIMING_REPEATS,
)
from experiments.batch_size.compromise import decide_bs3, simulate_bs3, steps_to_target
from experiments.batch_size.learning_rate import GAP_LEFT, LR_CONTROLS, SETTINGS, SHOWN
from experiments.batch_size.oscillation import (
    BS5_SETTINGS,
    CHECKPOINT,
    CKPT_PRESETS,
    EPOCH,
    MIN_CHANGES,
    PLATEAU_EXIT,
    RISE_FLOOR,
    WARMUP_BATCH,
    WARMUP_STEPS,
    WINDOW,
    count_checkpoint_rises,
    count_rises,
)
from harness.core import stats
from harness.judge.claims import judge
from harness.judge.families import NULL, PLANTED
from harness.judge.families.base import steps
from harness.track.results import RunSet, hydra_context, sweep_points
from harness.train.probes import EvalContext, LossBursts, StepContext
from harness.train.schema import eval_schedule, n_train
from harness.train.trainer import effective_lr, total_steps
from pages.batch_size import ORIGINAL_EPOCHS, PRESET_ORDER

CLAIMS = {c.id: c for c in EXPERIMENT.claims}
# claims on a custom rule (the others are covered by tests/test_families.py)
SIMULATE = {"BS-3": simulate_bs3}


@pytest.fixture(scope="module")
def cfg():
    """The experiment's composed config, once for the module (composing costs ~0.25 s)."""
    with hydra_context():
        return compose("config", overrides=["experiment=batch_size"])


def test_constants_match_the_experiment_yaml(cfg):
    assert cfg.trainer.replicates == REPLICATES
    assert sorted(CLAIMS) == list(cfg.claims)
    _, points = sweep_points("batch_size")
    timing = [dict(o.split("=") for o in ov) for grid, ov in points if grid == "timing"]
    assert {int(p["trainer.repeat"]) for p in timing} == set(range(TIMING_REPEATS))
    assert sorted({int(p["trainer.batch_size"]) for p in timing}) == list(BATCHES)
    # rounds: repeats are the outer loop, every batch size once per round
    order = [(int(p["trainer.repeat"]), int(p["trainer.batch_size"])) for p in timing]
    assert order == [(r, b) for r in range(TIMING_REPEATS) for b in BATCHES]
    assert cfg.trainer.jitter_burst == BURST and cfg.trainer.jitter_window == 0
    assert n_train(cfg) == N_TRAIN
    assert cfg.trainer.evals == ORIGINAL_EPOCHS  # one evaluation per epoch
    with hydra_context():
        same = compose("config", overrides=["experiment=batch_size", "preset=same_steps"])
        sqrt = compose("config", overrides=["experiment=batch_size", "preset=lr_sqrt",
                                             "trainer.batch_size=256"])
    assert same.trainer.steps == SAME_STEPS
    assert math.isclose(effective_lr(sqrt.optim, 256), 0.003 * 2)  # 0.003·√(256/64)
    main = {dict(o.split("=") for o in ov)["preset"] for grid, ov in points if grid == "main"}
    assert main == set(PRESET_ORDER)
    ckpt = [dict(o.split("=") for o in ov) for grid, ov in points if grid == CHECKPOINT]
    assert {(p["preset"], int(p["trainer.batch_size"])) for p in ckpt} == {
        (c, b) for c in CKPT_PRESETS for b in (BATCHES[0], BATCHES[-1])}
    for preset, setting in CKPT_PRESETS.items():
        with hydra_context():
            c = compose("config", overrides=["experiment=batch_size", f"preset={preset}"])
            base = compose("config", overrides=["experiment=batch_size", f"preset={setting}"])
        t = c.trainer
        assert (t.warmup_steps, t.warmup_batch_size) == (WARMUP_STEPS[setting], WARMUP_BATCH)
        assert (t.epochs, t.epoch_size, t.evals, t.eval_first) == (WINDOW, EPOCH, WINDOW,
                                                                   WINDOW)
        assert n_train(c) == EPOCH and t.steps is None and t.jitter_burst == 0
        # the rest is the setting's own
        assert c.optim == base.optim and c.data == base.data and c.model == base.model


def test_abid2018_evaluates_near_exp8s_epochs(cfg):
    """Exp 8 stored training accuracy after update ⌊k·5000/batch⌋ + 2, k = 1 ... 14;
    ours (one evaluation per epoch) lands within 2 updates of each."""
    trainer = cfg.trainer.copy()  # the step budget and schedule read only the trainer
    for b in BATCHES:
        trainer.batch_size = b
        ours = eval_schedule(trainer, total_steps(trainer, 400))
        for k in range(1, 15):
            abid = math.floor(k * 5000 / b) + 2
            assert min(abs(s - abid) for s in ours) <= 2, (b, k)


@pytest.mark.parametrize("claim", sorted(SIMULATE))
@pytest.mark.parametrize(("scale", "label"), [(5.0, stats.SUPPORTED), (-5.0, stats.REFUTED)])
def test_obvious_effects_get_the_right_label(claim, scale, label):
    """An obvious planted effect is supported, a strong opposite one refuted, and every
    decided setting's CI excludes its null (the CI is dual to the test)."""
    for seed in range(2):
        rs = SIMULATE[claim](np.random.default_rng(seed), True, scale=scale)
        outcome = CLAIMS[claim].decide(rs)
        verdict = judge(CLAIMS[claim], "batch_size", outcome)
        assert verdict.verdict == label, (claim, seed, verdict.decided_by)
        for s in outcome.settings:
            if s.verdict in (stats.SUPPORTED, stats.REFUTED):
                assert s.effect.excludes(), (claim, s)


@pytest.mark.parametrize("claim", sorted(SIMULATE))
def test_no_effect_is_rarely_supported(claim):
    labels = [judge(CLAIMS[claim], "batch_size",
                    CLAIMS[claim].decide(CLAIMS[claim].simulate(np.random.default_rng(s),
                                                                False))).verdict
              for s in range(10)]
    assert labels.count(stats.SUPPORTED) <= 1


def test_least_favourable_null_puts_one_member_at_the_null():
    rng = np.random.default_rng(0)
    picked = set()
    for _ in range(50):
        null = steps(rng, 5, NULL, 0.3)
        assert (null == 0).sum() == 1 and (null[null != 0] == 0.3).all()
        picked.add(int(np.flatnonzero(null == 0)[0]))
    assert picked == set(range(5))  # drawn at random per simulation
    assert (steps(rng, 5, PLANTED, 0.3) == 0.3).all()
    assert (steps(rng, 5, -2.0, 0.3) == -0.6).all()


def _run(batch: int, losses: list[float], after: list[float]) -> tuple[pd.DataFrame, ...]:
    """One sgd run of one replicate: the full loss at evaluations 0, 1, ... (one per
    epoch) and the loss after the update that follows each."""
    keys = {"grid": "main", "preset": "sgd", "batch_size": batch, "repeat": 0,
            "replicate": 0}
    steps = np.arange(len(losses))
    curves = pd.DataFrame({**keys, "step": steps, "epoch": steps.astype(float),
                           "train_loss": losses})
    bursts = pd.DataFrame({**keys, "step": steps, "start_loss": after})
    return curves, bursts, pd.DataFrame([{**keys, "dataset": 0.0}])


def test_bs5_counts_rises_out_of_the_plateau_only():
    """Batch 1 leaves the plateau at evaluation 2 and alternates from there: only its
    window's changes count, a rise within rounding is none; batch 400 never leaves it
    (no share, its lowest loss kept); a run with too few changes has no share."""
    plateau = [0.7, 0.72]  # a rise in the plateau: not counted
    walk = [0.3 if i % 2 else 0.2 for i in range(MIN_CHANGES + 1)]  # up, down, ...
    ones = _run(1, plateau + walk, [0.71, 0.73] + [v * 1.5 for v in walk[:-1]]
                + [walk[-1] * (1 + RISE_FLOOR / 2)])
    full = _run(400, [0.7, 0.69, 0.68], [0.69, 0.68, 0.67])
    short = _run(4, [0.7, 0.3, 0.2], [0.5, 0.4, 0.3])
    got = count_rises(*(pd.concat(parts, ignore_index=True)
                        for parts in zip(ones, full, short, strict=True)))
    got = got.set_index("batch_size")
    assert walk[0] <= PLATEAU_EXIT < plateau[-1]
    assert got.loc[1].exit_epoch == 2 and got.loc[1].updates == len(walk)
    assert got.loc[1].update_rises == len(walk) - 1  # the last one is within rounding
    assert got.loc[1].epochs == len(walk) - 1 and got.loc[1].epoch_rises == MIN_CHANGES // 2
    assert math.isclose(got.loc[1].share_epoch, (MIN_CHANGES // 2) / MIN_CHANGES)
    assert np.isnan(got.loc[400].exit_epoch) and np.isnan(got.loc[400].share_update)
    assert got.loc[400].lowest_loss == 0.68 and got.loc[400].updates == 0
    assert got.loc[4].updates == 2 and np.isnan(got.loc[4].share_update)


def _ckpt_run(batch: int, replicate: int, updates: list[float], epochs: list[float]
              ) -> pd.DataFrame:
    """Curves of one ckpt_sgd run: the loss at the checkpoint (update 5000) and after each
    of the WINDOW updates after it (``updates``), then after each of its WINDOW epochs
    (``epochs``; at batch 400 they are the updates): the steps a point evaluates at."""
    per_epoch = EPOCH // batch
    steps = sorted({*range(WINDOW + 1), *(k * per_epoch for k in range(WINDOW + 1))})
    losses = updates if per_epoch == 1 else updates + epochs
    return pd.DataFrame({"grid": CHECKPOINT, "preset": "ckpt_sgd", "batch_size": batch,
                         "repeat": 0, "replicate": replicate,
                         "step": 5000 + np.asarray(steps), "train_loss": losses})


def test_bs5_counts_rises_from_the_common_checkpoint():
    """Per update: the WINDOW changes after the checkpoint; per epoch: evaluation to
    evaluation one epoch apart (at batch 400 an update is an epoch); a rise within
    rounding is none; a replicate in the plateau at the checkpoint has no value, nor has
    a window with fewer than MIN_CHANGES finite changes."""
    zigzag = [0.3] + [0.27 if i % 2 else 0.33 for i in range(1, WINDOW + 1)]  # a rise in 2
    epochs = [0.25 * 0.99 ** k for k in range(WINDOW)]
    epochs[3] = 0.26  # one rise in WINDOW epochs
    descent = [0.3 * 0.99 ** k for k in range(WINDOW + 1)]
    descent[5] = descent[4] * (1 + RISE_FLOOR / 2)  # a rise within rounding
    stuck = [0.5] * (WINDOW + 1)
    diverged = descent[:MIN_CHANGES] + [math.nan] * (WINDOW + 1 - MIN_CHANGES)
    curves = pd.concat([_ckpt_run(1, 0, zigzag, epochs), _ckpt_run(400, 0, descent, []),
                        _ckpt_run(1, 1, stuck, stuck[1:]), _ckpt_run(400, 1, stuck, []),
                        _ckpt_run(1, 2, zigzag, epochs), _ckpt_run(400, 2, diverged, [])],
                       ignore_index=True)
    final = curves.drop_duplicates(["batch_size", "replicate"])[
        ["grid", "preset", "batch_size", "repeat", "replicate"]].assign(dataset=0.0)
    got = count_checkpoint_rises(curves, final).set_index(["batch_size", "replicate"])
    assert set(got.preset) == {"sgd"} and (got.grid == CHECKPOINT).all()
    one, gd = got.loc[(1, 0)], got.loc[(400, 0)]
    assert (one.updates, one.update_rises, one.epochs, one.epoch_rises) == (WINDOW,
                                                                           WINDOW // 2,
                                                                           WINDOW, 1)
    assert math.isclose(one.share_update, 0.5) and math.isclose(one.share_epoch, 1 / WINDOW)
    assert (gd.updates, gd.update_rises, gd.epochs, gd.epoch_rises) == (WINDOW, 0, WINDOW, 0)
    assert gd.share_update == gd.share_epoch == 0.0
    in_plateau = got.xs(1, level="replicate")
    assert (in_plateau.checkpoint_loss > PLATEAU_EXIT).all()
    assert in_plateau[["share_update", "share_epoch"]].isna().all(axis=None)
    short = got.loc[(400, 2)]
    assert short.updates == MIN_CHANGES - 1 and np.isnan(short.share_update)


def test_loss_bursts_probe_summarises_complete_bursts():
    probe = LossBursts(3)
    losses = iter([1.0, 0.5, 0.25, 0.2, 0.1])
    for step in range(0, 5):
        if step:
            loss = torch.tensor([next(losses)])
            probe.on_step(StepContext(step, 5, loss, lambda v=loss: v, None))
        if step in (0, 3):
            probe.on_eval(EvalContext(step, None, None, None))
    table = probe.table()  # the burst after eval 3 (steps 4-6) is cut off by the budget
    assert table.step.tolist() == [0]
    assert math.isclose(table.start_loss[0], 1.0)
    assert math.isclose(table.dlog_std[0], 0.0, abs_tol=1e-6)  # halving twice: flat


def test_loss_bursts_of_one_step_keep_the_start_loss_alone():
    """A burst of 1 (batch_size's earlier BS-5a reading) costs one pass over the training
    set per evaluation and has no spread to summarise."""
    probe = LossBursts(1)
    for step in range(3):
        if step:
            loss = torch.tensor([1.0 / step])
            probe.on_step(StepContext(step, 3, loss, lambda v=loss: v, None))
        if step in (0, 1):
            probe.on_eval(EvalContext(step, None, None, None))
    table = probe.table()
    assert table.step.tolist() == [0, 1]
    assert table.start_loss.tolist() == [1.0, 0.5]
    assert table[["dlog_std", "batch_loss_std"]].isna().all(axis=None)


def test_main_grid_wall_times_are_never_read():
    """BS-1 and BS-3's time axis come from the timing grid only: scrambling every wall
    time of the main grid changes nothing."""
    for claim, sim in (("BS-1", CLAIMS["BS-1"].simulate), ("BS-3", simulate_bs3)):
        rs = sim(np.random.default_rng(0), True)
        before = CLAIMS[claim].decide(rs).settings[0].effect
        main = rs.points.grid == "main"
        rs.points.loc[main, "train_time_s"] = 1e6
        rs.points.loc[main, "epochs_trained"] = 1.0
        rs.points.loc[main, "total_steps"] = 1.0
        rs.final["time_to_target_s"] = np.random.default_rng(1).uniform(0, 1e3,
                                                                        len(rs.final))
        assert CLAIMS[claim].decide(rs).settings[0].effect == before, claim


def _timing_only_main_grid() -> RunSet:
    """A main grid with curves whose times say nothing, and no timing runs."""
    rs = CLAIMS["BS-1"].simulate(np.random.default_rng(0), True, scale=5.0)
    rs.points = rs.points[rs.points.grid != "timing"]
    return rs


def _per_batch(outcome) -> pd.DataFrame:
    return next(t for k, t in outcome.tables.items() if k.startswith("Timing runs per batch"))


def test_bs1_reads_only_the_timing_grid():
    assert CLAIMS["BS-1"].decide(_timing_only_main_grid()).settings == []
    rs = CLAIMS["BS-1"].simulate(np.random.default_rng(0), True, scale=5.0)
    rs.points.loc[rs.points.grid == "timing", "load_avg_1m"] = 0.5
    outcome = CLAIMS["BS-1"].decide(rs)
    (setting,) = outcome.settings
    assert setting.verdict == stats.SUPPORTED and setting.effect.n == TIMING_REPEATS
    per_batch = _per_batch(outcome)
    assert "load_avg_1m_mean" in per_batch and len(per_batch) == len(BATCHES)
    assert "cpu_per_wall_min" in per_batch


def test_bs1_is_inconclusive_when_a_timing_run_shared_its_core():
    rs = CLAIMS["BS-1"].simulate(np.random.default_rng(0), True, scale=5.0)
    timing = rs.points.grid == "timing"
    assert CLAIMS["BS-1"].decide(rs).settings[0].verdict == stats.SUPPORTED  # cpu ≈ 1: fine
    # a high load average alone (it lags) no longer blocks
    rs.points.loc[timing, "load_avg_1m"] = 5.0
    assert CLAIMS["BS-1"].decide(rs).settings[0].verdict == stats.SUPPORTED
    hot = timing & (rs.points.batch_size == 16) & (rs.points["repeat"] == 3)
    rs.points.loc[hot, "cpu_per_wall"] = CPU_BOUND - 0.3
    outcome = CLAIMS["BS-1"].decide(rs)
    (setting,) = outcome.settings
    assert setting.verdict == stats.INCONCLUSIVE and "CPU bound" in setting.decided_by
    run_id = rs.points.loc[hot, "run_id"].iloc[0]
    assert any(run_id in n and "batch 16 repeat 3" in n for n in outcome.notes)
    per_batch = _per_batch(outcome).set_index("batch_size")
    assert per_batch.loc[16, "runs_below_cpu_bound"] == 1
    assert per_batch.runs_below_cpu_bound.sum() == 1
    assert {"load_avg_start_mean", "load_avg_1m_max"} <= set(per_batch.columns)
    assert judge(CLAIMS["BS-1"], "batch_size", outcome).verdict == stats.INCONCLUSIVE
    # BS-3 reads the same timing runs: it says so
    rs3 = simulate_bs3(np.random.default_rng(0), True)
    rs3.points.loc[rs3.points.grid == "timing", "cpu_per_wall"] = CPU_BOUND - 0.1
    assert any("CPU_BOUND" in n for n in decide_bs3(rs3).notes)


def test_bs1_without_cpu_per_wall_notes_it_and_does_not_block():
    rs = CLAIMS["BS-1"].simulate(np.random.default_rng(0), True, scale=5.0)
    rs.points = rs.points.drop(columns="cpu_per_wall")
    outcome = CLAIMS["BS-1"].decide(rs)
    assert outcome.settings[0].verdict == stats.SUPPORTED
    assert any("No cpu_per_wall" in n for n in outcome.notes)


def test_bs4_holds_batch_1_at_abid2018_and_judges_only_the_learning_rate_rules():
    """A control that only hurts batch 1 (same_steps-like) recovers nothing: the
    fraction reads the large batch alone; same_steps is tabled, never judged."""
    claim = CLAIMS["BS-4"]
    fin = claim.simulate(np.random.default_rng(0), True, scale=0.0).final
    same = fin[fin.preset == LR_CONTROLS[0]].assign(preset=SHOWN)
    fin = pd.concat([fin, same], ignore_index=True)
    wrecked = fin.copy()
    small = (fin.preset != PRIMARY) & (fin.batch_size == BATCHES[0])
    wrecked.loc[small, ["train_acc", "test_acc"]] -= 0.3  # wreck the controls' batch 1
    outcome, before = (claim.decide(RunSet.from_tables("batch_size", AXES, f))
                       for f in (wrecked, fin))
    members, unwrecked = (next(t for k, t in o.tables.items() if k.startswith("Members"))
                          for o in (outcome, before))
    assert set(members.member) == set(LR_CONTROLS)
    pd.testing.assert_frame_equal(members, unwrecked)
    shown = next(t for k, t in outcome.tables.items() if k.startswith("Shown, not judged"))
    assert list(shown.member) == [SHOWN] * 2
    assert all(SHOWN not in s.decided_by for s in outcome.settings)


def test_bs5a_compares_batch_1_with_full_batch_only():
    claim = CLAIMS["BS-5a"]
    outcome = claim.decide(claim.simulate(np.random.default_rng(0), True, scale=5.0))
    assert [s.setting for s in outcome.settings] == list(BS5_SETTINGS.judged)
    assert all(s.verdict == stats.SUPPORTED for s in outcome.settings)
    members = next(t for k, t in outcome.tables.items() if k.startswith("Members"))
    assert set(members.member) == {f"{BATCHES[0]} − {BATCHES[-1]}"}


def test_bs5a_primary_without_a_full_batch_value_is_undecided_not_missing():
    """sgd's full batch never leaves the plateau (no value): the primary is undecided,
    the other settings are still judged and tabled."""
    claim = CLAIMS["BS-5a"]
    rs = claim.simulate(np.random.default_rng(0), True, scale=5.0)
    rows = rs.table("checkpoint_shares")
    rows.loc[(rows.preset == "sgd") & (rows.batch_size == BATCHES[-1]), "share_update"] = \
        math.nan
    outcome = claim.decide(rs)
    by_name = {s.setting: s for s in outcome.settings}
    assert by_name["sgd"].verdict == stats.INCONCLUSIVE
    assert by_name["sgd"].decided_by == (f"not testable: batch size {BATCHES[-1]}: fewer "
                                         "than two replicates with a finite value")
    assert by_name["abid2018"].verdict == stats.SUPPORTED and outcome.tables
    v = judge(claim, "batch_size", outcome)
    assert v.verdict == stats.INCONCLUSIVE and v.decided_by.startswith("sgd: not testable")


@pytest.mark.parametrize(("gap", "word"), [(-1.0, "significantly reversed"),
                                         (0.0, "not significantly above 0")])
def test_bs4_without_a_drop_reports_the_gap_itself(gap, word):
    """The premise (a drop to explain) fails: the setting is undecided, whatever the
    fractions say, with the gap (null 0) as its statistic."""
    claim = CLAIMS["BS-4"]
    rng = np.random.default_rng(0)
    tables = {}
    for name in claim.settings.judged:
        t = claim.rule.draw(rng, GAP_LEFT.factor.levels, claim.design(), PLANTED)
        t.values[:, 0] += gap - 1.0  # the unit gap moved to ``gap``
        tables[name] = t
    outcome = claim.decide(GAP_LEFT.synthesize(tables))
    assert [s.setting for s in outcome.settings] == list(SETTINGS.values())
    for setting in outcome.settings:
        assert setting.verdict == stats.INCONCLUSIVE
        assert setting.decided_by.startswith("premise not met") and word in setting.decided_by
        e = setting.effect
        assert e.null == 0.0 and np.isfinite([e.mean, e.ci_low, e.ci_high]).all()
    v = judge(claim, "batch_size", outcome)
    assert v.null_value == 0.0 and math.isclose(v.effect, outcome.settings[0].effect.mean)


def test_steps_to_target_is_relative_to_each_replicates_bayes_accuracy():
    final = pd.DataFrame({"grid": "main", "preset": PRIMARY, "batch_size": 64, "repeat": 0,
                          "replicate": [0, 1, 2], "dataset": [0.0, 1.0, 2.0],
                          "bayes_acc": [0.7, 1.0, 0.9], "test_acc": 0.6})
    curves = pd.DataFrame({"grid": "main", "preset": PRIMARY, "batch_size": 64,
                           "repeat": 0, "replicate": [0, 0, 0, 1, 1, 2, 2],
                           "step": [0, 10, 20, 0, 10, 0, 10],
                           "test_acc": [0.5, 0.67, 0.9, 0.5, 0.9, 0.5, 0.86]})
    rs = RunSet.from_tables("batch_size", AXES, final, curves=curves)
    # crossings interpolated linearly between the evaluation below and the one at/above
    steps = steps_to_target(rs)[64].tolist()  # goals 0.665; 0.95 never; 0.855
    np.testing.assert_allclose(steps, [10 * 0.165 / 0.17, math.inf, 10 * 0.355 / 0.36])
    absolute = steps_to_target(rs, target=0.8)[64].tolist()
    np.testing.assert_allclose(absolute, [10 + 10 * 0.13 / 0.23, 7.5, 10 * 0.3 / 0.36])

"""Batched BN and dropout against per-model torch.nn behaviour, their probes, and the
experiment's decision rules on simulated runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import obvious
from torch import nn

from experiments.bn_dropout import EXPERIMENT, bd1a, bd3, common, probes
from harness.core import stats
from harness.judge.claims import Outcome, Verdict, judge, planned_replicates
from harness.judge.families.base import NULL, PLANTED, steps
from harness.judge.table import Table
from harness.track.results import RunSet
from harness.train.models import BatchedMLP
from harness.train.trainer import train


def _model(compose_cfg, *overrides, replicates: int = 3) -> BatchedMLP:
    cfg = compose_cfg(["model.widths=[6,5]", *overrides])
    return BatchedMLP(cfg.model, 4, 2, list(range(replicates)))


def test_batched_bn_keeps_each_replicates_running_stats_like_batchnorm1d(compose_cfg):
    model = _model(compose_cfg, "model.batch_norm=true")
    bn = model.norms[0]
    with torch.no_grad():  # make the affine parameters non-trivial
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.uniform_(-1.0, 1.0)
    refs = [nn.BatchNorm1d(6) for _ in range(3)]
    for r, ref in enumerate(refs):
        with torch.no_grad():
            ref.weight.copy_(bn.weight.view(3, 6)[r])
            ref.bias.copy_(bn.bias.view(3, 6)[r])
    gen = torch.Generator().manual_seed(0)
    for _ in range(4):  # train-mode batches update the running statistics
        h = torch.randn(3, 16, 6, generator=gen) * torch.tensor([1.0, 3.0, 0.2]).view(3, 1, 1)
        out = model._norm(0, h)
        for r, ref in enumerate(refs):
            torch.testing.assert_close(out[r], ref(h[r]))
    model.eval()
    h = torch.randn(3, 8, 6, generator=gen)
    out = model._norm(0, h)
    for r, ref in enumerate(refs):
        ref.eval()
        torch.testing.assert_close(bn.running_mean.view(3, 6)[r], ref.running_mean)
        torch.testing.assert_close(bn.running_var.view(3, 6)[r], ref.running_var)
        torch.testing.assert_close(out[r], ref(h[r]))


def test_batched_dropout_draws_its_own_mask_per_replicate(compose_cfg):
    """Same input in every replicate: inverted dropout as nn.Dropout does it (kept units
    scaled by 1/(1−p), about p of them zeroed), with different masks per replicate."""
    model = _model(compose_cfg, "model.dropout=0.5", "model.activation=identity",
                   "model.init=ones", "model.bias_init=zeros", replicates=4)
    x = torch.ones(4, 2000, 4)
    hidden: list[torch.Tensor] = []
    model.train()
    model(x, hidden)
    h = hidden[0]  # clean value 4 everywhere (4 inputs × weight 1)
    assert set(h.unique().tolist()) <= {0.0, 8.0}  # nn.Dropout(0.5): 0 or 4 / (1 − 0.5)
    assert (h == 0).float().mean().item() == pytest.approx(0.5, abs=0.02)
    masks = (h == 0).flatten(1)
    assert all(not torch.equal(masks[0], masks[r]) for r in range(1, 4))
    model.eval()
    hidden.clear()
    model(x, hidden)
    assert (hidden[0] == 4).all()  # eval mode: identity, like nn.Dropout.eval()


def test_dropout_placement_last_acts_only_after_the_last_block(compose_cfg):
    model = _model(compose_cfg, "model.dropout=0.5", "model.dropout_placement=last",
                   "model.activation=identity", "model.init=ones", "model.bias_init=ones")
    hidden: list[torch.Tensor] = []
    model.train()
    model(torch.ones(3, 500, 4), hidden)
    assert (hidden[0] == 5).all()  # first block: no dropout
    assert (hidden[1] == 0).any() and (hidden[1] > 0).any()  # last block: dropout


def test_batch_norm_and_dropout_probes(compose_cfg):
    cfg = compose_cfg(["model.widths=[16,16]", "model.batch_norm=true", "model.dropout=0.3",
                       "trainer.replicates=3", "trainer.steps=20", "trainer.epochs=null",
                       "trainer.evals=2", "trainer.probes=[batch_norm,dropout]"])
    result = train(cfg)
    bn, do = result.tables["batch_norm"], result.tables["dropout"]
    assert (bn.eval_vs_running < 1e-5).all()  # eval mode normalizes by running stats
    assert (bn.eval_vs_batch > 0).all()
    last = bn[bn.step == bn.step.max()]
    assert (last[last.layer == 2].var_shift > 1).all()  # dropout feeds BN 2: shifted
    ratio = do.rel_error / do.mc_error
    assert ratio.between(0.5, 2.0).all()  # E[train output] = eval output, up to MC noise
    assert (do.scale - 1).abs().max() < 0.01


@pytest.mark.parametrize("scaling", ["inverted", "test"])
def test_plain_and_inverted_dropout_keep_the_expectation(compose_cfg, scaling):
    """Plain dropout (× (1−p) at eval) and inverted dropout (× 1/(1−p) in training)."""
    model = _model(compose_cfg, "model.dropout=0.3", f"model.dropout_scaling={scaling}")
    z = torch.ones(3, 4000, 6)
    train_out, eval_out = model.drop(z, True), model.drop(z, False)
    kept = 1.0 if scaling == "test" else 1 / 0.7  # a kept unit's value in training
    torch.testing.assert_close(train_out[train_out > 0], torch.full_like(
        train_out[train_out > 0], kept))
    assert train_out.mean().item() == pytest.approx(eval_out.mean().item(), rel=0.02)
    assert eval_out.mean().item() == pytest.approx(0.7 if scaling == "test" else 1.0)


def test_bd5_refutes_a_model_that_forgets_the_rescaling(compose_cfg, monkeypatch):
    """Planted negative control: plain dropout without its × (1−p) at test (the model
    from the quote, minus the rescaling) must be refuted, at every rate swept."""
    import torch.nn.functional as F

    def forgetful(self, z, training):
        return F.dropout(z, self.dropout, True) * (1 - self.dropout) if training else z

    monkeypatch.setattr(BatchedMLP, "drop", forgetful)
    frames = []
    for p in common.RATES["bn_digits"]:
        cfg = compose_cfg(["model.widths=[16,16]", f"model.dropout={p}",
                           "model.dropout_scaling=test", "trainer.replicates=4",
                           "trainer.steps=20", "trainer.epochs=null", "trainer.evals=1",
                           "trainer.probes=[dropout]"])
        frames.append(train(cfg).tables["dropout"].assign(dropout=p))
    table = pd.concat(frames, ignore_index=True).assign(
        grid="g", preset="bn_digits", width=128, batch_norm=False,
        bn_after_activation=False, dropout_placement="every", lr=common.LR,
        dropout_scaling="test")
    final = table[table.step == table.step.max()].assign(dataset=table.replicate * 1.0)
    rs = RunSet.from_tables(common.NAME, common.AXES, final, dropout=table)
    v = judge(CLAIMS["BD-5"], common.NAME, CLAIMS["BD-5"].decide(rs))
    assert v.verdict == stats.REFUTED
    assert v.ci_high < -probes.SCALE_TOL  # scale 1 − p: at least 0.1 below 1


def test_probes_do_not_change_training_with_dropout(compose_cfg):
    base = ["model.widths=[8,8]", "model.dropout=0.3", "model.batch_norm=true",
            "trainer.replicates=2", "trainer.steps=20", "trainer.epochs=null",
            "trainer.evals=2"]
    plain = train(compose_cfg(base)).model
    probed = train(compose_cfg([*base, "trainer.probes=[batch_norm,dropout]"])).model
    for a, b in zip(plain.weights, probed.weights, strict=True):
        assert torch.equal(a, b)


# ---------------------------------------------------------------- decision rules

CLAIMS = {c.id: c for c in EXPERIMENT.claims}


def _verdict(claim_id: str, planted: bool, scale: float | None = None, seed: int = 0):
    claim = CLAIMS[claim_id]
    extra = () if scale is None else (scale,)  # tests only: scale × min_effect
    runs = claim.simulate(np.random.default_rng(seed), planted, *extra)
    return judge(claim, common.NAME, claim.decide(runs))


@pytest.fixture(scope="module")
def planted() -> dict[str, tuple[RunSet, Outcome]]:
    """BD-1a's and BD-3's planted runs (seed 0) and outcomes, built once for the tests
    that read them."""
    out = {}
    for claim_id in ("BD-1a", "BD-3"):
        rs = CLAIMS[claim_id].simulate(np.random.default_rng(0), True)
        out[claim_id] = (rs, CLAIMS[claim_id].decide(rs))
    return out


def test_replicates_match_the_experiment_yaml(compose_cfg):
    cfg = compose_cfg(experiment="bn_dropout")
    assert cfg.trainer.replicates == common.REPLICATES
    assert common.REPLICATES == planned_replicates(list(CLAIMS.values()))
    assert list(cfg.claims) == list(CLAIMS)


@pytest.mark.parametrize(("claim_id", "obvious", "opposite"), [
    ("BD-1a", 10, -10),  # log area ratio 10 × log 1.25 = 2.2 (SD 1.135) for BN / plain
    ("BD-3", 5, -10),  # BN+DO 0.05 below the +0.01 margin / 0.1 above it (× ACC_MIN)
])
def test_empirical_rules_find_an_obvious_effect_and_refute_its_opposite(claim_id, obvious,
                                                                        opposite):
    claim = CLAIMS[claim_id]
    v = _verdict(claim_id, True, obvious)
    assert v.verdict == stats.SUPPORTED
    assert {s.verdict for s in v.settings} == {stats.SUPPORTED}
    assert v.primary_setting == claim.primary and claim.primary in {s.setting
                                                                    for s in v.settings}
    null = claim.null_value or 0.0
    # the headline CI excludes its null, on the claimed side (BD-3 claims "below +0.01")
    assert v.ci_high < null if claim_id == "BD-3" else v.ci_low > null
    v = _verdict(claim_id, True, opposite)
    assert v.verdict == stats.REFUTED
    assert v.ci_low > null if claim_id == "BD-3" else v.ci_high < null


@pytest.mark.parametrize("claim_id", ["BD-1a", "BD-1b", "BD-2"])
def test_the_accuracy_guard_withholds_support_from_a_model_that_ends_worse(claim_id):
    """A narrower gap (or fewer steps) bought by ending 0.05 worse on test is not 'less
    overfitting' (or faster training): the non-inferiority guard turns support into
    inconclusive, its difference the statistic."""
    claim = CLAIMS[claim_id]
    scale = obvious(claim, 5.0)  # 5 SDs for a loss gap
    rs = claim.simulate(np.random.default_rng(0), True, scale=scale)
    assert judge(claim, common.NAME, claim.decide(rs)).verdict == stats.SUPPORTED
    rs = claim.simulate(np.random.default_rng(0), True, scale=scale)  # read nothing yet
    fin = rs.final
    worse = fin.dropout > 0 if claim_id == "BD-2" else fin.batch_norm.astype(bool)
    fin.loc[worse, "test_acc"] -= 0.05  # the same gap, worse on test
    v = judge(claim, common.NAME, claim.decide(rs))
    assert v.verdict == stats.INCONCLUSIVE and "guard not met" in v.decided_by
    assert v.effect == pytest.approx(-0.05, abs=0.02) and v.ci_low < -common.ACC_MIN


def test_task_final_reads_back_what_it_synthesizes_and_names_the_levels():
    """BD-6's measure: settings named by task and width, the factor's levels in words
    (bn_after_activation True = "after"), the other conditions (lr 0.03, dropout) left
    out by its fixed axes."""
    m = CLAIMS["BD-6"].measure
    rng = np.random.default_rng(0)
    t = Table(("after", "before"), rng.normal(0.9, 0.01, (5, 2)), np.arange(5.0))
    rs = m.synthesize({"digits w32": t})
    assert set(rs.final.bn_after_activation) == {True, False}
    assert set(rs.final.preset) == {"bn_digits"} and set(rs.final.width) == {32}
    extra = rs.final.assign(lr=0.03, test_acc=0.0)  # another lr: not read
    rs = RunSet.from_tables(common.NAME, rs.axes,
                            pd.concat([rs.final, extra], ignore_index=True))
    back = m.read(rs, "digits w32")
    assert back.levels == t.levels and np.allclose(back.values, t.values)
    assert m.selection(("digits w128", "gaussian w32"))["model.bn_after_activation"] == [
        True, False]


def test_bd3_settings_are_task_by_placement_and_two_members_per_rate():
    v = _verdict("BD-3", True, 5)
    assert v.primary_setting == "digits w128 / dropout before BN (every)"
    assert len(v.settings) == 6
    table = next(t for title, t in v.tables.items() if "2×2 cells" in title)
    assert len(table) == 2 * (2 * 2 * 3 + 2)  # (digits w128, w32 × 2 × 3 p; gaussian) × 2
    assert set(table.member.str.split(" ").str[0]) == {"interaction", "BN+DO"}


@pytest.mark.parametrize("boundary", bd3.BD3_MEMBERS)
def test_bd3_each_member_at_its_boundary_is_rarely_supported(boundary):
    claim = CLAIMS["BD-3"]
    labels = [judge(claim, common.NAME, claim.decide(bd3.simulate_bd3(
        np.random.default_rng(seed), False, boundary=boundary))).verdict
        for seed in range(20)]  # at most 10% supported (none in 40 seeds)
    assert labels.count(stats.SUPPORTED) <= 2, labels


def test_bd1a_target_is_reached_by_both_runs_of_every_pair(planted):
    curves = common.Runs.of(planted["BD-1a"][0].curves)
    s = common.PRIMARY
    a, b, target = bd1a.steps_to_relative(curves.get(s, False), curves.get(s, True))
    assert np.isfinite(a).all() and np.isfinite(b).all() and (target > 0.5).all()


def test_bd1a_area_is_the_trapezoid_up_to_the_last_step_both_reached():
    """Trapezoids between uneven evaluations, on the steps and replicates both runs have
    (the longer run's extra evaluation and the lone replicate are left out)."""
    def curve(losses: list[float], steps: tuple = (0, 5, 15, 20), rep: int = 0
              ) -> pd.DataFrame:
        return pd.DataFrame({"replicate": rep, "step": steps[:len(losses)],
                             "train_loss": losses})

    plain = pd.concat([curve([2.0, 1.0, 0.5]), curve([2.0, 2.0, 2.0], rep=1)])
    bn = curve([2.0, 0.5, 0.25, 0.1])
    a, b = bd1a.loss_areas(plain, bn)
    assert a.index.tolist() == [0]  # replicate 1 has no BN run
    assert (a[0], b[0]) == (7.5 + 7.5, 6.25 + 3.75)  # steps 0-5-15, not 20
    a, b = bd1a.loss_areas(plain, bn, fraction=0.5)  # up to step 7.5: 0-5 only
    assert (a[0], b[0]) == (7.5, 6.25)


def test_bd1a_reads_back_what_it_synthesizes_and_shows_the_earlier_steps():
    """Every setting's table through synthesize and the real extractor (areas from the
    train_loss curves, the best-lr settings' lrs selected by it), setting names joined by
    ' / ', and the steps to the relative target beside them, not judged."""
    claim = CLAIMS["BD-1a"]
    rng = np.random.default_rng(3)
    tables = {name: Table(claim.rule.reads(claim), rng.normal(0, 1, (6, 2)), np.arange(6.0))
              for name in claim.settings.judged}
    rs = claim.measure.synthesize(tables)
    assert claim.settings.robustness[0] == "digits w128 / each at its best lr"
    for name, t in tables.items():
        back = claim.measure.read(rs, name)
        pair = bd1a.BEST_PAIR if bd1a.SEP in name else bd1a.SAME_PAIR
        assert back.levels == (pair,) and np.allclose(back.values[:, 0], t.column(pair))
    context, notes = claim.measure.context(rs, claim.settings.judged)
    steps = next(t for title, t in context.items() if title.startswith("Steps to"))
    assert len(steps) == 6 and (steps.ties == 6).all()  # all reach 0.88 at step 0
    assert "tie-limited" in notes[1] and "6 of 6" in notes[1]
    chosen = next(t for title, t in context.items() if title.startswith("Each method's lr"))
    assert len(chosen) == 6 and (chosen["selected lr"] == bd1a.LR_HIGH).all()


def _best_lr_runs() -> RunSet:
    """digits w32 at both lrs, synthesized (lr 0.03 best for both methods), then plain at
    lr 0.03 made e³ slower, so that plain's best is lr 0.003 and BN's stays lr 0.03."""
    claim = CLAIMS["BD-1a"]
    rng = np.random.default_rng(1)
    rs = claim.measure.synthesize({name: Table(claim.rule.reads(claim),
                                               rng.normal(0.5, 0.1, (8, 2)), np.arange(8.0))
                                   for name in ("digits w32", "digits w32 / each at its best lr")})
    c = rs.curves
    c.loc[~c.batch_norm & (c.lr == bd1a.LR_HIGH), "train_loss"] *= np.exp(3.0)
    return rs


def test_bd1a_compares_each_method_at_its_own_best_lr_and_guards_those_runs():
    """Plain's best lr (0.003) and BN's (0.03) differ: the best-lr setting compares plain at
    lr 0.003 with BN at lr 0.03, the table says so, and the guard reads those two runs'
    test accuracy (BN worse at its unselected lr fails only the same-lr setting's guard)."""
    claim = CLAIMS["BD-1a"]
    rs = _best_lr_runs()
    runs = common.Runs.of(rs.curves)
    s = ("bn_digits", 32)
    plain, bn = bd1a.loss_areas(runs.get(s, False, lr=bd1a.LR), runs.get(s, True,
                                                                        lr=bd1a.LR_HIGH))
    back = claim.measure.read(rs, "digits w32 / each at its best lr")
    assert np.allclose(back.column(bd1a.BEST_PAIR), np.log(plain) - np.log(bn))
    context, _ = claim.measure.context(rs, claim.settings.judged)
    chosen = next(t for title, t in context.items() if title.startswith("Each method's lr"))
    assert chosen["selected lr"].tolist() == [bd1a.LR, bd1a.LR_HIGH]  # plain, BN
    for lr, failing in ((bd1a.LR, "digits w32"), (bd1a.LR_HIGH, "digits w32 / each at its "
                                                                 "best lr")):
        rs = _best_lr_runs()
        rs.final.loc[rs.final.batch_norm & (rs.final.lr == lr), "test_acc"] -= 0.05
        guard = claim.gates[0]
        assert {n: guard.check(rs, n).passed for n in ("digits w32", "digits w32 / each at "
                                                       "its best lr")} == {
            n: n != failing for n in ("digits w32", "digits w32 / each at its best lr")}


def test_bd1a_best_lr_ties_go_to_the_first_lr_a_diverged_run_loses_and_ties_are_named():
    assert bd1a.best_lr({0.003: pd.Series([1.0, np.nan]), 0.03: pd.Series([5.0, 5.0])}) == 0.03
    assert bd1a.best_lr({0.003: pd.Series([2.0, 2.0]), 0.03: pd.Series([1.0, 3.0])}) == 0.003
    claim = CLAIMS["BD-1a"]
    rs = _best_lr_runs()
    c = rs.curves
    slow, fast = (~c.batch_norm & (c.lr == lr) for lr in (bd1a.LR_HIGH, bd1a.LR))
    c.loc[slow, "train_loss"] = c.loc[fast, "train_loss"].to_numpy()  # plain's lrs tie
    context, notes = claim.measure.context(rs, claim.settings.judged)
    chosen = next(t for title, t in context.items() if title.startswith("Each method's lr"))
    assert chosen["selected lr"].tolist() == [bd1a.LR, bd1a.LR_HIGH]
    assert "near ties" in notes[-1] and "digits w32 / each at its best lr, plain" in notes[-1]


def test_bd1a_names_a_pair_whose_area_follows_the_late_level_not_the_early_speed():
    """BN faster in the first tenth (planted) but 100× higher afterwards: the whole-run
    area says slower, and a note names the pairs where the two disagree."""
    claim = CLAIMS["BD-1a"]
    rs = claim.simulate(np.random.default_rng(0), True, scale=5.0)
    c = rs.curves
    late = (c.preset == "bn_gaussian") & c.batch_norm & (c.lr == bd1a.LR) & (c.step > 60)
    c.loc[late, "train_loss"] *= 100.0
    _, notes = claim.measure.context(rs, claim.settings.judged)
    split = [n for n in notes if "follows the level reached later" in n]
    assert len(split) == 1 and split[0].count("gaussian w32") == 1
    assert f"gaussian w32, {bd1a.SAME_PAIR}" in split[0]


def test_bd3_members_are_tost_and_bonferroni_bounds_with_their_dual_p(planted):
    """'No 1+1>2' is TOST's one side: the contrast's 90% upper bound, p one-sided; 'no
    better than the better single' may rest on either single, so each at α/2 (the 95%
    upper bound, one-sided p doubled). Each member's p is dual to the CI it is printed
    with: p < α exactly when the upper bound is below +MARGIN."""
    runs = common.Runs.of(planted["BD-3"][0].final)
    ds = runs.clusters(common.PRIMARY)
    for p in common.RATES["bn_digits"]:
        cell = bd3.bd3_cell(runs, common.PRIMARY, p, "every")
        a = cell["acc"]
        tost = stats.mean_ci(a["both"] - a["BN"] - a["DO"] + a["none"], 0.90,
                             null=bd3.MARGIN, clusters=ds)
        e = stats.paired(a["both"], a[cell["single"]], null=bd3.MARGIN, clusters=ds)
        contrast, better = cell["members"]["contrast"], cell["members"]["better"]
        assert contrast.ci_high == pytest.approx(tost.ci_high)
        assert contrast.p == pytest.approx(tost.p / 2 if tost.mean < bd3.MARGIN
                                           else 1 - tost.p / 2)
        assert better.ci_high == pytest.approx(e.ci_high)
        assert better.p == pytest.approx(min(1.0, 2 * stats.one_sided_p(e, -1)))
        for m in (contrast, better):
            assert (m.p < stats.ALPHA) == (m.ci_high < bd3.MARGIN)


@pytest.mark.parametrize("boundary", bd3.BD3_MEMBERS)
def test_bd3_a_member_at_its_margin_holds_at_most_at_alpha(boundary):
    """The size of each support test on one cell: the contrast exactly at +MARGIN holds
    in about α of draws (TOST's one side); BN+DO exactly +MARGIN over both singles holds
    against either in at most α (Bonferroni)."""
    s, p = common.PRIMARY, 0.1
    c = [common.cond(s, False), common.cond(s, True),
         common.cond(s, False, p), common.cond(s, True, p)]
    shifts = {"contrast": (0.0, 0.0, 0.0, bd3.MARGIN),
              "better": (0.0, 0.05, 0.05, 0.05 + bd3.MARGIN)}[boundary]
    held = 0
    for seed in range(200):
        runs = common.Runs.of(common.sim_final(np.random.default_rng(seed), bd3.BD3_SD, c,
                                               dict(zip(c, shifts, strict=True))))
        held += bd3.bd3_cell(runs, s, p, "every")["members"][boundary].ci_high < bd3.MARGIN
    assert held / 200 <= 0.09, held  # α = 0.05: 0.09 is above its binomial 97.5% bound


def test_bd3_capacity_control_is_shown_and_never_decides(planted):
    """The width-32, p = 0.5, dropout-before-every-BN cell is tabled with judged = no and
    named in a note; a '1+1>2' planted in it alone refutes nothing."""
    table = next(t for title, t in planted["BD-3"][1].tables.items() if "2×2 cells" in title)
    control = table[~table.judged]
    assert set(control["dropout p"]) == {0.5} and len(control) == 2
    assert set(control.setting) == {"digits w32 / dropout before BN (every)"}
    assert control["p_holm 1+1>2"].isna().all() and not control["1+1>2"].any()
    assert any(bd3.CONTROL_WHY in n for n in planted["BD-3"][1].notes)
    rs = CLAIMS["BD-3"].simulate(np.random.default_rng(0), True, 5.0)
    fin = rs.final
    both = ((fin.width == 32) & (fin.preset == "bn_digits") & (fin.dropout == 0.5)
            & (fin.dropout_placement == "every") & fin.batch_norm.astype(bool))
    fin.loc[both, "test_acc"] += 0.3  # 1+1>2 in the control cell only
    v = judge(CLAIMS["BD-3"], common.NAME, CLAIMS["BD-3"].decide(rs))
    assert v.verdict == stats.SUPPORTED


def test_bd3_refutation_is_holm_corrected_within_its_setting_only():
    """A cell's '1+1>2' p is Holm-corrected over its own setting's judged cells (its
    rates), never across settings, so the number of settings cannot erase a refutation;
    the refuted setting's statistic is the cell's weakest difference with its own p, dual
    to its 95% CI."""
    rs = CLAIMS["BD-3"].simulate(np.random.default_rng(0), True, 5.0)
    outcome = CLAIMS["BD-3"].decide(rs)
    table = next(t for title, t in outcome.tables.items() if "2×2 cells" in title)
    judged = table[table.judged].drop_duplicates(["setting", "dropout p"])
    assert len(judged) == 13
    for _, cells in judged.groupby("setting"):
        assert np.allclose(cells["p_holm 1+1>2"], stats.holm(cells["p 1+1>2 (cell)"])[1])
    v = _verdict("BD-3", True, -10)  # 0.1 above +MARGIN everywhere: refuted
    for s in v.settings:
        assert s.verdict == stats.REFUTED and "Holm over the setting's" in s.decided_by
        assert s.effect.p < stats.ALPHA and s.effect.ci_low > bd3.MARGIN
        assert (s.ci_level, s.ci_method) == (0.95, "t")


def test_bd3_and_bd1a_notes_say_what_is_not_tested(planted):
    assert bd3.BD3_UNTESTED in planted["BD-3"][1].notes
    notes = planted["BD-1a"][1].notes
    assert len(notes) == 3 and "How to read" in notes[0] and "tie-limited" in notes[1]
    assert "same runs that are then compared" in notes[2] and "no selection was a near tie" \
        in notes[2]


def test_bd4_passes_torch_and_fails_a_broken_implementation():
    v = _verdict("BD-4", True)
    assert v.verdict == stats.SUPPORTED and v.category == "implementation check"
    claim = CLAIMS["BD-4"]
    runs = claim.simulate(np.random.default_rng(0), True, scale=-1.0)  # batch statistics
    assert judge(claim, common.NAME, claim.decide(runs)).verdict == stats.REFUTED


def test_bd5_refutes_a_scale_of_0_7_in_every_run():
    """The rescaling forgotten at p = 0.3 (scale 0.7), through BD-5's own measure."""
    claim = CLAIMS["BD-5"]
    runs = claim.simulate(np.random.default_rng(0), True, scale=-0.3 / probes.SCALE_TOL)
    v = judge(claim, common.NAME, claim.decide(runs))
    assert v.verdict == stats.REFUTED and v.category == "implementation check"
    assert v.ci_high < -probes.SCALE_TOL and v.p_value < stats.ALPHA


def test_least_favourable_null_has_one_member_at_zero():
    """The simulators' members (engine's steps): at the null one at 0, the rest at effect."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        m = steps(rng, 3, NULL, 0.02)
        assert (m == 0).sum() == 1 and (m == 0.02).sum() == 2
    assert (steps(rng, 3, PLANTED, 0.02) == 0.02).all()


def _bd3_one_cell(bn: float, do: float, both: float) -> Verdict:
    """The primary setting at one rate, accuracies shifted from plain by these."""
    s = common.PRIMARY
    c = [common.cond(s, False), common.cond(s, True),
         common.cond(s, False, 0.1), common.cond(s, True, 0.1)]
    rs = RunSet.from_tables(common.NAME, common.AXES, common.sim_final(
        np.random.default_rng(0), 0.01, c, dict(zip(c, (0.0, bn, do, both), strict=True))))
    return judge(CLAIMS["BD-3"], common.NAME, CLAIMS["BD-3"].decide(rs))


def test_bd3_refutes_only_when_bn_do_beats_both_singles_and_the_interaction(planted):
    # dropout alone collapses, BN rescues part of it, BN+DO far below BN alone: the
    # contrast is far above +0.01 but this is the quote's 'worse than alone'
    v = _bd3_one_cell(0.0, -0.3, -0.16)
    assert v.verdict == stats.INCONCLUSIVE and "no '1+1>2'" in v.decided_by
    v = _bd3_one_cell(0.0, 0.0, 0.1)  # 1+1>2: above both singles and the interaction
    assert v.verdict == stats.REFUTED and v.effect == pytest.approx(0.1, abs=0.02)
    table = next(t for title, t in planted["BD-3"][1].tables.items() if "2×2 cells" in title)
    assert set(zip(table["CI level"], table["CI method"], strict=True)) == {
        (0.90, "TOST"), (0.95, "Bonferroni")}

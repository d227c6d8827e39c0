"""Layer-convergence measures (LC-1 ... LC-4: read back what they synthesize), the
helpers they read. The families' contract for the declared claims is tested
registry-wide (tests/test_families.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import NoNoise
from omegaconf import OmegaConf

import experiments.layer_convergence as layer_convergence
from experiments.layer_convergence import common, lc1, lc2, lc3
from harness.judge.table import Table
from harness.track.results import CONF_DIR

CLAIMS = {c.id: c for c in layer_convergence.EXPERIMENT.claims}


def test_replicates_match_the_experiment_yaml(compose_cfg):
    cfg = compose_cfg(experiment="layer_convergence")
    assert cfg.trainer.replicates == common.REPLICATES
    assert cfg.data.num_datasets is None  # every replicate on its own dataset


def _table(levels: tuple, rng: np.random.Generator, loc: float, sd: float,
           clusters: np.ndarray | None = None) -> Table:
    clusters = np.arange(common.REPLICATES) if clusters is None else clusters
    return Table(levels, rng.normal(loc, sd, (common.REPLICATES, len(levels))), clusters)


# ---------------------------------------------------------------- LC-1: settling steps

def test_settling_step_is_the_first_evaluation_after_which_it_stays_below():
    frame = pd.DataFrame({"replicate": 0, "layer": 1, "step": [0, 10, 20, 30, 40],
                          "dist_final": [0.5, 0.05, 0.2, 0.08, 0.0]})
    steps = lc1.settling_steps(frame, "dist_final", 0.1)
    assert steps.settle.tolist() == [30.0]
    assert lc1.settling_steps(frame, "dist_final", 0.6).settle.tolist() == [0.0]
    assert np.isnan(lc1.settling_steps(frame, "dist_final", 0.0).settle.iloc[0])


def test_lc1_to_go_is_the_share_of_each_layers_own_path():
    conv = pd.DataFrame({"replicate": 0, "layer": [1, 1, 1, 2, 2, 2], "step": [1, 12, 23] * 2,
                         "dist_final": [0.4, 0.2, 0.0, 0.02, 0.01, 0.0]})
    assert lc1.with_to_go(conv).to_go.tolist() == [1.0, 0.5, 0.0, 1.0, 0.5, 0.0]


def test_lc1_cka_to_go_takes_out_the_head_start():
    """(1 − CKA_t)/(1 − CKA_1): a layer starting at CKA 0.9 and one starting at 0 that
    cover the same share of their distance settle together."""
    conv = pd.DataFrame({"replicate": 0, "layer": [1, 1, 1, 2, 2, 2], "step": [1, 12, 23] * 2,
                         lc1.CKA: [0.9, 0.95, 1.0, 0.0, 0.5, 1.0]})
    np.testing.assert_allclose(lc1.with_to_go(conv, lc1.CKA).to_go, [1, 0.5, 0, 1, 0.5, 0])


def test_synthesized_settling_steps_are_read_back_on_the_evaluation_grid():
    """Every setting's drawn steps come back rounded to the evaluation grid (half an
    interval at most), with their datasets; a NaN (never settled) stays NaN; the CKA
    settings leave out the logits; the shown distance, drawn on the primary's curve, comes
    back apart from the primary's share of the path, before, after or with it."""
    rng = np.random.default_rng(0)
    measure = lc1.Settling()
    clusters = np.arange(common.REPLICATES) % 6
    tables = {name: _table(lc1.LAYER.levels, rng, 300.0, 200.0, clusters)
              for name in {**lc1.LC1, **lc1.LC1_SHOWN}}
    tables[lc1.LC1_PRIMARY].values[0, 0] = np.nan
    shown = tables[lc1.LC1_DISTANCE].values
    shown[1, 1], shown[2, 2] = np.nan, tables[lc1.LC1_PRIMARY].values[2, 2]
    rs = measure.synthesize(tables)
    for name, drawn in tables.items():
        back = measure.read(rs, name)
        layers = (1, 2, 3) if name.endswith("representations") else (1, 2, 3, 4)
        assert back.levels == layers
        np.testing.assert_array_equal(back.clusters.astype(int), clusters)
        want = drawn.keep(list(layers)).values
        assert np.array_equal(np.isnan(back.values), np.isnan(want))
        ok = np.isfinite(want)
        assert np.abs(back.values[ok] - want[ok]).max() <= lc1.EVAL_EVERY / 2
        assert np.isnan(back.values[0, 0]) == (name == lc1.LC1_PRIMARY)
        assert np.isnan(back.values[1, 1]) == (name == lc1.LC1_DISTANCE)


# ---------------------------------------------------------------- LC-3: imbalance removed

def test_lc3_members_are_the_declared_depths_and_residual_skips_depth_3():
    assert list(lc3.MEMBERS.levels) == [f"{name} at depth {d:g}" for name, depths
                                        in lc3.LC3_DEPTHS.items() for d in depths]
    assert "residual at depth 3" not in lc3.MEMBERS.levels


def test_imbalance_removed_is_read_back_exactly():
    rng = np.random.default_rng(1)
    measure = lc3.ImbalanceRemoved()
    drawn = _table(lc3.MEMBERS.levels, rng, 0.3, 0.7)
    back = measure.read(measure.synthesize({lc3.LC3_SETTING: drawn}), lc3.LC3_SETTING)
    assert back.levels == drawn.levels
    np.testing.assert_allclose(back.values, drawn.values, atol=1e-9)


def test_an_over_correction_counts_as_imbalance():
    """A remedy that turns plain sigmoid's −0.3 into +0.5 (the first layer's gradient
    now 3× the last's) has made the imbalance worse, not removed the vanishing; one that
    lands on +0.1 has reduced it."""
    base = {("sigmoid", "plain", "adam"): np.full((2, len(common.DEPTHS)), -0.3)}
    ratios = {**base, **{(*key, "adam"): np.full((2, len(common.DEPTHS)), 0.1) for key in
                         lc3.REMEDIES.values()}}
    ratios["sigmoid", "bn", "adam"] = np.full((2, len(common.DEPTHS)), 0.5)
    rows = lc3.ImbalanceRemoved().rows(common.variant_runs(ratios, np.arange(2)))
    removed = rows.groupby("remedy").removed.mean()
    np.testing.assert_allclose(removed["batch norm"], -0.2)
    np.testing.assert_allclose(removed[["relu", "residual"]], 0.2)


def test_batch_norm_is_read_in_train_mode_unless_asked_for_eval_mode():
    """grad_ratio reads batch norm's train-mode column (batch statistics) and, with
    bn_train=False, its eval-mode one; a net without batch norm reads grad_out_norm in
    both; plain sigmoid under SGD never stands in for LC-3's Adam reference."""
    ratios = {("sigmoid", "plain", "adam"): np.full((2, len(common.DEPTHS)), -0.3),
              ("sigmoid", "plain", "sgd"): np.full((2, len(common.DEPTHS)), -2.0),
              ("sigmoid", "bn", "adam"): np.full((2, len(common.DEPTHS)), 0.5)}
    rs = common.variant_runs(ratios, np.arange(2))
    ls = rs.table("layer_stats")
    ls.loc[ls.batch_norm & (ls.layer == 1), "grad_out_norm"] = 10.0 ** 0.2  # eval mode
    train, evaluated = (common.grad_ratio(rs, bn_train=b) for b in (True, False))
    np.testing.assert_allclose(common.per_depth(train, "sigmoid", "bn").to_numpy(), 0.5)
    np.testing.assert_allclose(common.per_depth(evaluated, "sigmoid", "bn").to_numpy(), 0.2)
    for gr in (train, evaluated):
        np.testing.assert_allclose(common.per_depth(gr, "sigmoid", "plain").to_numpy(), -0.3)
    rows = lc3.ImbalanceRemoved().rows(rs)
    np.testing.assert_allclose(rows[rows.remedy == "batch norm"].base, -0.3)


def test_bn_grid_alone_asks_for_the_train_mode_probe():
    """Only grid bn's runs change (a run is found by its config's hash)."""
    grids = OmegaConf.load(CONF_DIR / "experiment" / "layer_convergence.yaml").hydra.sweeper.grids
    for name, axes in grids.items():
        asks = "layer_stats_bn_train" in str(axes.get("trainer.probes", ""))
        assert asks == (name == "bn"), name


def test_balance_table_reads_the_margin_as_tost():
    """Within a factor of 2 = the 90% CI of the mean log10 ratio inside ±log10 2."""
    ds = pd.Series(np.arange(24))
    near = pd.Series(0.1 + 0.01 * np.sin(np.arange(24)))
    assert lc3._balance("x", 3, near, ds)["within a factor of 2 (TOST)"] == "balanced"
    assert lc3._balance("x", 3, near + 0.5, ds)["within a factor of 2 (TOST)"] == (
        "not balanced")
    assert lc3._balance("x", 3, near - 0.1 + lc3.BALANCED, ds)[
        "within a factor of 2 (TOST)"] == "undecided"


def test_lc3_shows_residual_depth_3_unjudged_and_revisions_are_filled():
    outcome = CLAIMS["LC-3"].decide(CLAIMS["LC-3"].simulate(np.random.default_rng(0), True))
    shown = next(t for k, t in outcome.tables.items() if k.startswith("Shown, not judged"))
    assert list(zip(shown.remedy, shown.depth, strict=True)) == [("residual", "3")]
    members = next(t for k, t in outcome.tables.items() if k.startswith("Members"))
    assert members.member.tolist() == list(lc3.MEMBERS.levels)
    balance = next(t for k, t in outcome.tables.items() if "balanced within" in k)
    assert len(balance) == len(common.DEPTHS) * (1 + len(lc3.REMEDIES))  # plain too
    assert CLAIMS["LC-1"].revision and CLAIMS["LC-3"].revision


# ---------------------------------------------------------------- LC-4: accuracy by depth

def test_variant_accuracy_is_read_back_for_plain_sigmoid_only():
    measure = CLAIMS["LC-4"].measure
    drawn = _table(common.DEPTHS, np.random.default_rng(2), 0.75, 0.05)
    rs = measure.synthesize({common.BASE: drawn})
    assert measure.settings_in(rs) == [common.BASE]
    np.testing.assert_allclose(measure.read(rs, common.BASE).values, drawn.values)
    assert measure.selection((common.BASE,))["model.batch_norm"] == [False]


# ---------------------------------------------------------------- LC-2: gradient ratio

def test_layer_speed_reads_back_the_basis_and_derives_the_rest():
    """Per setting (optimizer), the depth-3 gradient ratio, the changes and the relative
    updates come back exactly; the depth-5 and depth-9 ratios are their sums."""
    measure = CLAIMS["LC-2"].measure
    rng = np.random.default_rng(3)
    drawn = {s: _table(lc2.RATIO_MEMBERS.levels, rng, -0.3, 0.5) for s in lc2.OPTIMIZER_OF}
    rs = measure.synthesize(drawn)
    assert measure.settings_in(rs) == [lc2.SGD, lc2.ADAM]
    for setting, table in drawn.items():
        back = measure.read(rs, setting)
        assert back.levels == table.levels
        for m in lc2.RATIO_BASIS:
            np.testing.assert_allclose(back.column(m), table.column(m), atol=1e-9)
        np.testing.assert_allclose(back.column("depth 9"), table.column("depth 3")
                                   + table.column("depth 3 → 5")
                                   + table.column("depth 5 → 9"), atol=1e-9)


def test_lc2_null_puts_one_basis_member_at_zero_and_every_other_holds():
    """The least-favourable null draws only members that can sit at 0 while every other
    holds (the depth-5 and depth-9 gradient ratios cannot), read back on a noise-free
    draw of the primary (plain SGD); over the seeds every basis member is drawn."""
    claim = CLAIMS["LC-2"]
    assert claim.primary == lc2.SGD and claim.settings.robustness == (lc2.ADAM,)
    chosen = set()
    for seed in range(40):
        rs = claim.simulate(NoNoise(seed), False)
        values = claim.measure.read(rs, lc2.SGD).values.mean(0)
        at = {m for m, v in zip(lc2.RATIO_MEMBERS.levels, values, strict=True)
              if abs(v) < 1e-9}
        assert len(at) == 1 and (np.delete(values, [lc2.RATIO_MEMBERS.levels.index(
            *at)]) < -1e-6).all(), values
        chosen |= at
    assert chosen == set(lc2.RATIO_BASIS)


def test_sgd_grid_is_the_plain_grid_but_for_the_optimizer(compose_cfg):
    """plain_sgd trains plain sigmoid's nets, data and budget under SGD without momentum."""
    point = ["experiment=layer_convergence", "preset=variants", "model.depth=5"]
    adam, sgd = (compose_cfg([*point, *extra]) for extra in (
        [], ["optim.name=sgd", "optim.lr=0.2", "optim.momentum=0.0"]))
    assert (sgd.optim.name, sgd.optim.momentum) == ("sgd", 0.0)
    assert adam.optim.name == "adam"
    for key in ("data", "model", "trainer"):
        assert adam[key] == sgd[key]
    grids = OmegaConf.load(CONF_DIR / "experiment" / "layer_convergence.yaml").hydra.sweeper.grids
    assert dict(grids.plain_sgd) == {"preset": "variants", "model.depth": "3,5,9",
                                     "optim.name": "sgd", "optim.lr": 0.2,
                                     "optim.momentum": 0.0}

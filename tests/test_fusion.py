"""Sweep-level fusion: points trained as one computation equal the points trained apart."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from harness.track import tracking
from harness.train import fusion
from harness.train.models import BatchedMLP, from_channels
from harness.train.trainer import train, train_group
from tests.conftest import ROOT, assert_same_training, run_cli, runs_in

SMALL = ["model.widths=[16,8]", "trainer.replicates=3", "trainer.steps=40",
         "trainer.epochs=null", "trainer.batch_size=16", "data.n=120", "trainer.evals=4"]

DATA_OPTIONS = ["data.val_fraction=0.25", "data.dummy_dims=6", "data.mixing=uniform",
                "data.preprocess=[standardize,pca]", "data.pca_components=5"]
# each list: the points of one fused group (they differ only in per-replicate values)
GROUPS = {
    "init, seeds, penalties": [
        ["model.init=xavier"], ["model.init=he", "trainer.seed=5", "data.seed=3"],
        ["model.init=normal", "model.init_std=0.5", "reg.l2=0.01"],
        ["reg.l1=0.003"]],
    "adam lr and decay": [
        ["optim.lr=0.01"], ["optim.lr=0.001", "optim.weight_decay=0.01"],
        ["optim.lr=0.03", "reg.l2=0.001"]],
    "batch norm: adam lr": [  # flat (R·F,) BN parameters take per-replicate values too
        ["model.batch_norm=true", "optim.lr=0.01"],
        ["model.batch_norm=true", "optim.lr=0.001", "optim.weight_decay=0.01"]],
    "batch norm: sgd lr and momentum": [
        ["model.batch_norm=true", "optim.name=sgd", "optim.lr=0.1", "optim.momentum=0.9"],
        ["model.batch_norm=true", "optim.name=sgd", "optim.lr=0.05", "optim.momentum=0.5"]],
    # each point's masks from its own stream: the very masks it draws alone
    "dropout rates and seeds": [
        ["model.dropout=0.1", "trainer.probes=[weights,dropout]"],
        ["model.dropout=0.3", "trainer.seed=4", "trainer.probes=[weights,dropout]"],
        ["model.dropout=0.5", "trainer.probes=[weights,dropout]"]],
    "batch norm: plain dropout rates": [
        ["model.batch_norm=true", "model.dropout=0.2", "model.dropout_scaling=test"],
        ["model.batch_norm=true", "model.dropout=0.4", "model.dropout_scaling=test",
         "optim.lr=0.01"]],
    # each point's own datasets, validation splits and preprocessing fits
    "data options: validation split, dummy dimensions, pca": [
        [*DATA_OPTIONS, "optim.lr=0.01"], [*DATA_OPTIONS, "data.seed=3", "trainer.seed=2"]],
    "sgd lr, momentum, proximal l1": [
        ["optim.name=sgd", "reg.proximal=true", "reg.l1=0.01", "optim.lr=0.1"],
        ["optim.name=sgd", "reg.proximal=true", "reg.l1=0.1", "optim.lr=0.05",
         "optim.momentum=0.9"],
        ["optim.name=sgd", "reg.proximal=true", "reg.l1=0.01", "optim.lr=0.1",
         "optim.momentum=0.5", "optim.weight_decay=0.001"]],
}


@pytest.mark.parametrize("name", GROUPS)
def test_fused_points_equal_points_trained_apart(compose_cfg, name):
    """Every metric, curve and probe table of each fused point equals its own run's, to
    float rounding (the stacked replicates only change the shapes of the kernels)."""
    cfgs = [compose_cfg([*SMALL, "trainer.probes=[weights]", *o]) for o in GROUPS[name]]
    assert len({fusion.fusion_key(c) for c in cfgs}) == 1
    # BatchNorm's CPU kernels sum in another order when the channel count (R·F) changes,
    # and 40 steps on batches of 16 amplify it: a replicate's loss moves ~1e-3 between
    # R = 3 and R = 6 unfused too, and an accuracy near chance flips a sample or two.
    # There, the continuous measures are compared at a looser tolerance.
    bn = "batch norm" in name
    tol = {"rtol": 2e-2, "atol": 2e-2} if bn else {"rtol": 1e-4, "atol": 1e-5}
    fused = train_group(cfgs)
    for cfg, got in zip(cfgs, fused, strict=True):
        alone = train(cfg)
        assert_same_training(got, alone, tol, accuracies=not bn)
        assert got.info["lr_effective"] == alone.info["lr_effective"]
        assert got.info["fused_points"] == len(cfgs)


@pytest.mark.parametrize("scaling", ["inverted", "test"])
def test_each_fused_point_draws_the_masks_it_draws_alone(compose_cfg, scaling):
    """Mask by mask, two draws in a row: each point's slice of the fused model's dropout
    equals its own model's after torch.manual_seed(its seed), as its run alone seeds
    it, for a contiguous input, BatchNorm's layout (replicates strided inside the batch)
    and the dropout probe's expanded input; eval mode draws nothing from any stream."""
    cfg = compose_cfg([*SMALL, "model.dropout=0.3", f"model.dropout_scaling={scaling}"]).model
    sizes, rates, seeds = [2, 3], [0.3, 0.5], [11, 12]
    alone = [BatchedMLP(OmegaConf.merge(cfg, {"dropout": p}), 4, 2, list(range(n)))
             for n, p in zip(sizes, rates, strict=True)]
    inputs = {"contiguous": torch.randn(5, 8, 6),
              "batch norm layout": from_channels(torch.randn(8, 5 * 6), 5),
              "probe": torch.randn(5, 8, 6).unsqueeze(0).expand(4, 5, 8, 6)}
    for kind, z in inputs.items():
        fused = BatchedMLP(cfg, 4, 2, list(range(5)))
        fused.split_dropout(sizes, rates, seeds, torch.device("cpu"))
        before = torch.get_rng_state()
        evaluated = fused.drop(z, False)
        assert torch.equal(torch.get_rng_state(), before)
        got = torch.cat([fused.drop(z, True), fused.drop(z, True)], dim=-3)
        want, evals = [], []
        for part, model, seed in zip(z.split(sizes, dim=-3), alone, seeds, strict=True):
            torch.manual_seed(seed)
            want.append(torch.cat([model.drop(part, True), model.drop(part, True)], dim=-3))
            evals.append(model.drop(part, False))
        for mine, theirs in zip(_interleave(got, sizes), want, strict=True):
            assert torch.equal(mine, theirs), kind
        assert torch.equal(evaluated, torch.cat(evals, dim=-3)), kind


def _interleave(draws: torch.Tensor, sizes: list[int]) -> list[torch.Tensor]:
    """Two fused draws, concatenated on dim -3, as each point's two draws."""
    first, second = draws.split([sum(sizes)] * 2, dim=-3)
    return [torch.cat(pair, dim=-3) for pair in zip(first.split(sizes, dim=-3),
                                                    second.split(sizes, dim=-3), strict=True)]


def test_what_fuses(compose_cfg):
    key = fusion.fusion_key
    base = compose_cfg(SMALL)
    assert key(base) == key(compose_cfg([*SMALL, "claims=[X-1]"]))  # labels, not training
    assert key(base) == key(compose_cfg([*SMALL, "optim.lr=0.1", "reg.l1=1"]))
    assert key(base) != key(compose_cfg([*SMALL, "trainer.batch_size=8"]))
    assert key(base) != key(compose_cfg([*SMALL, "optim.name=sgd"]))
    dropout = key(compose_cfg([*SMALL, "model.dropout=0.2"]))
    assert dropout == key(compose_cfg([*SMALL, "model.dropout=0.5", "trainer.seed=3"]))
    assert dropout != key(base)  # the dropout probe's table exists only with dropout


def test_members_rebuild_each_point_from_the_job_config(compose_cfg):
    """The sweeper's ``fused`` override, parsed as Hydra parses it, gives back configs
    with the same identity (config hash) as composing each point directly."""
    points = [[*SMALL, "optim.lr=0.01"], [*SMALL, "optim.lr=0.1", "model.init=he"],
              [*SMALL, "reg.l2=0.5", "claims=[X-1]"]]
    cfgs = [compose_cfg(p) for p in points]
    override = fusion.encode([fusion.member_spec(cfgs[0], p, c)
                              for p, c in zip(points[1:], cfgs[1:], strict=True)])
    job = compose_cfg([*points[0], override])  # parsed as Hydra parses a job's overrides
    assert tracking.config_hash(job) == tracking.config_hash(cfgs[0])
    rebuilt = fusion.members(job)
    assert [o for o, _ in rebuilt] == points[1:]
    assert [tracking.config_hash(c) for _, c in rebuilt] == \
        [tracking.config_hash(c) for c in cfgs[1:]]
    assert list(rebuilt[1][1].claims) == ["X-1"]


def test_groups_keep_order_and_cap(monkeypatch):
    monkeypatch.setattr(fusion, "fusion_key", lambda cfg: cfg)  # the "config" is its key
    monkeypatch.setattr(fusion, "memory_needed", lambda cfg: 1.0)
    monkeypatch.setattr(fusion, "memory_limit", lambda cfg: 2.5)
    points = [([str(i)], "ab"[i % 2]) for i in range(7)] + [(["7"], None)]
    assert fusion.groups(points, 2) == [[0, 2], [4, 6], [1, 3], [5], [7]]
    monkeypatch.setattr(fusion, "memory_limit", lambda cfg: 100.0)
    assert fusion.groups(points, 16) == [[0, 2, 4, 6], [1, 3, 5], [7]]
    assert fusion.groups(points, 3) == [[0, 2, 4], [6], [1, 3, 5], [7]]
    monkeypatch.setattr(fusion, "memory_limit", lambda cfg: 1.5)  # memory alone splits them
    assert fusion.groups(points, 16) == [[i] for i in (0, 2, 4, 6, 1, 3, 5, 7)]


def test_fused_json_survives_hydra_quoting():
    """Quotes, backslashes, non-ASCII text and ``${`` inside a member's overrides come
    back intact through Hydra's override parser (no interpolation, no lost escapes)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    specs = [{"overrides": ["a='it''s'", "b=x\\y", "c=é", "d=${oops}"], "set": {"k": 1}}]
    parsed = OverridesParser.create().parse_overrides([fusion.encode(specs)])[0]
    assert json.loads(parsed.value()) == specs


def test_a_fused_sweep_logs_the_same_runs_as_an_unfused_one(tmp_path, migrated_store_file):
    """Through the real CLI: with hydra.sweeper.fuse=true (the default only on CUDA) the
    grids sweeper fuses the regularization strengths into one job, and the store holds
    one run per point with the same config hashes, names and metrics as with
    hydra.sweeper.fuse=false."""
    import shutil

    from omegaconf import OmegaConf

    grids = OmegaConf.load(ROOT / "conf/experiment/regularization.yaml").hydra.sweeper.grids
    sweep = ["-m", "experiment=regularization", "profile=smoke",  # abid_l1: l1 = 0, 0.1, 1
             *(f"~hydra.sweeper.grids.{g}" for g in grids if g != "abid_l1")]
    stores = {}
    for fuse in ("true", "false"):
        shutil.copyfile(migrated_store_file, tmp_path / f"{fuse}.db")
        uri = f"sqlite:///{tmp_path / f'{fuse}.db'}"
        proc = run_cli([*sweep, f"hydra.sweeper.fuse={fuse}", "hydra.sweeper.fuse_max=3"], uri,
                   tmp_path / fuse)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs = runs_in(uri)
        stores[fuse] = runs.set_index("tags.config_hash").sort_index()
    fused, apart = stores["true"], stores["false"]
    assert len(fused) == 3 and (fused.status == "FINISHED").all()
    assert (fused["metrics.fused_points"] == 3).all() and (apart["metrics.fused_points"] == 1).all()
    assert list(fused.index) == list(apart.index)
    assert list(fused["tags.mlflow.runName"]) == list(apart["tags.mlflow.runName"])
    np.testing.assert_allclose(fused["metrics.test_acc"], apart["metrics.test_acc"],
                               rtol=1e-4, atol=1e-5)

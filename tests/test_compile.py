"""trainer.compile: a compiled step trains the same replicates as the eager one."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.utils import counters

from harness.track import tracking
from harness.train.trainer import train, train_group
from tests.conftest import assert_same_training

SMALL = ["model.widths=[16,8]", "trainer.replicates=3", "trainer.steps=40",
         "trainer.epochs=null", "trainer.batch_size=16", "data.n=120", "trainer.evals=4",
         "trainer.probes=[weights]"]

CASES = {
    "adam": [],
    # the masks are eager's (fallback_random), the penalties inside the compiled graph
    "dropout, l1 and l2": ["model.dropout=0.3", "reg.l1=0.003", "reg.l2=0.01"],
    "sgd, proximal l1": ["optim.name=sgd", "optim.lr=0.1", "reg.proximal=true", "reg.l1=0.01"],
    "batch norm": ["model.batch_norm=true"],
    # the objective's per-replicate class weights and the focal factor inside the graph
    "balanced weights": ["trainer.class_weight=balanced", "data.class1_fraction=0.2"],
    "focal": ["trainer.loss=focal", "trainer.focal_alpha=0.25", "data.class1_fraction=0.2"],
}


@pytest.mark.parametrize("name", CASES)
def test_compiled_step_trains_as_eager(compose_cfg, name):
    """Metrics, curves, probe tables and weights of a compiled run equal the eager run's
    to float rounding: inductor fuses the same arithmetic into other kernels."""
    eager = train(compose_cfg([*SMALL, *CASES[name], "trainer.compile=false"]))
    graphs = counters["stats"]["unique_graphs"]  # dynamo's count over the process
    compiled = train(compose_cfg([*SMALL, *CASES[name], "trainer.compile=true"]))
    assert counters["stats"]["unique_graphs"] > graphs  # compiled, not a silent fallback
    bn = name == "batch norm"
    # A bias before BatchNorm has a gradient of exactly 0 in exact arithmetic; each
    # kernel's rounding leaves ~1e-9 of its own, and Adam's first steps (g / |g|) turn
    # that into ±lr moves, which BatchNorm then cancels. Those biases differ, nothing
    # they feed does beyond the drift the fusion test sees: losses at a looser tolerance.
    tol = {"rtol": 2e-2, "atol": 2e-2} if bn else {"rtol": 1e-4, "atol": 1e-5}
    assert_same_training(compiled, eager, tol, accuracies=not bn)
    before_bn = {f"biases.{i}" for i in range(len(eager.model.weights) - 1)} if bn else set()
    for (key, mine), theirs in zip(compiled.model.named_parameters(),
                                   eager.model.parameters(), strict=True):
        if key not in before_bn:
            torch.testing.assert_close(mine, theirs, rtol=tol["rtol"], atol=tol["atol"],
                                       msg=key)


def test_compile_is_off_by_default_and_not_part_of_a_points_identity(compose_cfg):
    """Off unless asked for (no gain on the CPU, unmeasured on CUDA: results/bench.md),
    and compiling does not change what a point is: the same config hash, so a finished
    eager point is not trained again compiled."""
    cfg = compose_cfg(SMALL)
    assert cfg.trainer.compile is False
    on = compose_cfg([*SMALL, "trainer.compile=true"])
    assert tracking.config_hash(on) == tracking.config_hash(cfg)


def test_every_run_in_a_worker_compiles(compose_cfg):
    """A sweep worker trains point after point in one process; dynamo's cache, guarded on
    the previous point's model, would stop compiling after ``recompile_limit`` points
    (a warning, then eager). With the limit at 1, made an error, a second point (another
    model) still compiles."""
    small = [*SMALL, "trainer.compile=true", "trainer.steps=3", "trainer.probes=[]"]
    with torch._dynamo.config.patch(recompile_limit=1, fail_on_recompile_limit_hit=True):
        train(compose_cfg(small))
        train(compose_cfg([*small, "model.widths=[8]"]))


def test_compiled_fused_dropout_points_train_as_apart(compose_cfg):
    """Forced on, compiling fused points with dropout still gives each point the masks
    and results of its own eager run (the stream switches run between graphs)."""
    points = [["model.dropout=0.1"], ["model.dropout=0.3", "trainer.seed=4"]]
    probes = "trainer.probes=[weights,dropout]"
    graphs = counters["stats"]["unique_graphs"]
    fused = train_group([compose_cfg([*SMALL, probes, "trainer.compile=true", *o])
                         for o in points])
    assert counters["stats"]["unique_graphs"] > graphs
    for got, o in zip(fused, points, strict=True):
        alone = train(compose_cfg([*SMALL, probes, "trainer.compile=false", *o]))
        assert_same_training(got, alone, {"rtol": 1e-4, "atol": 1e-5})

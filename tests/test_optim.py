"""ReplicateOptimizer against stock torch.optim.

With per-replicate hyperparameters, each replicate's slice must follow a stock optimizer
run on that slice alone with that replicate's values. With shared values, the stacked
tensors must follow the stock fused optimizer the trainer uses today.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from harness.train.optim import ReplicateOptimizer, replicate_optimizer

R = 3
STEPS = 20
# an MLP's worth of stacked parameters: weight matrices (decayed) and biases (not)
WEIGHT_SHAPES = [(R, 5, 3), (R, 2, 5)]
OTHER_SHAPES = [(R, 5), (R, 2)]
# float32: torch's default tolerances. float64: agreement to rounding.
TOL = {torch.float32: {}, torch.float64: {"rtol": 1e-12, "atol": 1e-12}}

STOCK = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
         "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}
LR = {"sgd": [0.05, 0.1, 0.02], "adam": [1e-2, 3e-2, 3e-3], "adamw": [1e-2, 3e-2, 3e-3],
      "rmsprop": [1e-2, 3e-3, 2e-2], "adagrad": [0.1, 0.03, 0.2]}
# (algorithm, shared options, per-replicate momentum or None)
CASES = [
    ("sgd", {}, None),
    ("sgd", {}, [0.9, 0.0, 0.5]),
    ("sgd", {"nesterov": True}, [0.9, 0.5, 0.99]),
    ("adam", {"betas": (0.8, 0.99)}, None),
    ("adamw", {}, None),
    ("rmsprop", {}, None),
    ("rmsprop", {}, [0.9, 0.0, 0.5]),
    ("adagrad", {}, None),
]
CASE_IDS = [f"{n}-{'nesterov' if o.get('nesterov') else 'mom' if m else 'plain'}"
            for n, o, m in CASES]


def stacked(dtype: torch.dtype, seed: int = 0) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    gen = torch.Generator().manual_seed(seed)
    make = [nn.Parameter(torch.randn(s, generator=gen, dtype=dtype))
            for s in WEIGHT_SHAPES + OTHER_SHAPES]
    return make[:len(WEIGHT_SHAPES)], make[len(WEIGHT_SHAPES):]


def gradients(params: list[torch.Tensor], seed: int = 1) -> list[list[torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    return [[torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]
            for _ in range(STEPS)]


def run(opt: torch.optim.Optimizer, params: list[torch.Tensor],
        grads: list[list[torch.Tensor]], slice_: int | None = None) -> None:
    """Feed the same gradients to ``params`` (the ``slice_`` replicate's part, if given)."""
    for step in grads:
        for p, g in zip(params, step, strict=True):
            p.grad = (g if slice_ is None else g[slice_]).clone()
        opt.step()


def stock(name: str, weights: list[torch.Tensor], others: list[torch.Tensor], lr: float,
          wd: float, momentum: float, fused: bool | None = None, **opts) -> torch.optim.Optimizer:
    """The stock optimizer as harness.train.trainer.make_optimizer builds it."""
    kw = dict(opts)
    if name in ("sgd", "rmsprop"):
        kw["momentum"] = momentum
    if fused is not None:
        kw["fused" if name != "rmsprop" else "foreach"] = True
    groups = [{"params": weights}, {"params": others, "weight_decay": 0.0}]
    return STOCK[name](groups, lr, weight_decay=wd, **kw)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("decay", [False, True], ids=["wd0", "wd"])
@pytest.mark.parametrize(("name", "opts", "momentum"), CASES, ids=CASE_IDS)
def test_each_replicate_matches_stock_on_its_slice(name, opts, momentum, decay, dtype):
    weights, others = stacked(dtype)
    init = [p.detach().clone() for p in weights + others]
    grads = gradients(weights + others)
    lr = torch.tensor(LR[name], dtype=torch.float64)
    wd = torch.tensor([0.1, 0.0, 0.03] if decay else [0.0] * R, dtype=torch.float64)
    mom = torch.tensor(momentum or [0.0] * R, dtype=torch.float64)
    opt = replicate_optimizer(weights, others, name, lr, weight_decay=wd, momentum=mom,
                              **opts)
    run(opt, weights + others, grads)
    for r in range(R):
        alone = [nn.Parameter(p[r].clone()) for p in init]
        ref = stock(name, alone[:len(weights)], alone[len(weights):], lr[r].item(),
                    wd[r].item(), mom[r].item(), **opts)
        run(ref, alone, grads, slice_=r)
        for ours, theirs in zip(weights + others, alone, strict=True):
            torch.testing.assert_close(ours[r], theirs.detach(), **TOL[dtype])


@pytest.mark.parametrize("as_tensor", [False, True], ids=["floats", "tensors"])
@pytest.mark.parametrize(("name", "opts", "momentum"), CASES, ids=CASE_IDS)
def test_shared_values_match_stock_fused_on_stacked(name, opts, momentum, as_tensor):
    """Equal values for every replicate, as floats or as length-R tensors: the fused
    optimizer (foreach for rmsprop, which has no fused kernel) on the stacked tensors."""
    lr, wd, mom = LR[name][0], 0.05, (momentum or [0.0])[0]
    weights, others = stacked(torch.float32)
    init = [p.detach().clone() for p in weights + others]
    grads = gradients(weights + others)

    def hyper(v: float) -> float | torch.Tensor:
        return torch.full((R,), v) if as_tensor else v

    run(replicate_optimizer(weights, others, name, hyper(lr), weight_decay=hyper(wd),
                            momentum=hyper(mom), **opts), weights + others, grads)
    theirs = [nn.Parameter(p) for p in init]
    run(stock(name, theirs[:2], theirs[2:], lr, wd, mom, fused=True, **opts), theirs, grads)
    for a, b in zip(weights + others, theirs, strict=True):
        torch.testing.assert_close(a, b.detach())


@pytest.mark.parametrize(("name", "opts", "momentum"), CASES, ids=CASE_IDS)
def test_zero_lr_replicate_does_not_move(name, opts, momentum):
    weights, others = stacked(torch.float32)
    init = [p.detach().clone() for p in weights + others]
    lr = torch.tensor([LR[name][0], 0.0, LR[name][2]])
    opt = replicate_optimizer(weights, others, name, lr, weight_decay=torch.tensor(
        [0.1, 0.1, 0.0]), momentum=torch.tensor(momentum or [0.0] * R), **opts)
    run(opt, weights + others, gradients(weights + others))
    for p, p0 in zip(weights + others, init, strict=True):
        assert torch.equal(p[1], p0[1])
        assert not torch.equal(p[0], p0[0]) and not torch.equal(p[2], p0[2])


def test_changed_lr_takes_effect():
    """Views are cached per parameter, yet an in-place edit or a new tensor in the group
    takes effect on the next step."""
    w = stacked(torch.float32)[0][0]
    lr = torch.tensor([0.1, 0.1, 0.1])
    opt = ReplicateOptimizer([w], "sgd", lr=lr)
    w.grad = torch.ones_like(w)
    before = w.detach().clone()
    opt.step()
    torch.testing.assert_close(w.detach(), before - 0.1)
    lr.mul_(torch.tensor([0.0, 1.0, 2.0]))
    opt.step()
    torch.testing.assert_close(w[0], before[0] - 0.1)
    torch.testing.assert_close(w[2], before[2] - 0.3)
    opt.param_groups[0]["lr"] = torch.tensor([1.0, 0.0, 0.0])
    opt.step()
    torch.testing.assert_close(w[0], before[0] - 1.1)
    torch.testing.assert_close(w[2], before[2] - 0.3)


def test_state_dict_round_trip():
    """A reloaded optimizer continues exactly where the original was."""
    weights, others = stacked(torch.float32)
    params = weights + others
    grads = gradients(params)

    def make(ps: list[nn.Parameter]) -> ReplicateOptimizer:
        return replicate_optimizer(ps[:2], ps[2:], "adamw", torch.tensor(LR["adam"]),
                                   weight_decay=torch.tensor([0.1, 0.0, 0.03]))

    opt = make(params)
    run(opt, params, grads[:10])
    copies = [nn.Parameter(p.detach().clone()) for p in params]
    other = make(copies)
    other.load_state_dict(copy.deepcopy(opt.state_dict()))  # as torch.save/load would
    run(opt, params, grads[10:])
    run(other, copies, grads[10:])
    for a, b in zip(params, copies, strict=True):
        assert torch.equal(a, b)


def test_bad_hyperparameters_are_refused():
    weights, others = stacked(torch.float32)
    for p in weights:
        p.grad = torch.ones_like(p)
    with pytest.raises(ValueError, match="4 values"):  # R is 3: found at the first step
        ReplicateOptimizer(weights, "adam", lr=torch.full((4,), 1e-3)).step()
    with pytest.raises(ValueError, match="1-D"):
        ReplicateOptimizer(weights, "adam", lr=torch.ones(R, 1))
    with pytest.raises(ValueError, match=">= 0"):
        ReplicateOptimizer(weights, "sgd", lr=torch.tensor([0.1, -0.1, 0.1]))
    with pytest.raises(ValueError, match="momentum"):
        ReplicateOptimizer(weights, "adam", momentum=0.9)
    with pytest.raises(ValueError, match="nesterov"):
        ReplicateOptimizer(weights, "sgd", nesterov=True)
    with pytest.raises(ValueError, match="algorithm"):
        ReplicateOptimizer(weights, "lbfgs")



SHARED_MOMENTUM = [(n, o, m) for n, o, m in CASES if m is None] + [
    ("sgd", {}, 0.9), ("sgd", {"nesterov": True}, 0.9), ("rmsprop", {}, 0.5)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("decay", [False, True], ids=["wd0", "wd"])
@pytest.mark.parametrize(("name", "opts", "momentum"), SHARED_MOMENTUM,
                         ids=[f"{n}-{m or 0}{'-nesterov' if o else ''}"
                              for n, o, m in SHARED_MOMENTUM])
def test_scaled_optimizer_matches_stock_on_each_slice(name, opts, momentum, decay, dtype):
    """ScaledOptimizer (the stock fused kernel on shadows, then lr_r per replicate):
    each replicate follows stock torch.optim on its own slice with its own lr and decay."""
    from harness.train.optim import ScaledOptimizer

    weights, others = stacked(dtype)
    init = [p.detach().clone() for p in weights + others]
    grads = gradients(weights + others)
    lr = torch.tensor(LR[name], dtype=torch.float64)
    wd = torch.tensor([0.1, 0.0, 0.03] if decay else [0.0] * R, dtype=torch.float64)
    mom = float(momentum or 0.0)
    opt = ScaledOptimizer(weights, others, name,
                          lambda w, o: stock(name, w, o, 1.0, 0.0, mom, fused=True, **opts),
                          lr, wd)
    run(opt, weights + others, grads)
    for r in range(R):
        alone = [nn.Parameter(p[r].clone()) for p in init]
        ref = stock(name, alone[:len(weights)], alone[len(weights):], lr[r].item(),
                    wd[r].item(), mom, **opts)
        run(ref, alone, grads, slice_=r)
        for ours, theirs in zip(weights + others, alone, strict=True):
            torch.testing.assert_close(ours[r], theirs.detach(), **TOL[dtype])

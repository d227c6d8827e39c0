"""Batched trainer: R replicates of one configuration trained as one computation.

Replicate r draws its initial weights and its minibatch order from its own seed
(``seed_for(trainer.seed, r)``) and trains on dataset r mod k, so every condition of a
claim sees the same replicates (paired comparisons) and "several datasets" costs no
extra passes. The trainer knows nothing about experiments: it returns curves and
per-replicate summaries, and probes add their own measurements.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from sklearn.utils.class_weight import compute_class_weight

from harness.core.confighash import to_container
from harness.train.data import (
    ReplicateData,
    batched_indices,
    concat_data,
    replicate_data,
    seed_for,
    warmup_indices,
)
from harness.train.models import BatchedMLP
from harness.train.optim import ScaledOptimizer, replicate_optimizer
from harness.train.penalties import active, is_on, penalty, soft_threshold_
from harness.train.probes import EvalContext, StepContext, build_probes
from harness.train.schema import (
    Device,
    Loss,
    OptimConfig,
    OptimName,
    RegConfig,
    TrainerConfig,
    eval_schedule,
    input_dim,
    n_train,
)

# glibc's malloc_trim, where the C library has it (Linux with glibc; None elsewhere)
_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform == "linux" else None


def release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system. Evaluations allocate and free
    large blocks every step while small tensors kept for probes and minibatch blocks
    settle between them; glibc then keeps the freed space, and a 72-replicate fused run
    grew by several MB a step until the kernel killed it. Trimming at every evaluation
    keeps the resident size flat (a few ms each)."""
    if _TRIM is not None:
        _TRIM(0)


def resolve_device(device: Device | str) -> torch.device:
    if Device(device) == Device.auto:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(Device(device).value)


def total_steps(t: TrainerConfig, n_tr: int) -> int:
    """The step budget: explicit, or floor(epochs · epoch_size / batch_size), at least 1;
    after the shared first phase (``trainer.warmup_steps``), which it does not count."""
    if t.steps is not None:
        return int(t.steps)
    return max(1, int(t.epochs * (t.epoch_size or n_tr) / t.batch_size))


def effective_lr(o: OptimConfig, batch_size: int) -> float:
    """Learning rate after the optional batch scaling rule: linear (Goyal et al. 2017,
    lr_scale_power 1) or square root (lr_scale_power 0.5)."""
    if not o.lr_ref_batch:
        return o.lr
    return o.lr * (batch_size / o.lr_ref_batch) ** o.lr_scale_power


def make_optimizer(weights: Iterable[torch.nn.Parameter], others: Iterable[torch.nn.Parameter],
                   o: OptimConfig, lr: float):
    """A stock torch.optim optimizer; all of these update each element independently.
    Weight decay applies to the weight matrices only, not to ``others`` (biases, BN)."""
    name = OptimName(o.name)
    wd = o.weight_decay
    # one group when there is no decay: a fused optimizer launches one kernel per group
    params = ([*weights, *others] if wd == 0 else
              [{"params": list(weights)}, {"params": list(others), "weight_decay": 0.0}])
    # fused kernels: one call per step instead of a dozen per tensor (3x faster on CPU)
    if name == OptimName.sgd:
        return torch.optim.SGD(params, lr, momentum=o.momentum, nesterov=o.nesterov,
                               weight_decay=wd, fused=True)
    if name == OptimName.adam:
        return torch.optim.Adam(params, lr, betas=tuple(o.betas), eps=o.eps, weight_decay=wd,
                                fused=True)
    if name == OptimName.adamw:
        return torch.optim.AdamW(params, lr, betas=tuple(o.betas), eps=o.eps, weight_decay=wd,
                                 fused=True)
    if name == OptimName.rmsprop:
        return torch.optim.RMSprop(params, lr, eps=o.eps, momentum=o.momentum, weight_decay=wd,
                                   foreach=True)
    return torch.optim.Adagrad(params, lr, eps=o.eps, weight_decay=wd, fused=True)


@dataclass
class LossSpec:
    """The training objective: ``trainer.loss`` and its options (schema.TrainerConfig),
    read once, since DictConfig access costs microseconds per step."""

    kind: Loss = Loss.cross_entropy
    class_weights: torch.Tensor | None = None  # (R, C): replicate r's weight of each class
    label_smoothing: float = 0.0
    focal_gamma: float = 2.0
    focal_alpha: float | None = None
    focal_alpha_class: int = 1

    @property
    def logs_nll(self) -> bool:
        """Whether plain softmax cross-entropy is logged beside the objective (curves
        train_nll, test_nll): for the objectives that differ from it and share its
        classes' likelihood as the common yardstick (focal, mse_prob, class weights,
        label smoothing). Runs with ``mse``, which predates them, keep their metrics."""
        return (self.kind in (Loss.focal, Loss.mse_prob) or self.class_weights is not None
                or self.label_smoothing > 0)


def loss_spec(t: TrainerConfig, y_train: torch.Tensor, n_classes: int) -> LossSpec:
    """The objective of ``t`` for replicates whose training labels are ``y_train`` (R, n):
    ``class_weight=balanced`` gives each replicate sklearn's n/(K·n_k) from its own
    training set (replicates draw their own datasets, so their class counts differ)."""
    weights = None
    if t.class_weight == "balanced":
        classes = np.arange(n_classes)
        weights = torch.as_tensor(np.stack([
            compute_class_weight("balanced", classes=classes, y=y)
            for y in y_train.cpu().numpy()]), dtype=torch.get_default_dtype())
    elif t.class_weight is not None:
        weights = torch.tensor([float(w) for w in t.class_weight]).expand(
            y_train.shape[0], n_classes)
    return LossSpec(Loss(t.loss), None if weights is None else weights.to(y_train.device),
                    float(t.label_smoothing), float(t.focal_gamma),
                    None if t.focal_alpha is None else float(t.focal_alpha),
                    int(t.focal_alpha_class))


def focal_loss(logits: torch.Tensor, y: torch.Tensor, gamma: float, alpha: float | None = None,
               alpha_class: int = 1) -> torch.Tensor:
    """Softmax focal loss per example, −α_t (1−p_t)^γ log p_t (Lin et al. 2017):
    (..., C) logits, (...) labels -> (...). α_t = ``alpha`` on ``alpha_class`` and
    1 − alpha on the others, or 1 without alpha. γ = 0 without alpha is cross-entropy
    bit for bit (the factor is skipped, not computed as 1). 1 − p_t is taken as
    −expm1(log p_t), exact where p_t ≈ 1 (1 − exp(log p_t) rounds to 0 there), and
    floored at the smallest normal float, so at p_t = 1 a γ < 1 gives a zero gradient
    rather than 0·∞."""
    logp = logits.log_softmax(-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)
    loss = -logp
    if gamma:
        loss = loss * (-logp.expm1()).clamp_min(torch.finfo(logp.dtype).tiny).pow(gamma)
    if alpha is not None:
        loss = loss * torch.full_like(loss, 1 - alpha).masked_fill(y == alpha_class, alpha)
    return loss


def replicate_loss(logits: torch.Tensor, y: torch.Tensor,
                   loss: Loss | str | LossSpec) -> torch.Tensor:
    """(R, B, C) logits, (R, B) labels -> (R,) mean loss of each replicate; ``loss`` a kind
    with its default options or a full :class:`LossSpec`. With class weights, torch's
    weighted mean Σ w_y ℓ / Σ w_y (what F.cross_entropy(weight=...) computes)."""
    spec = loss if isinstance(loss, LossSpec) else LossSpec(Loss(loss))
    if spec.kind in (Loss.mse, Loss.mse_prob):
        target = F.one_hot(y, logits.shape[-1]).to(logits.dtype)
        out = logits if spec.kind == Loss.mse else logits.softmax(-1)
        return (out - target).pow(2).mean(dim=(1, 2))
    if spec.kind == Loss.focal:
        return focal_loss(logits, y, spec.focal_gamma, spec.focal_alpha,
                          spec.focal_alpha_class).mean(1)
    r, b, c = logits.shape
    per_example = F.cross_entropy(logits.reshape(r * b, c), y.reshape(r * b), reduction="none",
                                  label_smoothing=spec.label_smoothing).view(r, b)
    if spec.class_weights is None:
        return per_example.mean(1)
    w = spec.class_weights.gather(1, y)
    return (w * per_example).sum(1) / w.sum(1)


def step_objective(model: BatchedMLP, data: ReplicateData, loss: Loss | LossSpec,
                   reg: RegConfig | None) -> Callable[[torch.Tensor], tuple[torch.Tensor,
                                                                               torch.Tensor]]:
    """The forward half of a training step as one function (what ``trainer.compile``
    compiles): (R, B) minibatch rows -> ((R,) minibatch loss of each replicate, the scalar
    to backpropagate: their sum, each with its weight penalty when ``reg`` is given)."""
    rep = torch.arange(data.x_train.shape[0], device=data.x_train.device).unsqueeze(1)

    def step(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        per_rep = replicate_loss(model(data.x_train[rep, idx]), data.y_train[rep, idx], loss)
        total = per_rep + penalty(model.weights, reg) if reg is not None else per_rep
        return per_rep, total.sum()

    return step


def compile_step(fn: Callable, device: torch.device) -> Callable:
    """``fn`` under torch.compile (inductor; AOTAutograd compiles its backward too), with
    CUDA graphs on CUDA (what ``mode="reduce-overhead"`` sets), since there a step of these
    small models is bound by kernel launches. Random ops (dropout) call eager's kernels
    (``fallback_random``) so a compiled run draws the masks an eager one draws. The fused
    optimizer stays eager: it is one kernel already, and compiling torch's foreach step in
    its place was slower on the CPU in a trial (0.41 -> 0.83 ms per batch-1 step, R = 24).

    Starts by clearing every compiled graph of the process (``torch._dynamo.reset``):
    dynamo caches graphs per code object, guarded on the previous run's model, so a sweep
    worker training point after point would recompile each time and, past
    recompile_limit (8), silently run eager. Inductor's on-disk cache still spares
    recompiling an identical graph."""
    torch._dynamo.reset()
    options = {"fallback_random": True, "triton.cudagraphs": device.type == "cuda"}
    return torch.compile(fn, dynamic=False, options=options)


def take_step(forward: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
              opt: torch.optim.Optimizer | ScaledOptimizer, idx: torch.Tensor,
              cuda_graphs: bool = False) -> torch.Tensor:
    """One update of every replicate from minibatch rows ``idx``: gradients cleared, the
    forward half (:func:`step_objective`, compiled or not), backward, optimizer step.
    Returns the (R,) minibatch losses; with CUDA graphs (``compile_step`` on CUDA) a copy,
    since the graph's next replay overwrites its output."""
    opt.zero_grad(set_to_none=True)
    if cuda_graphs:
        torch.compiler.cudagraph_mark_step_begin()  # a new iteration of the graphs
    per_rep, total = forward(idx)
    total.backward()
    opt.step()
    return per_rep.detach().clone() if cuda_graphs else per_rep


@dataclass
class TrainResult:
    """What one batched run produced; arrays are numpy, replicate on the last axis."""

    steps: np.ndarray  # (E,) evaluation steps, 0 first
    epochs: np.ndarray  # (E,) epochs (in trainer.epoch_size units) at each evaluation
    time_s: np.ndarray  # (E,) training wall time per replicate-equivalent (eval excluded)
    curves: dict[str, np.ndarray]  # name -> (E, R)
    final: dict[str, np.ndarray]  # name -> (R,)
    info: dict[str, float | int | str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # probe name -> raw table
    model: BatchedMLP | None = None  # the trained replicates (not logged; for tests, probes)


class Progress:
    """One live line on a terminal (rate-limited); silent when output is not a terminal."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total, self.label, self.last = total, label, 0.0

    def update(self, step: int, extra: str = "") -> None:
        now = time.perf_counter()
        if self.enabled and (now - self.last > 0.5 or step == self.total):
            self.last = now
            sys.stderr.write(f"\r  {self.label} step {step}/{self.total} {extra}\x1b[K")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def train(cfg: DictConfig, label: str = "") -> TrainResult:
    """Train ``trainer.replicates`` replicates of ``cfg`` and evaluate on held-out data."""
    return train_group([cfg], label)[0]


def _per_replicate(values: Sequence[float], sizes: Sequence[int], device: torch.device,
                   dtype: torch.dtype = torch.float64) -> float | torch.Tensor:
    """One value per point -> the shared float, or an (R,) tensor when they differ
    (optimizer values in float64, as torch.optim computes with Python floats)."""
    if len(set(values)) == 1:
        return float(values[0])
    return torch.tensor([float(v) for v, n in zip(values, sizes, strict=True) for _ in range(n)],
                        dtype=dtype, device=device)


def train_group(cfgs: Sequence[DictConfig], label: str = "") -> list[TrainResult]:
    """Train the sweep points ``cfgs`` as one batched computation of all their replicates
    and return one result per point, each as if it had trained alone.

    The points must be identical but for the per-replicate values harness/fusion.py lists
    (seeds, init, learning rate, decay, momentum, penalty strengths, dropout rate): the
    first point's config decides everything else."""
    cfg = cfgs[0]
    t = cfg.trainer
    load_start = os.getloadavg()[0]  # machine load: runtime claims must see it
    device = resolve_device(t.device)
    if device.type == "cpu":
        torch.set_num_threads(t.threads)
    torch.manual_seed(seed_for(t.seed, 2**20))  # dropout masks: reproducible per run
    sizes = [c.trainer.replicates for c in cfgs]
    R = sum(sizes)
    parts = [replicate_data(c.data, c.trainer.replicates, device) for c in cfgs]
    data: ReplicateData = concat_data(parts)
    n_tr = data.x_train.shape[1]
    assert n_tr == n_train(cfg), "split size disagrees with schema.n_train"
    steps = total_steps(t, n_tr)
    seeds = [seed_for(c.trainer.seed, r) for c in cfgs for r in range(c.trainer.replicates)]
    model = BatchedMLP(cfg.model, input_dim(cfg), data.n_classes, seeds,
                       [c.model for c, n in zip(cfgs, sizes, strict=True) for _ in range(n)]
                       ).to(device)
    # the first point's rate switches dropout on for all: fusion.fusion_key keeps points
    # with and without dropout apart
    assert len({c.model.dropout > 0 for c in cfgs}) == 1, "dropout on in some points only"
    if len(cfgs) > 1 and model.dropout > 0:  # each point's masks from its own stream
        model.split_dropout(sizes, [c.model.dropout for c in cfgs],
                            [seed_for(c.trainer.seed, 2**20) for c in cfgs], device)
    lrs = [effective_lr(c.optim, t.batch_size) for c in cfgs]
    lr = _per_replicate(lrs, sizes, device)
    weight_ids = {id(w) for w in model.weights}
    others = [p for p in model.parameters() if id(p) not in weight_ids]
    decay = _per_replicate([c.optim.weight_decay for c in cfgs], sizes, device)
    momentum = _per_replicate([c.optim.momentum for c in cfgs], sizes, device)
    if all(isinstance(v, float) for v in (lr, decay, momentum)):
        opt = make_optimizer(model.weights, others, cfg.optim, lr)
    elif isinstance(momentum, float):  # per-replicate lr or decay: on the stock kernels
        shadow_cfg = OptimConfig(**{**to_container(cfg.optim), "weight_decay": 0.0})
        opt = ScaledOptimizer(model.weights, others, cfg.optim.name,
                              lambda w, b: make_optimizer(w, b, shadow_cfg, 1.0), lr, decay)
    else:  # per-replicate momentum too: an optimizer that takes every value per replicate
        o = cfg.optim
        opt = replicate_optimizer(model.weights, others, o.name, lr, decay, momentum,
                                  tuple(o.betas), o.eps, o.nesterov)
    probes = build_probes(t)
    reg = RegConfig(**to_container(cfg.reg))  # a plain dataclass: read on every step
    dtype = torch.get_default_dtype()  # the loss's: a float64 penalty would promote it
    reg.l1 = _per_replicate([c.reg.l1 for c in cfgs], sizes, device, dtype)
    reg.l2 = _per_replicate([c.reg.l2 for c in cfgs], sizes, device, dtype)
    regularized = active(reg)
    proximal = regularized and reg.proximal and is_on(reg.l1)

    spec = loss_spec(t, data.y_train, data.n_classes)
    forward = step_objective(model, data, spec, reg if regularized else None)
    cuda_graphs = t.compile and device.type == "cuda"
    if t.compile:
        for tensor in (data.x_train, data.y_train):  # a CUDA graph reads them in place
            torch._dynamo.mark_static_address(tensor)
        forward = compile_step(forward, device)

    def objective(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return replicate_loss(logits, y, spec)

    def evaluate(x: torch.Tensor, y: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(R,) accuracy, (R,) objective, and the logits."""
        with model.inference():
            logits = model(x)
            loss = objective(logits, y)
            acc = (logits.argmax(-1) == y).float().mean(1)
        return acc, loss, logits

    def full_train_loss() -> torch.Tensor:
        return evaluate(data.x_train, data.y_train)[1]

    # the shared first phase (warmup_steps updates at warmup_batch_size) comes first; the
    # point's own budget and its evaluations count from its end, the common checkpoint
    warm = t.warmup_steps
    warm_samples = warm * (t.warmup_batch_size or 0)
    eval_at = [warm + s for s in eval_schedule(t, steps)]
    epoch_size = t.epoch_size or n_tr
    # the held-out splits evaluated at every evaluation: test, and validation when
    # data.val_fraction carves one (early stopping chooses a step on it, never on test)
    splits = [("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)]
    if data.x_val is not None:
        splits.append(("val", data.x_val, data.y_val))
    rows: dict[str, list[torch.Tensor]] = {
        f"{split}_{m}": [] for split, _, _ in splits
        for m in ("acc", "loss", *(("nll",) if spec.logs_nll else ()))}
    times: list[float] = []
    diverged = torch.zeros(R, dtype=torch.bool, device=device)

    def record(step: int, elapsed: float) -> None:
        for split, x, y in splits:
            acc, loss, logits = evaluate(x, y)
            bad = diverged | ~torch.isfinite(loss)
            rows[f"{split}_acc"].append(acc.masked_fill(bad, math.nan))
            rows[f"{split}_loss"].append(loss.masked_fill(bad, math.nan))
            if spec.logs_nll:
                nll = replicate_loss(logits, y, Loss.cross_entropy)
                rows[f"{split}_nll"].append(nll.masked_fill(bad, math.nan))
        times.append(elapsed / R)
        for p in probes:
            p.on_eval(EvalContext(step, model, data, objective))
        release_freed_memory()

    progress = Progress(t.progress, warm + steps, label)
    if eval_at[0] == 0:
        record(0, 0.0)
    elapsed, step = 0.0, 0
    tic = time.perf_counter()
    # process CPU seconds per wall second over the loop: ≈ threads when the run had its
    # cores to itself, lower when it had to share them (timing claims check it)
    cpu0, wall0 = time.process_time(), tic
    stream = batched_indices(seeds, n_tr, t.batch_size, steps, t.sampling)
    if warm:
        stream = itertools.chain(
            warmup_indices(seeds, n_tr, t.warmup_batch_size, warm, t.sampling), stream)
    for idx in stream:
        idx = idx.to(device, non_blocking=True)
        per_rep = take_step(forward, opt, idx, cuda_graphs)
        if proximal:
            soft_threshold_(model.weights, reg, lr)
        step += 1
        diverged |= ~torch.isfinite(per_rep.detach())
        if probes:  # measuring is not training: its time is kept off the clock
            paused = time.perf_counter()
            ctx = StepContext(step, warm + steps, per_rep, full_train_loss, model)
            for p in probes:
                p.on_step(ctx)
            if device.type == "cuda":
                torch.cuda.synchronize()
            tic += time.perf_counter() - paused
        if len(times) < len(eval_at) and step == eval_at[len(times)]:
            if device.type == "cuda":
                torch.cuda.synchronize()
            elapsed += time.perf_counter() - tic
            record(step, elapsed)
            progress.update(step, f"test_acc={float(rows['test_acc'][-1].nanmean()):.3f}")
            tic = time.perf_counter()
    cpu_per_wall = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    progress.close()

    curves = {k: torch.stack(v).cpu().numpy() for k, v in rows.items()}
    time_s = np.asarray(times)
    reached = curves["test_acc"] >= t.target_acc  # (E, R); NaN compares False
    first = np.where(reached.any(0), reached.argmax(0), -1)
    final = {k: v[-1] for k, v in curves.items()}
    final["diverged"] = diverged.cpu().numpy().astype(float)
    final["time_to_target_s"] = np.where(first >= 0, time_s[first], np.nan)
    final["steps_to_target"] = np.where(first >= 0, np.asarray(eval_at)[first], np.nan)
    # samples drawn by each evaluation, in epochs: the shared first phase's, then the point's
    epochs_at = (warm_samples + (np.asarray(eval_at) - warm) * t.batch_size) / epoch_size
    tables = {}
    for p in probes:
        final.update({k: v.float().cpu().numpy() for k, v in p.summary().items()})
        tables.update(p.tables())
    info = {"total_steps": warm + steps, "device": str(device), "n_train": n_tr,
            "train_time_s": elapsed,
            "epochs_trained": (warm_samples + steps * t.batch_size) / epoch_size,
            "load_avg_start": load_start, "load_avg_1m": os.getloadavg()[0],
            "cpu_per_wall": cpu_per_wall, "runtime_per_replicate_s": elapsed / R,
            "fused_points": len(cfgs)}
    results = []
    for i, (part, lr_i) in enumerate(zip(parts, lrs, strict=True)):
        lo = sum(sizes[:i])
        mine = slice(lo, lo + sizes[i])
        final_i = {k: v[mine] for k, v in final.items()}
        final_i["bayes_acc"] = np.asarray([part.bayes[k] for k in part.dataset_of])
        final_i["dataset"] = np.asarray(part.dataset_of, dtype=float)  # inference clusters
        results.append(TrainResult(
            steps=np.asarray(eval_at),
            epochs=epochs_at,
            time_s=time_s,
            curves={k: v[:, mine] for k, v in curves.items()},
            final=final_i,
            # the group's training time, shared by replicates: this point's part of it
            info={**info, "lr_effective": lr_i, "train_time_s": elapsed * sizes[i] / R},
            tables={k: _replicates(v, lo, sizes[i]) for k, v in tables.items()},
            model=model if len(cfgs) == 1 else None,
        ))
    return results


def _replicates(table: pd.DataFrame, first: int, count: int) -> pd.DataFrame:
    """The rows of replicates first .. first+count-1 of a probe table, renumbered from 0."""
    if first == 0 and count == table["replicate"].max() + 1:
        return table
    rows = table[(table["replicate"] >= first) & (table["replicate"] < first + count)]
    return rows.assign(replicate=rows["replicate"] - first).reset_index(drop=True)

"""Probes: measurements taken during training without the trainer knowing what they are.

A probe sees the replicates at every evaluation (step 0, before any update, included)
and after every step. At the end it returns per-replicate summary values (logged as
metrics, for the UI) and, optionally, a raw table (logged as ``<name>.csv``). Claims
should decide from the raw table, so that a metric's definition lives in the
experiment's analysis code and can be read, tested and changed without retraining.
Experiments turn probes on through the config (``trainer.probes``, or
``trainer.jitter_window`` for the loss trace); new probes register in ``PROBES``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from harness.train.data import ReplicateData
from harness.train.models import BatchedMLP, from_channels, to_channels
from harness.train.schema import TrainerConfig

PROBE_BATCH = 256  # training samples per replicate that layer probes look at


@dataclass
class StepContext:
    step: int  # 1-based index of the step just taken
    total_steps: int
    batch_loss: torch.Tensor  # (R,) minibatch loss of each replicate at this step
    train_loss: Callable[[], torch.Tensor]  # (R,) full-training-set loss, computed on demand
    model: BatchedMLP  # the replicates, after the step


@dataclass
class EvalContext:
    step: int  # steps taken so far (0 = at initialization)
    model: BatchedMLP
    data: ReplicateData
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (logits, y) -> (R,) loss


class Probe:
    """Base class: override what you need. Summary tensors are (R,)."""

    name = "probe"

    def on_step(self, ctx: StepContext) -> None:  # noqa: B027 - optional hook
        pass

    def on_eval(self, ctx: EvalContext) -> None:  # noqa: B027 - optional hook
        pass

    def summary(self) -> dict[str, torch.Tensor]:
        return {}

    def table(self) -> pd.DataFrame | None:
        return None

    def tables(self) -> dict[str, pd.DataFrame]:
        """Raw tables, logged as ``<key>.csv``; by default ``table()`` under the name."""
        table = self.table()
        return {} if table is None else {self.name: table}


def _long(step: list[int], values: dict[str, list[torch.Tensor]], layer: bool) -> pd.DataFrame:
    """Rows (step, replicate[, layer]) from per-eval tensors shaped (R,) or (R, L)."""
    frames = []
    for i, s in enumerate(step):
        cols = {k: torch.as_tensor(v[i]).cpu().numpy() for k, v in values.items()}
        first = next(iter(cols.values()))
        r, n_layers = first.shape[0], first.shape[1] if layer else 1
        frame = {"step": s, "replicate": np.repeat(np.arange(r), n_layers)}
        if layer:
            frame["layer"] = np.tile(np.arange(1, n_layers + 1), r)
        frames.append(pd.DataFrame({**frame, **{k: c.reshape(-1) for k, c in cols.items()}}))
    return pd.concat(frames, ignore_index=True)


class LossTrace(Probe):
    """The training objective over the last ``window`` steps (claim BS-5).

    Records, per step and replicate, the full-training-set loss (the cost function
    itself, evaluated after the update) and the minibatch loss (the noisy curve a
    practitioner sees). Summaries: ``loss_jitter``, the standard deviation of the
    step-to-step change of the full loss (its mean, the steady descent, removed), and
    ``batch_loss_std``.
    """

    name = "loss_trace"

    def __init__(self, window: int) -> None:
        self.window = window
        self.steps: list[int] = []
        self.full: list[torch.Tensor] = []
        self.batch: list[torch.Tensor] = []

    def on_step(self, ctx: StepContext) -> None:
        if ctx.step > ctx.total_steps - self.window:
            self.steps.append(ctx.step)
            self.full.append(ctx.train_loss())
            self.batch.append(ctx.batch_loss.detach())

    def summary(self) -> dict[str, torch.Tensor]:
        full, batch = torch.stack(self.full), torch.stack(self.batch)
        return {"loss_jitter": full.diff(dim=0).std(dim=0), "batch_loss_std": batch.std(dim=0)}

    def table(self) -> pd.DataFrame:
        return _long(self.steps, {"train_loss": self.full, "batch_loss": self.batch},
                     layer=False)


class LossBursts(Probe):
    """The training objective over the ``burst`` steps after every evaluation (BS-5).

    The last-steps trace of :class:`LossTrace` compares runs at different loss levels (a
    small batch has nearly interpolated when a large one is still descending); bursts
    at every evaluation let an analysis pick, per run, the burst at a matched training
    loss (or matched epoch). Per step in a burst: the full-training-set loss after the
    update and the minibatch loss. Table ``loss_bursts``, one row per complete burst
    (all ``burst`` steps inside the budget) and replicate: ``step`` (the evaluation it
    follows), ``start_loss`` (full loss after its first update), ``dlog_std`` (standard
    deviation of the step-to-step change of log full loss: oscillation relative to the
    loss level; NaN below 3 steps) and ``batch_loss_std`` (spread of the minibatch losses;
    NaN for 1 step). Each traced step costs a forward pass over the whole training set,
    so a burst of 1 (``start_loss`` alone) is the cheap reading.
    """

    name = "loss_bursts"
    FLOOR = 1e-30  # log of a loss that underflowed to 0

    def __init__(self, burst: int) -> None:
        self.burst = burst
        self.starts: list[int] = []
        self.until = -1
        self.full: dict[int, torch.Tensor] = {}
        self.batch: dict[int, torch.Tensor] = {}

    def on_eval(self, ctx: EvalContext) -> None:
        self.starts.append(ctx.step)
        self.until = ctx.step + self.burst

    def on_step(self, ctx: StepContext) -> None:
        if ctx.step <= self.until:
            self.full[ctx.step] = ctx.train_loss()
            self.batch[ctx.step] = ctx.batch_loss.detach()

    def table(self) -> pd.DataFrame | None:
        rows: dict[str, list[torch.Tensor]] = {"start_loss": [], "dlog_std": [],
                                               "batch_loss_std": []}
        done = []
        for e in self.starts:
            span = range(e + 1, e + self.burst + 1)
            if any(s not in self.full for s in span):
                continue
            full = torch.stack([self.full[s] for s in span])
            none = torch.full_like(full[0], math.nan)  # too few steps for a spread
            rows["start_loss"].append(full[0])
            rows["dlog_std"].append(full.clamp_min(self.FLOOR).log().diff(dim=0).std(dim=0)
                                    if self.burst > 2 else none)
            rows["batch_loss_std"].append(torch.stack([self.batch[s] for s in span]).std(dim=0)
                                          if self.burst > 1 else none)
            done.append(e)
        return _long(done, rows, layer=False) if done else None


class LayerStats(Probe):
    """Per-layer signal and gradient scale, at initialization and at every evaluation.

    On a fixed probe batch (the first ``PROBE_BATCH`` training samples of each replicate,
    eval mode so BN uses running statistics and dropout is off), per layer l (the last
    layer is the logits): ``act_std`` and ``act_rms``, the standard deviation and root
    mean square of the layer's output pooled over units and inputs; ``act_unit_std``,
    each unit's standard deviation across the probe inputs, root-mean-squared over units
    (the input-dependent signal: a per-unit offset, such as sigmoid's, inflates the
    pooled ``act_std`` and hides a signal that vanishes); ``grad_norm``, the Frobenius
    norm of the loss gradient with respect to the layer's weight matrix;
    ``grad_out_norm``, the norm of the gradient with respect to the layer's output, i.e.
    the backpropagated signal whose growth or decay across layers is what
    "exploding/vanishing gradients" means. (The weight gradient multiplies it by the
    layer's input, so a signal that explodes forward can mask one that vanishes
    backward.) ``grad_pre_rms``: the root mean square per entry of the gradient with
    respect to the weight matrix's output x W + b (the pre-activation; in a residual
    block's second matrix, the residual stream), which drops that input factor and
    compares layers of different shapes per entry. Computed in float64 on a copy of the
    model with torch.autograd.grad, so
    training's own gradients are untouched. Summary: ``grad_ratio_init``, first-layer
    over last-layer weight-gradient norm at step 0 (vanishing < 1 < exploding).

    ``bn_train`` (probe ``layer_stats_bn_train``) adds ``grad_out_norm_train``: the same
    norm on the same batch with batch norm in train mode, normalizing by the batch's own
    statistics as a training step does (dropout stays off), so the backward pass also
    takes out the gradient's components along the batch mean and the normalized input,
    as the gradients that train the net do (a batch of PROBE_BATCH, not the training
    batch, sets those statistics). The eval-mode columns are kept beside it. A net
    without batch norm gets the eval-mode value again. It is a probe of its own, not an
    option of this one, so asking for it changes a run's config (a run is identified by
    its config's hash) while the runs that do not ask keep theirs.
    """

    name = "layer_stats"
    bn_train = False

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {
            "act_std": [], "act_rms": [], "act_unit_std": [], "grad_norm": [],
            "grad_out_norm": [], "grad_pre_rms": [],
            **({"grad_out_norm_train": []} if self.bn_train else {})}

    @staticmethod
    def _backward(model: BatchedMLP, ctx: EvalContext
                  ) -> tuple[list[torch.Tensor], tuple[torch.Tensor, ...]]:
        """The probe batch through ``model`` in its current modes: (each layer's output,
        the loss gradients with respect to every weight matrix, output and
        pre-activation, in that order)."""
        x = ctx.data.x_train[:, :PROBE_BATCH].double()
        y = ctx.data.y_train[:, :PROBE_BATCH]
        hidden: list[torch.Tensor] = []
        pre: list[torch.Tensor] = []
        logits = model(x, hidden, pre=pre)
        outs = [*hidden, logits]
        return outs, torch.autograd.grad(ctx.loss(logits, y).sum(),
                                         [*model.weights, *outs, *pre])

    def on_eval(self, ctx: EvalContext) -> None:
        # a float64 copy: a gradient shrinking 100× per layer leaves float32's range
        # (1e-45) within 20 layers, and a slope fitted to underflowed zeros is meaningless
        model = copy.deepcopy(ctx.model).double().eval()
        outs, grads = self._backward(model, ctx)
        n = len(outs)

        def per_layer(tensors: list[torch.Tensor], f) -> torch.Tensor:
            return torch.stack([f(t.detach()) for t in tensors], 1)  # (R, L)

        def norm(t: torch.Tensor) -> torch.Tensor:
            return t.flatten(1).norm(dim=1)

        self.steps.append(ctx.step)
        self.values["act_std"].append(per_layer(outs, lambda h: h.std(dim=(1, 2))))
        self.values["act_rms"].append(per_layer(outs, lambda h: h.pow(2).mean(dim=(1, 2)).sqrt()))
        self.values["act_unit_std"].append(per_layer(
            outs, lambda h: h.var(dim=1).mean(dim=1).sqrt()))
        self.values["grad_norm"].append(per_layer(list(grads[:n]), norm))
        self.values["grad_out_norm"].append(per_layer(list(grads[n:2 * n]), norm))
        self.values["grad_pre_rms"].append(per_layer(
            list(grads[2 * n:]), lambda g: g.pow(2).mean(dim=(1, 2)).sqrt()))
        if self.bn_train:
            if model.norms is not None:  # batch statistics; the copy's running ones change
                model.norms.train()
                _, grads = self._backward(model, ctx)
            self.values["grad_out_norm_train"].append(per_layer(list(grads[n:2 * n]), norm))

    def summary(self) -> dict[str, torch.Tensor]:
        g0 = self.values["grad_norm"][0]
        return {"grad_ratio_init": g0[:, 0] / g0[:, -1]}

    def table(self) -> pd.DataFrame:
        return _long(self.steps, self.values, layer=True)


class LayerStatsBNTrain(LayerStats):
    """:class:`LayerStats` with ``grad_out_norm_train``, batch norm probed in train mode."""

    bn_train = True


class Symmetry(Probe):
    """Are the first hidden layer's units still copies of each other?

    Each unit's incoming weights and bias form a vector. ``unit_cosine``: mean pairwise
    cosine similarity of those vectors (1 = all units identical in direction; a zero
    vector counts as identical to another zero vector). ``unit_rank``: numerical rank of
    the units × inputs matrix (1 or 0 when every unit is the same). Recorded at every
    evaluation; summaries are the final values.
    """

    name = "symmetry"

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {"unit_cosine": [], "unit_rank": []}

    def on_eval(self, ctx: EvalContext) -> None:
        w = ctx.model.weights[0].detach()  # (R, in, units)
        b = ctx.model.biases[0].detach()  # (R, 1, units)
        units = torch.cat([w, b], dim=1).transpose(1, 2)  # (R, units, in + 1)
        norms = units.norm(dim=2, keepdim=True)
        unit_dir = torch.where(norms > 0, units / norms.clamp_min(1e-30),
                               torch.ones_like(units) / units.shape[2] ** 0.5)
        cos = unit_dir @ unit_dir.transpose(1, 2)  # (R, units, units)
        n = cos.shape[1]
        mean_off_diag = (cos.sum(dim=(1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(1)) / max(
            n * (n - 1), 1)
        self.steps.append(ctx.step)
        self.values["unit_cosine"].append(mean_off_diag)
        self.values["unit_rank"].append(torch.linalg.matrix_rank(units).to(units.dtype))

    def summary(self) -> dict[str, torch.Tensor]:
        return {k: v[-1] for k, v in self.values.items()}

    def table(self) -> pd.DataFrame:
        return _long(self.steps, self.values, layer=False)


class WeightStats(Probe):
    """Size and sparsity of each weight matrix (biases excluded), at every evaluation.

    Per layer: ``l1_mean`` (mean |w|), ``l2_norm`` (Frobenius norm), ``frac_lt_1e-4``,
    ``frac_lt_1e-3``, ``frac_lt_1e-2`` (share of entries with |w| below the threshold)
    and ``frac_zero`` (exactly 0). Summaries at the end, over all weight matrices
    together: ``weight_l2`` (their norm), ``weight_frac_lt_1e-03`` (and the other
    thresholds), ``weight_frac_zero``, and ``weight_frac_lt_0.1rms``: the share below
    RELATIVE times the root mean square of all weights, a scale-free "≈ 0" that a
    proportional shrink (L2 under SGD) leaves unchanged and a float floor cannot fake.
    """

    name = "weights"
    THRESHOLDS = (1e-4, 1e-3, 1e-2)
    RELATIVE = 0.1

    def __init__(self) -> None:
        self.steps: list[int] = []
        cols = ["l1_mean", "l2_norm", *[f"frac_lt_{t:.0e}" for t in self.THRESHOLDS],
                "frac_zero"]
        self.values: dict[str, list[torch.Tensor]] = {c: [] for c in cols}
        self.last: list[torch.Tensor] = []

    def on_eval(self, ctx: EvalContext) -> None:
        ws = [w.detach() for w in ctx.model.weights]
        absw = [w.abs().flatten(1) for w in ws]  # (R, entries) per layer

        def per_layer(f) -> torch.Tensor:
            return torch.stack([f(a) for a in absw], 1)  # (R, L)

        self.steps.append(ctx.step)
        self.values["l1_mean"].append(per_layer(lambda a: a.mean(1)))
        self.values["l2_norm"].append(per_layer(lambda a: a.norm(dim=1)))
        for t in self.THRESHOLDS:
            self.values[f"frac_lt_{t:.0e}"].append(per_layer(lambda a, t=t: (a < t).float()
                                                             .mean(1)))
        self.values["frac_zero"].append(per_layer(lambda a: (a == 0).float().mean(1)))
        self.last = absw

    def summary(self) -> dict[str, torch.Tensor]:
        every = torch.cat(self.last, dim=1)
        out = {"weight_l2": every.norm(dim=1), "weight_frac_zero": (every == 0).float().mean(1)}
        for t in self.THRESHOLDS:
            out[f"weight_frac_lt_{t:.0e}"] = (every < t).float().mean(1)
        rms = every.pow(2).mean(1, keepdim=True).sqrt()
        out[f"weight_frac_lt_{self.RELATIVE:g}rms"] = (every < self.RELATIVE * rms).float().mean(1)
        return out

    def table(self) -> pd.DataFrame:
        return _long(self.steps, self.values, layer=True)


class FirstLayer(Probe):
    """The first weight matrix's entries at initialization and at the last evaluation:
    columns step, replicate, index (row-major over inputs × units), value. For weight
    histograms, and for comparing two runs' trajectories entry by entry."""

    name = "first_layer"

    def __init__(self) -> None:
        self.snapshots: list[tuple[int, torch.Tensor]] = []

    def on_eval(self, ctx: EvalContext) -> None:
        w = ctx.model.weights[0].detach().flatten(1).cpu().clone()  # (R, in·units)
        self.snapshots = [*self.snapshots[:1], (ctx.step, w)]

    def table(self) -> pd.DataFrame:
        frames = []
        for step, w in self.snapshots:
            r, n = w.shape
            frames.append(pd.DataFrame({"step": step, "replicate": np.repeat(np.arange(r), n),
                                        "index": np.tile(np.arange(n), r),
                                        "value": w.reshape(-1).numpy()}))
        return pd.concat(frames, ignore_index=True)


def linear_cka(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Linear CKA (Kornblith et al. 2019) of (R, n, p) and (R, n, q) -> (R,).

    Columns centred; ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F): 1 for X = Y, invariant to orthogonal
    transforms and isotropic scaling of either side; NaN for a constant representation.
    """
    x = x - x.mean(dim=1, keepdim=True)
    y = y - y.mean(dim=1, keepdim=True)

    def fro(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a.transpose(1, 2) @ b).flatten(1).norm(dim=1)

    den = fro(x, x) * fro(y, y)
    return torch.where(den > 0, fro(y, x).pow(2) / den.clamp_min(1e-300),
                       torch.full_like(den, float("nan")))


class Convergence(Probe):
    """How fast each layer's weights and representation reach their final state.

    Snapshots after updates 1, 1 + EVERY, 1 + 2·EVERY, ... (Abid 2018 stored them after
    updates 1, 3, ..., 749); from the second on, per layer: ``slice_change``, the norm of
    the change since the last snapshot of the weight matrix's LAST ``SLICE`` entries in
    its (in, out) layout, as Abid's ``flatten()[-50:]`` of a TensorFlow [in, out] matrix
    (first layer: the 50 outgoing weights of the last input), table
    ``convergence_steps``, and ``update_ratio`` = ‖ΔW‖/‖W‖ over the same interval. At
    every evaluation the weights and each layer's output on a fixed batch
    (the first ``CKA_BATCH`` training samples, eval mode) are kept; at the end, table
    ``convergence`` gives per evaluation and layer ``dist_final`` = ‖W_t − W_T‖/‖W_T‖,
    ``dist_init`` = ‖W_t − W_0‖/‖W_0‖ and ``cka_final``, the linear CKA of the layer's
    representation at t with its final one (Raghu et al. 2017 read convergence this way).
    """

    name = "convergence"
    SLICE, EVERY, CKA_BATCH = 50, 2, 64

    def __init__(self) -> None:
        self.prev: list[torch.Tensor] = []
        self.step_rows: list[tuple[int, torch.Tensor, torch.Tensor]] = []
        self.snaps: list[tuple[int, list[torch.Tensor], list[torch.Tensor]]] = []

    def on_step(self, ctx: StepContext) -> None:
        if (ctx.step - 1) % self.EVERY:
            return
        # (R, in·out): weights are (R, in, out), so the row-major tail is TF's tail
        ws = [w.detach().flatten(1).clone() for w in ctx.model.weights]
        if self.prev:
            change = [(w[:, -self.SLICE:] - p[:, -self.SLICE:]).norm(dim=1)
                      for w, p in zip(ws, self.prev, strict=True)]
            ratio = [(w - p).norm(dim=1) / w.norm(dim=1)
                     for w, p in zip(ws, self.prev, strict=True)]
            self.step_rows.append((ctx.step, torch.stack(change, 1).cpu(),
                                   torch.stack(ratio, 1).cpu()))
        self.prev = ws

    def on_eval(self, ctx: EvalContext) -> None:
        model = ctx.model
        hidden: list[torch.Tensor] = []
        with model.inference():
            logits = model(ctx.data.x_train[:, :self.CKA_BATCH], hidden)
        self.snaps.append((ctx.step, [w.detach().flatten(1).cpu().clone() for w in
                                      model.weights],
                           [h.cpu() for h in (*hidden, logits)]))

    def tables(self) -> dict[str, pd.DataFrame]:
        w0, wT, hT = self.snaps[0][1], self.snaps[-1][1], self.snaps[-1][2]
        values: dict[str, list[torch.Tensor]] = {"dist_final": [], "dist_init": [],
                                                 "cka_final": []}
        for _, ws, hs in self.snaps:
            values["dist_final"].append(torch.stack(
                [(w - f).norm(dim=1) / f.norm(dim=1) for w, f in zip(ws, wT, strict=True)], 1))
            values["dist_init"].append(torch.stack(
                [(w - i).norm(dim=1) / i.norm(dim=1) for w, i in zip(ws, w0, strict=True)], 1))
            values["cka_final"].append(torch.stack(
                [linear_cka(h, f) for h, f in zip(hs, hT, strict=True)], 1))
        out = {self.name: _long([s for s, _, _ in self.snaps], values, layer=True)}
        if self.step_rows:
            out["convergence_steps"] = _long(
                [s for s, _, _ in self.step_rows],
                {"slice_change": [c for _, c, _ in self.step_rows],
                 "update_ratio": [r for _, _, r in self.step_rows]}, layer=True)
        return out


class BatchNormStats(Probe):
    """What each BN layer does at test time (Li et al. 2019; claims BD-3, BD-4).

    On the probe batch in eval mode (no dropout), per BN layer: ``var_shift``, the
    running variance BN accumulated in training divided by the variance of the same
    layer's inputs now, averaged over channels (1 = no shift; dropout feeding BN makes
    it depart from 1); ``eval_vs_running``, the largest difference between BN's eval
    output and the normalization by its running statistics written out by hand (0 if
    eval mode uses them); ``eval_vs_batch``, the mean difference between the eval
    output and a normalization by this batch's own statistics, over their std.
    Summary: ``var_shift`` of the last BN layer at the end. Nothing without BN.
    """

    name = "batch_norm"

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {
            "var_shift": [], "eval_vs_running": [], "eval_vs_batch": []}

    def on_eval(self, ctx: EvalContext) -> None:
        model = ctx.model
        if model.norms is None:
            return
        inputs: list[torch.Tensor] = []
        cols: dict[str, list[torch.Tensor]] = {k: [] for k in self.values}
        with model.inference():
            model(ctx.data.x_train[:, :PROBE_BATCH], bn_inputs=inputs)
            for z, bn in zip(inputs, model.norms, strict=True):
                r, f = z.shape[0], z.shape[2]
                flat = to_channels(z)
                out = bn(flat)
                by_hand = ((flat - bn.running_mean) / (bn.running_var + bn.eps).sqrt()
                           * bn.weight + bn.bias)
                batch = torch.nn.functional.batch_norm(flat, None, None, bn.weight, bn.bias,
                                                       training=True, eps=bn.eps)
                shift = bn.running_var.view(r, f) / flat.var(0).view(r, f).clamp_min(1e-12)
                cols["var_shift"].append(shift.mean(1))
                cols["eval_vs_running"].append(
                    from_channels((out - by_hand).abs(), r).amax(dim=(1, 2)))
                cols["eval_vs_batch"].append(
                    from_channels((out - batch).abs(), r).mean(dim=(1, 2))
                    / from_channels(batch, r).std(dim=(1, 2)))
        self.steps.append(ctx.step)
        for k, v in cols.items():
            self.values[k].append(torch.stack(v, 1))

    def summary(self) -> dict[str, torch.Tensor]:
        return {"var_shift": self.values["var_shift"][-1][:, -1]} if self.steps else {}

    def table(self) -> pd.DataFrame | None:
        return _long(self.steps, self.values, layer=True) if self.steps else None


class DropoutMean(Probe):
    """Does the model's dropout keep the expected output equal to the eval output (BD-5)?

    At every evaluation, on the last hidden block's eval-mode output h (probe batch), the
    model's own dropout (``BatchedMLP.drop``, so a model that forgets to rescale is
    caught): m = mean over ``MASKS`` train-mode draws, e = the eval-mode output.
    ``scale`` = ⟨m, e⟩ / ⟨e, e⟩ per replicate: 1 when E[train] = eval, 1 − p when the
    rescaling is missing (Monte-Carlo noise ≈ 1e-3); ``rel_error`` = ‖m − e‖ / ‖e‖
    beside ``mc_error``, what Monte-Carlo noise alone gives, √(p / ((1 − p)·MASKS)).
    The draws use a forked RNG, so training's masks are unchanged. Nothing when
    model.dropout is 0.
    """

    name = "dropout"
    MASKS, BATCH = 100, 64

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {"scale": [], "rel_error": [],
                                                      "mc_error": []}

    def on_eval(self, ctx: EvalContext) -> None:
        model = ctx.model
        if model.dropout <= 0:
            return
        hidden: list[torch.Tensor] = []
        with model.inference():
            model(ctx.data.x_train[:, :self.BATCH], hidden)
            h = hidden[-1]
            with model.forked_rng(h.device):
                mean = model.drop(h.unsqueeze(0).expand(self.MASKS, *h.shape), True).mean(0)
            e = model.drop(h, False).flatten(1)
        mean = mean.flatten(1)
        sq = (e * e).sum(1).clamp_min(1e-30)
        err = (mean - e).norm(dim=1) / sq.sqrt()
        self.steps.append(ctx.step)
        self.values["scale"].append((mean * e).sum(1) / sq)
        self.values["rel_error"].append(err)
        p = model.dropout_rates()
        self.values["mc_error"].append((p / ((1 - p) * self.MASKS)).sqrt().to(err))

    def summary(self) -> dict[str, torch.Tensor]:
        return {"dropout_rel_error": self.values["rel_error"][-1]} if self.steps else {}

    def table(self) -> pd.DataFrame | None:
        return _long(self.steps, self.values, layer=False) if self.steps else None


class FinalParams(Probe):
    """Every weight and bias of each replicate at the last evaluation: columns replicate,
    layer (1-based), kind (``weight`` or ``bias``), index (row-major over inputs × units
    for a weight) and value. For comparing a trained model with a reference solution
    (BS-6: logistic regression against scikit-learn's optimum)."""

    name = "params"

    def __init__(self) -> None:
        self.last: list[tuple[int, str, torch.Tensor]] = []

    def on_eval(self, ctx: EvalContext) -> None:
        model = ctx.model
        self.last = [(i + 1, kind, p.detach().flatten(1).cpu().clone())
                     for kind, params in (("weight", model.weights), ("bias", model.biases))
                     for i, p in enumerate(params)]

    def table(self) -> pd.DataFrame:
        frames = [pd.DataFrame({"replicate": np.repeat(np.arange(p.shape[0]), p.shape[1]),
                                "layer": layer, "kind": kind,
                                "index": np.tile(np.arange(p.shape[1]), p.shape[0]),
                                "value": p.reshape(-1).numpy()})
                  for layer, kind, p in self.last]
        return pd.concat(frames, ignore_index=True)


ECE_BINS = 15  # equal-width bins of the top-label probability (Guo et al. 2017's 15)


class Calibration(Probe):
    """How confident the model is on the test set, and how far that is from its accuracy
    (LS-3), at every evaluation, in eval mode. ``test_conf``: mean max-softmax
    probability; ``test_ece``: top-label expected calibration error over ECE_BINS
    equal-width bins of that probability, Σ_b (n_b/n)·|accuracy_b − confidence_b| (Guo
    et al. 2017), the binning declared here, before any run. Summary: the last values."""

    name = "calibration"

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {"test_conf": [], "test_ece": []}

    def on_eval(self, ctx: EvalContext) -> None:
        with ctx.model.inference():
            probs = torch.softmax(ctx.model(ctx.data.x_test).double(), -1)  # (R, n, C)
        conf, pred = probs.max(-1)
        right = (pred == ctx.data.y_test).double()
        self.steps.append(ctx.step)
        self.values["test_conf"].append(conf.mean(1))
        self.values["test_ece"].append(top_label_ece(conf, right))

    def summary(self) -> dict[str, torch.Tensor]:
        return {k: v[-1] for k, v in self.values.items()}

    def table(self) -> pd.DataFrame:
        return _long(self.steps, self.values, layer=False)


def top_label_ece(conf: torch.Tensor, right: torch.Tensor, bins: int = ECE_BINS
                  ) -> torch.Tensor:
    """(R,) top-label ECE of per-example confidences ``conf`` and 0/1 ``right`` (R, n):
    bin b holds the confidences in ((b−1)/bins, b/bins] (the first also 0), the edges
    k/bins as doubles, so a confidence equal to one falls below it."""
    inner = torch.arange(1, bins, dtype=conf.dtype, device=conf.device) / bins
    idx = torch.bucketize(conf.contiguous(), inner)
    zeros = conf.new_zeros(conf.shape[0], bins)
    gap = zeros.scatter_add(1, idx, right) - zeros.scatter_add(1, idx, conf)
    return gap.abs().sum(1) / conf.shape[1]


class DeadUnits(Probe):
    """Dead hidden units, judged on the FULL training set at every evaluation (AC-4).

    A unit is dead when its activation's input (x W + b; BN's output where BN comes
    first) is ≤ 0 on every training example of its replicate: a ReLU unit then outputs 0
    and passes no gradient back on any of them. A minibatch would call units dead that
    some other example still wakes, so the whole training set is used, in eval mode (BN
    on running statistics, no dropout). For leaky_relu the same test counts "inactive"
    units, which still pass α times their gradient. Per (step, replicate, layer), layer
    l the l-th activation (a hidden layer; in a residual net, the block's inner one):
    ``dead_share`` (dead over the layer's units), ``dead`` (their count), ``revived``
    (dead at the previous evaluation, not now) and ``died`` (the reverse), both 0 at the
    first evaluation; a unit that dies and revives between two evaluations is missed.
    Summary: ``dead_share`` over all hidden units at the last evaluation. Nothing for a
    net without hidden layers.
    """

    name = "dead_units"

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[torch.Tensor]] = {"dead_share": [], "dead": [],
                                                      "revived": [], "died": []}
        self.prev: list[torch.Tensor] = []
        self.total: torch.Tensor | None = None  # (R,) share of all hidden units, last eval

    def on_eval(self, ctx: EvalContext) -> None:
        model = ctx.model
        act_in: list[torch.Tensor] = []
        with model.inference():
            model(ctx.data.x_train, act_in=act_in)
        if not act_in:
            return
        dead = [(z <= 0).all(dim=1) for z in act_in]  # (R, units) per layer
        prev = self.prev or dead

        def per_layer(counts: list[torch.Tensor]) -> torch.Tensor:
            return torch.stack([c.sum(1).to(torch.float64) for c in counts], 1)  # (R, L)

        count = per_layer(dead)
        units = torch.tensor([d.shape[1] for d in dead], dtype=torch.float64,
                             device=count.device)
        self.steps.append(ctx.step)
        self.values["dead_share"].append(count / units)
        self.values["dead"].append(count)
        self.values["revived"].append(per_layer([p & ~d for p, d in zip(prev, dead,
                                                                          strict=True)]))
        self.values["died"].append(per_layer([~p & d for p, d in zip(prev, dead,
                                                                       strict=True)]))
        self.prev = dead
        self.total = count.sum(1) / units.sum()

    def summary(self) -> dict[str, torch.Tensor]:
        return {} if self.total is None else {"dead_share": self.total}

    def table(self) -> pd.DataFrame | None:
        return _long(self.steps, self.values, layer=True) if self.steps else None


class GradShare(Probe):
    """Which training examples the loss gradient comes from (IM-3 (b), LS-1), at every
    evaluation, on the FULL training set.

    Per example i: g_i = ‖∂L/∂z_i‖₁, the gradient of the training objective L (the run's
    own loss: focal, class-weighted, ...; eval mode) with respect to its logits z_i, the
    signal every weight gradient is built from. Examples fall into groups by class and
    kind: ``easy`` (p_t > EASY, p_t the softmax probability of the true class),
    ``correct`` (classified right, p_t ≤ EASY) and ``wrong`` (misclassified). Table
    ``grad_share``, one row per (step, replicate, class, kind): ``count`` and
    ``grad_share``, the group's Σ g_i over all examples' (NaN where every gradient is 0).
    Summary: ``easy_grad_share``, the easy examples' share at the last evaluation.
    """

    name = "grad_share"
    EASY = 0.9  # IM-3: "easy" majority examples are those with p_t > 0.9
    KINDS = ("easy", "correct", "wrong")

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []
        self.easy: torch.Tensor | None = None

    def on_eval(self, ctx: EvalContext) -> None:
        model, x, y = ctx.model, ctx.data.x_train, ctx.data.y_train
        with model.inference():
            logits = model(x)
        logits.requires_grad_(True)
        (grad,) = torch.autograd.grad(ctx.loss(logits, y).sum(), logits)
        logits = logits.detach()
        p_t = logits.softmax(-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)
        kind = torch.where(p_t > self.EASY, 0, torch.where(logits.argmax(-1) == y, 1, 2))
        n_kinds = len(self.KINDS)
        groups = n_kinds * logits.shape[-1]
        group = y * n_kinds + kind  # (R, n): class-major
        mag = grad.abs().sum(-1).double()
        sums = mag.new_zeros(y.shape[0], groups).scatter_add_(1, group, mag)
        counts = torch.zeros_like(sums).scatter_add_(1, group, torch.ones_like(mag))
        share = (sums / sums.sum(1, keepdim=True)).cpu().numpy()
        self.easy = share.reshape(y.shape[0], -1, n_kinds)[:, :, 0].sum(1)
        r = y.shape[0]
        self.frames.append(pd.DataFrame({
            "step": ctx.step, "replicate": np.repeat(np.arange(r), groups),
            "class": np.tile(np.arange(groups) // n_kinds, r),
            "kind": np.tile(np.asarray(self.KINDS)[np.arange(groups) % n_kinds], r),
            "count": counts.cpu().numpy().reshape(-1), "grad_share": share.reshape(-1)}))

    def summary(self) -> dict[str, torch.Tensor]:
        return {} if self.easy is None else {"easy_grad_share": torch.as_tensor(self.easy)}

    def table(self) -> pd.DataFrame | None:
        return pd.concat(self.frames, ignore_index=True) if self.frames else None


PROBES: dict[str, type[Probe]] = {"layer_stats": LayerStats,
                                  "layer_stats_bn_train": LayerStatsBNTrain,
                                  "symmetry": Symmetry, "weights": WeightStats,
                                  "first_layer": FirstLayer,
                                  "convergence": Convergence, "batch_norm": BatchNormStats,
                                  "dropout": DropoutMean, "params": FinalParams,
                                  "dead_units": DeadUnits, "grad_share": GradShare,
                                  "calibration": Calibration}


def build_probes(cfg: TrainerConfig) -> list[Probe]:
    probes: list[Probe] = [PROBES[name]() for name in cfg.probes]
    if cfg.jitter_window > 0:
        probes.append(LossTrace(cfg.jitter_window))
    if cfg.jitter_burst > 0:
        probes.append(LossBursts(cfg.jitter_burst))
    return probes


"""A batched MLP: R independent replicates of one architecture in one computation.

Every parameter carries a leading replicate dimension, inputs are (R, B, d), and each
replicate only ever touches its own slice. Summing the replicates' mean losses therefore
gives every replicate exactly its own gradient, and since every torch.optim optimizer
used here acts elementwise, one stock optimizer over the stacked parameters trains R
models exactly as R separate optimizers would (tests/test_trainer.py checks this).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from harness.train.schema import (
    Activation,
    BiasInit,
    DropoutPlacement,
    DropoutScaling,
    Init,
    ModelConfig,
)

ACTIVATIONS = {
    Activation.sigmoid: torch.sigmoid,
    Activation.tanh: torch.tanh,
    Activation.relu: F.relu,
    Activation.leaky_relu: F.leaky_relu,
    Activation.elu: F.elu,
    Activation.gelu: F.gelu,
    Activation.identity: lambda x: x,
    Activation.x2: torch.square,
    Activation.sin: torch.sin,
    Activation.sign: torch.sign,
}


def activation(cfg: ModelConfig) -> Callable[[torch.Tensor], torch.Tensor]:
    """The hidden layers' activation; leaky_relu with its slope ``model.leaky_slope``
    (torch's 0.01 by default, so the default is F.leaky_relu itself)."""
    if cfg.activation == Activation.leaky_relu:
        return partial(F.leaky_relu, negative_slope=float(cfg.leaky_slope))
    return ACTIVATIONS[cfg.activation]


def init_weight_(w: torch.Tensor, scheme: Init, std: float, gen: torch.Generator) -> torch.Tensor:
    """Fill a torch-layout (out, in) weight in place with ``scheme``, drawing from ``gen``."""
    if scheme == Init.xavier:
        return nn.init.xavier_uniform_(w, generator=gen)
    if scheme == Init.xavier_normal:
        return nn.init.xavier_normal_(w, generator=gen)
    if scheme == Init.he:
        return nn.init.kaiming_normal_(w, nonlinearity="relu", generator=gen)
    if scheme == Init.he_uniform:
        return nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=gen)
    if scheme == Init.orthogonal:
        return nn.init.orthogonal_(w, generator=gen)
    if scheme == Init.normal:
        return nn.init.normal_(w, 0.0, std, generator=gen)
    if scheme == Init.zeros:
        return nn.init.zeros_(w)
    if scheme == Init.ones:
        return nn.init.ones_(w)
    raise ValueError(f"model.init={scheme!r}: allowed values are {[i.value for i in Init]}")


SAME_BIAS = {Init.xavier: BiasInit.xavier, Init.normal: BiasInit.normal,
             Init.zeros: BiasInit.zeros, Init.ones: BiasInit.ones}  # bias_init=same


def init_bias_(b: torch.Tensor, scheme: BiasInit, std: float, gen: torch.Generator,
               weight_scheme: Init = Init.xavier) -> torch.Tensor:
    """Fill a bias in place. ``xavier`` follows TensorFlow 1 on a 1-D variable (fan = n);
    ``same`` applies ``weight_scheme`` where it has a 1-D meaning, else zeros."""
    if scheme == BiasInit.same:
        scheme = SAME_BIAS.get(Init(weight_scheme), BiasInit.zeros)
    if scheme == BiasInit.zeros:
        return nn.init.zeros_(b)
    if scheme == BiasInit.ones:
        return nn.init.ones_(b)
    if scheme == BiasInit.normal:
        return nn.init.normal_(b, 0.0, std, generator=gen)
    if scheme == BiasInit.xavier:
        a = math.sqrt(3.0 / b.numel())
        return nn.init.uniform_(b, -a, a, generator=gen)
    allowed = [i.value for i in BiasInit]
    raise ValueError(f"model.bias_init={scheme!r}: allowed values are {allowed}")


def hidden_widths(cfg: ModelConfig) -> list[int]:
    """``depth`` layers of ``width`` when depth is set, else ``widths``."""
    return [cfg.width] * cfg.depth if cfg.depth is not None else list(cfg.widths)


def layer_sizes(cfg: ModelConfig, d_in: int, n_out: int) -> list[tuple[int, int]]:
    dims = [d_in, *hidden_widths(cfg), n_out]
    return list(zip(dims[:-1], dims[1:], strict=True))


def init_layers(
    cfg: ModelConfig, d_in: int, n_out: int, gen: torch.Generator
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One replicate's (weight (out, in), bias (out,)) per layer, drawn in a fixed order.

    Shared by the batched model and by the per-seed reference in the tests, so "same
    seed" means the same initial weights in both.
    """
    layers = []
    for fan_in, fan_out in layer_sizes(cfg, d_in, n_out):
        w = init_weight_(torch.empty(fan_out, fan_in), cfg.init, cfg.init_std, gen)
        if cfg.init_gain != 1:  # a scaled scheme's gain (schema: GAIN_SCHEMES only)
            w.mul_(cfg.init_gain)
        b = init_bias_(torch.empty(fan_out), cfg.bias_init, cfg.init_std, gen, cfg.init)
        layers.append((w, b))
    return layers


def to_channels(h: torch.Tensor) -> torch.Tensor:
    """(R, B, F) -> (B, R·F): every replicate's features become separate BN channels."""
    r, b, f = h.shape
    return h.transpose(0, 1).reshape(b, r * f)


def from_channels(flat: torch.Tensor, replicates: int) -> torch.Tensor:
    """(B, R·F) -> (R, B, F), the inverse of :func:`to_channels`."""
    return flat.reshape(flat.shape[0], replicates, -1).transpose(0, 1)


def rng_state(device: torch.device) -> torch.Tensor:
    """The state of the default generator that random ops on ``device`` draw from."""
    return torch.cuda.get_rng_state(device) if device.type == "cuda" else torch.get_rng_state()


def set_rng_state(state: torch.Tensor, device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.set_rng_state(state, device)
    else:
        torch.set_rng_state(state)


@dataclass
class DropoutStream:
    """One fused sweep point's share of the dropout: how many replicates it owns (the
    points' replicates follow one another), its rate, and the state of the random stream
    its masks come from."""

    size: int
    rate: float
    state: torch.Tensor


class BatchedMLP(nn.Module):
    """R replicate MLPs; weights (R, in, out), biases (R, 1, out), BN stats per replicate."""

    def __init__(self, cfg: ModelConfig, d_in: int, n_out: int, seeds: list[int],
                 inits: Sequence[ModelConfig] | None = None) -> None:
        """``inits``: per replicate, the config its initial weights are drawn with (a
        fused sweep's points differ in init scheme and scale); default ``cfg`` for all."""
        super().__init__()
        # plain attributes: read on every layer of every step, and DictConfig access is slow
        self.bn_after = bool(cfg.bn_after_activation)
        self.dropout = float(cfg.dropout)
        self.dropout_every = DropoutPlacement(cfg.dropout_placement) == DropoutPlacement.every
        self.dropout_at_test = DropoutScaling(cfg.dropout_scaling) == DropoutScaling.test
        self.residual = bool(cfg.residual)
        self.replicates = len(seeds)
        self.act = activation(cfg)
        per_rep = [init_layers(c, d_in, n_out, torch.Generator().manual_seed(s))
                   for c, s in zip(inits or [cfg] * len(seeds), seeds, strict=True)]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for i in range(len(per_rep[0])):
            self.weights.append(nn.Parameter(torch.stack([p[i][0].T for p in per_rep])))
            self.biases.append(nn.Parameter(torch.stack([p[i][1] for p in per_rep]).unsqueeze(1)))
        # BatchNorm on (R, B, F) = BatchNorm1d on (B, R·F): each replicate's features are
        # separate channels, so batch statistics and running stats stay per replicate.
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(self.replicates * w) for w in hidden_widths(cfg)
        ) if cfg.batch_norm else None
        self.streams: list[DropoutStream] | None = None  # see split_dropout

    def split_dropout(self, sizes: Sequence[int], rates: Sequence[float], seeds: Sequence[int],
                      device: torch.device) -> None:
        """Fused sweep points (harness/fusion.py): point i owns the next ``sizes[i]``
        replicates, drops at ``rates[i]`` and draws its masks from its own stream, seeded
        with ``seeds[i]`` as its own run seeds the default generator. A run alone draws
        nothing else from that generator (inits, minibatches and data have generators of
        their own; the dropout probe forks it), so each point gets the very masks it would
        get alone, whoever its neighbours are."""
        # each state: what torch.manual_seed(seed) leaves in the default generator
        self.streams = [DropoutStream(size, float(rate),
                                      torch.Generator(device).manual_seed(seed).get_state())
                        for size, rate, seed in zip(sizes, rates, seeds, strict=True)]

    def dropout_rates(self) -> torch.Tensor:
        """(R,) each replicate's dropout rate, in float64 (the rates are Python floats)."""
        if self.streams is None:
            return torch.full((self.replicates,), self.dropout, dtype=torch.float64)
        return torch.tensor([s.rate for s in self.streams for _ in range(s.size)],
                            dtype=torch.float64)

    @contextmanager
    def inference(self) -> Iterator[None]:
        """Eval mode (batch norm on its running statistics, dropout off) and no autograd,
        then back to the mode it found: how every evaluation and probe reads the model."""
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            self.train(was_training)

    @contextmanager
    def forked_rng(self, device: torch.device) -> Iterator[None]:
        """Random draws inside leave every stream as it was: a probe's masks never change
        training's."""
        saved = [s.state for s in self.streams or []]
        try:
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                yield
        finally:
            for stream, state in zip(self.streams or [], saved, strict=True):
                stream.state = state

    @contextmanager
    def _drawing_from(self, stream: DropoutStream, device: torch.device) -> Iterator[None]:
        outer = rng_state(device)
        set_rng_state(stream.state, device)
        try:
            yield
        finally:
            stream.state = rng_state(device)
            set_rng_state(outer, device)

    def _norm(self, i: int, h: torch.Tensor,
              inputs: list[torch.Tensor] | None = None) -> torch.Tensor:
        if inputs is not None:
            inputs.append(h)
        return from_channels(self.norms[i](to_channels(h)), h.shape[0])

    def drop(self, z: torch.Tensor, training: bool) -> torch.Tensor:
        """Dropout at rate ``self.dropout``, train or eval form. Inverted (torch's): kept
        units × 1/(1−p) in training, identity at eval. Plain (model.dropout_scaling=test,
        Srivastava et al. 2014): kept units as they are in training, × (1−p) at eval.
        Either way E[train output] = eval output; the dropout probe calls this method,
        so a model that forgets the rescaling fails BD-5. Replicates are on dim -3 of
        ``z``; fused points (:meth:`split_dropout`) each drop their own slice at their
        own rate, drawing from their own stream."""
        if self.streams is None:
            return self._drop(z, self.dropout, training)
        parts = []
        mine = z.split([s.size for s in self.streams], dim=-3)
        for s, part in zip(self.streams, mine, strict=True):
            if not training:
                parts.append(self._drop(part, s.rate, training))
                continue
            if part.is_cuda and 0 not in part.stride():
                # CUDA's dropout kernel walks a dense, aligned tensor in memory order and
                # anything else in index order: a slice (BatchNorm's layout leaves gaps
                # between replicates) gets a fresh dense copy, laid out as the point's
                # own tensor is alone. (The probe's expanded input is never dense.)
                part = part.clone()
            with self._drawing_from(s, z.device):
                parts.append(self._drop(part, s.rate, training))
        return torch.cat(parts, dim=-3)

    def _drop(self, z: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
        keep = 1.0 - rate
        if not self.dropout_at_test:
            return F.dropout(z, rate, training)
        return F.dropout(z, rate, True) * keep if training else z * keep

    def forward(self, x: torch.Tensor, hidden: list[torch.Tensor] | None = None,
                bn_inputs: list[torch.Tensor] | None = None,
                pre: list[torch.Tensor] | None = None,
                act_in: list[torch.Tensor] | None = None) -> torch.Tensor:
        """(R, B, d) -> (R, B, n_out) logits. For probes: each hidden layer's output is
        appended to ``hidden``, each BN layer's input to ``bn_inputs``, each weight
        matrix's output x W + b (before BN, activation or residual sum) to ``pre``, and
        each activation's input (after BN when BN comes first) to ``act_in``, when
        given. Residual (model.residual): matrices 1-2, 3-4, ... form blocks
        h <- h + W2 σ(W1 h + b1) + b2; ``hidden`` gets σ(W1 h + b1), then the sum."""
        h, skip = x, None
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = torch.baddbmm(b, h, w)
            if pre is not None:
                pre.append(z)
            if i == last:
                return z
            if skip is not None:  # the block's second matrix: add the skip, no activation
                h, skip = skip + z, None
                if hidden is not None:
                    hidden.append(h)
                continue
            if self.residual and i > 0:
                skip = h
            if self.norms is not None and not self.bn_after:
                z = self._norm(i, z, bn_inputs)
            if act_in is not None:
                act_in.append(z)
            z = self.act(z)
            if self.norms is not None and self.bn_after:
                z = self._norm(i, z, bn_inputs)
            if self.dropout > 0 and (self.dropout_every or i == last - 1):
                z = self.drop(z, self.training)
            h = z
            if hidden is not None:
                hidden.append(h)
        return h

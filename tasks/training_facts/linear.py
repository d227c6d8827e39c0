"""AC-1a: without a nonlinear activation a multi-layer network is one affine map.

Small MLPs with identity activations are trained inside the search on make_moons as in
Abid's Exp 7 (plain torch, float32, Adam), and on many inputs their output f(x) is
compared with the one affine map Wx + c composed from their trained layers in float64
(W = W_L⋯W_1, c = W_L(⋯(W_2 b_1 + b_2)⋯) + b_L). The harness's own batched model
(``model.activation=identity``) is checked the same way. In every setting a LeakyReLU(0.99)
net and a tanh net of the same shape, trained alongside, are judged positive controls:
the check must flag them, or it could not have failed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from sklearn.datasets import make_moons
from torch import nn

from harness.train.models import BatchedMLP
from harness.train.schema import Activation, BiasInit, Init, ModelConfig
from harness.train.search import row

# Exp 7's data (make_moons, n = 500, noise 0.1, the first 80% for training), width 30,
# Adam 0.003 on random batches of 64; 100 steps (Exp 7 runs 800: the map's form does not
# depend on how far training went, and the suite's time budget is short)
N, NOISE, TRAIN, WIDTH, LR, BATCH, STEPS = 500, 0.1, 400, 30, 3e-3, 64, 100
INPUTS, BOX = 10_000, 5.0  # inputs per net, uniform on [−5, 5]² (the moons lie in ~[−1, 2]²)
# The error is max|f(x) − (Wx + c)| over the inputs ÷ max|f(x)|, the forward's own output
# scale. Its tolerance, from float32 rounding (u = 2⁻²⁴) of the stated depth and width: a
# dot product of fan-in n errs by ~√n·u of Σ|w_i h_i|, and Σ|w_i h_i| is ~√n × |Σ w_i h_i|
# for terms of mixed sign, so each matrix adds ~n·u of its own output; L matrices (hidden
# + 1) of fan-in ≤ WIDTH: TOL = L·WIDTH·u (5.4e-6 at 2 hidden layers, 1.3e-5 at 6).
# Refuted beyond REFUTE × TOL (an error an order above rounding is a nonlinearity or a
# wrong composition); between the two, inconclusive.
U, REFUTE = 2.0**-24, 10.0
SLOPE = 0.99  # the near-linear control's negative slope (the review's counterexample)
PRIMARY, DEEP, HARNESS = ("2→30→30→2, torch nn.Linear (Exp 7's shape)",
                          "2→30×6→2, torch nn.Linear", "2→30→30→2, harness BatchedMLP")
HIDDEN = {PRIMARY: 2, DEEP: 6, HARNESS: 2}
REPLICATES = 2  # of each batched model, trained together

NETS = ("identity", f"LeakyReLU({SLOPE:g})", "tanh")  # the claim's net, then the controls
ERRORS = {net: f"{net} net: max|f(x) − (Wx + c)| ÷ max|f(x)| over the inputs"
          + ("" if net == NETS[0] else " (control: must be flagged)") for net in NETS}
ERROR = ERRORS[NETS[0]]
ABSOLUTE = "identity net: max|f(x) − (Wx + c)| over the inputs"  # shown
LOSSES = {net: f"{net} net: training cross-entropy after {STEPS} Adam steps"  # shown
          for net in NETS}


def tol(hidden: int) -> float:
    """TOL = L·WIDTH·u for L = hidden + 1 matrices (see above)."""
    return (hidden + 1) * WIDTH * U


Layers = list[tuple[torch.Tensor, torch.Tensor]]  # (weight (out, in), bias (out,))


def moons(rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Exp 7's training split: make_moons(500, noise 0.1) (shuffled), its first 400."""
    x, y = make_moons(N, noise=NOISE, random_state=int(rng.integers(2**31 - 1)))
    return torch.tensor(x[:TRAIN], dtype=torch.float32), torch.tensor(y[:TRAIN])


def logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(R, B, 2) logits: the batched model's R replicates on the same x, or a torch net's
    as R = 1."""
    if isinstance(model, BatchedMLP):
        return model(x.expand(model.replicates, -1, -1))
    return model(x)[None]


def train(models: dict[object, nn.Module], x: torch.Tensor, y: torch.Tensor,
          gen: torch.Generator) -> dict[object, float]:
    """STEPS of Adam (float32) on random batches of BATCH, every net on the same batch,
    all in one optimizer on the sum of their losses (the nets share no parameter, so each
    trains exactly as it would alone: one backward and one fused step save time); each
    net's mean loss on the last batch (over its replicates)."""
    opt = torch.optim.Adam([p for m in models.values() for p in m.parameters()], lr=LR,
                           fused=True)
    for _ in range(STEPS):
        idx = torch.randint(len(x), (BATCH,), generator=gen)
        # (R, 2, B) logits against (R, B) labels: a net's replicates' mean losses summed
        losses = {name: F.cross_entropy((out := logits(m, x[idx])).transpose(1, 2),
                                        y[idx].expand(len(out), -1), reduction="sum") / BATCH
                  for name, m in models.items()}
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    return {name: float(loss.detach()) / len(logits(models[name], x[:1]))
            for name, loss in losses.items()}


def xavier(fan_in: int, fan_out: int, gen: torch.Generator) -> nn.Linear:
    """A Linear with Exp 7's init: Xavier-uniform weight, bias U[±√(3/n)] (the harness's
    ``bias_init=xavier``, TensorFlow 1 on a 1-D variable)."""
    layer = nn.Linear(fan_in, fan_out)
    nn.init.xavier_uniform_(layer.weight, generator=gen)
    a = math.sqrt(3 / fan_out)
    nn.init.uniform_(layer.bias, -a, a, generator=gen)
    return layer


def mlp(hidden: int, act: nn.Module, gen: torch.Generator) -> nn.Sequential:
    """2 → WIDTH × hidden → 2, ``act`` after every hidden layer."""
    dims = [2] + [WIDTH] * hidden + [2]
    mods: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        mods += [xavier(a, b, gen)] + ([act] if i < hidden else [])
    return nn.Sequential(*mods)


def affine(layers: Layers) -> tuple[torch.Tensor, torch.Tensor]:
    """(W, c) in float64: W = W_L⋯W_1, c = W_L(⋯(W_2 b_1 + b_2)⋯) + b_L."""
    w, c = torch.eye(layers[0][0].shape[1], dtype=torch.float64), torch.zeros(
        layers[0][0].shape[1], dtype=torch.float64)
    for weight, bias in layers:
        weight, bias = weight.double(), bias.double()
        w, c = weight @ w, weight @ c + bias
    return w, c


def error(f: torch.Tensor, x: torch.Tensor, layers: Layers) -> tuple[float, float]:
    """(relative, absolute): max|f(x) − (Wx + c)| over the inputs ``x``, divided by
    max|f(x)| (the forward's own output scale: an affine map is large at the box's
    corners, so no near-zero output inflates it), and undivided."""
    w, c = affine(layers)
    diff = float((f.double() - (x.double() @ w.T + c)).abs().max())
    return diff / float(f.double().abs().max()), diff


def layers(model: nn.Module) -> list[Layers]:
    """Each replicate's trained (weight (out, in), bias) per layer."""
    if isinstance(model, BatchedMLP):
        return [[(w[r].T, b[r, 0]) for w, b in zip(model.weights, model.biases, strict=True)]
                for r in range(model.replicates)]
    return [[(m.weight, m.bias) for m in model if isinstance(m, nn.Linear)]]


def batched(net: str, rng: np.random.Generator) -> BatchedMLP:
    """The harness's BatchedMLP, 2→30→30→2 with Exp 7's Xavier init, REPLICATES
    replicates, with ``net``'s activation."""
    act = {NETS[0]: {"activation": Activation.identity},
           NETS[1]: {"activation": Activation.leaky_relu, "leaky_slope": SLOPE},
           NETS[2]: {"activation": Activation.tanh}}[net]
    return BatchedMLP(ModelConfig(widths=[WIDTH, WIDTH], init=Init.xavier,
                                  bias_init=BiasInit.xavier, **act),
                      2, 2, [int(rng.integers(2**31)) for _ in range(REPLICATES)])


def ac1_scaled(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """AC-1a, one chunk (revised: the error over the output's own scale, judged controls):
    per setting, an identity net and its two controls trained on the chunk's own moons,
    checked on INPUTS uniform inputs from the box (float32, one thread)."""
    x, y = moons(rng)
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    acts = dict(zip(NETS, (nn.Identity(), nn.LeakyReLU(SLOPE), nn.Tanh()), strict=True))
    models = {(setting, net): batched(net, rng) if setting == HARNESS
              else mlp(HIDDEN[setting], acts[net], gen)
              for setting in HIDDEN for net in NETS}
    losses = train(models, x, y, gen)
    inputs = (torch.rand(INPUTS, 2, generator=gen) * 2 - 1) * BOX
    rows = []
    with torch.no_grad():
        for (setting, net), model in models.items():
            found = [error(out, inputs, layer) for out, layer in
                     zip(logits(model, inputs), layers(model), strict=True)]
            points = len(found) * INPUTS
            rows += [row(setting, ERRORS[net], max(f[0] for f in found), points),
                     row(setting, LOSSES[net], losses[setting, net], len(found))]
            if net == NETS[0]:
                rows.append(row(setting, ABSOLUTE, max(f[1] for f in found), points))
    return pd.DataFrame(rows)

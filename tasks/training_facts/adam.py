"""OP-7: Adam's zero-initialized moment estimates are biased toward 0, E[mₜ] = (1 − β1ᵗ)E[g]
and E[vₜ] = (1 − β2ᵗ)E[g²], and the bias-corrected m̂ₜ, v̂ₜ are unbiased.

For stationary gradients both recursions are linear, mₜ = (1 − β1) Σₛ β1ᵗ⁻ˢ gₛ, so the
formulas are exact; the search checks them by Monte Carlo (z against the Monte-Carlo
standard error) and checks torch.optim.Adam's own state against the same recursions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from scipy.signal import lfilter

from harness.train.search import row

BETA1, BETA2, EPS, LR = 0.9, 0.999, 1e-8, 1e-3  # the seed's β's; torch's defaults
SEQUENCES = 1250  # gradient sequences per chunk and setting: 10⁴ over the 8 chunks
TORCH = 100  # of them, fed to torch.optim.Adam (one coordinate each) and stepped through
STEPS = 2000  # t = 1 … 2000 (1 − β2ᵗ is still 0.86 at the end: v's bias is alive)
CHECKPOINTS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)  # where E[·] is tested
# stationary gradient distributions: name -> (draw(rng, shape), E[g], E[g²])
DISTRIBUTIONS = {
    "g ~ N(1, 1)": (lambda r, s: r.normal(1.0, 1.0, s), 1.0, 2.0),  # signal = noise
    "g ~ N(0.1, 1)": (lambda r, s: r.normal(0.1, 1.0, s), 0.1, 1.01),  # noise-dominated
    "g ~ Exp(1)": (lambda r, s: r.exponential(1.0, s), 1.0, 2.0),  # skewed, long tail
}
# z bound: Bonferroni over every z the full run computes (checkpoints × {m, v} × 8
# chunks × settings) at a family-wise 1%: under the formulas a false refutation has
# probability ≤ 0.01 (declared before the search)
TESTS = len(CHECKPOINTS) * 2 * 8 * len(DISTRIBUTIONS)
M_HAT = "|z| of mean m̂ₜ against E[g] (= mₜ against (1 − β1ᵗ)E[g]), largest over t"
V_HAT = "|z| of mean v̂ₜ against E[g²] (= vₜ against (1 − β2ᵗ)E[g²]), largest over t"
TOWARD_0 = "bias of m₁, v₁ toward 0 in standard errors, the smaller"
STATE = "torch exp_avg, exp_avg_sq against mₜ, vₜ (|Δ| / √E[g²], / E[g²]), largest"
STEP = "torch's step against −lr·m̂ₜ/(√v̂ₜ + ε) (|Δ| / lr), largest"
RATIO = "uncorrected / corrected step mₜ/(√vₜ + ε) ÷ m̂ₜ/(√v̂ₜ + ε), largest over t"  # shown
RATIO_END = f"uncorrected / corrected step at t = {STEPS}, median"  # shown


def moments(g: np.ndarray, beta1: float = BETA1, beta2: float = BETA2
            ) -> tuple[np.ndarray, np.ndarray]:
    """(mₜ, vₜ) for t = 1 … T along axis 1 (a sequence per row) from m₀ = v₀ = 0, by the
    seed's recursions mₜ = β1mₜ₋₁ + (1 − β1)gₜ, vₜ = β2vₜ₋₁ + (1 − β2)gₜ²."""
    return (lfilter([1 - beta1], [1, -beta1], g, axis=1),
            lfilter([1 - beta2], [1, -beta2], g**2, axis=1))


def corrections(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(1 − β1ᵗ, 1 − β2ᵗ) for t = 1 … steps."""
    t = np.arange(1, steps + 1)
    return 1 - BETA1**t, 1 - BETA2**t


def torch_adam(g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch.optim.Adam (float64, defaults but lr) on one parameter coordinate per row of
    ``g``, fed column by column: exp_avg, exp_avg_sq and the step pₜ − pₜ₋₁ after each."""
    p = torch.zeros(g.shape[0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=LR, betas=(BETA1, BETA2), eps=EPS)
    out = np.empty((3, *g.shape))
    for t, gt in enumerate(torch.from_numpy(g.T.copy())):
        before = p.detach().clone()
        p.grad = gt
        opt.step()
        state = opt.state[p]
        out[:, :, t] = [state["exp_avg"].numpy(), state["exp_avg_sq"].numpy(),
                        (p.detach() - before).numpy()]
    return out[0], out[1], out[2]


def z(x: np.ndarray, target: float) -> np.ndarray:
    """Per column (a step t): (mean over sequences − target) / its Monte-Carlo standard
    error."""
    return (x.mean(axis=0) - target) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))


def op7(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """OP-7, one chunk: SEQUENCES gradient sequences of STEPS steps per distribution; z of
    the corrected moments' means against E[g], E[g²] at every checkpoint, the uncorrected
    ones' bias toward 0 at t = 1; torch.optim.Adam's state and step at every t on TORCH of
    the sequences (each one coordinate of one parameter), and the uncorrected step's
    ratio to the corrected one on them (shown)."""
    rows, at = [], np.array(CHECKPOINTS) - 1
    c1, c2 = corrections(STEPS)
    gs = {name: draw(rng, (SEQUENCES, STEPS)) for name, (draw, _, _) in DISTRIBUTIONS.items()}
    stepped = torch_adam(np.concatenate([g[:TORCH] for g in gs.values()]))
    for i, (setting, (_, mean, square)) in enumerate(DISTRIBUTIONS.items()):
        m, v = moments(gs[setting])
        exp_avg, exp_avg_sq, step = (x[i * TORCH:(i + 1) * TORCH] for x in stepped)
        hat_m, hat_v = m[:TORCH] / c1, v[:TORCH] / c2
        ratio = (m[:TORCH] / (np.sqrt(v[:TORCH]) + EPS)) / (hat_m / (np.sqrt(hat_v) + EPS))
        rows += [row(setting, M_HAT, np.abs(z(m[:, at] / c1[at], mean)).max(), m[:, at].size),
                 row(setting, V_HAT, np.abs(z(v[:, at] / c2[at], square)).max(), m[:, at].size),
                 row(setting, TOWARD_0, min(-z(m[:, :1], mean)[0], -z(v[:, :1], square)[0]),
                     SEQUENCES),
                 row(setting, STATE, max(np.abs(exp_avg - m[:TORCH]).max() / np.sqrt(square),
                                         np.abs(exp_avg_sq - v[:TORCH]).max() / square),
                     step.size),
                 row(setting, STEP, np.abs(step + LR * hat_m / (np.sqrt(hat_v) + EPS)).max()
                     / LR, step.size),
                 row(setting, RATIO, np.median(ratio, axis=0).max(), step.size),
                 row(setting, RATIO_END, np.median(ratio[:, -1]), TORCH)]
    return pd.DataFrame(rows)

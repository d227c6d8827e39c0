"""training_facts' page: the inverse Hessian and the gradient along Newton's path (OP-6),
Adam's moments and step ratio over t (OP-7), and BN's output beside a normal (BD-8b).
The figures are recomputed from the experiment's own functions (seeded; a few seconds),
not read from the store: the store holds only each chunk's extremes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy.stats import norm

from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from tasks.training_facts import adam, batchnorm, newton

# OP-6's paths drawn: the grid's ends and scikit-learn's default, with their colours
C_SHOWN = {0.01: plots.BLUE, 1.0: plots.ORANGE, 100.0: plots.GREEN}


def _fig_newton(out: Path) -> None:
    x, y = newton.dataset(newton.BREAST, np.random.default_rng(0))
    fig = Figure(figsize=(10, 3.6))
    left, right = fig.subplots(1, 2)
    for c, color in C_SHOWN.items():
        path = newton.newton(x, y, c)
        inv = [newton.inverse(h) for h in path.hessians]
        k = np.arange(len(inv))
        left.plot(k, [np.linalg.eigvalsh(a)[-1] / np.linalg.eigvalsh(inv[0])[-1] for a in inv],
                  "-o", ms=3, color=color, label=f"C = {c:g}: λmax(H⁻¹)")
        left.plot(k, [np.trace(a) / np.trace(inv[0]) for a in inv], "--s", ms=3, color=color,
                  label=f"C = {c:g}: trace(H⁻¹)")
        right.semilogy(k, path.grads / path.grads[0], "-o", ms=3, color=color,
                       label=f"C = {c:g}: ‖∇F‖")
        right.semilogy(k, path.steps / path.steps[0], "--s", ms=3, color=color,
                       label=f"C = {c:g}: ‖H⁻¹∇F‖")
    left.axhline(1, color=plots.GREY, lw=0.8)
    left.set(xlabel="Newton iteration k", ylabel="relative to k = 0",
             title="inverse Hessian (breast_cancer)")
    right.set(xlabel="Newton iteration k", ylabel="relative to k = 0",
              title="gradient and Newton step")
    left.legend(fontsize=7), right.legend(fontsize=7)
    plots.save(fig, out / "newton.png")


def _fig_adam(out: Path) -> None:
    draw, mean, square = adam.DISTRIBUTIONS["g ~ N(1, 1)"]
    g = draw(np.random.default_rng(0), (adam.SEQUENCES, adam.STEPS))
    m, v = adam.moments(g)
    c1, c2 = adam.corrections(adam.STEPS)
    t = np.arange(1, adam.STEPS + 1)
    fig = Figure(figsize=(10, 3.6))
    left, right = fig.subplots(1, 2)
    left.semilogx(t, m.mean(axis=0) / mean, color=plots.BLUE, label="mean mₜ / E[g]")
    left.semilogx(t, c1, "k:", label="1 − β1ᵗ")
    left.semilogx(t, v.mean(axis=0) / square, color=plots.ORANGE, label="mean vₜ / E[g²]")
    left.semilogx(t, c2, "k--", label="1 − β2ᵗ")
    left.semilogx(t, (m / c1).mean(axis=0) / mean, color=plots.BLUE, alpha=0.4,
                  label="mean m̂ₜ / E[g]")
    left.semilogx(t, (v / c2).mean(axis=0) / square, color=plots.ORANGE, alpha=0.4,
                  label="mean v̂ₜ / E[g²]")
    left.set(xlabel="step t", ylabel="ratio",
             title=f"moments, g ~ N(1, 1), {adam.SEQUENCES} sequences")
    ratio = (m / (np.sqrt(v) + adam.EPS)) / ((m / c1) / (np.sqrt(v / c2) + adam.EPS))
    right.semilogx(t, np.median(ratio, axis=0), color=plots.BLUE, lw=2,
                   label="median over sequences")
    right.semilogx(t, c1 / np.sqrt(c2), "k:", label="(1 − β1ᵗ)/√(1 − β2ᵗ)")
    right.axhline(1, color=plots.GREY, lw=0.8)
    right.set(xlabel="step t", ylabel="uncorrected / corrected step",
              title="Adam's step without the correction")
    left.legend(fontsize=7), right.legend(fontsize=7)
    plots.save(fig, out / "adam.png")


def _fig_bn(out: Path) -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the search trains (rows.threads): tiny ops on one core
    try:
        _draw_bn(out)
    finally:
        torch.set_num_threads(threads)


def _draw_bn(out: Path) -> None:
    rng = np.random.default_rng(0)
    x_tr, x_te, y_tr = batchnorm.split(rng)
    fig = Figure(figsize=(10, 3.4))
    axes = fig.subplots(1, 2)
    grid = np.linspace(-4, 6, 200)
    for ax, placement in zip(axes, (batchnorm.AFTER, batchnorm.BEFORE), strict=True):
        model = batchnorm.trained(placement, x_tr, y_tr, int(rng.integers(2**31)))
        with torch.no_grad():
            inputs = model[:2 if placement == batchnorm.AFTER else 1](x_te).double()
        n = len(x_te) // batchnorm.BATCH * batchnorm.BATCH  # BN per batch, then pooled
        xh = torch.cat([torch.nn.functional.batch_norm(b, None, None, training=True)
                        for b in inputs[:n].split(batchnorm.BATCH)])
        live = [j for j in range(xh.shape[1]) if xh[:, j].std() > 0.5][:3]
        for j in live:
            ax.hist(xh[:, j].numpy(), bins=np.linspace(-4, 6, 41), density=True,
                    histtype="step", lw=1.5, label=f"feature {j}")
        ax.plot(grid, norm.pdf(grid), "k--", label="N(0, 1)")
        ax.set(xlabel=f"x̂ ({n // batchnorm.BATCH} held-out batches of {batchnorm.BATCH})",
               ylabel="density", title=placement)
        ax.legend(fontsize=7)
    plots.save(fig, out / "bn.png")


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The three figures into ``out`` and their captions."""
    _fig_newton(out)
    _fig_adam(out)
    _fig_bn(out)
    return f"""## Figures

Recomputed by the page from the experiment's own functions (fixed seeds), not read from
the store, which holds each chunk's extremes only.

![inverse Hessian and gradient along Newton's path](newton.png)

OP-6 on breast_cancer at C = {', '.join(f'{c:g}' for c in C_SHOWN)}: left, λmax and the
trace of H(wₖ)⁻¹ relative to w = 0 (above 1: the inverse grew); right, the gradient's
norm and the Newton step's, relative to w = 0. The step H⁻¹∇F shrinks with the gradient,
while the inverse Hessian stays or grows (H(w) ⪯ H(0) because p(1 − p) ≤ ¼).

![Adam's moments and step ratio](adam.png)

OP-7: left, the Monte-Carlo means of mₜ and vₜ against (1 − β1ᵗ)E[g] and (1 − β2ᵗ)E[g²]
(dotted, dashed) and the corrected ones at 1; right, the uncorrected step mₜ/(√vₜ + ε)
over the corrected one: above 1 (≈ √10 at t = 1, about 6.6 at its peak), because v's
bias toward 0 is larger than m's: "biased toward 0" does not mean smaller steps.

![BN output beside a normal](bn.png)

BD-8b: BN's output x̂ (before γ, β) of three features that are not constant in any
batch, each held-out batch of 64 normalized by its own statistics and then pooled, for a
net trained as in the search: after a ReLU the features keep their point mass (the
ReLU's zeros, moved to −mean/σ) and their skew, since BN is affine per feature; before
it they are closer to normal, but not always normal.
"""

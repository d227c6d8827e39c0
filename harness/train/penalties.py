"""Weight penalties (L1, L2, elastic net) and the proximal L1 step, per replicate.

Only weight matrices are penalized, never biases or BN parameters. Weights are batched
(R, in, out), so every penalty is an (R,) vector: adding it to the (R,) data losses
gives each replicate exactly its own regularized gradient.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from harness.train.schema import Reduction, RegConfig


def _agg(t: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    return t.mean(dim=(1, 2)) if Reduction(reduction) == Reduction.mean else t.sum(dim=(1, 2))


def is_on(strength: float | torch.Tensor) -> bool:
    """Whether a strength is on. Per-replicate strengths (a tensor) only exist when the
    fused points' values differ, so one of them is > 0: no device sync to find out."""
    return isinstance(strength, torch.Tensor) or strength > 0


def active(cfg: RegConfig) -> bool:
    return is_on(cfg.l1) or is_on(cfg.l2)


def penalty(weights: Sequence[torch.Tensor], cfg: RegConfig) -> torch.Tensor:
    """(R,) l1·Σ_l agg|W_l| + l2·Σ_l agg(W_l²); the L1 part is left out when proximal.

    ``cfg.l1`` and ``cfg.l2`` are floats, or (R,) tensors when the replicates of a fused
    sweep (harness/fusion.py) train with different strengths."""
    total = torch.zeros(weights[0].shape[0], dtype=weights[0].dtype, device=weights[0].device)
    for w in weights:
        if is_on(cfg.l1) and not cfg.proximal:
            total = total + cfg.l1 * _agg(w.abs(), cfg.reduction)
        if is_on(cfg.l2):
            total = total + cfg.l2 * _agg(w.pow(2), cfg.reduction)
    return total


@torch.no_grad()
def soft_threshold_(weights: Sequence[torch.Tensor], cfg: RegConfig,
                    lr: float | torch.Tensor) -> None:
    """Proximal operator of the L1 term after a step of size lr, in place:
    w <- sign(w)·max(|w| − lr·λ1·c, 0), c = 1/entries per replicate (mean) or 1 (sum).
    ``lr`` and ``cfg.l1`` may be (R,) tensors (fused sweep points)."""
    step = lr * cfg.l1
    if isinstance(step, torch.Tensor):
        step = step.to(weights[0].dtype).view(-1, 1, 1)
    for w in weights:
        c = 1.0 / (w.shape[1] * w.shape[2]) if Reduction(cfg.reduction) == Reduction.mean else 1.0
        w.copy_(w.sign() * (w.abs() - step * c).clamp_min(0))

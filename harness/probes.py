"""Probes: measurements taken during training without the trainer knowing what they are.

A probe sees every step (the per-replicate minibatch loss and the model) and every
evaluation, and at the end returns per-replicate summary values. Experiments turn probes
on through the config; the trainer only calls the hooks. New probes register in
:func:`build_probes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from harness.schema import TrainerConfig


@dataclass
class StepContext:
    step: int  # 1-based index of the step just taken
    total_steps: int
    batch_loss: torch.Tensor  # (R,) minibatch loss of each replicate at this step
    train_loss: Callable[[], torch.Tensor]  # (R,) full-training-set loss, computed on demand


class Probe:
    """Base class: override what you need. Returned tensors are (R,)."""

    def on_step(self, ctx: StepContext) -> None:  # noqa: B027 - optional hook
        pass

    def summary(self) -> dict[str, torch.Tensor]:
        return {}


class LossJitter(Probe):
    """Oscillation of the training objective over the last ``window`` steps (claim BS-5).

    ``loss_jitter``: RMS of the step-to-step change of the full-training-set loss, i.e.
    how much the cost function itself moves per update. ``batch_loss_std``: standard
    deviation of the minibatch losses, the noisy curve a practitioner sees.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.full: list[torch.Tensor] = []
        self.batch: list[torch.Tensor] = []

    def on_step(self, ctx: StepContext) -> None:
        if ctx.step > ctx.total_steps - self.window - 1:
            self.full.append(ctx.train_loss())
            self.batch.append(ctx.batch_loss.detach())

    def summary(self) -> dict[str, torch.Tensor]:
        full, batch = torch.stack(self.full), torch.stack(self.batch)
        return {
            "loss_jitter": full.diff(dim=0).pow(2).mean(0).sqrt(),
            "batch_loss_std": batch.std(dim=0),
        }


def build_probes(cfg: TrainerConfig) -> list[Probe]:
    probes: list[Probe] = []
    if cfg.jitter_window > 0:
        probes.append(LossJitter(cfg.jitter_window))
    return probes

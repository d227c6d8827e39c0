"""Probes: measurements taken during training without the trainer knowing what they are.

A probe sees every step (the per-replicate minibatch loss and the model). At the end it
returns per-replicate summary values (logged as metrics, for the UI) and, optionally, a
raw table (logged as ``<name>.csv``). Claims should decide from the raw table, so that a
metric's definition lives in the experiment's analysis code and can be read, tested and
changed without retraining. Experiments turn probes on through the config; new probes
register in :func:`build_probes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from harness.schema import TrainerConfig


@dataclass
class StepContext:
    step: int  # 1-based index of the step just taken
    total_steps: int
    batch_loss: torch.Tensor  # (R,) minibatch loss of each replicate at this step
    train_loss: Callable[[], torch.Tensor]  # (R,) full-training-set loss, computed on demand


class Probe:
    """Base class: override what you need. Summary tensors are (R,)."""

    name = "probe"

    def on_step(self, ctx: StepContext) -> None:  # noqa: B027 - optional hook
        pass

    def summary(self) -> dict[str, torch.Tensor]:
        return {}

    def table(self) -> pd.DataFrame | None:
        return None


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
        full = torch.stack(self.full).cpu().numpy()
        k, r = full.shape
        return pd.DataFrame({
            "step": np.repeat(self.steps, r),
            "replicate": np.tile(np.arange(r), k),
            "train_loss": full.reshape(-1),
            "batch_loss": torch.stack(self.batch).cpu().numpy().reshape(-1),
        })


def build_probes(cfg: TrainerConfig) -> list[Probe]:
    probes: list[Probe] = []
    if cfg.jitter_window > 0:
        probes.append(LossTrace(cfg.jitter_window))
    return probes

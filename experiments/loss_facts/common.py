"""What every loss-fact search shares: the row it returns, a grid's share per chunk, the
measure that reads one claim's rows, and the tolerance of float64 identities."""

from __future__ import annotations

import numpy as np
from omegaconf import DictConfig

from harness.judge.measures import Factor, Searched

# float64 identities and bounds (values scaled to at most ~1, or errors taken relative to
# max(1, |value|)): rounding is ε ≈ 2.2e-16 times the terms summed (≤ 2,500 here), ≤ 1e-12
# with room; the design notes' tolerance for LS-6, used for LS-8 and LS-9 alike
TOL = 1e-12
# LS-4's "an autograd error is not a refutation" (design notes): a member that counts
# non-zero gradient entries scores an autograd error as this, between its support bound
# (0.5: no entry) and its refutation bound (0.9: one entry), so the error is inconclusive
AUTOGRAD_ERROR = 0.7
PART = "part"  # the row column that says which claim a row speaks to


def row(part: str, setting: str, member: str, value: float, points: int) -> dict:
    """One row of a search (harness/train/search.py), tagged with the claim it serves."""
    return {PART: part, "setting": setting, "member": member, "value": float(value),
            "points": int(points)}


def share(n: int, cfg: DictConfig, replicate: int) -> np.ndarray:
    """Chunk ``replicate``'s indices of an n-point grid: every R-th (R the replicates), so
    the chunks cover the grid exactly once."""
    return np.arange(replicate, n, cfg.trainer.replicates)


def measure(part: str, members: tuple[str, ...], label: str, grid: str,
            task: str) -> Searched:
    """The rows of ``part`` (one claim) in a search shared by several claims."""
    return Searched(Factor("member", members, "member"), label, grid=grid,
                    where=((PART, part),), task=f"experiments.loss_facts.{task}")

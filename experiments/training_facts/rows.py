"""What every search of this experiment shares: a chunk's share of a declared grid, and
one row of a search's result (harness/train/search.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from omegaconf import DictConfig

T = TypeVar("T")


def share(grid: Sequence[T], cfg: DictConfig, replicate: int) -> list[T]:
    """Chunk ``replicate``'s share of ``grid``: every R-th item from the r-th (R the
    replicates), so the chunks cover the grid exactly once whatever their number."""
    return list(grid[replicate::cfg.trainer.replicates])


def row(setting: str, member: str, value: float, points: int) -> dict[str, object]:
    """One search row: ``member``'s extreme ``value`` over ``points`` checked points."""
    return {"setting": setting, "member": member, "value": float(value), "points": int(points)}

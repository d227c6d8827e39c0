"""The measure every loss-fact claim shares: it reads one claim's rows (tagged ``part``)
of a search shared by several claims."""

from __future__ import annotations

from harness.judge.measures import Factor, Searched
from tasks.loss_facts.common import PART


def measure(part: str, members: tuple[str, ...], label: str, grid: str,
            task: str) -> Searched:
    """The rows of ``part`` (one claim) in a search shared by several claims."""
    return Searched(Factor("member", members, "member"), label, grid=grid,
                    where=((PART, part),), task=f"tasks.loss_facts.{task}")

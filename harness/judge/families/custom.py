"""The escape hatch for a rule that fits no family."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.judge.outcome import Outcome
from harness.track.results import RunSet


@dataclass(frozen=True)
class Custom:
    """The escape hatch: a rule that fits no family keeps its own callables. ``decide``
    maps runs to an :class:`~harness.judge.claims.Outcome`; ``simulate(rng, planted,
    scale=None)`` builds synthetic runs for calibration; ``words``, ``runs`` and
    ``effect_label`` are its prose, written by hand (the rules lock fingerprints the
    callables' source with it)."""

    decide: Callable[[RunSet], Outcome]
    words: str
    runs: str
    effect_label: str
    simulate: Callable[..., RunSet] | None = None

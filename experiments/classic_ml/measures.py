"""The measure of the empirical classic-ML claims: a search whose chunks are independent
resamples, read as replicates."""

from __future__ import annotations

from dataclasses import dataclass

from harness.judge.measures import Searched


@dataclass(frozen=True)
class Resampled(Searched):
    """:class:`Searched` rows where a chunk is one resample (a split, a fresh draw, fresh
    seeds) and its row is that replicate's own value, not an extreme over a search: the
    statistical families test them over the replicates, so the prose says so."""

    def describe(self) -> str:
        return (f"{self.label} (one value per replicate of the search "
                f"`{self.task.rsplit('.', 1)[-1]}`, each replicate its own resample; "
                f"search.csv{'; judged in logs' if self.log else ''})")

"""The measure of this experiment's claims: the rows of a search whose chunks are
independent draws, each row one draw's value (a mean over its queries, an accuracy, a
bias²), not a chunk's extreme as in an exact check."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.judge.measures import Searched
from harness.track.results import RunSet


@dataclass(frozen=True)
class Drawn(Searched):
    """:class:`Searched` rows read as draws: the rule text says so, and the search's size
    beside the verdict counts only the members the claim reads (one search serves
    several claims)."""

    def context(self, rs: RunSet, judged: tuple[str, ...]) -> tuple[dict[str, pd.DataFrame],
                                                                    list[str]]:
        tables, notes = super().context(rs, judged)
        column = self.factor.column
        return {title: t[t[column].isin(self.factor.levels)] for title, t in tables.items()
                }, notes

    def describe(self) -> str:
        return (f"{self.label} (per chunk of the search `{self.task.rsplit('.', 1)[-1]}`, "
                "one independent draw; search.csv)")

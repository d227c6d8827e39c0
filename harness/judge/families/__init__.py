"""Rule families: the statistics of a claim, written once, one module each. See
:mod:`harness.judge.families.base` for what every family owns."""

from harness.judge.families.base import (
    DIRECTIONS,
    NULL,
    PLANTED,
    Decision,
    Design,
    Family,
    member_draw,
    member_row,
    paired_draw,
)
from harness.judge.families.check import Bound, Check, MeanBound
from harness.judge.families.custom import Custom
from harness.judge.families.equivalence import Equivalent
from harness.judge.families.guarded import Guarded
from harness.judge.families.members import EveryMember, SomeMember
from harness.judge.families.monotone import Monotone
from harness.judge.families.paired import Paired
from harness.judge.families.ratio import Recovered
from harness.judge.families.trend import Trend

__all__ = ["DIRECTIONS", "NULL", "PLANTED", "Bound", "Check", "Custom", "Decision", "Design",
           "Equivalent", "EveryMember", "Family", "Guarded", "MeanBound", "Monotone", "Paired",
           "Recovered", "SomeMember", "Trend", "member_draw", "member_row", "paired_draw"]

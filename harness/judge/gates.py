"""Gates: conditions a decided setting must also meet. A gate never creates a decision;
it can only withhold one (turn it into inconclusive), and says why. Two kinds:

- a *validity* gate (the measurement itself is sound, e.g. :class:`CpuBound`: every timed
  run had a core to itself) withholds any decision, support and refutation alike;
- a *premise* or *guard* gate (the situation the quote presupposes holds; the claimed
  gain does not cost accuracy) withholds support only.

Gates compose (``Claim.gates``), are never re-coded inside a rule, and each states its own
condition in the rule text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from harness.core import stats
from harness.judge.measures import Measure
from harness.track.results import RunSet


@dataclass
class GateCheck:
    passed: bool
    why: str = ""  # when not passed: the reason, for the setting's decided_by
    notes: list[str] = field(default_factory=list)  # for the page, passed or not
    effect: stats.Effect | None = None  # when not passed: the statistic that withheld it
    rows: pd.DataFrame | None = None  # the gate's own tests, tabled beside the verdict


class Gate:
    """Base of every gate."""

    name: ClassVar[str] = "gate"
    blocks: ClassVar[tuple[str, ...]] = (stats.SUPPORTED,)  # what it can withhold

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        raise NotImplementedError

    def words(self) -> str:
        raise NotImplementedError

    def title(self) -> str:
        """The title of the table of its tests, where it has one."""
        return self.name


@dataclass(frozen=True)
class CpuBound(Gate):
    """Every timing run of ``grid`` had a core to itself: its ``cpu_per_wall`` (process CPU
    / wall seconds over the training loop; ≈ 1 for a single-threaded run alone on its
    core) is at least ``bound``. A run below it shared its core while it was timed, so
    the timing is invalid whatever the test says. Runs that logged no cpu_per_wall are
    noted and do not block."""

    bound: float = 0.9
    grid: str = "timing"
    name: ClassVar[str] = "CPU bound"
    blocks: ClassVar[tuple[str, ...]] = (stats.SUPPORTED, stats.REFUTED)

    def runs(self, rs: RunSet) -> pd.DataFrame:
        pts = rs.points
        if "grid" not in pts:
            return pts.iloc[:0]
        return pts[(pts.grid == self.grid) & pts.run_id.notna()]

    def under(self, rs: RunSet) -> pd.DataFrame:
        """The timing runs below the bound (none where no cpu_per_wall was logged)."""
        t = self.runs(rs)
        if "cpu_per_wall" not in t:
            return t.iloc[:0]
        return t[t.cpu_per_wall.astype(float) < self.bound]

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        t = self.runs(rs)
        if "cpu_per_wall" not in t or t.cpu_per_wall.isna().all():
            return GateCheck(True, notes=[
                f"No cpu_per_wall was logged for the timing runs (runs older than the "
                f"metric): CPU_BOUND ({self.bound}) could not be checked, and the load "
                "averages in the table are the only (lagging) sign of contention."])
        cpu = t.cpu_per_wall.astype(float)
        notes = []
        if cpu.isna().any():
            notes.append(f"{int(cpu.isna().sum())} timing runs logged no cpu_per_wall: "
                         "CPU_BOUND could not be checked for them.")
        under = self.under(rs)
        if under.empty:
            return GateCheck(True, notes=notes)
        named = "; ".join(f"batch {int(r.batch_size)} repeat {int(r['repeat'])} (run "
                          f"{r.run_id}, cpu_per_wall {float(r.cpu_per_wall):.2f})"
                          for _, r in under.iterrows())
        notes.append(f"{len(under)} of {len(t)} timing runs had cpu_per_wall below "
                     f"CPU_BOUND = {self.bound} (a single-threaded run with a core to itself "
                     "gives ≈ 1): they shared their core while they were timed, so the "
                     f"timing is invalid whatever the test says. Offending runs: {named}.")
        return GateCheck(False, f"{len(under)} timing runs with cpu_per_wall < {self.bound}, "
                                "i.e. sharing their core", notes)

    def words(self) -> str:
        return (f"CPU bound (validity): if any timing run's cpu_per_wall (process CPU / wall "
                f"seconds over its training loop) is below {self.bound} (a single-threaded "
                "run with a core to itself gives ≈ 1), it shared its core and the setting is "
                "inconclusive whatever the test says; the offending runs are named (runs that "
                "logged no cpu_per_wall are noted and do not block).")


@dataclass(frozen=True)
class NonInferior(Gate):
    """A guard: the claimed gain must not cost more than ``margin`` on a second metric
    (``measure``, e.g. held-out accuracy). Per level other than ``reference``: the paired
    difference level − reference over dataset means, tested against −margin; support
    needs every 95% CI's lower bound above −margin. A failing guard withholds support
    (refutations stand), and the guard with the lowest lower bound is the statistic that
    decided."""

    measure: Measure
    reference: object
    margin: float
    name: ClassVar[str] = "non-inferiority guard"

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        table = self.measure.read(rs, setting)
        if table is None or self.reference not in table.levels:
            return GateCheck(True)
        ref = table.column(self.reference)
        guards = [(b, stats.paired(table.column(b), ref, null=-self.margin,
                                   clusters=table.clusters))
                  for b in table.levels if b != self.reference]
        rows = pd.DataFrame([{"setting": setting, "comparison": f"{b} − {self.reference}",
                              "estimate": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high,
                              "p": e.p, "non_inferior": bool(e.ci_low > -self.margin)}
                             for b, e in guards])
        bad = [(b, e) for b, e in guards if not e.ci_low > -self.margin]
        if not bad:
            return GateCheck(True, rows=rows)
        b, e = min(bad, key=lambda x: x[1].ci_low)
        return GateCheck(False, f"{self.measure.label}, {b} − {self.reference}: the 95% CI "
                                f"reaches −{self.margin:g}", effect=e, rows=rows)

    def title(self) -> str:
        return (f"Guard: {self.measure.label}, each level − {self.reference}, paired, 95% "
                f"CI; support needs every lower bound above −{self.margin:g}")

    def words(self) -> str:
        return (f"Guard: {self.measure.label} must not be worse than at {self.reference} by "
                f"more than {self.margin:g} (paired, each level's 95% CI lower bound above "
                f"−{self.margin:g}); where it is, support is withheld (inconclusive, the "
                "guard's difference as the statistic) and a refutation stands.")

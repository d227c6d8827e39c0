"""Gates: conditions a decided setting must also meet. A gate never creates a decision;
it can only withhold one (turn it into inconclusive), and says why. Two kinds:

- a *validity* gate (the measurement itself is sound, e.g. :class:`CpuBound`: every timed
  run had a core to itself) withholds any decision, support and refutation alike;
- a *premise* gate (:class:`Premise`: the situation the quote presupposes holds, e.g.
  there is a drop to explain) withholds any decision too: where the premise fails the
  question the quote answers does not arise, so neither answer is given, and the failed
  premise (not the test) is named as the reason even where the test was undecided;
- a *guard* gate (:class:`NonInferior`: the claimed gain does not cost accuracy)
  withholds support only.

Gates compose (``Claim.gates``), are never re-coded inside a rule, and each states its own
condition in the rule text. A gate with a boundary scenario (``boundary``) is calibrated
too: calibration's claim-false draws then put, at random, either the rule's weakest member
or that gate's statistic at its boundary, the rest planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families.base import Design, member_draw
from harness.judge.measures import Measure
from harness.judge.table import Table
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
    # whether calibration can put it at its boundary (:meth:`boundary`); a gate that reads
    # runs calibration does not draw (timing, a second metric) cannot
    has_boundary: ClassVar[bool] = False

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        raise NotImplementedError

    def words(self) -> str:
        raise NotImplementedError

    def headline_words(self) -> str:
        """What the headline is where this gate decided it ("" where it leaves the rule's
        statistic as the headline)."""
        return ""

    def title(self) -> str:
        """The title of the table of its tests, where it has one."""
        return self.name

    def draw(self, rng: np.random.Generator, table: Table, design: Design, boundary: bool
             ) -> Table:
        """For calibration (where ``has_boundary``): a claim's drawn ``table`` with this
        gate's statistic drawn in, at its boundary or else where it holds."""
        raise NotImplementedError


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
class SearchCpuBound(CpuBound):
    """:class:`CpuBound` for a search that times its own calls (harness/train/search.py):
    each chunk logs, as rows ``members`` of every timed setting, its process CPU / wall
    seconds over the timed calls; a chunk below ``bound`` waited for its core while it was
    timed, so the setting's timing is invalid whatever the test says."""

    members: tuple[str, ...] = ("CPU / wall",)

    def runs(self, rs: RunSet, setting: str | None = None) -> pd.DataFrame:
        t = rs.table("search")
        if t is None or t.empty:
            return pd.DataFrame(columns=["cpu_per_wall"])
        t = t[t.member.isin(self.members) & ((t.setting == setting) if setting else True)]
        return t.assign(cpu_per_wall=t.value.astype(float))

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        t = self.runs(rs, setting)
        if t.empty:
            return GateCheck(True, notes=[f"No CPU / wall rows for {setting}: the CPU "
                                          "bound could not be checked."])
        under = t[t.cpu_per_wall < self.bound]
        if under.empty:
            return GateCheck(True, notes=[
                f"{setting}: every chunk's CPU / wall ≥ {self.bound} (lowest "
                f"{t.cpu_per_wall.min():.3f} over {len(t)} rows): timed with a core to itself."])
        named = ", ".join(f"chunk {int(r.replicate)} ({r.cpu_per_wall:.2f})"
                          for _, r in under.iterrows())
        return GateCheck(False, f"{len(under)} chunks with CPU / wall < {self.bound}, "
                                "i.e. sharing their core",
                         [f"{setting}: {len(under)} of {len(t)} rows had CPU / wall "
                          f"below {self.bound}: they shared their core while timed, so the "
                          f"timing is invalid whatever the test says ({named})."])

    def words(self) -> str:
        return (f"CPU bound (validity): if any chunk's CPU / wall (rows "
                f"{', '.join(repr(m) for m in self.members)}: process CPU / wall seconds over "
                f"its timed calls, one thread) is below {self.bound} (a call with a core to "
                "itself gives ≈ 1), it shared its core and the setting is inconclusive "
                "whatever the test says; the offending chunks are named.")


@dataclass(frozen=True)
class NonInferior(Gate):
    """A guard: the claimed gain must not cost more than ``margin`` on a second metric
    (``measure``, e.g. held-out accuracy). Per level other than ``reference``: the paired
    difference level − reference over dataset means, tested against −margin; support
    needs every 95% CI's lower bound above −margin. A failing guard withholds support
    (refutations stand), and the guard with the lowest lower bound is the statistic that
    decided. Its boundary scenario (a cost of exactly ``margin``) is checked on the gate
    itself (tests/test_gates.py); a claim's calibration does not draw the second metric,
    so there the guard passes, which can only overstate the claim's false-positive rate."""

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

    def headline_words(self) -> str:
        return (f"where the guard fails, {self.measure.label}, the level − {self.reference} "
                f"(null −{self.margin:g})")

    def title(self) -> str:
        return (f"Guard: {self.measure.label}, each level − {self.reference}, paired, 95% "
                f"CI; support needs every lower bound above −{self.margin:g}")

    def words(self) -> str:
        return (f"Guard: {self.measure.label} must not be worse than at {self.reference} by "
                f"more than {self.margin:g} (paired, each level's 95% CI lower bound above "
                f"−{self.margin:g}); where it is, support is withheld (inconclusive, the "
                "guard's difference as the statistic) and a refutation stands.")


@dataclass(frozen=True)
class Premise(Gate):
    """The situation the quote presupposes must hold: ``level`` of ``measure`` (per
    replicate, e.g. the drop a remedy is claimed to recover) has a 95% CI above
    ``threshold`` (one-sample t over dataset means). Where it does not, the quote's
    question does not arise: any decision is withheld (a fraction of a drop that is not
    there cannot be supported or refuted), and the premise's statistic is the one that
    decided, also where the test alone was undecided. ``what`` names the level in prose.
    Calibration draws ``level`` into the claim's own table (so ``measure`` is the claim's
    measure): at the threshold for its boundary scenario, else at ``pilot`` (a pilot
    estimate of it) where the rule's family does not draw it."""

    measure: Measure
    level: object
    threshold: float = 0.0
    what: str = ""
    pilot: float | None = None
    name: ClassVar[str] = "premise"
    # an undecided setting too: the failed premise, not the test, is why it is undecided
    blocks: ClassVar[tuple[str, ...]] = (stats.SUPPORTED, stats.REFUTED, stats.INCONCLUSIVE)
    has_boundary: ClassVar[bool] = True

    def _what(self) -> str:
        return self.what or f"{self.measure.label} at {self.level}"

    def check(self, rs: RunSet, setting: str) -> GateCheck:
        table = self.measure.read(rs, setting)
        if table is None or self.level not in table.levels:
            return GateCheck(False, f"{self._what()} not measured")
        e = stats.mean_ci(table.column(self.level), null=self.threshold,
                          clusters=table.clusters)
        holds = bool(e.ci_low > self.threshold)
        rows = pd.DataFrame([{"setting": setting, "premise": self._what(), "estimate": e.mean,
                              "ci_low": e.ci_low, "ci_high": e.ci_high, "p": e.p, "n": e.n,
                              "n_datasets": e.n_datasets, "holds": holds}])
        if holds:
            return GateCheck(True, rows=rows)
        how = ("significantly reversed" if e.ci_high < self.threshold
               else f"not significantly above {self.threshold:g}")
        return GateCheck(False, f"{self._what()}, {e.fmt()} (p = {e.p:.3g}), is {how}",
                         effect=e, rows=rows)

    def draw(self, rng: np.random.Generator, table: Table, design: Design, boundary: bool
             ) -> Table:
        """``level`` drawn at the threshold (``boundary``) or at ``pilot``, with the
        design's SD and clustering, in place of the family's draw or beside it; as the
        family drew it where it holds and no pilot is declared."""
        mean = self.threshold if boundary else self.pilot
        if mean is None:
            return table
        column = member_draw(rng, np.array([mean]), design)
        if self.level not in table.levels:
            return Table((*table.levels, self.level), np.hstack([table.values, column]),
                         table.clusters, table.paired)
        values = table.values.copy()
        values[:, table.levels.index(self.level)] = column[:, 0]
        return Table(table.levels, values, table.clusters, table.paired)

    def headline_words(self) -> str:
        return f"where the premise fails, {self._what()} (null {self.threshold:g})"

    def title(self) -> str:
        return (f"Premise: {self._what()}, 95% CI over datasets; a decision needs its lower "
                f"bound above {self.threshold:g}")

    def words(self) -> str:
        return (f"Premise: {self._what()} must be significantly above {self.threshold:g} "
                "(one-sample two-sided t over datasets, 95% CI lower bound above it); where "
                "it is not, the setting is inconclusive whatever the test says (said to be "
                "reversed when significantly below), with the premise's statistic as the one "
                "that decided.")

"""Gates: a premise withholds any decision where it fails and names its statistic; its
boundary scenario puts its statistic exactly at the threshold, and calibration's
claim-false draws reach it. A non-inferiority guard's boundary scenario: a cost of
exactly its margin rarely gets through."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from harness.core import stats
from harness.judge.claims import Claim, Settings, judge
from harness.judge.families import NULL, PLANTED, Design, EveryMember, Paired
from harness.judge.gates import NonInferior, Premise, SearchCpuBound
from harness.judge.measures import Factor, Final
from harness.judge.table import Table
from harness.track.results import RunSet

MEASURE = Final(Factor("model.width", ("base", "a", "b")), "accuracy gain")
PREMISE = Premise(MEASURE, "base", threshold=0.1, what="the baseline gain")
CLAIM = Claim("T-1", "test", "q", "h", EveryMember("positive"), Settings("p"), min_effect=1.0,
              quantifier="primary",
              measure=MEASURE, pilot_sd=0.2, gates=(PREMISE,))


def runs(base: float, members: float, seed: int = 0):
    """Runs of setting p: the premise level at ``base`` and both members at ``members``
    (replicate noise 0.05, one dataset each)."""
    rng = np.random.default_rng(seed)
    values = np.array([base, members, members]) + rng.normal(0, 0.05, (24, 3))
    return MEASURE.synthesize({"p": Table(("base", "a", "b"), values, np.arange(24))})


@pytest.mark.parametrize(("base", "members", "test", "why"), [
    (0.1, 1.0, stats.SUPPORTED, "not significantly above 0.1"),
    (-1.0, -1.0, stats.REFUTED, "significantly reversed"),
    (0.1, 0.0, stats.INCONCLUSIVE, "not significantly above 0.1")])
def test_a_failed_premise_withholds_any_decision_and_decides(base, members, test, why):
    outcome = CLAIM.decide(runs(base, members))
    (setting,) = outcome.settings
    assert setting.verdict == stats.INCONCLUSIVE
    assert setting.decided_by.startswith("premise not met: the baseline gain, ")
    assert why in setting.decided_by and f"the test alone: {test}" in setting.decided_by
    assert setting.effect.null == 0.1 and not setting.effect.ci_low > 0.1
    assert judge(CLAIM, "t", outcome).effect == setting.effect.mean
    table = next(t for k, t in outcome.tables.items() if k.startswith("Premise"))
    assert table.holds.tolist() == [False]


def test_a_holding_premise_changes_nothing():
    outcome = CLAIM.decide(runs(1.0, 1.0))
    bare = Claim("T-1", "test", "q", "h", EveryMember("positive"), Settings("p"),
                 min_effect=1.0, quantifier="primary", measure=MEASURE)
    assert outcome.settings == bare.decide(runs(1.0, 1.0)).settings
    assert "Premise: the baseline gain" in CLAIM.rule_text


def test_the_boundary_draws_the_premise_at_its_threshold():
    """Redrawn at the threshold, the premise passes about α/2 of the time (one-sided),
    and the other levels are left as drawn."""
    rng = np.random.default_rng(0)
    design = Design(24, 1.0, 0.2)
    passed, means = 0, []
    for _ in range(400):
        table = EveryMember("positive").draw(rng, ("base", "a", "b"), design, PLANTED)
        at = PREMISE.draw(rng, table, design, True)
        np.testing.assert_array_equal(at.values[:, 1:], table.values[:, 1:])
        e = stats.mean_ci(at.column("base"), clusters=at.clusters)
        passed += e.ci_low > 0.1
        means.append(e.mean)
    assert abs(np.mean(means) - 0.1) < 0.01
    assert passed / 400 <= 0.05
    assert PREMISE.draw(rng, table, design, False) is table  # no pilot: as the family drew it
    piloted = replace(PREMISE, pilot=0.5).draw(rng, table.keep(["a", "b"]), design, False)
    assert piloted.levels == ("a", "b", "base")
    assert abs(piloted.column("base").mean() - 0.5) < 0.15


def test_calibration_reaches_the_premise_boundary():
    """Claim-false draws are the family's null or the premise at its boundary with the
    members planted; either way support stays rare."""
    seen, labels = set(), []
    for seed in range(40):
        rs = CLAIM.simulate(np.random.default_rng(seed), False)
        table = MEASURE.read(rs, "p")
        planted = bool(stats.mean_ci(table.column("a")).ci_low > 0)
        seen.add(planted)
        labels.append(judge(CLAIM, "t", CLAIM.decide(rs)).verdict)
    assert seen == {True, False}
    assert labels.count(stats.SUPPORTED) <= 4


def test_a_premise_not_measured_fails():
    table = Table(("a", "b"), np.ones((24, 2)), np.arange(24))
    check = PREMISE.check(MEASURE.synthesize({"p": table}), "p")
    assert not check.passed and check.why == "the baseline gain not measured"


def test_null_scenario_is_unchanged_without_boundary_gates():
    """A claim without a premise draws its null as before (the same random stream)."""
    bare = Claim("T-2", "test", "q", "h", EveryMember("positive"), Settings("p"),
                 min_effect=1.0, quantifier="primary", measure=MEASURE, pilot_sd=0.2)
    table = bare.rule.draw(np.random.default_rng(3), bare.rule.reads(bare), bare.design(),
                           NULL)
    drawn = MEASURE.read(bare.simulate(np.random.default_rng(3), False), "p")
    np.testing.assert_allclose(drawn.values, table.values)


GUARD = NonInferior(Final(Factor("model.width", ("ref", "x")), "held-out accuracy"), "ref",
                    margin=0.02)


@pytest.mark.parametrize(("cost", "lo", "hi"), [(0.02, 0.0, 0.05), (0.0, 0.8, 1.0)])
def test_the_guard_at_its_margin_rarely_lets_support_through(cost, lo, hi):
    """Boundary scenario: level − reference exactly −margin in expectation (paired noise,
    one dataset a replicate): the 95% CI's lower bound clears −margin about 2.5% of the
    time (one-sided), at most 5% here; with no cost the guard passes almost always."""
    rng = np.random.default_rng(0)
    passed = []
    for _ in range(200):
        values = np.array([0.0, -cost]) + rng.normal(0, 0.02, (24, 2))
        rs = GUARD.measure.synthesize({"p": Table(("ref", "x"), values, np.arange(24))})
        passed.append(GUARD.check(rs, "p").passed)
    assert lo <= np.mean(passed) <= hi


def test_a_blocking_guard_never_reads_as_no_meaningful_effect():
    """The guard's own statistic (another metric) is not one of the claim's parts: a
    guard that fails with its CI inside ± the claim's smallest effect leaves the setting
    undecided, not refuted by "no meaningful effect" (BD-1b under seeds 1 and 17 was
    refuted by its held-out accuracy guard's CI before this was fixed)."""
    guarded = Claim("T-3", "test", "q", "h", Paired("decreasing"), Settings("p"),
                    min_effect=1.0, quantifier="all", measure=MEASURE, pilot_sd=0.2,
                    gates=(NonInferior(Final(Factor("model.width", ("base", "a")),
                                             "accuracy gain"), "base", margin=0.02),))
    values = np.array([2.0, 1.7, 0.0]) + np.random.default_rng(0).normal(0, 0.05, (24, 3))
    rs = MEASURE.synthesize({"p": Table(("base", "a", "b"), values, np.arange(24))})
    outcome = guarded.decide(rs)  # base − b ≈ 2 ≥ 1; the guard's a − base ≈ −0.3
    (setting,) = outcome.settings
    assert "not met" in setting.decided_by and -1 < setting.effect.ci_low < 0
    verdict = judge(guarded, "t", outcome)
    assert verdict.verdict == stats.INCONCLUSIVE
    assert verdict.settings[0].basis == stats.UNDECIDED


def test_a_search_chunk_that_waited_for_its_core_withholds_its_settings_timing():
    """SearchCpuBound reads each chunk's CPU / wall rows of the setting it checks: one chunk
    below the bound makes that setting inconclusive and is named; other settings pass."""
    search = pd.DataFrame({"setting": ["a", "a", "a", "b"], "member": ["CPU / wall"] * 4,
                           "value": [0.99, 0.93, 1.0, 0.99], "replicate": [0, 1, 2, 0],
                           "points": 1, "grid": "timing"})
    rs = RunSet.from_tables("x", [], search[["grid", "replicate"]].assign(dataset=0),
                            search=search)
    gate = SearchCpuBound(0.95)
    held = gate.check(rs, "a")
    assert not held.passed and "chunk 1 (0.93)" in held.notes[0]
    assert gate.check(rs, "b").passed
    unmeasured = gate.check(rs, "c")  # no rows: noted, not blocking (as CpuBound)
    assert unmeasured.passed and "could not be checked" in unmeasured.notes[0]

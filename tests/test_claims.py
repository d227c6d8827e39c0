"""The claim-level verdict: one label rule, the headline that decided, and the committed
results obey both."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from harness.core import stats
from harness.judge.claims import (
    CATEGORIES,
    Claim,
    Outcome,
    Setting,
    Settings,
    judge,
    missing,
)
from harness.judge.families import Custom, EveryMember
from harness.judge.measures import Factor, Final, Measure
from harness.track.results import RunSet
from harness.track.tracking import PROJECT_ROOT


def _claim(**kw) -> Claim:
    rule = Custom(decide=lambda rs: None, words="rule", runs="runs", effect_label="difference")
    return Claim("X-1", "000", "quote", "hypothesis", rule=rule, settings=Settings("a"),
                 **{"min_effect": 0.01, "quantifier": "primary", **kw})


def _setting(name: str, verdict: str, mean: float, p: float) -> Setting:
    half = 0.01
    return Setting(name, verdict, stats.Effect(mean, mean - half, mean + half, 20, p, 20),
                   decided_by=f"{name}'s test")


def test_a_primary_claim_takes_its_label_and_headline_from_the_primary_setting():
    out = Outcome([_setting("a", "supported", 0.05, 0.001),
                   _setting("b", "refuted", -0.05, 0.001)])
    v = judge(_claim(), "exp", out)
    assert v.verdict == "supported" and v.effect == 0.05 and v.decided_by == "a: a's test"
    assert v.scope == "holds in a (primary); fails in b"  # the other setting is scope
    assert [s["setting"] for s in v.as_json()["settings"]] == ["a", "b"]
    assert v.as_json()["quantifier"] == "primary"


def test_a_universal_claim_is_refuted_by_a_counterexample_which_is_the_headline():
    out = Outcome([_setting("a", "supported", 0.05, 0.001),
                   _setting("b", "refuted", -0.05, 0.001)])
    v = judge(_claim(quantifier="all"), "exp", out)
    assert v.verdict == "refuted" and v.effect == -0.05 and v.decided_by.startswith("b")
    assert [s.basis for s in v.settings] == ["effect", "opposite effect"]


def test_missing_runs_are_inconclusive_with_no_replicates():
    v = judge(_claim(), "exp", missing("no runs"))
    assert v.verdict == "inconclusive" and v.n_replicates == 0
    assert math.isnan(v.effect) and v.notes == ["Not enough runs: no runs"]


def test_equivalence_claims_report_their_margin_and_90_percent():
    v = judge(_claim(equivalence_margin=0.01), "exp", Outcome([Setting(
        "a", "supported", stats.Effect(0.0, -0.004, 0.004, 30, math.nan, 30), ci_level=0.9)]))
    data = v.as_json()
    assert data["ci_level"] == 0.9 and data["equivalence_margin"] == 0.01


VERDICTS = PROJECT_ROOT / "results" / "verdicts.json"
FIELDS = {"claim", "experiment", "verdict", "effect", "ci_low", "ci_high", "ci_level",
          "n_replicates", "effect_label", "null_value", "equivalence_margin", "decided_by",
          "category", "n_datasets", "primary_setting", "settings"}


@pytest.mark.skipif(not VERDICTS.exists(), reason="no committed results")
def test_committed_verdicts_are_consistent():
    for v in json.loads(VERDICTS.read_text()):
        assert FIELDS <= set(v), v["claim"]
        assert v["verdict"] in stats.VERDICTS and v["quantifier"] in stats.QUANTIFIERS
        assert v["category"] in CATEGORIES
        for s in v["settings"]:
            assert {"setting", "verdict", "effect", "ci_low", "ci_high", "n_replicates",
                    "n_datasets"} <= set(s)
            assert s["basis"] in stats.BASES, (v["claim"], s["setting"])
        if v["verdict"] not in ("supported", "refuted") or v["ci_low"] is None:
            continue
        low, high = v["ci_low"], v["ci_high"]
        head = next(s for s in v["settings"] if s["setting"] == v["headline_setting"])
        screened = head["decided_by"].startswith("no meaningful effect")  # the v2 screen
        if v["equivalence_margin"] is not None or screened:
            m = v["equivalence_margin"] or v["min_effect"]
            null = v["null_value"] or 0.0
            inside = null - m <= low and high <= null + m
            outside = low > null + m or high < null - m
            assert inside or outside, v["claim"]
        elif v["null_value"] is not None:
            assert not low <= v["null_value"] <= high, v["claim"]


def test_the_number_of_other_settings_never_decides_a_primary_label():
    """A primary claim: however many other settings refute or support, the label is the
    primary's; they are scope."""
    for others in (1, 5):
        out = Outcome([_setting("a", "inconclusive", 0.0, 0.9),
                       *[_setting(f"b{i}", "refuted", -0.05, 0.03) for i in range(others)]])
        v = judge(_claim(), "exp", out)
        assert v.verdict == "inconclusive" and v.decided_by.startswith("a")


def test_a_hedged_claim_is_supported_in_some_setting_after_holm_across_them():
    weak = Outcome([_setting("a", "inconclusive", 0.0, 0.9),
                    _setting("b", "supported", 0.05, 0.03)])
    v = judge(_claim(quantifier="some"), "exp", weak)
    assert v.verdict == "inconclusive"
    assert "support not significant after Holm across the 2 settings" in v.settings[1].decided_by
    strong = Outcome([_setting("a", "refuted", -0.05, 0.001),
                      _setting("b", "supported", 0.05, 0.001)])
    v = judge(_claim(quantifier="some"), "exp", strong)
    assert v.verdict == "supported" and v.decided_by.startswith("b")
    # the setting's own correction over its members counts: raw p 0.001, Holm p 0.04
    within = Outcome([strong.settings[0], replace(strong.settings[1], p_adjusted=0.04)])
    v = judge(_claim(quantifier="some"), "exp", within)
    assert v.verdict == "inconclusive" and "p 0.08" in v.settings[1].decided_by


def test_a_small_opposite_effect_is_undecided_and_a_ci_inside_the_smallest_effect_refutes():
    """Smallest effect 0.01: a significant −0.005 whose CI [−0.009, −0.001]... is inside
    ±0.01, so it shows no meaningful effect (a refutation of a claimed effect); −0.008 with
    a CI reaching −0.018 is a significant but small opposite effect: undecided."""
    inside = Setting("a", "refuted", stats.Effect(-0.005, -0.009, -0.001, 20, 0.01, 20), "t")
    v = judge(_claim(), "exp", Outcome([inside]))
    assert v.verdict == "refuted" and v.settings[0].basis == "no meaningful effect"
    small = Setting("a", "refuted", stats.Effect(-0.008, -0.018, -0.001, 20, 0.03, 20), "t")
    v = judge(_claim(), "exp", Outcome([small]))
    assert v.verdict == "inconclusive" and v.settings[0].basis == "undecided"
    assert "smaller than the smallest effect 0.01: not a refutation" in v.decided_by
    supported = Setting("a", "supported", stats.Effect(0.005, 0.001, 0.009, 20, 0.01, 20), "t")
    v = judge(_claim(), "exp", Outcome([supported]))  # significant, but no meaningful effect
    assert v.verdict == "refuted" and "the test alone: supported" in v.decided_by


def test_no_meaningful_effect_is_holm_corrected_over_the_parts_of_a_universal_claim():
    """One part barely inside ±0.01 (its 95% CI, equivalence p just under 0.025) refutes on
    its own, not once ten parts could each have refuted."""
    e = stats.Effect(0.0, -0.0099, 0.0099, 20, 1.0, 20)
    fine = stats.Effect(0.05, 0.03, 0.07, 20, 1e-5, 20)
    alone = Setting("a", "inconclusive", e, "t", parts=(("p0", e),))
    assert judge(_claim(), "exp", Outcome([alone])).verdict == "refuted"
    many = Setting("a", "inconclusive", e, "t",
                   parts=(("p0", e), *[(f"p{i}", fine) for i in range(1, 10)]))
    assert judge(_claim(), "exp", Outcome([many])).verdict == "inconclusive"


def test_a_missing_primary_does_not_hide_a_refutation_of_a_universal_claim():
    v = judge(_claim(quantifier="all"), "exp", Outcome([_setting("b", "refuted", -0.05, 0.001)]))
    assert v.verdict == "refuted" and v.effect == -0.05
    assert judge(_claim(), "exp", Outcome([_setting("b", "refuted", -0.05, 0.001)])
                 ).verdict == "inconclusive"  # a primary claim without its primary


def test_every_experiment_runs_its_planned_replicates():
    """trainer.replicates = what the claims' power calculations ask for, capped for cost;
    or fewer where every claim of the experiment declares that count (``Claim.replicates``:
    its calibration then runs at it and reports the power kept, results/calibration.md)."""
    from hydra import compose

    from harness.cli.registry import registry
    from harness.judge.claims import planned_replicates
    from harness.track.results import hydra_context

    for name, exp in registry().items():
        with hydra_context():
            cfg = compose("config", overrides=[f"experiment={name}"])
        declared = {c.replicates for c in exp.claims}
        assert cfg.trainer.replicates == planned_replicates(exp.claims) or (
            declared == {cfg.trainer.replicates}), name


def test_every_experiment_asks_the_suite_for_at_least_one_sweep_process():
    from harness.cli.registry import registry

    for name, exp in registry().items():
        assert exp.sweep_jobs is None or (type(exp.sweep_jobs) is int
                                          and exp.sweep_jobs >= 1), name


@pytest.mark.parametrize(("label", "flagged"), [("inconclusive", True), ("supported", False),
                                                ("refuted", False)])
def test_only_an_undecided_verdict_is_flagged_underpowered(label, flagged):
    from harness.judge.claims import Verdict

    v = Verdict("X-1", "e", label, 0.5, 0.4, 0.6, 24, mde=0.3, min_effect=0.1)
    assert v.underpowered is flagged


def test_a_claim_tested_against_its_own_margin_is_not_flagged_below_its_smallest_effect():
    """relu − sign 0.03 against the null 0.02 ("at least 0.02 below"): 0.01 past the null
    is below a smallest effect of 0.02 only if that effect is measured from no effect;
    ``margin_null`` says the margin is the yardstick (AC-2a3), and leaves the lock of
    every claim without it unchanged."""
    from harness.judge.claims import Verdict
    from harness.judge.lock import declaration

    v = Verdict("X-1", "e", "supported", 0.03, 0.025, 0.035, 24, null_value=0.02,
                min_effect=0.02)
    assert v.below_min_effect
    assert not replace(v, margin_null=True).below_min_effect
    c = _claim()
    assert "margin_null" not in declaration(c)
    assert declaration(replace(c, margin_null=True)) != declaration(c)


def test_underpowered_follows_the_whole_rules_calibrated_power_where_there_is_one():
    out = Outcome([_setting("a", "inconclusive", 0.0, 0.5)])
    v = judge(_claim(), "exp", out)
    assert v.underpowered == (v.mde > v.min_effect)  # uncalibrated: the headline's MDE
    for power, flagged in ((0.18, True), (0.95, False)):
        v.rule_power = power
        assert v.underpowered is flagged


def test_no_meaningful_effect_is_an_effect_near_zero_not_near_a_threshold():
    """A claim that growth exceeds a threshold 0.03 (smallest effect 0.02): a CI wholly
    above the threshold supports it, though it lies inside 0.03 ± 0.02; a CI inside ±0.02
    of 0 shows no meaningful growth."""
    above = Setting("a", "supported", stats.Effect(0.04, 0.033, 0.046, 20, 0.01, 20, 0.03), "t")
    v = judge(_claim(null_value=0.03, min_effect=0.02), "exp", Outcome([above]))
    assert v.verdict == "supported" and v.settings[0].basis == "effect"
    flat = Setting("a", "inconclusive", stats.Effect(0.0, -0.01, 0.01, 20, 0.2, 20, 0.03), "t")
    v = judge(_claim(null_value=0.03, min_effect=0.02), "exp", Outcome([flat]))
    assert v.verdict == "refuted" and v.settings[0].basis == "no meaningful effect"


def test_a_claim_sized_against_its_own_margin_is_refuted_by_a_significant_shortfall():
    """A claim of at least 10× (null log 10, margin_null): 6.9× with a CI below log 10 falls
    short of the margin, an opposite effect to the claim, not "no meaningful effect" (its
    CI lies inside ± the smallest effect around 0 only because that is the margin)."""
    short = Setting("a", "refuted", stats.Effect(1.93, 1.9, 1.96, 20, 1e-9, 20, 2.303), "t")
    claim = _claim(null_value=2.303, min_effect=2.303, margin_null=True)
    v = judge(claim, "exp", Outcome([short]))
    assert v.verdict == "refuted" and v.settings[0].basis == "opposite effect"


def test_an_undecided_hedged_claim_is_headlined_by_what_left_it_undecided():
    out = Outcome([_setting("a", "refuted", -0.05, 0.001), _setting("b", "inconclusive", 0.0, 0.5)])
    v = judge(_claim(quantifier="some"), "exp", out)
    assert v.verdict == "inconclusive" and v.decided_by.startswith("b")


def test_a_significant_effect_inside_the_smallest_effect_is_not_support():
    """One of ten parts significant but inside ±0.01 (not refuting after Holm over ten):
    the setting is undecided, not supported."""
    e = stats.Effect(0.005, 0.0002, 0.0098, 20, 0.04, 20)
    fine = stats.Effect(0.05, 0.03, 0.07, 20, 1e-5, 20)
    s = Setting("a", "supported", e, "t",
                parts=(("p0", e), *[(f"p{i}", fine) for i in range(1, 10)]))
    v = judge(_claim(), "exp", Outcome([s]))
    assert v.verdict == "inconclusive" and "not a meaningful effect" in v.decided_by


def test_the_label_under_a_restated_smallest_effect_is_computed_by_the_same_rule():
    """min_effect_first: the data judged again at the smallest effect first declared; a
    significant effect whose CI lies inside ± that value is "no meaningful effect" there."""
    e = stats.Effect(0.13, 0.107, 0.156, 24, 1e-8, 24)  # RG-2a, seed 0
    claim = Claim("T-9", "t", "q", "h", EveryMember("positive"), Settings("p"),
                  min_effect=0.1, quantifier="primary", min_effect_first=0.2,
                  measure=Final(Factor("model.width", ("a",)), "share"))
    v = judge(claim, "t", Outcome([Setting("p", stats.SUPPORTED, e, parts=(("a", e),))]))
    assert v.verdict == stats.SUPPORTED and v.verdict_at_first_min_effect == stats.REFUTED
    assert v.as_json()["min_effect_first"] == 0.2


def test_a_measure_reads_the_column_its_value_name_names_and_its_repr_omits_it():
    @dataclass(frozen=True)
    class Gap(Measure):
        value_name: ClassVar[str] = "gap"

        def rows(self, rs: RunSet) -> pd.DataFrame:
            return rs.final

    final = pd.DataFrame({"grid": "main", "preset": "a", "lr": [1, 2, 1, 2],
                          "replicate": [0, 0, 1, 1], "dataset": [0, 0, 1, 1],
                          "gap": [0.1, 0.2, 0.3, 0.4]})
    measure = Gap(Factor("lr", (1, 2)), "a difference")
    table = measure.read(RunSet.from_tables("t", ["preset", "lr"], final), "a")
    np.testing.assert_array_equal(table.values, [[0.1, 0.2], [0.3, 0.4]])
    assert "gap" not in repr(measure)  # a ClassVar: the rules lock's fingerprints omit it
    assert Final(Factor("lr", (1,)), "x").value_column() == "test_acc"

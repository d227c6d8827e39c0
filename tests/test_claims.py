"""The claim-level verdict: one label rule, the headline that decided, and the committed
results obey both."""

from __future__ import annotations

import json
import math

import pytest

from harness.core import stats
from harness.judge.claims import Claim, Outcome, Setting, Settings, judge, missing
from harness.judge.families import Custom
from harness.track.tracking import PROJECT_ROOT


def _claim(**kw) -> Claim:
    rule = Custom(decide=lambda rs: None, words="rule", runs="runs", effect_label="difference")
    return Claim("X-1", "000", "quote", "hypothesis", rule=rule, settings=Settings("a"),
                 min_effect=0.01, **kw)


def _setting(name: str, verdict: str, mean: float, p: float) -> Setting:
    half = 0.01
    return Setting(name, verdict, stats.Effect(mean, mean - half, mean + half, 20, p, 20),
                   decided_by=f"{name}'s test")


def test_headline_is_the_primary_setting_and_the_label_keeps_a_refutation():
    out = Outcome([_setting("a", "supported", 0.05, 0.001),
                   _setting("b", "refuted", -0.05, 0.001)])
    v = judge(_claim(), "exp", out)
    assert v.verdict == "mixed" and v.effect == 0.05 and v.decided_by == "a: a's test"
    assert v.scope == "holds in a (primary); fails in b"
    assert [s["setting"] for s in v.as_json()["settings"]] == ["a", "b"]


def test_an_undecided_primary_takes_the_refutation_as_headline():
    out = Outcome([_setting("a", "inconclusive", 0.001, 0.8),
                   _setting("b", "refuted", -0.05, 0.001)])
    v = judge(_claim(), "exp", out)
    assert v.verdict == "refuted" and v.effect == -0.05 and v.decided_by.startswith("b")


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
        assert v["verdict"] in stats.VERDICTS
        assert v["category"] in ("empirical", "implementation check")
        for s in v["settings"]:
            assert {"setting", "verdict", "effect", "ci_low", "ci_high", "n_replicates",
                    "n_datasets"} <= set(s)
        if v["verdict"] not in ("supported", "refuted") or v["ci_low"] is None:
            continue
        low, high = v["ci_low"], v["ci_high"]
        if v["equivalence_margin"] is not None:
            m = v["equivalence_margin"]
            inside = -m <= low and high <= m
            outside = low > m or high < -m
            assert inside or outside, v["claim"]
        elif v["null_value"] is not None:
            assert not low <= v["null_value"] <= high, v["claim"]


def test_robustness_refutations_are_holm_corrected_across_settings():
    """Two robustness settings: a refutation at p = 0.03 does not survive Holm (0.06)."""
    out = Outcome([_setting("a", "inconclusive", 0.0, 0.9),
                   _setting("b", "refuted", -0.05, 0.03),
                   _setting("c", "inconclusive", 0.0, 0.9)])
    v = judge(_claim(), "exp", out)
    assert v.verdict == "inconclusive"
    assert "not significant after Holm across the 2" in v.settings[1].decided_by
    strong = Outcome([_setting("a", "inconclusive", 0.0, 0.9),
                      _setting("b", "refuted", -0.05, 0.001)])
    assert judge(_claim(), "exp", strong).verdict == "refuted"


def test_a_missing_primary_does_not_hide_a_refutation():
    v = judge(_claim(), "exp", Outcome([_setting("b", "refuted", -0.05, 0.001)]))
    assert v.verdict == "refuted" and v.effect == -0.05


def test_every_experiment_runs_its_planned_replicates():
    """trainer.replicates = what the claims' power calculations ask for, capped for cost."""
    from hydra import compose

    from harness.cli.registry import registry
    from harness.judge.claims import planned_replicates
    from harness.track.results import hydra_context

    for name, exp in registry().items():
        with hydra_context():
            cfg = compose("config", overrides=[f"experiment={name}"])
        assert cfg.trainer.replicates == planned_replicates(exp.claims), name


@pytest.mark.parametrize(("label", "flagged"), [("inconclusive", True), ("supported", False),
                                                ("refuted", False)])
def test_only_an_undecided_verdict_is_flagged_underpowered(label, flagged):
    from harness.judge.claims import Verdict

    v = Verdict("X-1", "e", label, 0.5, 0.4, 0.6, 24, mde=0.3, min_effect=0.1)
    assert v.underpowered is flagged


def test_underpowered_follows_the_whole_rules_calibrated_power_where_there_is_one():
    out = Outcome([_setting("a", "inconclusive", 0.0, 0.5)])
    v = judge(_claim(), "exp", out)
    assert v.underpowered == (v.mde > v.min_effect)  # uncalibrated: the headline's MDE
    for power, flagged in ((0.18, True), (0.95, False)):
        v.rule_power = power
        assert v.underpowered is flagged

"""Rule families, once for every claim declared on them (the registry-wide contract): a
claim on an existing family and measure needs no test of its own.

Through the claim's own measure (simulated runs read back by the real extractor): an
obvious planted effect is supported, a strong opposite one refuted, and every decided
setting's CI excludes its null (the CI is dual to the test); shown settings never decide.
With no effect, support is rare: tests/test_calibration.py checks it for every catalogue
claim (100 draws), this module for the users' YAML claims. Each family also on shared
datasets (k < R)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import obvious

from harness.cli.registry import registry, users
from harness.core import stats
from harness.judge.claims import Claim, Settings, judge
from harness.judge.families import (
    NULL,
    PLANTED,
    Bound,
    Check,
    Custom,
    Design,
    Equivalent,
    EveryMember,
    MeanBound,
    Monotone,
    Paired,
    SomeMember,
    Trend,
)
from harness.judge.families.guarded import Guarded
from harness.judge.families.ratio import Recovered
from harness.judge.measures import Factor, Final
from harness.judge.outcome import CI_METHODS
from harness.judge.table import Table

CLAIMS = [(c.experiment or name, c) for name, exp in registry().items() for c in exp.claims
          if not isinstance(c.rule, Custom)] + [(c.experiment, c) for c in users()]
IDS = [c.id for _, c in CLAIMS]


def expected(claim, label: str) -> str:
    """The label of an obvious effect: a some-member claim refuted only by equivalence
    (IN-2a) is left undecided, not refuted, by an effect against it; an equivalence on
    random splits of one dataset narrower than their correlation allows (ML-1c) is never
    shown."""
    if label == stats.REFUTED and getattr(claim.rule, "refute", "") == "equivalent":
        return stats.INCONCLUSIVE
    # random splits of one dataset (Resampled.overlap): the corrected standard error never
    # falls below √overlap · s, however many splits, so a narrower equivalence is out of reach
    overlap = dict(getattr(claim.measure, "overlap", ())).get(claim.primary, 0.0)
    if (label == stats.SUPPORTED and isinstance(claim.rule, Equivalent) and overlap
            and 1.645 * np.sqrt(overlap) * claim.pilot_sd >= claim.equivalence_margin):
        return stats.INCONCLUSIVE
    return label


@pytest.mark.parametrize(("experiment", "claim"), CLAIMS, ids=IDS)
@pytest.mark.parametrize(("scale", "label"), [(5.0, stats.SUPPORTED), (-5.0, stats.REFUTED)])
def test_obvious_effects_get_the_right_label(experiment, claim, scale, label):
    for seed in range(2):
        outcome = claim.decide(claim.simulate(np.random.default_rng(seed), True,
                                              scale=obvious(claim, scale)))
        verdict = judge(claim, experiment, outcome)
        assert verdict.verdict == expected(claim, label), (seed, verdict.decided_by)
        assert verdict.ci_method in CI_METHODS
        for s in outcome.settings:
            if isinstance(claim.rule, Equivalent):  # TOST: the 90% CI against the margin
                margin = claim.rule.margin
                inside = -margin < s.effect.ci_low and s.effect.ci_high < margin
                assert inside == (s.verdict == stats.SUPPORTED), s
            elif s.verdict in (stats.SUPPORTED, stats.REFUTED):
                assert s.effect.excludes(), s


@pytest.mark.parametrize("claim", users(), ids=lambda c: c.id)
def test_no_effect_is_rarely_supported_in_a_users_claim(claim):
    experiment = claim.experiment
    labels = [judge(claim, experiment, claim.decide(claim.simulate(
        np.random.default_rng(s), False))).verdict for s in range(20)]
    assert labels.count(stats.SUPPORTED) <= 2


@pytest.mark.parametrize(("experiment", "claim"), CLAIMS, ids=IDS)
def test_shown_settings_never_decide(experiment, claim):
    """A shown setting with a strong opposite effect is tabled, never judged."""
    if not claim.settings.shown:
        pytest.skip("no shown settings")
    rng = np.random.default_rng(0)
    design = claim.design()
    levels = claim.rule.reads(claim)
    tables = {name: claim.rule.draw(rng, levels, design, obvious(claim, 5.0))
              for name in claim.settings.judged}
    tables |= {name: claim.rule.draw(rng, levels, design, -5.0)
               for name, _ in claim.settings.shown}
    outcome = claim.decide(claim.measure.synthesize(tables))
    assert [s.setting for s in outcome.settings] == list(claim.settings.judged)
    assert judge(claim, experiment, outcome).verdict == expected(claim, stats.SUPPORTED)
    members = next(t for k, t in outcome.tables.items() if k.startswith("Members"))
    shown = {name for name, _ in claim.settings.shown}
    assert set(members[~members.judged].setting) == shown


FAMILIES = [Monotone("decreasing"), Monotone("increasing"), Monotone(paired=False),
            Paired("decreasing"), Paired("increasing"), EveryMember("positive"),
            EveryMember("negative", null=0.5), EveryMember("positive", reference=1),
            EveryMember("positive", statistic="sign"),
            EveryMember("negative", reference=1, statistic="sign", resolution=0.1),
            SomeMember("positive"), SomeMember("negative", refute="every", reference=1),
            SomeMember("positive", refute="equivalent", margin=0.5), Equivalent(margin=1.0),
            Equivalent(margin=1.0, reference=1), Trend("decreasing"), Trend("increasing"),
            Check((Bound(1, "below", 0.01), MeanBound(2, "above", 0.5)), headline=2),
            Check((Bound(3, "above", 0.01, refute="every", refute_at=1e-4),)),
            Check((Bound(1, "above", -1e-12), Bound(2, "below", -1e-12, refute="every")))]


@pytest.mark.parametrize("family", FAMILIES, ids=repr)
@pytest.mark.parametrize("datasets", [None, 6], ids=["one dataset each", "6 shared"])
def test_family_calibration_on_its_own_draws(family, datasets):
    """The least-favourable null is supported at most ~α of the time; the planted effect
    at 5 SDs almost always; with shared datasets inference is on dataset means."""
    levels = (1, 2, 3, 4)
    design = Design(replicates=24, min_effect=1.0, sd=0.2, datasets=datasets)
    rng = np.random.default_rng(0)
    null = [family.decide(family.draw(rng, levels, design, NULL)).verdict for _ in range(200)]
    hit = [family.decide(family.draw(rng, levels, design, PLANTED)) for _ in range(50)]
    assert null.count(stats.SUPPORTED) / len(null) <= 0.10
    assert all(d.verdict == stats.SUPPORTED for d in hit)
    if datasets and getattr(family, "paired", True):
        assert {d.effect.n_datasets for d in hit} == {datasets}


def test_families_are_frozen_data():
    """Declarations are data: hashable, comparable, printable (the lock fingerprints them)."""
    for family in FAMILIES:
        assert dataclasses.is_dataclass(family) and eval(repr(family)) == family
    with pytest.raises(ValueError, match="direction='up' is invalid: allowed values"):
        Monotone("up")
    with pytest.raises(ValueError, match="refute='some' is invalid: allowed values"):
        SomeMember(refute="some")
    with pytest.raises(ValueError, match="statistic='mean' is invalid: allowed values"):
        EveryMember(statistic="mean")
    with pytest.raises(ValueError, match="resolution is invalid with statistic='t'"):
        EveryMember(resolution=5.0)
    with pytest.raises(ValueError, match="statistic='sign' is invalid with refute='equiv"):
        SomeMember(refute="equivalent", margin=1.0, statistic="sign")


def test_sign_members_read_never_reached_and_ties_as_the_sign_test_does():
    """Steps to a target (+inf = never reached): reference − member by the sign test, ties
    (equal steps, or never on both sides) dropped, never on one side a loss; without a
    reference, each column's median against the null, reported on the column's scale."""
    ref = np.array([10, 20, 15, np.inf, 30, 25, 10, 20, 35, 40, 15, 20])
    other = np.array([20, 30, 15, np.inf, 45, np.inf, 25, 30, 50, 55, 30, 25])
    table = Table(("a", "b"), np.column_stack([ref, other]), np.arange(12))
    d = EveryMember("negative", reference="a", statistic="sign").decide(table)
    e = stats.sign_test(ref, other)  # 10 of the 10 untied pairs favour a
    assert d.verdict == stats.SUPPORTED and d.effect.p == e.p == pytest.approx(2 * 0.5**10)
    assert (d.effect.mean, d.effect.ci_low, d.effect.ci_high) == (e.mean, e.ci_low, e.ci_high)
    d = EveryMember("positive", null=20.0, statistic="sign").decide(table.keep(["a"]))
    assert d.effect.mean == np.median(ref) == 20 and d.effect.null == 20.0
    assert d.verdict == stats.INCONCLUSIVE  # 5 above 20, 4 below, 3 ties
    grid = EveryMember("positive", statistic="sign", resolution=5.0).draw(
        np.random.default_rng(0), (1, 2), Design(24, 10.0, 7.0), PLANTED)
    assert np.all(grid.values % 5 == 0) and (grid.values == 0).any()  # ties at 0


@pytest.mark.parametrize("family", FAMILIES, ids=repr)
def test_a_decided_setting_excludes_its_null(family):
    """An effect 5 × min_effect the claimed way is supported, the other way refuted (or,
    for equivalence, outside the margin), with the deciding CI on the decided side."""
    levels = (1, 2, 3, 4)
    design = Design(replicates=24, min_effect=1.0, sd=0.2)
    rng = np.random.default_rng(1)
    up = family.decide(family.draw(rng, levels, design, 5.0 if not isinstance(
        family, Equivalent) else 0.0))
    down = family.decide(family.draw(rng, levels, design, -5.0 if getattr(
        family, "refute", "") != "equivalent" else 0.0))
    assert up.verdict == stats.SUPPORTED and down.verdict == stats.REFUTED, (up, down)
    for d in (up, down):
        null = getattr(family, "null", 0.0)
        if d.ci_level == 0.90:  # decided by equivalence: the 90% CI inside the margin
            margin = family.margin
            assert -margin < d.effect.ci_low and d.effect.ci_high < margin or d is down
        else:
            assert d.effect.excludes(null if isinstance(family, EveryMember | SomeMember)
                                     else d.effect.null), d


def test_a_check_decides_by_its_bounds_and_may_differ_by_setting():
    """A bound is strict and deterministic: "any" row beyond refutes, "every" needs all of
    them; a setting named in ``by_setting`` is held to its own bounds."""
    same = Bound("d", "below", 1e-4)
    differ = Bound("d", "above", 1e-2, refute="every", refute_at=1e-4)
    check = Check((same,), by_setting=(("adam", (differ,)),))

    def table(*values: float) -> Table:
        return Table(("d",), np.array(values)[:, None], np.arange(len(values)))

    assert check.for_setting("sgd").decide(table(1e-7, 2e-7)).verdict == stats.SUPPORTED
    assert check.for_setting("sgd").decide(table(1e-7, 2e-4)).verdict == stats.REFUTED
    adam = check.for_setting("adam")
    assert adam.decide(table(0.5, 0.3)).verdict == stats.SUPPORTED
    assert adam.decide(table(0.5, 1e-5)).verdict == stats.INCONCLUSIVE
    d = adam.decide(table(1e-6, 1e-5))
    assert d.verdict == stats.REFUTED and d.effect.mean == 1e-5 and d.effect.null == 1e-4
    assert "In adam: d: supported if every row is above 0.01" in check.words(
        type("C", (), {"measure": type("M", (), {"describe": lambda self: "x"})()})())
    assert Check((same,)).effect_label(type("C", (), {"measure": type("M", (), {
        "label": "gap"})()})()) == "gap (the deciding extreme over rows)"


def test_a_setting_whose_own_members_lack_the_headline_is_headed_by_its_last():
    other = Bound("e", "below", 1.0)
    check = Check((Bound("d", "below", 1.0), other), headline="d",
                  by_setting=(("flat", (other,)),))
    assert check.for_setting("sgd").headline == "d"
    flat = check.for_setting("flat")
    assert flat.headline is None and flat.members == (other,)
    d = flat.decide(Table(("e",), np.array([[0.5], [0.25]]), np.arange(2)))
    assert d.verdict == stats.SUPPORTED and d.effect.mean == 0.5


RATIOS = [Recovered(), Recovered("negative", null=0.25, refute="any")]


@pytest.mark.parametrize("family", RATIOS, ids=repr)
@pytest.mark.parametrize("datasets", [None, 6], ids=["one dataset each", "6 shared"])
def test_recovered_calibration_on_its_own_draws(family, datasets):
    """The fraction-recovered family (Fieller ratio per member): the null (every member
    recovering exactly ``null``) is rarely supported, 5 × the smallest effect always is and
    the opposite refuted, the deciding CI on the decided side, over dataset means."""
    levels = ("gap", 1, 2, 3)
    design = Design(replicates=24, min_effect=0.25, sd=0.3, datasets=datasets)
    rng = np.random.default_rng(0)
    null = [family.decide(family.draw(rng, levels, design, NULL)).verdict for _ in range(200)]
    assert null.count(stats.SUPPORTED) / len(null) <= 0.10
    for scale, label in ((5.0, stats.SUPPORTED), (-5.0, stats.REFUTED)):
        for _ in range(20):
            d = family.decide(family.draw(rng, levels, design, scale))
            assert d.verdict == label and d.effect.excludes(family.null), d
            assert d.effect.n_datasets == (datasets or 24)


def test_recovered_is_frozen_data_with_checked_parameters():
    for family in RATIOS:
        assert dataclasses.is_dataclass(family) and eval(repr(family)) == family
    with pytest.raises(ValueError, match="refute='equivalent' is invalid: allowed values"):
        Recovered(refute="equivalent", margin=0.1)


GUARDED = Guarded(("a", "b", "c"), ("gain a", "gain b", "gain c"),
                  ("guard a", "guard b", "guard c"), margin=0.5, guard_words="accuracy")
GUARDED_LEVELS = (*GUARDED.gains, *GUARDED.guards)


@pytest.mark.parametrize("datasets", [None, 6], ids=["one dataset each", "6 shared"])
def test_guarded_calibration_on_its_own_draws(datasets):
    """Some member gaining with its guard kept: the null (every member without a gain, or
    every gain paid for by a guard exactly at −margin) is rarely supported; 5 × the
    smallest effect always is, the opposite refuted, the deciding CI on the decided side."""
    design = Design(replicates=24, min_effect=1.0, sd=0.5, datasets=datasets)
    rng = np.random.default_rng(0)
    null = [GUARDED.decide(GUARDED.draw(rng, GUARDED_LEVELS, design, NULL)).verdict
            for _ in range(200)]
    assert null.count(stats.SUPPORTED) / len(null) <= 0.10
    for scale, label in ((5.0, stats.SUPPORTED), (-5.0, stats.REFUTED)):
        for _ in range(20):
            d = GUARDED.decide(GUARDED.draw(rng, GUARDED_LEVELS, design, scale))
            assert d.verdict == label and d.effect.excludes(), d
            assert d.effect.n_datasets == (datasets or 24)


def test_guarded_needs_the_guard_of_the_member_that_counts():
    """A member whose gain is paid for by its guard does not count, but another member
    that keeps its guard does (unlike a gate over every level); every member paying for
    its gain refutes, with the guard's change (against −margin) as the statistic."""
    rng = np.random.default_rng(2)
    design = Design(replicates=24, min_effect=1.0, sd=0.2)
    t = GUARDED.draw(rng, GUARDED_LEVELS, design, 5.0)
    t.values[:, GUARDED_LEVELS.index("guard a")] -= 10.0  # a gains at a cost
    d = GUARDED.decide(t)
    assert d.verdict == stats.SUPPORTED and not d.members.holds.iloc[0]
    t.values[:, 3:] -= 10.0  # every member pays
    d = GUARDED.decide(t)
    assert d.verdict == stats.REFUTED and d.effect.null == -0.5 and d.effect.ci_high < -0.5
    assert d.sized  # against its own margin: no smallest effect of another unit asked
    t.values[:, 0] = -0.05 + rng.normal(0, 0.01, 24)  # a now only loses, and slightly
    t.values[:, 3] += 20.0  # and keeps its guard
    d = GUARDED.decide(t)
    assert d.verdict == stats.REFUTED and not d.sized and d.effect.mean < 0  # a's loss
    assert dataclasses.is_dataclass(GUARDED) and eval(repr(GUARDED)) == GUARDED
    with pytest.raises(ValueError, match="gains and guards are invalid: allowed values"):
        Guarded(("a",), ("gain a",), (), margin=0.5)


@dataclasses.dataclass(frozen=True)
class _PerSetting(Final):
    """A measure whose settings hold only some of its levels (``held``: setting -> its
    levels, None where the runs decide); the others hold every level."""

    held: tuple = ()

    def levels_in(self, setting: str) -> tuple | None:
        return dict(self.held).get(setting, self.factor.levels)


@pytest.mark.parametrize("rule", [EveryMember("positive"), SomeMember("positive"),
                                  Guarded(("x", "y"), ("a", "c"), ("b", "d"), margin=0.1)],
                         ids=["every", "some", "guarded"])
def test_rule_text_counts_the_members_each_setting_tests(rule):
    """The Holm count in rule text is the members a judged setting tests as declared
    (Measure.levels_in): no Holm where each tests one, each setting's count where they
    differ, the declared bound where the runs decide."""
    def text(*held: tuple) -> str:
        measure = _PerSetting(Factor("model.width", ("a", "b", "c", "d")), "share",
                              held=held)
        return Claim("T-1", "t", "q", "h", rule, Settings("p", ("r",)), min_effect=0.1,
                     quantifier="all", measure=measure).rule_text
    two = 2 if isinstance(rule, Guarded) else 4
    one = ("a", "b") if isinstance(rule, Guarded) else ("a",)
    assert f"Holm over the {two}" in text()
    assert "Holm over" not in text(("p", one), ("r", one))
    assert f"Holm over the setting's members (1 in p, {two} in r)" in text(("p", one))
    assert f"Holm over the members judged in the setting (at most {two})" in text(("r", None))

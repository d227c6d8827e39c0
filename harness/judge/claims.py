"""Claims and experiments as registered objects, and the registry that finds them.

A claim carries its provenance (seed file and verbatim quote), a measurable restatement,
its declared settings (the primary one the quote is about, and robustness settings),
the smallest effect worth reporting, and a decision rule written down before any data
is seen: a function from logged runs to an :class:`Outcome`, one :class:`Setting`
verdict per setting plus the tables behind them. :func:`judge` turns an outcome into the
claim's :class:`Verdict` by one rule for every claim: each setting's basis (an effect, an
opposite effect of meaningful size, no meaningful effect, or undecided), then the label
the claim's quantifier gives (:func:`harness.core.stats.label`), with the headline chosen
by that rule's logic. An experiment module in
``experiments/`` defines one :class:`Experiment` named ``EXPERIMENT``;
:func:`harness.cli.registry.registry` discovers it, so adding an experiment is one YAML
file plus one module, nothing else. The judge never imports the experiments it judges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.families import NULL, PLANTED, Custom, Design, Family
from harness.judge.gates import Gate
from harness.judge.measures import Measure
from harness.judge.outcome import Outcome, Setting, _num, missing  # noqa: F401 (the API)
from harness.judge.table import level_summary

if TYPE_CHECKING:
    from harness.track.results import RunSet

# what decides a claim: evidence from runs, or an exact check of code (an implementation
# check) or of a theorem under its conditions (counted apart in the overview)
EMPIRICAL, IMPLEMENTATION, THEOREM = "empirical", "implementation check", "theorem check"
EXACT = "exact fact"  # decided by an exact check over a stated search (harness/train/search.py)
CATEGORIES = (EMPIRICAL, IMPLEMENTATION, THEOREM, EXACT)
POWER = 0.8  # a rule below this calibrated power flags an undecided verdict underpowered
# replicates per point, at most: a cost cap (the whole suite must finish in 15 minutes on
# 2 CPU cores); claims that need more are underpowered and their pages say so
REPLICATE_CAP = 24


def planned_replicates(claims: list[Claim]) -> int:
    """The replicates an experiment should run: the most its claims need for 80% power
    at their smallest effects, rounded up to a multiple of 8, capped at REPLICATE_CAP."""
    needed = [c.replicates_needed for c in claims if c.replicates_needed]
    return min(REPLICATE_CAP, -(-max(needed, default=8) // 8) * 8)


@dataclass
class Verdict:
    """A claim's verdict: the overall label, the headline (the statistic that decided,
    in the primary setting) and the per-setting map."""

    claim: str
    experiment: str
    verdict: str  # supported / refuted / mixed / inconclusive
    effect: float
    ci_low: float
    ci_high: float
    n_replicates: int
    effect_label: str = ""
    ci_level: float = 0.95  # 0.90 where the rule is an equivalence test (TOST)
    null_value: float | None = 0.0
    equivalence_margin: float | None = None
    decided_by: str = ""  # the test that decided, in words
    category: str = EMPIRICAL
    n_datasets: int = 0
    primary_setting: str = ""
    settings: list[Setting] = field(default_factory=list)
    p_value: float = math.nan
    mde: float = math.nan  # minimum detectable effect at 80% power (headline's units)
    min_effect: float | None = None  # smallest effect worth reporting, as declared
    scope: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)  # the MLflow runs the verdict read
    revision: str = ""  # Claim.revision: how the rule changed after data were seen
    headline_setting: str = ""  # the setting whose statistic is the headline
    ci_method: str = "t"  # how the headline CI is made (harness.judge.outcome.CI_METHODS)
    # the whole rule's calibrated power: "supported" with the smallest declared effect
    # planted (results/calibration.json; None where the rule was not calibrated)
    rule_power: float | None = None
    quantifier: str = "primary"  # Claim.quantifier: which settings decide the label
    # Claim.min_effect_first, and the label the same data get under it
    min_effect_first: float | None = None
    verdict_at_first_min_effect: str = ""
    margin_null: bool = False  # Claim.margin_null

    @property
    def underpowered(self) -> bool:
        """Undecided, and the rule could not reliably detect the smallest effect the claim
        declared: its calibrated power below POWER (the whole rule, every member and
        setting, not one member's MDE); uncalibrated, the headline's MDE above that effect.
        A decided verdict has answered the question whatever its power."""
        if self.category != EMPIRICAL or self.verdict != stats.INCONCLUSIVE:
            return False
        if self.rule_power is not None:
            return self.rule_power < POWER
        return bool(np.isfinite(self.mde) and self.min_effect is not None
                    and self.mde > self.min_effect)

    @property
    def below_min_effect(self) -> bool:
        """Decided, but by an effect smaller than the one declared worth reporting (for
        a difference claim; an equivalence claim's margin is its own yardstick, and so is
        the margin of a claim whose null is that margin, ``margin_null``)."""
        head = next((s for s in self.settings if s.setting == self.headline_setting), None)
        if (self.verdict == stats.INCONCLUSIVE or self.category != EMPIRICAL
                or self.equivalence_margin is not None or self.margin_null
                or (head is not None and (head.basis == stats.NO_EFFECT or head.sized))
                or self.min_effect is None or self.null_value is None
                or not np.isfinite(self.effect)):
            return False
        return abs(self.effect - self.null_value) < self.min_effect

    def as_json(self) -> dict[str, object]:
        return {"claim": self.claim, "experiment": self.experiment, "verdict": self.verdict,
                "effect": _num(self.effect), "ci_low": _num(self.ci_low),
                "ci_high": _num(self.ci_high), "ci_level": self.ci_level,
                "ci_method": self.ci_method,
                "n_replicates": int(self.n_replicates), "effect_label": self.effect_label,
                "null_value": _num(self.null_value), "equivalence_margin":
                    _num(self.equivalence_margin), "decided_by": self.decided_by,
                "category": self.category, "n_datasets": int(self.n_datasets),
                "primary_setting": self.primary_setting, "p_value": _num(self.p_value),
                "mde": _num(self.mde), "min_effect": _num(self.min_effect),
                "scope": self.scope, "headline_setting": self.headline_setting,
                "underpowered": self.underpowered,
                "below_min_effect": self.below_min_effect, "rule_power": self.rule_power,
                "quantifier": self.quantifier,
                "min_effect_first": _num(self.min_effect_first),
                "verdict_at_first_min_effect": self.verdict_at_first_min_effect,
                "settings": [s.as_json() for s in self.settings],
                "revision": self.revision, "run_ids": list(self.run_ids)}


QUANTIFIER_WORDS = {
    "all": "the quote is universal: refuted if refuted in some judged setting, supported "
           "if supported in every one, else inconclusive",
    "primary": "the quote speaks of the primary setting: the label is its verdict; the "
               "other settings give scope (where it holds also, fails, or is undecided)",
    "some": "the quote is hedged: supported if supported in some judged setting (Holm "
            "across them), refuted if refuted in every one, else inconclusive",
}


def label_rule(claim: Claim) -> str:
    """The label rule in words, for the claim's quantifier and kind."""
    text = f"Label (quantifier {claim.quantifier}): {QUANTIFIER_WORDS[claim.quantifier]}."
    if claim.category == EMPIRICAL and not claim.asserts_no_effect:
        text += (" A setting is refuted only by a significant effect the other way at least "
                 f"the smallest effect ({claim.min_effect:g}) in size, or by a CI inside "
                 "± the smallest effect (no meaningful effect, even when significant); a "
                 "smaller opposite effect leaves it undecided.")
    return text


@dataclass(frozen=True)
class Settings:
    """Which settings a claim judges. ``primary``: what the quote is about (the faithful
    preset where an original exists); ``robustness``: judged too (their refutations are
    Holm-corrected across them and never dropped); ``shown``: tabled with the reason they
    are not judged, never in the verdict. (The run column that names a setting is the
    measure's ``by``.)"""

    primary: str
    robustness: tuple[str, ...] = ()
    shown: tuple[tuple[str, str], ...] = ()  # (setting, why it is not judged)

    def __post_init__(self) -> None:
        object.__setattr__(self, "robustness", tuple(self.robustness))
        shown = self.shown.items() if isinstance(self.shown, dict) else self.shown
        object.__setattr__(self, "shown", tuple((str(k), str(v)) for k, v in shown))

    @property
    def judged(self) -> tuple[str, ...]:
        return (self.primary, *self.robustness)

    @property
    def every(self) -> tuple[str, ...]:
        return (*self.judged, *(name for name, _ in self.shown))

    def words(self) -> str:
        parts = [f"{self.primary} primary"]
        if self.robustness:
            parts.append(f"{', '.join(self.robustness)} robustness")
        if self.shown:
            parts.append(f"{', '.join(n for n, _ in self.shown)} shown, not judged")
        return "; ".join(parts)


@dataclass(frozen=True, eq=False)
class Claim:
    """A claim as data: where it comes from, what it restates, and the rule declared for
    it before the data: a measure × a rule family × settings (or, for a rule that fits no
    family, :class:`~harness.judge.families.Custom`). Its prose (rule text, runs read,
    effect label) is generated from the declaration; the rules lock
    (``results/rules.lock.md``) records it."""

    id: str
    seed: str  # seed file the quote comes from, e.g. "002 (Q43)"
    quote: str  # verbatim, in the seed's language
    hypothesis: str  # the measurable restatement we test
    rule: Family | Custom  # the rule family (with its parameters), or the escape hatch
    settings: Settings
    min_effect: float  # smallest effect worth reporting (headline units), declared
    quantifier: str  # from the quote's wording: "all", "primary" or "some" (stats.label)
    measure: Measure | None = None  # what the family reads (None for Custom)
    # SD of the headline's per-replicate statistic in a pilot run (stated with its
    # source beside the declaration): with min_effect it fixes the replicates needed
    pilot_sd: float | None = None
    null_value: float | None = 0.0  # what the headline is tested against
    equivalence_margin: float | None = None  # TOST margin; the headline CI is then 90%
    category: str = EMPIRICAL
    parent: str | None = None  # catalogue id when this claim is part of a split quote
    # how the rule changed after a full run had been seen (what changed, the verdict the
    # earlier rule gave, why): such a rule is no longer declared before those data, and
    # the page and verdicts.json say so ("" = declared before any full run)
    revision: str = ""
    notes: tuple[str, ...] = ()  # claim-specific caveats, printed with every verdict
    replicates: int | None = None  # of a simulated setting (default: the planned count)
    experiment: str = ""  # the experiment whose runs it reads (YAML claims name it)
    gates: tuple[Gate, ...] = ()  # conditions that can only withhold a decision
    # the claim asserts that there is no meaningful effect (an upper bound on an effect,
    # e.g. "L2 does not make weights 0"): support is "no meaningful effect", refutation an
    # effect; an equivalence claim (equivalence_margin) is one by definition
    no_effect: bool = False
    # the smallest effect as first declared, before any data, where a revision restated
    # it: under label rule v2 it decides labels, so the label under the first value is
    # computed and printed beside the label (None: never restated)
    min_effect_first: float | None = None
    # the test's null is the claim's own declared margin ("at least 0.02 below relu",
    # tested against 0.02): an effect past it is already the effect worth reporting (the
    # test is sized against its margin), so "below the declared smallest effect", which
    # measures from the null, is not asked of it
    margin_null: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.settings, dict):
            object.__setattr__(self, "settings", Settings(**self.settings))
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.id}: category={self.category!r} is invalid: allowed "
                             f"values are {list(CATEGORIES)}")
        if isinstance(self.notes, str):  # a missing comma: one note per character
            raise ValueError(f"{self.id}: notes must be a tuple of strings, not one string")
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "gates", tuple(self.gates))
        if not isinstance(self.rule, Custom) and self.measure is None:
            raise ValueError(f"{self.id}: a rule family needs a measure")
        if self.quantifier not in stats.QUANTIFIERS:
            raise ValueError(f"{self.id}: quantifier={self.quantifier!r} is invalid: allowed "
                             f"values are {list(stats.QUANTIFIERS)}")

    @property
    def asserts_no_effect(self) -> bool:
        return self.no_effect or self.equivalence_margin is not None

    @property
    def primary(self) -> str:
        return self.settings.primary

    @property
    def ci_level(self) -> float:
        return 0.90 if self.equivalence_margin is not None else 0.95

    @property
    def replicates_needed(self) -> int | None:
        """Replicates for 80% power at min_effect (two-sided paired t, α = 0.05)."""
        if not self.pilot_sd:
            return None
        return stats.replicates_for(self.min_effect, self.pilot_sd)

    # ---- prose, generated from the declaration
    @property
    def rule_text(self) -> str:
        if isinstance(self.rule, Custom):
            return f"{self.rule.words} {label_rule(self)}"
        shown = "".join(f" {name} is shown, not judged: {why}." for name, why in
                        self.settings.shown)
        gates = "".join(f" {g.words()}" for g in self.gates)
        return (f"Per setting ({self.settings.words()}): {self.rule.words(self)}{gates}"
                f"{shown} Smallest effect worth reporting: {self.min_effect:g}. "
                f"{label_rule(self)}")

    @property
    def runs(self) -> str:
        if isinstance(self.rule, Custom):
            return self.rule.runs
        m = self.measure
        return (f"{m.grid_words()}: {m.by} {', '.join(self.settings.every)}"
                + "".join(f", {k} = {v}" for k, v in m.where)
                + f"; {m.factor.words} {', '.join(map(str, self.rule.reads(self)))}; "
                f"{m.label} per replicate")

    @property
    def effect_label(self) -> str:
        if isinstance(self.rule, Custom):
            return self.rule.effect_label
        return "; ".join([self.rule.effect_label(self),
                          *filter(None, (g.headline_words() for g in self.gates))])

    # ---- the rule, on runs and on simulated runs
    def decide(self, rs: RunSet) -> Outcome:
        if isinstance(self.rule, Custom):
            return self.rule.decide(rs)
        return decide_measured(self, rs)

    @property
    def simulate(self) -> Callable[..., RunSet] | None:
        """``simulate(rng, planted, scale=None)``: synthetic runs for calibration."""
        if isinstance(self.rule, Custom):
            return self.rule.simulate
        return partial(simulate_measured, self)

    def design(self) -> Design:
        return Design(self.replicates or planned_replicates([self]), self.min_effect,
                      self.pilot_sd or 1.0)


def decide_measured(claim: Claim, rs: RunSet) -> Outcome:
    """A family's rule over every setting its measure finds: a :class:`Setting` verdict
    for each judged one; every setting with runs (judged, shown, or neither) in the tables,
    with a ``judged`` column. A level with fewer than two finite values is left out and
    named in a note; a judged setting left with too few levels to test is undecided (its
    runs exist: "no runs" would misstate it) while another setting could be tested."""
    m, family = claim.measure, claim.rule
    present = m.settings_in(rs)
    order = [*(s for s in claim.settings.every if s in present),
             *(s for s in present if s not in claim.settings.every)]
    judged = claim.settings.judged
    settings, levels, members, notes = [], [], [], []
    gate_rows: dict[str, list[pd.DataFrame]] = {}
    for name in order:
        table = m.read(rs, name)
        if table is None:
            continue
        table = table.keep([b for b in family.reads(claim) if b in table.levels])
        table, gone = table.thin()
        if gone:
            notes.append(f"{name}: {m.factor.words} {', '.join(map(str, gone))} left out "
                         f"({m.no_value}).")
        if len(table.levels) < family.min_levels or table.values.size == 0:
            if name in judged:  # it has runs, too few finite values to test: undecided
                why = (f"{m.factor.words} {', '.join(map(str, gone))}: {m.no_value}"
                       if gone else
                       f"fewer than {family.min_levels} {m.factor.words} levels with runs")
                settings.append(Setting(name, stats.INCONCLUSIVE, stats.Effect(
                    math.nan, math.nan, math.nan, 0, null=claim.null_value or 0.0),
                    f"not testable: {why}"))
            continue
        decision = family.for_setting(name).decide(table)
        summary = level_summary(table, np.exp if m.log else None)
        levels.append(summary.rename(columns={"level": m.factor.column})
                      .assign(setting=name))
        members.append(decision.members.assign(setting=name, judged=name in judged))
        if name in judged:
            verdict, how, effect = decision.verdict, decision.decided_by, decision.effect
            level, method = decision.ci_level, decision.ci_method
            screened = True
            for gate in claim.gates:
                check = gate.check(rs, name)
                notes += [n for n in check.notes if n not in notes]
                if check.rows is not None:
                    gate_rows.setdefault(gate.title(), []).append(check.rows)
                if not check.passed and verdict in gate.blocks:
                    how = f"{gate.name} not met: {check.why} (the test alone: {verdict}, {how})"
                    if check.effect is not None:  # the gate's own test: a 95% t CI
                        effect, level, method = check.effect, 0.95, "t"
                    verdict = stats.INCONCLUSIVE
                # a failed premise withholds "no meaningful effect" too
                screened = screened and (check.passed or stats.REFUTED not in gate.blocks)
            # the parts are the rule's own statistics, never a gate's: a guard on another
            # metric inside ± the claim's smallest effect says nothing about the claim
            settings.append(Setting(name, verdict, effect, how, level, method,
                                    parts=decision.parts or (("", decision.effect),),
                                    need=decision.need, screened=screened,
                                    sized=decision.sized and verdict == stats.REFUTED,
                                    p_adjusted=decision.p_adjusted,
                                    rule_effect=None if effect is decision.effect
                                    else decision.effect))
    if not levels or not any(s.setting == claim.primary for s in settings):
        return missing(f"{claim.id} needs at least {family.min_levels} {m.factor.words} "
                       f"level{'s' if family.min_levels > 1 else ''} with two or more finite "
                       f"values under {claim.primary} ({m.grid_words()})")
    settings.sort(key=lambda st: judged.index(st.setting))
    context, context_notes = m.context(rs, judged)
    first = ["setting"]
    level_frame = pd.concat(levels, ignore_index=True)
    member_frame = pd.concat(members, ignore_index=True)
    mean = "geometric mean" if m.log else "mean"
    return Outcome(settings, tables={
        f"{m.label[:1].upper()}{m.label[1:]} per setting and {m.factor.words} ({mean}, "
        f"{family.levels_words})": level_frame[first + [c for c in level_frame
                                                      if c not in first]],
        f"Members ({', '.join(judged)} judged): {family.effect_label(claim)}":
            member_frame[first + [c for c in member_frame if c not in first]], **context,
        **{title: pd.concat(rows, ignore_index=True) for title, rows in gate_rows.items()}},
        notes=[*claim.notes, *context_notes, *notes])


def simulate_measured(claim: Claim, rng: np.random.Generator, planted: bool,
                      scale: float | None = None) -> RunSet:
    """Synthetic runs through the claim's own measure: every judged setting drawn by its
    family, the primary at the least favourable null unless ``planted``, the robustness
    settings always planted (so "mixed" is reachable); ``scale`` plants scale × min_effect
    everywhere instead (negative = the opposite effect). Gates with a boundary scenario
    (:meth:`~harness.judge.gates.Gate.draw`) draw their statistic in too: the primary's
    null is, at random, the family's or one gate's boundary with the family planted."""
    design = claim.design()
    bounded = [g for g in claim.gates if g.has_boundary]
    tables = {}
    for name in claim.settings.judged:
        # the least favourable null: the primary at it, the others planted ("all",
        # "primary"); every setting at it where support in one suffices ("some")
        scenario = (scale if scale is not None else PLANTED if planted or (
            name != claim.primary and claim.quantifier != "some") else NULL)
        at = None
        if scenario == NULL and bounded:
            pick = int(rng.integers(len(bounded) + 1))
            at, scenario = (bounded[pick - 1], PLANTED) if pick else (None, NULL)
        table = claim.rule.for_setting(name).draw(rng, claim.rule.reads(claim), design,
                                                  scenario)
        for gate in bounded:
            table = gate.draw(rng, table, design, gate is at)
        tables[name] = table
    return claim.measure.synthesize(tables)


def mde_of(effect: stats.Effect, ci_level: float) -> float:
    """The minimum detectable effect at 80% power implied by a headline CI: its SD is
    read back from the half-width (t-based, over the independent units)."""
    k = effect.n_datasets or effect.n
    half = (effect.ci_high - effect.ci_low) / 2
    if k < 2 or not np.isfinite(half):
        return math.nan
    sd = half / stats.t_ppf(0.5 + ci_level / 2, k - 1) * math.sqrt(k)
    return stats.mde(sd, k)


def near_zero_p(effect: stats.Effect, margin: float) -> float:
    """Equivalence p of "within ±``margin`` of 0" (:func:`harness.core.stats.equivalence_p`):
    the window is around no effect at all, also where the test's null is a threshold (a
    growth above 0.03, a fraction above 1/2), for no meaningful effect is an effect near
    0, not one near the threshold."""
    return stats.equivalence_p(replace(effect, null=0.0), margin)


def no_effect(claim: Claim, settings: list[Setting]) -> dict[str, tuple[str, stats.Effect,
                                                                          str]]:
    """Per setting, the part shown to have no meaningful effect (its CI inside ± the
    claim's smallest effect), with the multiplicity words: each part's equivalence p
    (:func:`harness.core.stats.equivalence_p`), Holm-corrected at the CI's one-sided
    level over the parts that could each refute the claim: every part of every setting
    for a universal claim ("all"), each setting's parts otherwise. Where a setting needs
    "any" part, every part must be inside (intersection-union: its largest p stands for
    it). A setting whose premise failed is not screened, and neither is a claim whose null
    is its own margin (``margin_null``): a significant shortfall from the margin already
    refutes it (:func:`basis`), and an effect near 0 is not the only way to fall short."""
    if claim.margin_null:
        return {}
    m, level = claim.min_effect, stats.ALPHA / 2
    candidates = []
    for s in settings:
        if not s.screened:
            continue
        parts = [(name, e, near_zero_p(e, m)) for name, e in (s.parts or (("", s.effect),))]
        if s.need == "any":
            parts = [max(parts, key=lambda x: x[2])]
        candidates += [(s.setting, *x) for x in parts]
    groups: dict[str, list] = {}
    for c in candidates:
        groups.setdefault("" if claim.quantifier == "all" else c[0], []).append(c)
    found: dict[str, tuple[str, stats.Effect, str]] = {}
    for group in groups.values():
        adjusted = stats.holm([c[3] for c in group])[1]
        for (setting, name, e, _), a in sorted(zip(group, adjusted, strict=True),
                                                key=lambda x: x[1]):
            if a < level and setting not in found:
                over = (f"Holm over {len(group)} parts" if len(group) > 1 else "one part")
                found[setting] = (name, e, f"equivalence p {a:.2g}, {over}")
    return found


def basis(claim: Claim, s: Setting, inside: tuple[str, stats.Effect, str] | None
          ) -> Setting:
    """One setting under label rule v2: what decided it (its ``basis``) and its verdict.
    A claim of a meaningful effect is refuted only by an effect the other way at least
    the smallest effect in size ("opposite effect"; a statistic tested against its own
    margin, ``sized``, is that already) or by a part shown inside ± it (``inside``
    from :func:`no_effect`: "no meaningful effect", which also overrides a significant but
    small effect; a claim whose null is its own margin, ``margin_null``, is sized: a
    significant shortfall from the margin refutes it); a smaller opposite effect is
    undecided, and so is a significant effect whose own CI lies inside ± the smallest
    effect (not meaningful support, though not refuting once corrected for the parts). A
    claim of no effect, and a check, keep their rule's verdict."""
    v, e, m = s.verdict, s.effect, claim.min_effect
    if claim.category != EMPIRICAL:
        return replace(s, basis=stats.CHECK if v != stats.INCONCLUSIVE else stats.UNDECIDED)
    if claim.asserts_no_effect:
        return replace(s, basis={stats.SUPPORTED: stats.NO_EFFECT,
                                 stats.REFUTED: stats.EFFECT}.get(v, stats.UNDECIDED))
    if v == stats.REFUTED and (s.sized or claim.margin_null or abs(e.mean - e.null) >= m):
        return replace(s, basis=stats.OPPOSITE)
    if inside is not None:
        name, effect, how = inside
        return replace(s, verdict=stats.REFUTED, basis=stats.NO_EFFECT, effect=effect,
                       decided_by=f"no meaningful effect: {name + ' ' if name else ''}CI "
                                  f"{effect.fmt(3)} inside ±{m:g} ({how}; the test alone: "
                                  f"{v}, {s.decided_by})")
    if v == stats.SUPPORTED:
        if near_zero_p(e, m) < stats.ALPHA / 2:
            return replace(s, verdict=stats.INCONCLUSIVE, basis=stats.UNDECIDED,
                           decided_by=f"{s.decided_by}; its CI {e.fmt(3)} lies inside ±{m:g}: "
                                      "significant, but not a meaningful effect")
        return replace(s, basis=stats.EFFECT)
    if v == stats.REFUTED:
        return replace(s, verdict=stats.INCONCLUSIVE, basis=stats.UNDECIDED,
                       decided_by=f"{s.decided_by}; the opposite effect, "
                                  f"{abs(e.mean - e.null):.3g}, is smaller than the smallest "
                                  f"effect {m:g}: not a refutation")
    return replace(s, basis=stats.UNDECIDED)


def support_after_holm(settings: list[Setting]) -> list[Setting]:
    """For a claim where support in one setting suffices ("some"): a setting's support
    counts only if its p survives Holm across the judged settings (those not supported
    enter with p = 1), so the number of settings cannot make support likelier. A setting
    enters with its deciding member's p after its own correction over members
    (``p_adjusted``, e.g. Holm over BS-4's batch sizes), not the member's raw p."""
    if len(settings) < 2:
        return settings
    sup = [s.verdict == stats.SUPPORTED for s in settings]

    def own(s: Setting) -> float:
        p = s.p_adjusted if np.isfinite(s.p_adjusted) else s.effect.p
        return p if np.isfinite(p) else 0.0

    p = [own(s) if ok else 1.0 for s, ok in zip(settings, sup, strict=True)]
    adjusted = stats.holm(p)[1]
    return [s if not ok or a < stats.ALPHA else replace(
        s, verdict=stats.INCONCLUSIVE, basis=stats.UNDECIDED,
        decided_by=f"{s.decided_by} (support not significant after Holm across the "
                   f"{len(settings)} settings: p {a:.2g})")
        for s, ok, a in zip(settings, sup, adjusted, strict=True)]


def headline(claim: Claim, label: str, settings: list[Setting]) -> Setting | None:
    """The setting whose statistic is the headline, by the label rule's logic: the
    primary's for quantifier "primary"; for "all", the strongest refutation (an opposite
    effect before no meaningful effect) or the weakest support; for "some", the
    strongest support; otherwise the primary, or the first undecided setting."""
    by_name = {s.setting: s for s in settings}
    primary = by_name.get(claim.primary)

    def size(s: Setting) -> float:
        d = abs(s.effect.mean - s.effect.null)
        return d if np.isfinite(d) else 0.0

    if claim.quantifier == "primary" or not settings or (
            claim.category != EMPIRICAL and label == stats.SUPPORTED):
        return primary  # a check's settings have their own bounds: no size to compare
    if label == stats.REFUTED and claim.quantifier == "all":
        refuted = [s for s in settings if s.verdict == stats.REFUTED]
        return min(refuted, key=lambda s: (s.basis != stats.OPPOSITE, -size(s)))
    if label == stats.SUPPORTED:
        held = [s for s in settings if s.verdict == stats.SUPPORTED]
        if claim.asserts_no_effect:  # the weakest support: the CI reaching furthest out
            return max(held, key=lambda s: max(abs(s.effect.ci_low - s.effect.null),
                                               abs(s.effect.ci_high - s.effect.null)))
        return (min if claim.quantifier == "all" else max)(held, key=size)
    if primary is not None and primary.verdict == stats.INCONCLUSIVE:
        return primary
    if label == stats.INCONCLUSIVE:  # what left it undecided
        return next((s for s in settings if s.verdict == stats.INCONCLUSIVE), primary)
    return primary


def judge(claim: Claim, experiment: str, outcome: Outcome) -> Verdict:
    """The claim's verdict from its per-setting outcome, by one rule for every claim:
    each setting's :func:`basis`, Holm across settings where support in one suffices,
    the label from the quantifier (:func:`harness.core.stats.label`) over every judged
    setting (one without runs is inconclusive), and the :func:`headline`. Where the
    smallest effect was restated after data (``min_effect_first``), the label under the
    first value is computed too, by the same rule."""
    base = _judge(claim, experiment, outcome)
    if claim.min_effect_first is not None:
        first = _judge(replace(claim, min_effect=claim.min_effect_first), experiment, outcome)
        base.min_effect_first = claim.min_effect_first
        base.verdict_at_first_min_effect = first.verdict
    return base


def _judge(claim: Claim, experiment: str, outcome: Outcome) -> Verdict:
    inside = no_effect(claim, outcome.settings) if claim.category == EMPIRICAL else {}
    settings = [basis(claim, s, inside.get(s.setting)) for s in outcome.settings]
    if claim.quantifier == "some":
        settings = support_after_holm(settings)
    judged = claim.settings.judged
    names = [*judged, *(s.setting for s in settings if s.setting not in judged)]
    by_name = {s.setting: s for s in settings}
    label = stats.label(claim.quantifier, claim.primary, {
        n: by_name[n].verdict if n in by_name else stats.INCONCLUSIVE for n in names})
    base = Verdict(claim.id, experiment, label, math.nan, math.nan, math.nan, 0,
                   claim.effect_label, claim.ci_level, claim.null_value,
                   claim.equivalence_margin, category=claim.category,
                   primary_setting=claim.primary, min_effect=claim.min_effect,
                   tables=outcome.tables, notes=outcome.notes, settings=settings,
                   revision=claim.revision, quantifier=claim.quantifier,
                   margin_null=claim.margin_null,
                   scope=stats.scope(claim.primary, {s.setting: s.verdict for s in settings}))
    head = headline(claim, label, settings)
    if head is None:
        base.decided_by = "not decided: the primary setting has no runs"
        return base
    e = head.effect
    base.effect, base.ci_low, base.ci_high = e.mean, e.ci_low, e.ci_high
    base.n_replicates, base.n_datasets, base.p_value = e.n, e.n_datasets, e.p
    base.ci_level, base.ci_method = head.ci_level, head.ci_method
    if claim.null_value is not None:  # a setting may test against its own threshold
        base.null_value = e.null
    base.decided_by = f"{head.setting}: {head.decided_by}" if head.decided_by else head.setting
    base.headline_setting = head.setting
    own = head.rule_effect  # a gate decided: the rule's power is read from its own test
    base.mde = mde_of(e, head.ci_level) if own is None else mde_of(own, 0.95)
    return base


@dataclass
class Experiment:
    name: str  # = conf/experiment/<name>.yaml and the MLflow experiment name
    title: str
    claims: list[Claim]
    # writes figures into the folder and returns the page's experiment-specific markdown;
    # the registry takes it from ``pages.<name>.report`` (presentation lives apart from
    # the rules), and an experiment without one gets the generated sections only
    report: Callable[[RunSet, list[Verdict], Path], str] | None = None
    original: str = ""  # what the original work reported, as markdown
    # the most sweep processes `make run-all` gives it (None: as many as --jobs). 1 where
    # its points are so light that two joblib workers' start-up (~7 s: each imports torch,
    # MLflow and Hydra) costs more than the second core saves (results/bench.md)
    sweep_jobs: int | None = None

"""BD-3: BN and dropout together give no '1+1>2' (per 2×2 cell, see the rule's words)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from experiments.bn_dropout.common import (
    ACC_MIN,
    AXES,
    NAME,
    PLACEMENTS,
    PRIMARY,
    RATES,
    SETTINGS,
    Runs,
    acc,
    cond,
    placement_label,
    sim_final,
)
from harness.core import stats
from harness.judge.claims import Claim, Outcome, Setting, Settings, missing
from harness.judge.families import Custom
from harness.judge.families.base import NULL, PLANTED, steps
from harness.track.results import RunSet

MARGIN = 0.01  # accuracy: BN+DO less than one point above a single is "no better"
BD3_SD = 0.0245  # pilot: interaction contrast at p = 0.1, dropout every: 0.0173 ± 0.0104
BD3_MEMBERS = ("better", "contrast")  # the two members per rate
# 'no 1+1>2' is non-superiority: TOST's one side, one-sided α against +MARGIN, the upper
# bound of the 1 − 2α CI; BN+DO against the better single rests on either single, so
# each at α/2 (Bonferroni): the upper bound of the 1 − α CI
TOST_LEVEL = 1 - 2 * stats.ALPHA
BONFERRONI_LEVEL = 1 - stats.ALPHA
MEMBER_CI = {"contrast": (TOST_LEVEL, "TOST"), "better": (BONFERRONI_LEVEL, "Bonferroni")}
# (width, dropout p, placement) of the capacity control: shown, never judged
CONTROL = (32, 0.5, "every")
CONTROL_WHY = (f"at dropout p = {CONTROL[1]:g} before every BN a {CONTROL[0]}-unit net keeps "
               f"about {CONTROL[0] * (1 - CONTROL[1]):g} units per hidden layer in training, "
               "so dropout alone loses capacity (seed 0, digits: 0.574 against 0.865 "
               "plain) and the cell's interaction contrast measures how much BN rescues a "
               "collapsed net, not whether BN and dropout combine; declared a control after "
               "the seed-0 run had been seen")
BD3_UNTESTED = ("Not tested here: the seed's sentence opens 'BN和Dropout单独使用都能减少过拟合并"
                "加速训练速度' (each alone reduces overfitting and speeds training). BD-1a "
                "tests BN's speed-up, BD-1b and BD-2 each one's overfitting, and BD-7 "
                "(declared 2026-12-07) whether dropout alone speeds training.")


def bd3_cell(runs: Runs, s: tuple[str, int], p: float, placement: str) -> dict | None:
    """One 2×2 cell: its two members for 'no 1+1>2' (each with the CI its test reads and
    the p dual to it) and the p of its opposite, '1+1>2' (intersection-union)."""
    parts = {"none": runs.get(s, False), "BN": runs.get(s, True),
             "DO": runs.get(s, False, p, placement), "both": runs.get(s, True, p, placement)}
    if any(v is None for v in parts.values()):
        return None
    a = {k: acc(v) for k, v in parts.items()}
    ds = runs.clusters(s)
    contrast = a["both"] - a["BN"] - a["DO"] + a["none"]
    # 95% t: BN+DO − each single; its upper bound is the Bonferroni support test, its
    # lower bound (two-sided p) the '1+1>2' test
    vs = {k: stats.paired(a["both"], a[k], BONFERRONI_LEVEL, MARGIN, ds) for k in ("BN", "DO")}
    single = min(vs, key=lambda k: vs[k].ci_high)
    tost = stats.mean_ci(contrast, TOST_LEVEL, MARGIN, ds)
    members = {"contrast": replace(tost, p=stats.one_sided_p(tost, -1)),
               "better": replace(vs[single], p=min(1.0, 2 * stats.one_sided_p(vs[single], -1)))}
    # '1+1>2': BN+DO above +MARGIN over both singles and the contrast above it, each a
    # two-sided t-test at α (95% CI); intersection-union: the cell's p is the largest
    above = {"interaction contrast": stats.mean_ci(contrast, null=MARGIN, clusters=ds),
             **{f"BN+DO − {k}": e for k, e in vs.items()}}
    p_above = max(e.p if e.mean > MARGIN and np.isfinite(e.p) else 1.0 for e in above.values())
    return {"p": p, "acc": a, "means": {k: float(np.nanmean(v)) for k, v in a.items()},
            "vs": vs, "single": single, "members": members,
            "names": {"contrast": "interaction contrast", "better": f"BN+DO − {single}"},
            "above": above, "p_above": p_above, "control": (s[1], p, placement) == CONTROL}


def _bd3_setting(name: str, cells: list[dict]) -> Setting:
    """One setting's verdict from its judged cells (``p_holm``: the cell's '1+1>2' p after
    Holm over them)."""
    k = len(cells)
    refuting = [c for c in cells if c["p_holm"] < stats.ALPHA]
    if refuting:  # the strongest by effect: the cell whose weakest member is largest
        c = max(refuting, key=lambda c: min(e.mean for e in c["above"].values()))
        member, e = min(c["above"].items(), key=lambda x: x[1].mean)
        sizes = ", ".join(f"{m} {x.mean:.3f}" for m, x in c["above"].items())
        return Setting(name, stats.REFUTED, e,
                       f"rate {c['p']:g}, '1+1>2': {sizes}, each above +{MARGIN:g} "
                       f"(intersection p {c['p_above']:.2g}, the largest; Holm over the setting's "
                       f"{k} judged cells {c['p_holm']:.2g}); shown: the weakest, {member}, "
                       "with its own 95% CI and p")
    members = [(c, key) for c in cells for key in BD3_MEMBERS]
    effects = [c["members"][key] for c, key in members]
    holds = [bool(e.ci_high < MARGIN) for e in effects]
    size = stats.claimed_sizes(effects, -1)
    verdict = stats.SUPPORTED if all(holds) else stats.INCONCLUSIVE
    # the weakest support, or the weakest of the members that do not hold (by effect)
    i = min((j for j, h in enumerate(holds) if h == (verdict == stats.SUPPORTED)),
            key=lambda j: size[j])
    c, key = members[i]
    how = stats.how_decided(verdict)
    if verdict == stats.INCONCLUSIVE:
        how = (f"its {MEMBER_CI[key][0]:.0%} upper bound {effects[i].ci_high:.3g} not "
               f"below +{MARGIN:g}")
        up = [m for m, e in c["above"].items() if e.mean > MARGIN and e.p < stats.ALPHA]
        if c["p_above"] < stats.ALPHA:
            how += (f"; '1+1>2' here has intersection p {c['p_above']:.2g}, not significant "
                    f"after Holm over the setting's {k} judged cells ({c['p_holm']:.2g})")
        elif up:
            down = [m for m in c["above"] if m not in up]
            how += (f"; {', '.join(up)} above +{MARGIN:g}, but {', '.join(down)} not: "
                    "no '1+1>2'")
    top = max(("BN", "DO"), key=c["means"].get)
    if key == "better" and top != c["single"]:  # say so when the other single scores higher
        how += (f" ({top} alone scores higher, {c['means'][top]:.3f} vs "
                f"{c['means'][c['single']]:.3f}; BN+DO − {top} = {c['vs'][top].fmt()})")
    level, method = MEMBER_CI[key]
    return Setting(name, verdict, effects[i], f"rate {c['p']:g}, {c['names'][key]}: {how}",
                   ci_level=level, ci_method=method)


def _bd3_rows(name: str, c: dict) -> list[dict]:
    """A cell's two rows of the page's table (its members, the contrast first)."""
    return [{"setting": name, "dropout p": c["p"], "member": c["names"][key],
             "judged": not c["control"],
             **{"BN+DO" if k == "both" else k: v for k, v in c["means"].items()},
             **{f: getattr(c["members"][key], f) for f in ("mean", "ci_low", "ci_high", "p")},
             "CI level": MEMBER_CI[key][0], "CI method": MEMBER_CI[key][1],
             f"holds (below +{MARGIN:g})": bool(c["members"][key].ci_high < MARGIN),
             "p 1+1>2 (cell)": c["p_above"], "p_holm 1+1>2": c.get("p_holm", np.nan),
             "1+1>2": c.get("p_holm", 1.0) < stats.ALPHA}
            for key in BD3_MEMBERS[::-1]]


def decide_bd3(rs: RunSet) -> Outcome:
    runs = Runs.of(rs.final)
    settings, rows, control = [], [], []
    for s in runs.settings():
        for placement in PLACEMENTS:
            cells = [c for p in runs.rates(s) if (c := bd3_cell(runs, s, p, placement))]
            name = placement_label(s, placement)
            # a setting's own rates: Holm over its judged cells; never across settings, so
            # the number of settings declared cannot erase a setting's refutation
            judged = [c for c in cells if not c["control"]]
            for c, a in zip(judged, stats.holm([c["p_above"] for c in judged])[1], strict=True):
                c["p_holm"] = float(a)
            settings += [_bd3_setting(name, judged)] if judged else []
            rows += [r for c in cells for r in _bd3_rows(name, c)]
            control += [f"{name}, p = {c['p']:g}" for c in cells if c["control"]]
    if not settings:
        return missing("BD-3 needs the 2×2 cells")
    return Outcome(settings, {
        "Test accuracy of the 2×2 cells; per dropout rate two members tested against "
        f"+{MARGIN:g} (claimed below): the interaction contrast acc(BN+DO) − acc(BN) − "
        f"acc(DO) + acc(none) with its {TOST_LEVEL:.0%} CI (TOST, p one-sided), and BN+DO "
        f"minus the single with the lower {BONFERRONI_LEVEL:.0%} upper bound (Bonferroni "
        "over the two singles, one-sided p doubled); paired over replicates, t-based CIs. "
        f"'p 1+1>2 (cell)': all three of the contrast, BN+DO − BN and BN+DO − DO above "
        f"+{MARGIN:g} (two-sided t, intersection-union: the largest p); 'p_holm': Holm over "
        "the setting's judged cells (its rates); rows not judged are the capacity control":
            pd.DataFrame(rows)},
        notes=[*([f"Capacity control, shown and not judged ({'; '.join(control)}): "
                  f"{CONTROL_WHY}."] if control else []),
               "A two-way ANOVA of every cell (replicates as blocks) is on this page below, "
               "under Figures.", BD3_UNTESTED])


def simulate_bd3(rng: np.random.Generator, planted: bool, scale: float | None = None,
                 boundary: str | None = None) -> RunSet:
    """Per setting and placement, singles at +0.02 over plain and BN+DO at +0.02: BN+DO
    − single = 0 and contrast −0.02, both ACC_MIN or more below the +MARGIN boundary
    (planted, every setting). Not planted (least favourable), in the primary setting
    (digits w128, dropout every) at one p drawn at random, one member drawn at random
    (or ``boundary``) at its boundary: "better": BN+DO +MARGIN over both singles
    (contrast −0.01); "contrast": both singles at −0.02 (BN alone for every p and
    placement of the setting) and BN+DO at −0.04 + MARGIN (contrast +MARGIN, BN+DO −
    single −0.01), the other cells ACC_MIN below. ``scale`` (tests): BN+DO − single and
    the contrast scale × ACC_MIN and that + 0.02 below +MARGIN everywhere."""
    conds, shift = [], {}
    if not planted and boundary is None:
        boundary = BD3_MEMBERS[rng.integers(len(BD3_MEMBERS))]
    for s in SETTINGS:
        hurt = not planted and s == PRIMARY and boundary == "contrast"
        single = -0.02 if hurt else 0.02
        conds += [cond(s, False), cond(s, True)]
        shift[cond(s, True)] = single
        for placement in PLACEMENTS:
            primary = (s, placement) == (PRIMARY, "every")
            below = steps(rng, len(RATES[s[0]]), scale if scale is not None else
                          PLANTED if planted or not primary else NULL, ACC_MIN)
            for p, d in zip(RATES[s[0]], below, strict=True):
                do, both = cond(s, False, p, placement), cond(s, True, p, placement)
                conds += [do, both]
                shift[do] = single
                # hurt: BN+DO at 2·single + MARGIN − d (contrast MARGIN − d)
                shift[both] = (2 * single if hurt else single) + MARGIN - d
    return RunSet.from_tables(NAME, AXES, sim_final(rng, BD3_SD, conds, shift))


CLAIM = Claim(
    "BD-3", "004",
    "BN和Dropout…一起使用的话并不会产生1+1>2的效果,相反可能会得到比单独使用更差的效果",
    "BN and dropout together give no '1+1>2': the interaction contrast and "
    "BN+dropout minus the better of the two alone are both below +0.01 (tested "
    f"against +{MARGIN:g}, one point of accuracy; BN+DO may be worse), in every "
    f"setting and rate but the width-{CONTROL[0]} p = {CONTROL[1]:g} capacity control. The "
    "quote's sentence also says each alone reduces overfitting (BD-1b, BD-2) and "
    "speeds training (BN: BD-1a); dropout alone speeding training is not tested "
    "here. Mechanism (Li et al., CVPR 2019, variance "
    "shift): dropout before BN makes BN's running variance mismatch the eval-time "
    "variance.",
    rule=Custom(
        decide=decide_bd3,
        words=f"Per setting (task and width × dropout placement) and dropout rate p, test "
              "accuracy paired over replicates, t-based CIs over dataset means; two members, "
              f"each claimed below +{MARGIN:g} (BN+DO may be worse): (1) the interaction "
              "contrast acc(BN+DO) − acc(BN) − acc(DO) + acc(none), holding if its "
              f"{TOST_LEVEL:.0%} CI's upper bound is below +{MARGIN:g} (TOST's one side: "
              f"one-sided α = {stats.ALPHA:g}, p one-sided); (2) BN+DO minus the better "
              "single, holding if BN+DO − BN or BN+DO − DO has its upper bound below "
              f"+{MARGIN:g}, each one-sided at α/2 (Bonferroni over the two singles: the "
              f"upper bound of the {BONFERRONI_LEVEL:.0%} CI, one-sided p doubled; the single "
              "with the lower bound is named). A cell's '1+1>2', the opposite, needs BN+DO "
              f"above +{MARGIN:g} over both singles and the contrast above +{MARGIN:g} "
              f"(two-sided t-tests at α = {stats.ALPHA:g}; intersection-union: the cell's p "
              "is the largest of the three), for the contrast alone is also above when "
              "dropout alone collapses and BN partly rescues it, the quote's 'worse than "
              "alone'. Multiplicity (quantifier all): support needs every member of every "
              "judged cell of every setting to hold (intersection-union, no correction: the "
              "number of settings lowers no member's level); a refutation needs some cell's "
              "'1+1>2' p significant after Holm over its setting's judged cells (its rates), "
              "never across settings, so the number of settings declared cannot erase a "
              f"setting's refutation. The width-{CONTROL[0]} cell at p = {CONTROL[1]:g} "
              f"with dropout before every BN is a capacity control, shown and not judged: "
              f"{CONTROL_WHY}. A setting is supported if all its members hold, refuted if one "
              "of its cells is '1+1>2' after Holm, else inconclusive. The statistic: the "
              "member that decided (the least far below +0.01 of those holding when all "
              "hold, else of those not holding) with its support CI and the p dual to it; "
              "when refuted, the smallest of the refuting cell's three differences with its "
              "own 95% CI and two-sided p (the intersection and Holm p in words). A two-way "
              "ANOVA is reported, not decisive.",
        runs="every 2×2 cell {BN off/on} × {dropout off/on at p}; settings = task and "
             "width × dropout placement, e.g. 'digits w128 / dropout before BN (every)' "
             "(primary: the usual placement, the one the variance-shift argument is about) "
             "and '… / dropout after the last BN (last)', for digits w128, digits w32, "
             f"gaussian w32; the width-{CONTROL[0]}, p = {CONTROL[1]:g}, before-every-BN "
             "cell shown as a control",
        effect_label="test accuracy, the deciding member (interaction contrast, "
                     f"{TOST_LEVEL:.0%} TOST CI, or BN+DO − the single named in decided_by, "
                     f"{BONFERRONI_LEVEL:.0%} Bonferroni CI; refuted: a 95% t CI) at the "
                     f"deciding rate (tested against +{MARGIN:g})",
        simulate=simulate_bd3),
    quantifier="all", settings=Settings(placement_label(PRIMARY, "every")), min_effect=ACC_MIN,
    pilot_sd=BD3_SD, null_value=MARGIN, no_effect=True,
    revision="Refutation changed after the seed-0 run: it now needs the interaction "
             "contrast AND BN+DO − the better single both above +0.01 at one rate; "
             "before, either member alone refuted. The earlier rule gave mixed: "
             "digits w32 / dropout before BN refuted by the interaction contrast at "
             "p = 0.5 (+0.133), gaussian w32 / before BN by BN+DO − DO (+0.091). "
             "Review finding: in digits w32 the contrast is large only because "
             "dropout alone collapses (0.574) and BN partly rescues it, while BN+DO "
             "(0.717) is 0.159 below BN alone (0.876), which is what the quote "
             "says ('worse than alone'), not a refutation. "
             "Second revision (review of BD-3, after seeds 0, 1 and 17 had been seen): "
             "(i) support by TOST's one side: the contrast's 90% upper bound (one-sided "
             "α = 0.05; was the 95% bound) and BN+DO − the better single's 95% upper bound "
             "(Bonferroni over the two singles, α/2 each; was the 97.5% bound), as an "
             "equivalence claim is tested elsewhere; (ii) '1+1>2' is a cell's intersection "
             "p (the largest of its three differences' two-sided p) after Holm over its "
             "setting's judged cells (was Holm over the setting's members), never across "
             "settings (no erasure by the count of settings); (iii) the width-32, "
             "p = 0.5, before-every-BN cell is a "
             "capacity control, shown and not judged; (iv) every statistic is printed with "
             "its own p, dual to its CI (the refuted headline printed one member's 95% CI "
             "beside the intersection's Holm p). The earlier rule gave refuted under all "
             "three seeds, each by gaussian w32 / dropout before BN at p = 0.3: seed 0 "
             "BN+DO − DO 0.0912 [0.0563, 0.126] printed with p = 0.0418 (the contrast's); "
             "seed 1 BN+DO − BN 0.045 [0.0245, 0.0655], p = 0.0029; seed 17 BN+DO − BN "
             "0.0621 [0.0384, 0.0858], p = 0.0407. A draft of this revision (0a8f3e4, "
             "never published) corrected "
             "'1+1>2' by Holm over all 13 judged cells of every setting and gave "
             "inconclusive / refuted / inconclusive (the gaussian cell's intersection p "
             "0.042 → Holm 0.54 under seed 0, 0.0018 → 0.024 under seed 1, 0.041 → 0.53 "
             "under seed 17); it was replaced (fdc2e1e), with those results in view, by "
             "Holm within a setting, because the issue asks that the number of settings "
             "not erase a setting's refutation: refuted under all three seeds by that "
             "cell.")

"""Build results/ from what MLflow holds, without training: ``python -m harness.report``.

Writes, for every registered experiment, ``<out>/<experiment>/README.md`` (setup, exact
commands, claims with their rules and verdicts, figures, the original's numbers beside
ours, environment), plus ``<out>/README.md`` (one table of every claim) and
``<out>/verdicts.json`` (machine-readable verdicts).
"""

from __future__ import annotations

import json
import logging
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from harness.core import stats
from harness.judge.claims import (
    EXACT,
    QUANTIFIER_WORDS,
    Claim,
    Experiment,
    Verdict,
    judge,
    missing,
)
from harness.judge.measures import Resampled
from harness.pages.plots import plain_label
from harness.track import results, tracking

log = logging.getLogger("harness.report")


def _fmt(x: float) -> str:
    if x is not None and np.isinf(x):
        return "∞" if x > 0 else "−∞"
    return "–" if x is None or not np.isfinite(x) else f"{x:.3g}"


def _commands(exp: Experiment, overrides: list[str]) -> str:
    extra = (" " + " ".join(overrides)) if overrides else ""
    report_extra = "".join(f" --override {o}" for o in overrides)
    return (f"```bash\n# everything (every experiment, then all reports):\nmake run-all\n"
            f"# this experiment only:\npython -m harness.run -m experiment={exp.name}{extra}\n"
            f"python -m harness.report --experiment {exp.name}{report_extra}\n```")


def _environment(rs: results.RunSet) -> str:
    pts = rs.points.dropna(subset=["run_id"])
    if pts.empty:
        return "No runs."

    def uniq(col: str) -> str:
        return ", ".join(sorted({str(v) for v in pts[col].dropna()})) if col in pts else "?"

    start, end = pd.to_datetime(pts.start_time).min(), pd.to_datetime(pts.end_time).max()
    run_s = pts.get("train_time_s", pd.Series(dtype=float))
    final = rs.final
    diverged = int(final.diverged.sum()) if "diverged" in final else 0
    import matplotlib
    import mlflow
    import scipy
    import torch

    return "\n".join([
        f"- device: {uniq('device')}; torch {uniq('torch_version')}; git commit "
        f"{uniq('git_commit')}",
        f"- runs: {len(pts)} of {len(rs.points)} declared points, {start:%Y-%m-%d %H:%M} – "
        f"{end:%H:%M} UTC: **{(end - start).total_seconds():.0f} s wall-clock** from the "
        f"first run's start to the last run's end (launcher: {uniq('launcher')}); "
        f"batched training time {run_s.sum():.0f} s summed over points",
        f"- diverged replicates (non-finite loss): {diverged} of {len(final)}; their "
        "accuracies are NaN and every statistic excludes them (n counts what remains)",
        f"- report built with Python {platform.python_version()}, torch {torch.__version__}, "
        f"mlflow {mlflow.__version__}, scipy {scipy.__version__}, matplotlib "
        f"{matplotlib.__version__}, pandas {pd.__version__} on {platform.machine()}",
    ])


def _headline(v: Verdict) -> str:
    """'0.012 [0.004, 0.020] (95% CI; null 0, p = 0.003)' for a verdict or setting."""
    level = ("" if (v.ci_level, v.ci_method) == (0.95, "t")
             else f"{ci_words(v.ci_level, v.ci_method)}; ")
    null = (f"margin ±{_fmt(v.equivalence_margin)}" if v.equivalence_margin is not None
            else f"null {_fmt(v.null_value)}" if v.null_value is not None else "")
    p = f", p = {v.p_value:.3g}" if v.p_value is not None and np.isfinite(v.p_value) else ""
    where = (f"{v.headline_setting}: " if v.headline_setting
             and v.headline_setting != v.primary_setting else "")
    if v.ci_method == "exact":  # an extreme over the search: a value alone, no interval
        return f"{where}{_fmt(v.effect)} ({ci_words(v.ci_level, v.ci_method)})"
    return f"{where}{_fmt(v.effect)} [{_fmt(v.ci_low)}, {_fmt(v.ci_high)}] ({level}{null}{p})"


def _flags(v: Verdict | dict) -> str:
    """' (underpowered)', ' (below the declared smallest effect)' after a verdict word."""
    get = v.get if isinstance(v, dict) else lambda k, d=None: getattr(v, k, d)
    flags = [text for key, text in (("below_min_effect", "below the declared smallest effect"),
                                    ("underpowered", "underpowered"))
             if get(key, False)]
    return f" ({'; '.join(flags)})" if flags else ""


def ci_words(level: float, method: str) -> str:
    """What a CI is, e.g. '90% CI, TOST', '95% CI, Fieller', 'exact check, no sampling CI'."""
    if method == "exact":
        return "exact check, no sampling CI"
    return f"{level:.1%}".replace(".0%", "%") + f" CI, {method}"


def _ci(v: dict) -> str:
    """'[low, high]' with what it is unless it is a 95% t CI (verdicts.json entries)."""
    level, method = v.get("ci_level", 0.95), v.get("ci_method", "t")
    if method == "exact":
        return f"– ({ci_words(level, method)})"
    mark = "" if (level, method) == (0.95, "t") else f" ({ci_words(level, method)})"
    return f"[{_fmt(v['ci_low'])}, {_fmt(v['ci_high'])}]{mark}"


def _verdict_rows(verdicts: list[Verdict]) -> list[str]:
    return [f"| [{v.claim}](#{_anchor(v)}) | **{v.verdict}**{_flags(v)} | {_headline(v)} | "
            f"{v.n_replicates} / {v.n_datasets} | {_cell(v.effect_label)} | "
            f"{_cell(v.scope)} |" for v in verdicts]


def _anchor(v: Verdict) -> str:
    return f"{v.claim.lower()}-{v.verdict}"


def _presets(rs: results.RunSet) -> str:
    names = list(dict.fromkeys(rs.points.preset)) if "preset" in rs.points else []
    return ", ".join(f"`{n}`" for n in names) or "none"


def _setup(exp: Experiment, rs: results.RunSet) -> str:
    """Where the runs come from: trained replicates, or the chunks of stated searches."""
    where = f"The experiment is `conf/experiment/{exp.name}.yaml`"
    if "task" in rs.points and rs.points.task.notna().all():
        return (f"{where}; each grid names the search its point runs instead of training "
                "(`trainer.task`, see `harness/train/search.py`). Replicate r is chunk r of "
                "the search, with its own seed: an exact check's statistic is the extreme "
                "over every chunk, with no sampling CI, and the search's size is tabled "
                "with each claim; where each chunk is an independent resample (a split, a "
                "fresh draw), its value is a replicate and the claim's family tests them "
                "as for trained replicates.")
    return (f"{where}; the presets it sweeps ({_presets(rs)}) are in `conf/preset/`, each "
            "file saying what it reproduces or changes. Every replicate draws its own dataset "
            "(Σ, sample and split) from the experiment's own data-seed stream, its own "
            "initial weights and its own minibatch order; replicate r is the same draw in "
            "every condition, so conditions are compared paired.")


def _cell(text: object) -> str:
    """Text for a markdown table cell: a literal | (as in |w|) would split the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _value(x: object) -> str:
    """A table cell: numbers to 4 significant digits, NaN as –, booleans as yes/no."""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return str(x)
    if isinstance(x, float | np.floating):
        if np.isinf(x):
            return "∞" if x > 0 else "−∞"
        return "–" if not np.isfinite(x) else f"{x:.4g}"
    return "–" if x is None else _cell(x)


def markdown_table(frame: pd.DataFrame) -> str:
    """Any DataFrame as a markdown table (the generic renderer of rule outputs)."""
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(_value(x) for x in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def settings_table(v: Verdict) -> pd.DataFrame:
    """One row per declared setting: its verdict and the statistic that decided it."""
    return pd.DataFrame([{
        "setting": s.setting + (" (primary)" if s.setting == v.primary_setting else ""),
        "verdict": s.verdict, "basis": s.basis, "effect": s.effect.mean,
        "CI low": s.effect.ci_low,
        "CI high": s.effect.ci_high, "CI": ci_words(s.ci_level, s.ci_method), "p": s.effect.p,
        "replicates": s.effect.n,
        "datasets": s.effect.n_datasets, "decided by": s.decided_by} for s in v.settings])


def label_history(results_dir: Path) -> dict:
    """The labels the earlier label rule gave (``results/history/label-rule-v1.json``:
    claim -> verdict and headline, per master seed), so a page can show what changed."""
    path = results_dir / "history" / "label-rule-v1.json"
    return json.loads(path.read_text()) if path.exists() else {}


def earlier_label(c: Claim, v: Verdict, history: dict) -> str:
    """'Under label rule v1 …' where that rule labelled the seed-0 claim differently, or
    gave the same label from another statistic (the headline moved)."""
    def moved(o: dict) -> bool:
        return o["verdict"] != v.verdict or o["effect"] is None or not np.isclose(
            o["effect"], v.effect, rtol=1e-4, atol=0.0)

    o = history.get("seeds", {}).get("0", {}).get(c.id)  # this page's data: seed 0
    if o is None or not moved(o):
        return ""
    label = o["verdict"] != v.verdict
    was = (f"**{o['verdict']}**, {_fmt(o['effect'])} [{_fmt(o['ci_low'])}, "
           f"{_fmt(o['ci_high'])}], {o['decided_by']}")
    what = "this label" if label else "what decided this label (the label is the same)"
    return (f"**Before label rule v2** (commit {history['commit']}: {history['rule']}; with "
            f"that commit's measures and rules, so a revision above dated after it may "
            f"also account for the difference): {was}. Since then label rule v2 (issue "
            f"22: the quantifier, the smallest effect in refutations, 'no meaningful "
            f"effect', the headline by effect; decided after the seed-0 and seed-1 data had "
            f"been seen) and those revisions changed {what}.")


def first_min_effect(v: Verdict) -> str:
    """The label under the smallest effect as first declared, where a revision restated it
    after data: label rule v2 lets the smallest effect decide, so a reader sees whether the
    restatement did."""
    same = v.verdict_at_first_min_effect == v.verdict
    return (f"**Smallest effect restated after the data.** First declared "
            f"{_fmt(v.min_effect_first)} (before any data), now {_fmt(v.min_effect)}: under "
            f"the first value these data read **{v.verdict_at_first_min_effect}**"
            + (" (the same label)." if same else ", so the restatement decides this label."))


def claim_section(c: Claim, v: Verdict, history: dict | None = None) -> str:
    earlier = earlier_label(c, v, history or {})
    parts = [f"### {c.id}: {v.verdict}", "", f"> {c.quote} (seed {c.seed})", "",
             f"**Hypothesis.** {c.hypothesis}", "", f"**Runs.** {c.runs}", "",
             (f"**Rule (revised after a full run had been seen).** {c.rule_text}\n\n"
              f"**Revision.** {c.revision}" if c.revision else
              f"**Rule (declared before the data).** {c.rule_text}"), "",
             *([earlier, ""] if earlier else []),
             *([first_min_effect(v), ""] if v.min_effect_first is not None else []),
             f"**Category.** {v.category}. **Quantifier.** {c.quantifier}: "
             f"{QUANTIFIER_WORDS[c.quantifier]}." + (f" Part of catalogue claim {c.parent}."
                                                     if c.parent else ""), ""]
    if v.settings:
        parts += ["**Per setting.**", "", markdown_table(settings_table(v)), ""]
    exact = v.ci_method == "exact"  # an exact check: no sampling error, no power to speak of
    mde = (f" Minimum detectable effect at 80% power with these replicates: "
           f"{_fmt(v.mde)}; smallest effect worth reporting (declared): "
           f"{_fmt(v.min_effect)}." if np.isfinite(v.mde) and not exact else "")
    power = ""
    if v.rule_power is not None:
        power = (f" Calibrated power of the whole rule at that effect: {v.rule_power:.2f} "
                 "([calibration.md](../calibration.md)).")
    if v.underpowered:
        power += (" **Underpowered:** the rule could not reliably detect the smallest "
                  "effect the claim declared worth reporting, so this undecided verdict is "
                  "weak evidence of no effect.")
    if v.below_min_effect:
        power += (" **Below the declared smallest effect:** significant, but smaller than "
                  "the effect the claim declared worth reporting.")
    units = ("chunks of the search" if c.category == EXACT else
             "random splits of one dataset, overlap-corrected" if _corrected(c, v) else
             f"replicates on {v.n_datasets} independent datasets")
    parts += [f"**Headline** ({v.effect_label}): {_headline(v)}, n = {v.n_replicates} "
              f"{units}; decided by "
              f"{v.decided_by or '–'}. Scope: {v.scope or '–'}.{mde}{power}", ""]
    for title, table in v.tables.items():
        parts += [f"**{title}**", "", markdown_table(table), ""]
    parts += [*[f"{n}\n" for n in v.notes]]
    return "\n".join(parts)


def _corrected(c: Claim, v: Verdict) -> bool:
    """Whether the headline's setting is judged over overlapping splits of one dataset
    (a :class:`Resampled` measure's Nadeau–Bengio correction): not independent datasets."""
    return isinstance(c.measure, Resampled) and c.measure.corrected(
        v.headline_setting or c.primary)


def experiment_page(exp: Experiment, rs: results.RunSet, verdicts: list[Verdict],
                    out: Path) -> str:
    if rs.final.empty:  # one message for every experiment: its figures need runs
        body = "No finished runs yet: run `make run-all` (or the sweep command above)."
    else:
        body = exp.report(rs, verdicts, out) if exp.report else ""
    history = label_history(out.parent)
    claims = [claim_section(c, v, history) for c, v in zip(exp.claims, verdicts, strict=True)]
    missing = ""
    if len(rs.missing):
        axes = rs.missing.apply(lambda r: " ".join(
            f"{a}={r[a]}" for a in rs.axes if r[a] is not None and not pd.isna(r[a])), axis=1)
        missing = ("\n**Missing points** (not yet FINISHED in MLflow; verdicts use what "
                   "exists): " + "; ".join(axes) + "\n")
    return "\n".join([
        f"# {exp.title}", "",
        "Generated by `python -m harness.report` from the runs in MLflow; do not edit by "
        "hand.", "",
        "## Verdicts", "",
        "Headline: the statistic that decided, in the claim's primary setting, with the CI "
        "dual to its test (a 95% t CI unless marked: TOST's 90%, Bonferroni's, Fieller's, the "
        "sign test's, or none for an exact check) and its null value. "
        "n = replicates / independent datasets.", "",
        "| claim | verdict | headline | n | headline measures | scope |",
        "|---|---|---|---|---|---|", *_verdict_rows(verdicts), missing,
        "## Setup", "", exp.original, "",
        _setup(exp, rs), "",
        "## Commands that produced this page", "", _commands(exp, rs.overrides), "",
        "## Claims", "", *claims,
        body, "",
        "## Runs in MLflow", "", _runs(rs), "",
        "## Environment", "", _environment(rs), "",
    ])


def _runs(rs: results.RunSet) -> str:
    """Every point's MLflow run (what the verdicts above read), by name and id."""
    logged = rs.points[rs.points.run_id.notna()]
    if logged.empty:
        return "No finished runs."
    parents = logged.get("mlflow.parentRunId", pd.Series(dtype=object)).dropna().unique()
    frame = pd.DataFrame({"grid": logged.grid,
                          "run": logged.get("mlflow.runName", logged.run_id),
                          "run id": logged.run_id.map(lambda r: f"`{r}`")})
    return "\n".join([
        f"The verdicts read these {len(logged)} runs of MLflow experiment `{rs.experiment}` "
        "(`make ui`, then open the experiment; each sweep is a parent run, here "
        + (", ".join(f"`{p}`" for p in parents) or "none: logged by older code")
        + ", its points are children). verdicts.json lists the same ids per claim.", "",
        markdown_table(frame)])


def rule_powers(out: Path) -> dict[str, float]:
    """Each calibrated rule's power (``make calibrate`` -> calibration.json in ``out``)."""
    path = out / "calibration.json"
    if not path.exists():
        return {}
    return {row["claim"]: float(row["power"]) for row in json.loads(path.read_text())
            if row.get("power") is not None}


def decide_all(exp: Experiment, rs: results.RunSet, powers: dict[str, float] | None = None
               ) -> list[Verdict]:
    """Every claim of the experiment judged on its runs (no runs: inconclusive, n = 0),
    with its rule's calibrated power where ``powers`` has it."""
    verdicts = []
    for claim in exp.claims:
        outcome = claim.decide(rs) if not rs.final.empty else missing("no finished runs")
        verdict = judge(claim, exp.name, outcome)
        verdict.rule_power = (powers or {}).get(claim.id)
        verdict.run_ids = sorted(rs.points.run_id.dropna())
        verdicts.append(verdict)
    return verdicts


def claim_page(claim: Claim, experiment: str, rs: results.RunSet, out: Path,
               command: str) -> Verdict:
    """One claim judged alone on its experiment's runs (``python -m harness.suite --claim
    ID``): ``<out>/<ID>/README.md`` and ``verdict.json``; experiment pages are untouched."""
    outcome = claim.decide(rs) if not rs.final.empty else missing("no finished runs")
    verdict = judge(claim, experiment, outcome)
    verdict.run_ids = sorted(rs.points.run_id.dropna())
    folder = out / claim.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text("\n".join([
        f"# {claim.id}: {claim.hypothesis}", "",
        f"Generated by `{command}` from the runs of experiment `{experiment}` in MLflow; "
        "do not edit by hand.", "", claim_section(claim, verdict),
        "## Runs in MLflow", "", _runs(rs), ""]))
    (folder / "verdict.json").write_text(
        json.dumps(verdict.as_json(), indent=2, ensure_ascii=False) + "\n")
    return verdict


class NoRuns(tracking.TrackingError):
    """The store holds no finished run of any experiment asked for: nothing is written."""


def build(out: Path, exps: dict[str, Experiment], names: list[str] | None = None,
          overrides: list[str] | None = None, uri: str | None = None,
          require_runs: bool = False) -> list[Verdict]:
    """Rebuild the pages of ``names`` (default: every one of ``exps``).

    An experiment with no finished run in the store never replaces a page or verdicts
    already in ``out`` (it is skipped, with a warning; where nothing exists yet its page
    says so). With ``require_runs`` (the command line), a store with no finished run of
    any of them raises :class:`NoRuns` before anything is written.
    """
    unknown = set(names or []) - set(exps)
    if unknown:
        print(f"error: --experiment={sorted(unknown)} is invalid: allowed values are "
              f"{sorted(exps)}", file=sys.stderr)
        raise SystemExit(2)
    wanted = [name for name in exps if not names or name in names]
    loaded = {name: results.load(name, uri, overrides) for name in wanted}
    has_runs = {name: bool(rs.points.run_id.notna().any()) if len(rs.points) else False
                for name, rs in loaded.items()}
    if require_runs and not any(has_runs.values()):
        raise NoRuns(f"no finished runs of {', '.join(wanted)} in "
                     f"{tracking.tracking_uri(uri)} (for these overrides: "
                     f"{' '.join(overrides or []) or 'none'}); nothing written, {out} is "
                     "unchanged")
    verdicts_path = out / "verdicts.json"
    previous = json.loads(verdicts_path.read_text()) if verdicts_path.exists() else []
    out.mkdir(parents=True, exist_ok=True)
    powers = rule_powers(out)
    all_verdicts: dict[str, list[Verdict]] = {}
    for name, exp in exps.items():
        if name not in loaded:
            continue
        rs = loaded[name]
        if not has_runs[name] and ((out / name / "README.md").exists()
                                   or any(v["experiment"] == name for v in previous)):
            log.warning("%s: no finished runs in the store; its page and verdicts in %s are "
                        "kept", name, out)
            continue
        folder = out / name
        folder.mkdir(exist_ok=True)
        verdicts = decide_all(exp, rs, powers)
        (folder / "README.md").write_text(experiment_page(exp, rs, verdicts, folder))
        all_verdicts[name] = verdicts
        tracking.publish_verdicts(tracking.tracking_uri(uri), name, [v.as_json() for v in verdicts],
                                  folder / "README.md", sorted(folder.glob("*.png")))
        log.info("%s: %s", name, ", ".join(f"{v.claim} {v.verdict}" for v in verdicts))
    # keep verdicts of experiments not rebuilt this time
    merged = [v for v in previous if v["experiment"] not in all_verdicts and v["experiment"]
              in exps]
    merged += [v.as_json() for vs in all_verdicts.values() for v in vs]
    # registry order however few were rebuilt; a stable sort: each experiment's claims
    # keep their order
    rank = {name: i for i, name in enumerate(exps)}
    merged.sort(key=lambda v: rank.get(v["experiment"], len(rank)))
    verdicts_path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    _index(out, exps, merged)
    return [v for vs in all_verdicts.values() for v in vs]


VERDICT_COLORS = {"supported": "tab:green", "refuted": "tab:red", "mixed": "tab:purple",
                  "inconclusive": "tab:gray"}


def overview_figure(verdicts: list[dict], path: Path) -> None:
    """Every claim's settings: effect and CI, scaled per claim so its largest distance
    from the null is 1 (null at 0), coloured by the setting's verdict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(v, s) for v in verdicts for s in v.get("settings", [])]
    fig, ax = plt.subplots(figsize=(11, 0.28 * max(len(rows), 4) + 1.2))
    y, pos, labels = 0.0, [], []
    for v in verdicts:
        settings = v.get("settings", [])

        claim_null = v.get("null_value") or 0.0

        def null_of(s: dict, default: float = claim_null) -> float:
            """A setting may test against its own threshold."""
            return s["null"] if s.get("null") is not None else default

        spans = [abs(x - null_of(s)) for s in settings for x in (s["effect"], s["ci_low"],
                                                                  s["ci_high"])
                 if x is not None and np.isfinite(x)]
        scale = max(spans, default=1.0) or 1.0
        for s in settings:
            null = null_of(s)
            colour = VERDICT_COLORS.get(s["verdict"], "black")
            if s["effect"] is not None:
                lo = (s["ci_low"] if s["ci_low"] is not None else s["effect"]) - null
                hi = (s["ci_high"] if s["ci_high"] is not None else s["effect"]) - null
                ax.plot([lo / scale, hi / scale], [y, y], color=colour, lw=2)
                ax.plot((s["effect"] - null) / scale, y, "o", color=colour, ms=4)
            primary = " *" if s["setting"] == v.get("primary_setting") else ""
            labels.append(f"{v['claim']} · {plain_label(s['setting'])}{primary}")
            pos.append(y)
            y -= 1
        y -= 0.5 if settings else 0
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(pos, labels, fontsize=6)
    ax.set_xlabel("effect − null (each setting's own null or threshold), scaled per claim; "
                  "CI dual to the deciding test")
    ax.set_title("Every claim by setting (* = primary), coloured by the setting's verdict")
    for word, colour in VERDICT_COLORS.items():
        ax.plot([], [], color=colour, lw=2, label=word)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")  # long setting names stay whole
    plt.close(fig)


def seed_comparison(runs: dict[int, list[dict]]) -> str:
    """Claim by claim: the verdicts and headlines under every master seed (the first
    given is the published one); a supported↔refuted pair between any two is a flip."""
    seeds = list(runs)
    by_seed = {seed: {v["claim"]: v for v in vs} for seed, vs in runs.items()}
    rows = []
    for v in runs[seeds[0]]:
        those = [by_seed[seed].get(v["claim"]) for seed in seeds]
        if any(w is None for w in those):
            continue
        labels = {w["verdict"] for w in those}
        if {"supported", "refuted"} <= labels:
            change = "**FLIP**"
        elif len(labels) == 1:
            change = "same"
        elif "inconclusive" in labels:
            change = "decided under some seeds only"
        else:
            change = "changed"
        by_setting: dict[str, set[str]] = {}
        for w in those:
            for s in w.get("settings", []):
                by_setting.setdefault(s["setting"], set()).add(s["verdict"])
        flipped = sorted(n for n, seen in by_setting.items() if {"supported", "refuted"} <= seen)
        row = {"claim": v["claim"]}
        for seed, w in zip(seeds, those, strict=True):
            row[f"seed {seed}"] = w["verdict"]
            row[f"effect {seed}"] = (f"{_fmt(w['effect'])} [{_fmt(w['ci_low'])}, "
                                     f"{_fmt(w['ci_high'])}]" + (
                                         " (gate's statistic)" if " not met: " in
                                         w.get("decided_by", "") else ""))
        rows.append({**row, "comparison": change,
                     "settings that flip": ", ".join(flipped) or "none"})
    frame = pd.DataFrame(rows).astype(object).where(lambda f: f.notna(), None)
    flips = [r["claim"] for r in rows if r["comparison"] == "**FLIP**"]
    some = [r["claim"] for r in rows if r["comparison"] == "decided under some seeds only"]
    summary = (f"{len(rows)} claims compared over seeds {', '.join(map(str, seeds))}: "
               f"{len(flips)} supported↔refuted flips{': ' + ', '.join(flips) if flips else ''}"
               f"; decided under some seeds and inconclusive under others: "
               f"{', '.join(some) or 'none'} (their effects are in the table).")
    return "\n".join([summary, "", markdown_table(frame)])


def category_counts(verdicts: list[dict]) -> pd.DataFrame:
    """Labels counted per category: empirical findings apart from implementation checks
    (and exact facts), which are decided by a check rather than by evidence."""
    frame = pd.DataFrame({"category": [v.get("category", "empirical") for v in verdicts],
                          "verdict": [v["verdict"] for v in verdicts]})
    table = pd.crosstab(frame.category, frame.verdict).reindex(
        columns=list(stats.VERDICTS), fill_value=0)
    table["claims"] = table.sum(axis=1)
    return table.reset_index()


def _index(out: Path, exps: dict[str, Experiment], verdicts: list[dict]) -> None:
    by_id = {v["claim"]: v for v in verdicts}
    rows, grid = [], []
    for name, exp in exps.items():
        for c in exp.claims:
            v = by_id.get(c.id)
            if v is None:
                continue
            ci = _ci(v)
            where = (f"{v['headline_setting']}: " if v.get("headline_setting") not in
                     (None, "", v.get("primary_setting")) else "")
            category = v.get("category", "empirical")
            kind = "" if category == "empirical" else f" ({category})"
            kind += " (rule revised after a run)" if v.get("revision") else ""
            rows.append(f"| [{c.id}]({name}/README.md#{c.id.lower()}-{v['verdict']}) | "
                        f"{_cell(c.quote)} | {_cell(c.hypothesis)} | **{v['verdict']}** "
                        f"({v.get('quantifier', 'primary')}){kind}"
                        f"{_flags(v)} | {where}{_fmt(v['effect'])} | {ci} | "
                        f"{_cell(v['effect_label'])} | "
                        f"{_cell(v.get('scope', ''))} |")
            for s in v.get("settings", []):
                grid.append({"claim": c.id, "setting": s["setting"] + (
                    " (primary)" if s["setting"] == v.get("primary_setting") else ""),
                    "verdict": s["verdict"], "basis": s.get("basis", ""), "effect": s["effect"],
                    "CI low": s["ci_low"],
                    "CI high": s["ci_high"], "p": s["p_value"],
                    "replicates": s["n_replicates"], "datasets": s["n_datasets"]})
    ordered = [by_id[c.id] for exp in exps.values() for c in exp.claims if c.id in by_id]
    overview_figure(ordered, out / "overview.png")
    grid_frame = pd.DataFrame(grid).astype(object).where(lambda f: f.notna(), None)
    seeds_md = ""
    others = {int(p.parent.name): json.loads(p.read_text())
              for p in sorted((out / "seeds").glob("*/verdicts.json"))}
    if others:
        names = ", ".join(f"[{n}](seeds/{n}/README.md)" for n in others)
        seeds_md = "\n".join([
            "## Stability under other master seeds", "",
            "The whole suite re-run with `python -m harness.suite --seed N` (its own store "
            f"and folder, seeds/N/: {names}) under the same rules (the rules lock): every "
            "dataset, initialization and minibatch order drawn anew. A supported claim must "
            "never turn refuted or back.", "",
            seed_comparison({0: verdicts, **others}), ""])
    (out / "README.md").write_text("\n".join([
        "# Verdicts", "",
        "![every claim's effect by setting](overview.png)", "",
        "Every registered claim, decided from logged runs by the rule declared in its "
        "experiment page. Generated by `python -m harness.report` (`make report`); the "
        "machine-readable form is [verdicts.json](verdicts.json).", "",
        "How to read: each claim is tested in its declared settings: a **primary** one (the "
        "setting the quote is about, faithful to the original where there is one) and "
        "robustness settings. Each setting gets its own verdict at α = 0.05 (two-sided "
        "tests; every member of an 'all' claim must hold on its own, refutations within a "
        "setting are Holm-corrected; equivalence claims by TOST within a declared margin) "
        "and a **basis**: *effect* (the claimed effect, significant), *opposite effect* (a "
        "significant effect the other way at least the claim's declared smallest effect in "
        "size), *no meaningful effect* (the CI inside ± that smallest effect: it refutes a "
        "claim of a meaningful effect and supports a claim of none), *undecided* (a "
        "smaller opposite effect is undecided too), or *check* (an implementation or "
        "theorem check). The claim's label follows from its **quantifier**, read from the "
        "quote's wording: *all* (universal: refuted if refuted in some setting, supported "
        "if supported in every one), *primary* (the quote speaks of one setting: the label "
        "is that setting's, the others are scope), *some* (hedged: supported if supported "
        "in some setting after Holm across them, refuted if refuted in every one); "
        "otherwise inconclusive. The scope column names where it holds, fails or is "
        "undecided. The headline is the statistic that decided, chosen by the rule's logic "
        "(the weakest support, the strongest refutation), with the CI dual to its test (a "
        "95% t CI unless marked: TOST's 90%, Bonferroni's, Fieller's, Welch's, the sign "
        "test's, or none for an exact check) and its own p (a Holm-adjusted p is given in "
        "words beside it), over independent replicates (each with its own dataset); when "
        "another setting than the primary decided, the headline names it. Marks after a "
        "verdict: "
        "*underpowered* = undecided, and the whole rule's calibrated power at the smallest "
        "effect the claim declared worth reporting is below 0.8 ([calibration.md]"
        "(calibration.md); for a rule not calibrated, its minimum detectable effect is "
        "larger than that effect); *below "
        "the declared smallest effect* = decided, but by a smaller effect than that; *rule "
        "revised after a run* = the rule was changed after a full run on the same master "
        "seed had been seen (its page says what changed and what the earlier rule gave: "
        "weigh such a verdict as exploratory until a new seed confirms it). The label rule "
        "itself changed after the seed-0 and seed-1 runs (v2, issue 22); every page whose "
        "label it changed gives the v1 label ([history/label-rule-v1.json]"
        "(history/label-rule-v1.json)). "
        "[calibration.md](calibration.md) gives each rule's false-positive rate and power "
        "on simulated sweeps.", "",
        "Labels by category (exact facts, implementation checks and theorem checks are "
        "decided by a check, not by sampled evidence, and are counted apart from "
        "empirical findings):", "",
        markdown_table(category_counts(ordered)), "",
        "| claim | quote | restated as | verdict (quantifier) | headline | CI | "
        "headline measures | scope |", "|---|---|---|---|---|---|---|---|", *rows, "",
        "## Every claim × setting", "", markdown_table(grid_frame) if len(grid_frame) else "",
        "", seeds_md]))

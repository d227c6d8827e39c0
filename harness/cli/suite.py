"""``make run-all``: every registered experiment's declared sweep, then every report.

Each experiment runs as ``python -m harness.run -m experiment=NAME`` (the same command a
user types), on Hydra's joblib launcher when ``--jobs`` > 1 (capped per experiment by
``Experiment.sweep_jobs``: light sweeps run in one process). Points already FINISHED in
MLflow are skipped, so the suite is idempotent and resumes after an interruption. Prints
the wall time per experiment and in total; each sweep prints one line per finished
point (k/N, elapsed, ETA). ``--dry-run`` lists every point's status instead. ``--seed K``
re-runs everything under another master seed into its own store and folder
(results/README.md compares every seed run with seed 0). ``--claim ID`` (repeatable) runs
only the sweep points that claim reads (a catalogue claim, or a user's own in
conf/claim/ID.yaml) and judges it alone into results/claims/ID/, leaving the experiment
pages as they are.
Every step (the sweeps, then the report) uses one store: ``tracking.uri=...`` among the
overrides, else $MLFLOW_TRACKING_URI, else ./mlflow.db (mlflow-seedK.db for seed K).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from harness.cli import report
from harness.cli.registry import CLAIM_DIR, registry, users
from harness.judge.claims import Claim, Experiment
from harness.pages.report import claim_page
from harness.track.results import load
from harness.track.tracking import (
    PROJECT_ROOT,
    TrackingError,
    check_uri,
    normalize_uri,
    uri_source,
)
from harness.train.schema import ConfigError


def sweep_command(name: str, jobs: int, overrides: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "harness.run", "-m", f"experiment={name}", *overrides]
    if jobs > 1:
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={jobs}"]
    return cmd


def jobs_for(exp: Experiment, jobs: int) -> int:
    """``--jobs``, capped by the sweep processes the experiment asks for
    (``Experiment.sweep_jobs``: 1 where its points are too light for workers to pay)."""
    return min(jobs, exp.sweep_jobs or jobs)


def seed_overrides(seed: int) -> list[str]:
    """The master seed: every dataset, initialization and minibatch order drawn anew."""
    return [] if seed == 0 else [f"data.seed={seed}", f"trainer.seed={seed}"]


def uri_override(overrides: list[str]) -> str | None:
    """The value of the last ``tracking.uri=...`` among Hydra overrides, if any."""
    found = [o.split("=", 1)[1] for o in overrides
             if o.split("=", 1)[0].lstrip("+") == "tracking.uri" and "=" in o]
    return found[-1] if found else None


def seed_store(seed: int, override: str | None = None) -> str:
    """The store every step of the suite uses: preparing it, every sweep, the report.

    ``override`` (``tracking.uri=...`` on the suite's command line), else
    $MLFLOW_TRACKING_URI, wins for any seed; without either, seed 0 uses ./mlflow.db and
    another seed its own SQLite file beside it (mlflow-seedK.db). Seeds can share a store:
    a point's config hash includes its seeds, so they never mix up."""
    if override or os.environ.get("MLFLOW_TRACKING_URI") or seed == 0:
        return normalize_uri(uri_source(override)[0])
    return f"sqlite:///{PROJECT_ROOT / f'mlflow-seed{seed}.db'}"


def find_claims(ids: list[str], exps: dict[str, Experiment]) -> list[tuple[str, Claim]]:
    """(experiment, claim) for each id: a catalogue claim, else conf/claim/ID.yaml."""
    catalogue = {c.id: (name, c) for name, exp in exps.items() for c in exp.claims}
    mine = {c.id: c for c in users()}
    found = []
    for cid in ids:
        if cid in catalogue:
            found.append(catalogue[cid])
        elif cid in mine:
            if mine[cid].experiment not in exps:
                raise ConfigError(f"{CLAIM_DIR / cid}.yaml: field experiment="
                                  f"{mine[cid].experiment} is invalid: allowed values are "
                                  f"{sorted(exps)}")
            found.append((mine[cid].experiment, mine[cid]))
        else:
            raise ConfigError(f"--claim={cid} is invalid: allowed values are "
                              f"{sorted(catalogue) + sorted(mine)}")
    return found


def select_override(claims: list[Claim]) -> list[str]:
    """``hydra.sweeper.select`` for the points these claims read (all the experiment's
    points when one of them has a custom rule, whose reads are not declared)."""
    if not claims or any(c.measure is None for c in claims):
        return []
    select = [c.measure.selection(c.settings.every) for c in claims]  # any of them
    text = json.dumps(select, separators=(",", ":"))
    return ["hydra.sweeper.select='" + text.replace("'", "\\u0027").replace("$", "\\u0024")
            + "'"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.suite", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="parallel sweep points (joblib launcher); 1 = in-process; an "
                             "experiment whose points are light runs in one process anyway "
                             "(Experiment.sweep_jobs)")
    parser.add_argument("--experiment", action="append", dest="experiments",
                        help="only this experiment (repeatable; default: all registered)")
    parser.add_argument("--seed", type=int, default=0,
                        help="master seed (data.seed and trainer.seed); another seed than 0 "
                             "writes to its own store (mlflow-seedK.db, unless tracking.uri= "
                             "or $MLFLOW_TRACKING_URI names one) and report folder "
                             "(results/seeds/K/)")
    parser.add_argument("--claim", action="append", dest="claims",
                        help="only the points this claim reads, then judge it alone into "
                             "results/claims/ID/ (repeatable; catalogue ids or "
                             "conf/claim/ID.yaml)")
    parser.add_argument("--out", default=None,
                        help="report folder (default: results/, or results/seeds/K/; "
                             "with --claim: results/claims/)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list every point of every sweep with its status in the store "
                             "(finished / missing / failed / killed), train nothing")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every sweep, e.g. "
                                                     "profile=smoke")
    args = parser.parse_args(argv)
    exps = registry()
    names = args.experiments or list(exps)
    unknown = sorted(set(names) - set(exps))
    if unknown:
        parser.exit(2, f"error: --experiment={unknown} is invalid: allowed values are "
                       f"{sorted(exps)}\n")
    try:
        claims = find_claims(args.claims or [], exps)
    except (ConfigError, KeyError) as exc:
        parser.exit(2, f"error: {str(exc).strip(chr(34))}\n")
    if claims:
        names = list(dict.fromkeys(exp for exp, _ in claims))
    if args.jobs < 1:
        parser.exit(2, f"error: --jobs={args.jobs} is invalid: allowed values are integers "
                       ">= 1\n")
    explicit = uri_override(args.overrides)
    try:
        if explicit:
            check_uri(explicit, "tracking.uri")
        uri = seed_store(args.seed, explicit)
        # report pages show these overrides; the store is passed on its own
        overrides = [*seed_overrides(args.seed),
                     *[o for o in args.overrides if uri_override([o]) is None]]
        check_uri(uri, "tracking.uri" if explicit else uri_source()[1])
    except (ConfigError, TrackingError) as exc:
        parser.exit(2, f"error: {exc}\n")
    out = args.out or str(PROJECT_ROOT / "results" / (
        "claims" if claims else "" if args.seed == 0 else f"seeds/{args.seed}"))
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    timings: list[tuple[str, float]] = []
    for name in names:
        # an explicit tracking.uri beats the environment in every sweep point: pass it on,
        # made absolute (the sweeps run from the project root)
        cmd = sweep_command(name, jobs_for(exps[name], args.jobs),
                            [*overrides, *([f"tracking.uri={uri}"] if explicit else []),
                             *(["tracking.dry_run=true"] if args.dry_run else []),
                             *select_override([c for e, c in claims if e == name])])
        print(f"==> {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        try:
            code = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env).returncode
        except KeyboardInterrupt:
            code = 130
        if code != 0:  # the sweep printed why; finished points are kept
            print(f"error: the {name} sweep stopped (exit code {code}); no report was "
                  "built; re-run the same command to resume (finished points are skipped)",
                  file=sys.stderr)
            raise SystemExit(code)
        timings.append((name, time.perf_counter() - start))
    if args.dry_run:
        return
    start = time.perf_counter()
    if claims:
        command = " ".join(["python -m harness.suite", *(argv if argv is not None
                                                          else sys.argv[1:])])
        for name, claim in claims:
            rs = load(name, uri, overrides)
            v = claim_page(claim, name, rs, Path(out), command)
            print(f"{claim.id}: {v.verdict} · {v.effect_label} {v.effect:.4g} "
                  f"[{v.ci_low:.4g}, {v.ci_high:.4g}] · {Path(out) / claim.id / 'README.md'}")
        return
    report_args = ["--out", out, "--tracking-uri", uri,
                   *[a for n in names for a in ("--experiment", n)],
                   *[a for o in overrides for a in ("--override", o)]]
    report.main(report_args)
    timings.append(("(reports)", time.perf_counter() - start))
    width = max(len(n) for n, _ in timings)
    print(f"\n{'experiment'.ljust(width)}  wall time")
    for n, s in timings:
        print(f"{n.ljust(width)}  {s:8.1f} s")
    print(f"{'total'.ljust(width)}  {sum(s for _, s in timings):8.1f} s")


if __name__ == "__main__":
    main()

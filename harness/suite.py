"""``make run-all``: every registered experiment's declared sweep, then every report.

Each experiment runs as ``python -m harness.run -m experiment=NAME`` (the same command a
user types), on Hydra's joblib launcher when ``--jobs`` > 1. Points already FINISHED in
MLflow are skipped, so the suite is idempotent and resumes after an interruption. Prints
the wall time per experiment and in total. ``--seed K`` re-runs everything under another
master seed into its own store and folder (results/README.md compares seeds 0 and 1).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from harness import report
from harness.claims import registry
from harness.tracking import PROJECT_ROOT, init_store, tracking_uri


def sweep_command(name: str, jobs: int, overrides: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "harness.run", "-m", f"experiment={name}", *overrides]
    if jobs > 1:
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={jobs}"]
    return cmd


def seed_overrides(seed: int) -> list[str]:
    """The master seed: every dataset, initialization and minibatch order drawn anew."""
    return [] if seed == 0 else [f"data.seed={seed}", f"trainer.seed={seed}"]


def seed_store(seed: int) -> str:
    """Seed 0 uses the usual store; another seed its own SQLite file beside it."""
    if seed == 0:
        return tracking_uri()
    return f"sqlite:///{PROJECT_ROOT / f'mlflow-seed{seed}.db'}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.suite", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="parallel sweep points (joblib launcher); 1 = in-process")
    parser.add_argument("--experiment", action="append", dest="experiments",
                        help="only this experiment (repeatable; default: all registered)")
    parser.add_argument("--seed", type=int, default=0,
                        help="master seed (data.seed and trainer.seed); another seed than 0 "
                             "writes to its own store (mlflow-seedK.db) and report folder "
                             "(results/seeds/K/)")
    parser.add_argument("--out", default=None,
                        help="report folder (default: results/, or results/seeds/K/)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every sweep, e.g. "
                                                     "profile=smoke")
    args = parser.parse_args(argv)
    names = args.experiments or list(registry())
    overrides = [*seed_overrides(args.seed), *args.overrides]
    uri = seed_store(args.seed)
    out = args.out or str(PROJECT_ROOT / "results" / (
        "" if args.seed == 0 else f"seeds/{args.seed}"))
    init_store(uri)  # migrate a fresh store once, before any parallel worker
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    timings: list[tuple[str, float]] = []
    for name in names:
        cmd = sweep_command(name, args.jobs, overrides)
        print(f"==> {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=PROJECT_ROOT, env=env)
        timings.append((name, time.perf_counter() - start))
    start = time.perf_counter()
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

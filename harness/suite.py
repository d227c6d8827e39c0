"""``make run-all``: every registered experiment's declared sweep, then every report.

Each experiment runs as ``python -m harness.run -m experiment=NAME`` (the same command a
user types), on Hydra's joblib launcher when ``--jobs`` > 1. Points already FINISHED in
MLflow are skipped, so the suite is idempotent and resumes after an interruption. Prints
the wall time per experiment and in total.
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.suite", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="parallel sweep points (joblib launcher); 1 = in-process")
    parser.add_argument("--experiment", action="append", dest="experiments",
                        help="only this experiment (repeatable; default: all registered)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "results"), help="report folder")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every sweep, e.g. "
                                                     "profile=smoke")
    args = parser.parse_args(argv)
    names = args.experiments or list(registry())
    init_store(tracking_uri())  # migrate a fresh store once, before any parallel worker
    timings: list[tuple[str, float]] = []
    for name in names:
        cmd = sweep_command(name, args.jobs, args.overrides)
        print(f"==> {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=PROJECT_ROOT)
        timings.append((name, time.perf_counter() - start))
    start = time.perf_counter()
    report_args = ["--out", args.out, *[a for n in names for a in ("--experiment", n)],
                   *[a for o in args.overrides for a in ("--override", o)]]
    report.main(report_args)
    timings.append(("(reports)", time.perf_counter() - start))
    width = max(len(n) for n, _ in timings)
    print(f"\n{'experiment'.ljust(width)}  wall time")
    for n, s in timings:
        print(f"{n.ljust(width)}  {s:8.1f} s")
    print(f"{'total'.ljust(width)}  {sum(s for _, s in timings):8.1f} s")


if __name__ == "__main__":
    main()

"""``python -m harness.calibrate`` (``make calibrate``): every registered decision rule on
simulated runs, no training -> results/calibration.md and results/calibration.json
(see :mod:`harness.judge.calibration`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.cli.registry import registry
from harness.judge.calibration import Calibration, calibratable, calibrate, render
from harness.track.tracking import PROJECT_ROOT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sims", type=int, default=200, help="simulations per scenario")
    parser.add_argument("--claim", action="append", dest="claims",
                        help="only this claim (repeatable); the other claims' rows already in "
                             "calibration.json are kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results")
    args = parser.parse_args(argv)
    exps = registry()
    every = {c.id: c for exp in exps.values() for c in exp.claims}
    rows = []
    for name, claim in calibratable(exps):
        if args.claims and claim.id not in args.claims:
            continue
        row = calibrate(claim, name, args.sims, args.seed)
        rows.append(row)
        print(f"{claim.id:6s} false positives {row.fpr:.3f}  power {row.power:.2f}  "
              f"({row.seconds:.1f} s)", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    old = args.out / "calibration.json"
    if args.claims and old.exists():  # keep the rows of the claims not recalibrated
        kept = {r["claim"]: Calibration.from_json(r) for r in json.loads(old.read_text())
                if r["claim"] in every and r["claim"] not in args.claims}
        done = {r.claim: r for r in rows}
        rows = [done.get(c) or kept[c] for c in every if c in done or c in kept]
    (args.out / "calibration.json").write_text(
        json.dumps([r.as_json() for r in rows], indent=2) + "\n")
    (args.out / "calibration.md").write_text(render(rows, every, args.sims))
    print(f"wrote {args.out / 'calibration.md'}")


if __name__ == "__main__":
    main()

"""``python -m harness.lock`` (``make lock``): write results/rules.lock.md, every claim's
rule as declared (see :mod:`harness.judge.lock`); ``--check`` only compares, exit 1 when a
declaration differs from the committed lock."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from harness.cli.registry import registry, users
from harness.judge.lock import render
from harness.track.tracking import PROJECT_ROOT

LOCK = PROJECT_ROOT / "results" / "rules.lock.md"


def current() -> str:
    """The lock as the declarations give it now (catalogue and conf/claim/ claims)."""
    return render(registry(), users())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.lock", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="compare with the lock instead of writing it")
    parser.add_argument("--lock", type=Path, default=LOCK)
    args = parser.parse_args(argv)
    text = current()
    if args.check:
        old = args.lock.read_text() if args.lock.exists() else ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), str(args.lock), "declared"))
            print(f"error: the declarations differ from {args.lock}: regenerate it with "
                  "`make lock` and give a changed rule a revision", file=sys.stderr)
            raise SystemExit(1)
        print(f"{args.lock} is up to date")
        return
    args.lock.write_text(text)
    print(f"wrote {args.lock}")


if __name__ == "__main__":
    main()

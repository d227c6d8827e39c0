"""``python -m harness.report`` (``make report``): rebuild results/ from what MLflow holds,
without training (see :mod:`harness.pages.report`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from harness.cli.registry import registry
from harness.pages.report import build
from harness.track import tracking
from harness.train.schema import ConfigError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=tracking.PROJECT_ROOT / "results",
                        help="output folder (default: results/)")
    parser.add_argument("--experiment", action="append", dest="experiments",
                        help="only this experiment (repeatable; default: all registered)")
    parser.add_argument("--override", action="append", dest="overrides", default=[],
                        help="Hydra override applied to every declared sweep point, e.g. "
                             "profile=smoke, or a sweep axis such as trainer.batch_size=4,400")
    parser.add_argument("--tracking-uri", default=None,
                        help="MLflow store (default: $MLFLOW_TRACKING_URI or ./mlflow.db)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    uri = tracking.tracking_uri(args.tracking_uri)
    try:
        key = "--tracking-uri" if args.tracking_uri else tracking.uri_source()[1]
        tracking.require_store(uri, key=key)  # reading never creates a store
        build(args.out, registry(), args.experiments, args.overrides, uri, require_runs=True)
    except (tracking.TrackingError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

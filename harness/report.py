"""``python -m harness.report``: the command itself is :mod:`harness.cli.report`."""

from harness.cli.report import main

if __name__ == "__main__":
    main()

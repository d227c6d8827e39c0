"""``python -m harness.calibrate``: the command itself is :mod:`harness.cli.calibrate`."""

from harness.cli.calibrate import main

if __name__ == "__main__":
    main()

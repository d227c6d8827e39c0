"""``python -m harness.suite``: the command itself is :mod:`harness.cli.suite`."""

from harness.cli.suite import main

if __name__ == "__main__":
    main()

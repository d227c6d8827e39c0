"""``python -m harness.lock``: the command itself is :mod:`harness.cli.lock`."""

from harness.cli.lock import main

if __name__ == "__main__":
    main()

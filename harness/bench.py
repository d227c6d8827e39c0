"""``python -m harness.bench``: the command itself is :mod:`harness.cli.bench`."""

from harness.cli.bench import main

if __name__ == "__main__":
    main()

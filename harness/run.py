"""``python -m harness.run``: the command itself is :mod:`harness.cli.run`."""

from harness.cli.run import cli

if __name__ == "__main__":
    cli()

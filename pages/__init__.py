"""Each experiment's page: ``pages.<name>.report(runs, verdicts, folder)`` draws its figures
into the folder and returns the page's experiment-specific markdown; it is called only
when the experiment has finished runs. Presentation lives
apart from the rules: ``experiments`` never imports this package, and the registry
(:mod:`harness.cli.registry`) pairs each experiment with its page by module name."""

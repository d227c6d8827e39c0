"""What the searches compute: the functions a sweep point names in ``trainer.task``
(harness/train/search.py) and the constants their rows are named by.

A search checks one chunk of a stated search and returns its rows; it knows nothing of the
rule that will judge them. The claims that read the rows, and their rules, are declared in
``experiments/``, which imports the names from here; the pages import both. A task module
imports only the training layer (``harness.train``) and the libraries it checks, never the
judge, the experiments or the pages (``make lint`` enforces it)."""

"""Can any nonlinearity be an activation, and is a network without one a one-layer model?
Claims AC-2a1, AC-2a2, AC-2a3 (:mod:`.ac2`, the catalogue's AC-2 (a) split by kind of
statement) and AC-1b (:mod:`.ac1`); AC-1a, the exact part of AC-1, is
experiments/training_facts/linear.py.

Design and grids: conf/experiment/activations.yaml (Abid 2018 Exp 7 as written, the
one-layer model beside it, and both linear models with 10× the steps). Every replicate
has its own dataset, init and minibatch order; a replicate's conditions share its
dataset (paired).

Replicates (trainer.replicates = 24, the shared cost cap REPLICATE_CAP): each claim's
smallest effect is 0.02 (two of the 100 test points); pilot SDs come from a pilot of this
sweep under master seed 101, never a verdict seed (32 replicates): AC-2a3's relu − sign
0.033 needs 24 for 80% power (two-sided t, α = 0.05); AC-2a1's (0.0051), AC-2a2's (0.0040)
and AC-1b's on abid2018_long (0.009) need fewer. What the pilot showed before anything was
declared: under Exp 7's 721 updates the one-layer model's training loss was still falling
(0.312 nats against scikit-learn's optimum 0.249, test accuracy 0.848 against 0.878)
while the identity MLP sat at the optimum from update ~81 on; at 10× the steps the two
met (0.879 and 0.877). Under Exp 7's budget the identity MLP then led under all
five verdict seeds (0.010 to 0.038: a pace-of-training effect the pilot had shown), so
AC-1b's primary is the converged setting since its revision (abid2018 shown).
Convergence is shown beside AC-1b's verdict (both training losses, each minus
scikit-learn's optimum on the replicate's split), not gated: a premise gate
(harness.judge.gates.Premise) reads one level of the claim's own measure, so it would need
a second measure refitting scikit-learn inside the rule and a tolerance first chosen now,
after the losses were seen.
"""

from __future__ import annotations

from experiments.activations import ac1, ac2
from experiments.activations.common import NAME
from harness.judge.claims import Experiment

EXPERIMENT = Experiment(
    name=NAME,
    title="Activations: any nonlinearity, and no nonlinearity",
    original="""Abid (2018) Exp 7 (notebook cell 47): sklearn make_moons, n = 500, noise 0.1,
no normalization, a shuffled 80/20 split (100 test points); a 2→30→30→2 MLP, Glorot-uniform
weights and biases, softmax cross-entropy, Adam 0.003, 800 steps of random batch-64
subsets; test accuracy right after the updates at steps 0, 80, ..., 720 (the last after
update 721); activations relu, tanh, x², sin, sign and identity; 3 iters on 3 datasets.
Reported (read off its figure): final test accuracy ≈ 1.0 for relu, tanh, x² and sin,
≈ 0.977 for sign, ≈ 0.89 for identity; conclusion: every nonlinearity but sign is
"quite effective" on this task, which the author warns may be too easy. Defects: 3
datasets without intervals, and one easy 2-D task for a question about any
nonlinearity.""",
    claims=[*ac2.CLAIMS, ac1.CLAIM])

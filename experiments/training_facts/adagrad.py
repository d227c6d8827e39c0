"""OP-2a: Adagrad's per-parameter effective step never increases ("分母会不断积累"), while
RMSprop's and Adadelta's, which decay their accumulator, do.

The search: :mod:`tasks.training_facts.adagrad`."""

from __future__ import annotations

from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.adagrad import AT, BATCH, JUDGED, REAL, SETTING, SOME, STEPS, WIDTH

OP2A = Claim(
    "OP-2a", "001 (Adagrad cons; RMSprop)", "分母会不断积累,这样学习率就会收缩并最终会变得"
    "非常小 / RMSprop 和 Adadelta 都是为了解决 Adagrad 学习率急剧下降问题的",
    "Adagrad's per-parameter effective step clr/(√G_t + ε) never increases (its "
    "denominator only accumulates), while RMSprop's lr/(√E[g²]_t + ε) and Adadelta's "
    "lr·√(E[Δ²]_(t−1) + ε)/√(E[g²]_t + ε) are not monotone. A digits MLP "
    f"64→{WIDTH}→{WIDTH}→10 (ReLU, float32) per chunk, copied from one init, trained "
    f"{STEPS} steps on the same batches of {BATCH} by torch.optim.Adagrad (lr 1e-2, ε "
    "1e-10 outside the root), RMSprop (lr 1e-2, α 0.99, ε 1e-8) and Adadelta (lr 1.0, ρ "
    "0.9, ε 1e-6), PyTorch's defaults; every parameter's step read off the optimizer's "
    "state after every step as torch computes it: Adagrad's largest rise e_t/e_(t−1) − 1 "
    f"below {AT:g} (exactly ≤ 0 in IEEE arithmetic: any computed rise refutes); "
    f"RMSprop's and Adadelta's count of parameter-steps rising by > {REAL:g}: at least one "
    "in every chunk (refuted if no chunk has one).",
    measure=Searched(factor=Factor("member", JUDGED, "member"),
                     label="each parameter's effective step under torch's Adagrad, "
                           "RMSprop and Adadelta on a digits MLP", grid="op2",
                     task="tasks.training_facts.adagrad.op2"),
    rule=Check((Bound(JUDGED[0], "below", AT),
                *(Bound(m, "above", SOME, refute="every", refute_at=SOME)
                  for m in JUDGED[1:])), headline=JUDGED[0]),
    quantifier="all", settings=Settings(SETTING),
    notes=("Quantifier all: '不断积累' is unhedged, and '为了解决…急剧下降问题' says the "
           "other two are not bound to fall.",
           "Part (b), Adagrad's step shrinking ≥ 3× over a long run ('最终会变得非常小', "
           "5,000 steps in the catalogue), is empirical and left for a claim OP-2b; each "
           "optimizer's median step at the end ÷ at step 1 is shown here as context.",
           "The seed writes Adagrad's ε inside the root; torch adds it outside, as judged "
           "here (both are monotone). tests/test_training_facts.py checks that every "
           "step's parameter change is −e × grad within float32 rounding for all three "
           "optimizers, and that Adadelta's step with acc_delta read after the step fails.",
           "Weights of always-blank pixels and of dead ReLU units get zero gradients: "
           "their step stays constant (a rise of exactly 0).",
           "While the search was written one chunk was run on trial seeds, for its time "
           "only: 300 steps became 200; the rule was declared before the full run.",
           "Adadelta's first rises need no noisy gradient: its numerator √(E[Δ²] + ε) grows "
           "from ε while its accumulator fills, so its 'not monotone' is partly warm-up; "
           "rises after a warm-up are not counted apart (review)."),
    min_effect=AT, null_value=AT, category=IMPLEMENTATION, parent="OP-2", replicates=8)

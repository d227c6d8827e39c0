"""AC-4a, AC-4b: what a dead ReLU unit's gradient is, and its successors'.

The search: :mod:`tasks.training_facts.dead`."""

from __future__ import annotations

from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.dead import (
    ADAM,
    AFTER,
    FOUND,
    GRAD,
    LIVE,
    MOMENTUM,
    MOVED,
    PLAIN,
    REVIVED,
    REVIVED2,
    STEPS,
    ZERO,
)

QUOTE = ("在x<0时,梯度为0。这个神经元及之后的神经元梯度永远为0,不再对任何数据有所响应,导致"
         "相应参数永远不会被更新。")
SHOWN = ((MOMENTUM, "momentum's velocity can move a unit for a while after it died (it "
                    "decays as 0.9ᵏ): '参数永远不会被更新' is judged where the update is the "
                    "gradient alone, plain SGD; the units found dead here had mostly died "
                    "long before, see the table for their change"),
         (ADAM, "Adam's moment estimates can move a dead unit's parameters for a while "
                "too (they decay as 0.9ᵏ and 0.999ᵏ)"))

PREMISE = Bound(FOUND, "above", 0.5, refute="every", refute_at=0.0)  # withholds support


def _ac4(part: str, members: tuple[str, ...], bounds: tuple[Bound, ...],
         hypothesis: str, **kw: object) -> Claim:
    return Claim(
        f"AC-4{part}", "004 (ReLU 缺点)", QUOTE, hypothesis,
        measure=Searched(factor=Factor("member", members, "member"),
                         label="digits MLPs 64→100→100→10 trained until units die",
                         grid="dead", task="tasks.training_facts.dead.dead_units"),
        rule=Check(bounds), quantifier="all", settings=Settings(PLAIN, shown=SHOWN),
        parent="AC-4", category=IMPLEMENTATION, replicates=8, min_effect=ZERO,
        null_value=ZERO, **kw)


AC4A = _ac4(
    "a", (FOUND, GRAD, LIVE, MOVED, REVIVED, REVIVED2),
    (PREMISE, Bound(GRAD, "below", ZERO), Bound(LIVE, "above", ZERO, refute="every",
                                                 refute_at=0.0),
     Bound(MOVED, "below", ZERO), Bound(REVIVED, "below", 0.5), Bound(REVIVED2, "below", 0.5)),
    "A dead ReLU unit (pre-activation ≤ 0 on every training input) gets exactly zero "
    "gradient on its incoming weights and bias, and under plain SGD (no momentum, no "
    f"weight decay) it never responds again and its parameters are never updated: over "
    f"{STEPS} more steps a dead layer-1 unit's parameters do not change, and no dead unit "
    "of either hidden layer comes back to life ('永远', '不再对任何数据有所响应'). Checked on "
    "digits MLPs trained at SGD lr 1.0 until units die; the live units' gradients are the "
    "control that the check can see a gradient.",
    revision="Changed after the first full run (review): dead layer-2 units coming back "
             "to life are judged too. The quote's 永远 and 不再对任何数据有所响应 speak of "
             "every dead unit; a layer-2 unit's inputs are layer 1's outputs, which keep "
             "moving. The earlier rule judged revivals in layer 1 only (the catalogue's "
             "design note) and gave supported under master seeds 0, 1, 17, 29 and 43 "
             "(headline 0: every judged member held), while up to 17–46 layer-2 units per "
             "seed came back.",
    notes=("What holds at every seed: a dead unit's incoming gradient is exactly 0, and "
           "under plain SGD a dead layer-1 unit (its inputs are the data) never changes "
           "and never revives; see the member table.",))
AC4B = _ac4(
    "b", (FOUND, AFTER), (PREMISE, Bound(AFTER, "below", ZERO)),
    "'及之后的神经元梯度永远为0': the units in the layers after a dead unit get zero "
    "gradient too. Read literally and checked on the same nets: every later unit's "
    "incoming weights and bias have exactly zero gradient over the full training set; one "
    "non-zero gradient refutes. What holds is shown beside it: the dead unit's own "
    "outgoing weights get zero gradient, since it outputs 0 to every input.",
    notes=("The other reading, in backpropagation's order: no gradient flows back through "
           "the dead unit, so its outgoing weights get exactly 0 (the search's 'outgoing "
           "weights' row); the later units still learn from "
           "their live inputs, which is why the literal reading fails.",))

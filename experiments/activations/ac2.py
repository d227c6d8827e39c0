"""AC-2a, AC-2c, AC-2d: Abid's answer on his task (the catalogue's AC-2 (a)), under Exp 7's
protocol, as three claims, one per kind of statement, each in the family that tests it:
relu, tanh, x² and sin fit moons (AC-2a), tanh, x² and sin are equivalent to relu
(AC-2c, a claim of no effect) and sign and identity do worse than relu (AC-2d). The
catalogue's (a) holds where all three are supported; its (b) is AC-2b (not run here)."""

from __future__ import annotations

from experiments.activations.common import ACTIVATIONS, PRIMARY
from harness.judge.claims import Claim, Settings
from harness.judge.families import Equivalent, EveryMember
from harness.judge.measures import Factor, Final

# Declared before the first full run, from the catalogue's design notes (claims.md, AC-2):
FLOOR = 0.95  # "fits moons": test accuracy at least 0.95 (5 of 100 test points wrong)
# ±0.02, two of the 100 test points: "as well as relu", sign's and identity's shortfall,
# and the smallest effect of all three claims (catalogue: "Smallest effect: 0.02 (a)")
MARGIN = 0.02
FIT, WORSE = ACTIVATIONS[:4], ACTIVATIONS[4:]
REFERENCE = "relu"
# Pilot SDs (master seed 101, 32 replicates, not a verdict seed; the same pilot as the
# declaration of beaaac3): the largest accuracy SD of relu, tanh, x², sin 0.0051 (tanh);
# the largest of relu − tanh/x²/sin 0.0040 (tanh); relu − sign 0.033 (relu − identity 0.031)
PILOT_SD = {"fit": 0.0051, "equivalent": 0.0040, "worse": 0.033}


def accuracy(levels: tuple[str, ...]) -> Final:
    """Final test accuracy (after update 721) of Exp 7's ``levels``, grid abid; a
    replicate's activations share its dataset (paired)."""
    return Final(Factor("model.activation", levels, "activation"),
                 label="final test accuracy", grid="abid")


QUOTE = ("是否可以将任何非线性作为激活函数? … 根据万能逼近定理(Universal Approximation "
         "Theory),神经网络能以任意精度逼近连续函数。线性函数的线性组合还是线性函数,所以线性函数"
         "不能以任意精度逼近连续函数。")
PROTOCOL = "under Exp 7's protocol (moons, 2→30→30→2, Adam, 721 updates)"
SCOPE = (
    "What is judged and what is scope: the quote asks whether ANY nonlinearity (任何非线性) "
    "can serve and answers with the universal approximation theorem and 'linear cannot'. "
    "Judged here is Abid's test of that question on his task (his conclusion is not in "
    "the seed), the catalogue's AC-2 (a), as three claims (AC-2a fit, AC-2c as good as "
    "relu, AC-2d sign and identity worse): (a) holds where all three are supported. 'Any' "
    "nonlinearity on a boundary that needs a high polynomial degree (checkerboard, two "
    "spirals; x² nets are polynomials) is AC-2b, not run here: moons says nothing about it.")
REVISION = (
    "After the full runs of seeds 0, 1, 17, 29 and 43 had been seen, the one declared claim "
    "AC-2a (beaaac3; one EveryMember family of 12 members, each a value claimed above 0: "
    "accuracy − 0.95, the two TOST halves 0.02 ∓ (relu − x), relu − x − 0.02; smallest "
    "effect 0.02, lowered to 0.01 in 8bc95b0) was split into AC-2a, AC-2c and AC-2d, with "
    "the declared floor, margin and smallest effect (0.02) kept. Why: label rule v2 reads "
    "'no meaningful effect' as a CI inside ± the smallest effect around 0 of each member "
    "(harness.judge.claims.near_zero_p), and a shifted member's 0 is its threshold, not no "
    "effect: sign 0.03 below relu (relu − sign − 0.02 = 0.01) read as no effect, and an "
    "equivalence that holds exactly sat at its margin; lowering the smallest effect hid "
    "this and left a power of 0. EveryMember has one null for its members, and even with "
    "one per member the equivalence halves, claims of no effect, would be refuted by "
    "holding; so each kind of statement is its own claim, with its own null (0.95 on the "
    "raw accuracy; 0.02 on the raw relu − x, whose window then sits around relu − x = 0) or "
    "TOST with 90% CIs. The earlier rule gave (label at 0.01 / at the first 0.02; headline "
    "relu − sign − 0.02): seed 0 supported / refuted (no meaningful effect: relu − tanh < "
    "+0.02, 0.016 [0.014, 0.019]), 0.0096 [0.0007, 0.0184]; seed 1 supported / supported, "
    "0.0108 [0.0002, 0.0215]; seed 17 supported / supported, 0.0129 [0.0003, 0.0256]; seed "
    "29 supported / supported, 0.0121 [0.0014, 0.0228]; seed 43 inconclusive / "
    "inconclusive, 0.0050 [−0.0061, 0.0161].")
COMMON = dict(seed="002 (Q42)", quote=QUOTE, quantifier="primary",
              settings=Settings(PRIMARY), min_effect=MARGIN, parent="AC-2",
              revision=REVISION)

FITS = Claim(
    "AC-2a", hypothesis=f"Abid's answer on his task, first part: {PROTOCOL} relu, tanh, "
    f"x² and sin each reach test accuracy ≥ {FLOOR:g}.",
    measure=accuracy(FIT), rule=EveryMember("positive", null=FLOOR), null_value=FLOOR,
    pilot_sd=PILOT_SD["fit"], **COMMON, notes=(SCOPE,))
EQUIVALENT = Claim(
    "AC-2c", hypothesis=f"Abid's answer on his task, second part: {PROTOCOL} tanh, x² and "
    f"sin each reach a test accuracy equivalent to relu's within ±{MARGIN:g}.",
    measure=accuracy(FIT), rule=Equivalent(margin=MARGIN, reference=REFERENCE),
    null_value=0.0, equivalence_margin=MARGIN, pilot_sd=PILOT_SD["equivalent"], **COMMON,
    notes=(SCOPE,))
WORSE_THAN_RELU = Claim(
    "AC-2d", hypothesis=f"Abid's answer on his task, third part: {PROTOCOL} sign and "
    f"identity each end at least {MARGIN:g} below relu's test accuracy.",
    measure=accuracy((REFERENCE, *WORSE)),
    rule=EveryMember("positive", null=MARGIN, reference=REFERENCE), null_value=MARGIN,
    pilot_sd=PILOT_SD["worse"], **COMMON, notes=(
        SCOPE,
        "sign: torch.sign's gradient is 0 wherever it is defined, so a sign net's hidden "
        "layers never train (their gradients are exactly 0: tests/test_activations.py "
        "checks it on the harness's model): it is a random-features model with a trained "
        "read-out, as tf.sign was in Exp 7."))
CLAIMS = (FITS, EQUIVALENT, WORSE_THAN_RELU)

"""LS-6: entropy, KL and JS divergence, cross-entropy and cosine distance, checked in
float64 over a seeded random search of discrete distributions on 2 … 50 categories,
near-degenerate and near-equal pairs included (one search; four claims read it).

The search: :mod:`tasks.loss_facts.divergences`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from tasks.loss_facts.common import TOL
from tasks.loss_facts.divergences import (
    ASYM,
    BITS,
    CE_SPLIT,
    CONDITIONAL,
    COS_TRI,
    COS_ZERO,
    GRAD,
    JS_DISJOINT,
    JS_HIGH,
    JS_LOW,
    JS_SELF,
    JS_SYM,
    KL_DIV,
    KL_MIN,
    KL_SELF,
    KL_TRI,
    NATS,
    PER_SHAPE,
    PINSKER,
    SETTING,
    SIDES,
    search_words,
)

from .common import measure


def _claim(cid: str, seed: str, quote: str, hypothesis: str, members: tuple, head: str,
           label: str, settings: Settings, notes: tuple[str, ...] = ()) -> Claim:
    """An LS-6 part: an exact check of ``members`` over the one LS-6 search."""
    return Claim(cid, seed, quote, hypothesis,
                 measure=measure(cid, tuple(m.member for m in members), label, "ls6",
                                 "divergences.ls6"),
                 rule=Check(members, headline=head), quantifier="all", settings=settings,
                 notes=(search_words(), *notes), min_effect=TOL, null_value=TOL,
                 category=EXACT, parent="LS-6", replicates=8)


LS6A = _claim(
    "LS-6a", "003 (Q12)", "kl散度和余弦距离一样,不满足距离的严格定义;非负且不对称。",
    "KL is non-negative: KL(P‖Q) ≥ 0 for every pair, 0 when P = Q and positive otherwise "
    "(checked through Pinsker's KL(P‖Q) ≥ ½‖P − Q‖₁², zero only at P = Q); torch's "
    "F.kl_div(log Q, P) is this KL(P‖Q) (its argument convention).",
    (Bound(KL_MIN, "above", -TOL), Bound(KL_SELF, "below", TOL), Bound(PINSKER, "above", -TOL),
     Bound(KL_DIV, "below", TOL)), KL_MIN,
    "KL divergence over random pairs of distributions (nats, scipy's rel_entr)",
    Settings(SETTING),
    ("F.kl_div(input, target) expects log-probabilities as input and computes "
     "KL(target‖input) (design notes): the member checks that reading against a direct sum.",))

LS6B = _claim(
    "LS-6b", "003 (Q7, Q12)",
    "KL具有非对称性,即D(P||Q) ≠ D(Q||P)。 … "
    "kl散度和余弦距离一样,不满足距离的严格定义;非负且不对称。",
    "Neither KL nor cosine distance is a metric: KL(P‖Q) ≠ KL(Q‖P) for some pairs; the "
    "triangle inequality fails for KL (KL(P‖R) > KL(P‖Q) + KL(Q‖R) for some triples) and "
    "for cosine distance 1 − cos(x, y); and cosine distance is 0 between distinct vectors "
    "x and c·x. Every chunk of the search must find each counterexample.",
    (Bound(ASYM, "above", TOL, refute="every"), Bound(KL_TRI, "above", TOL, refute="every"),
     Bound(COS_TRI, "above", TOL, refute="every"), Bound(COS_ZERO, "below", TOL)), ASYM,
    "counterexamples to the metric axioms for KL and cosine distance", Settings(SETTING),
    ("How large the asymmetry typically is, |KL(P‖Q) − KL(Q‖P)| over their mean (median "
     "over the pairs), is shown, not judged.",))

LS6C = _claim(
    "LS-6c", "003 (Q12)",
    "js散度的范围是[0,1],相同则是0,相反为1。 … js散度满足对称性 JS(P||Q)=JS(Q||P)",
    "The Jensen-Shannon divergence in bits is symmetric and lies in [0, 1]; it is 0 only "
    "when P = Q (JS ≥ ‖P − Q‖₁²/(8 ln 2), from Pinsker) and 1 exactly when the supports "
    "are disjoint ('相反': 1 − JS ≥ Σ min(P, Q), the overlap; and JS = 1 on disjoint "
    "supports). Bits primary, the unit of the quote's [0, 1]; nats shown.",
    (Bound(JS_SYM, "below", TOL), Bound(JS_LOW, "above", -TOL), Bound(JS_SELF, "below", TOL),
     Bound(JS_HIGH, "above", -TOL), Bound(JS_DISJOINT, "below", TOL)), JS_DISJOINT,
    "Jensen-Shannon divergence over random pairs, sparse and disjoint ones included",
    Settings(BITS, shown=((NATS, "in nats JS ≤ ln 2 < 1, so the quote's range [0, 1] "
                                 "and '相反为1' need base 2"),)),
    ("scipy.spatial.distance.jensenshannon returns √JS, in nats by default (design "
     "notes): JS is computed here from its definition, in the setting's unit.",))

LS6D = _claim(
    "LS-6d", "003 (Q12); 000 (Q3)",
    "交叉熵就是真值分布的信息熵与KL散度的和 … "
    "所以梯度下降求导时,优化交叉熵和优化kl散度(相对熵)是一样的 … "
    "事件集合Y的条件熵=联合熵-事件集合X的信息熵 / 000: KL散度 = 交叉熵 - 信息熵",
    "Cross-entropy is entropy plus KL, CE(P, Q) = H(P) + KL(P‖Q) (so KL = CE − H), and for "
    "a fixed target P the gradients of CE and of KL in the logits θ of Q = softmax θ are "
    "equal (autograd through torch's F.cross_entropy and F.kl_div, one-hot and soft "
    "targets); and H(Y|X) = H(X, Y) − H(X), H(Y|X) computed as Σₓ p(x) H(Y | X = x).",
    (Bound(CE_SPLIT, "below", TOL), Bound(GRAD, "below", TOL), Bound(CONDITIONAL, "below", TOL)),
    CE_SPLIT, "entropy identities over random distributions", Settings(SETTING),
    (f"H(Y|X): {PER_SHAPE} joint distributions per shape a × b, a, b in "
     f"{SIDES.start} … {SIDES.stop - 1}, per chunk, a quarter of the cells zero.",))

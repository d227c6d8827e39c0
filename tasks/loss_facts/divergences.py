"""LS-6: entropy, KL and JS divergence, cross-entropy and cosine distance, checked in
float64 over a seeded random search of discrete distributions on 2 … 50 categories,
near-degenerate and near-equal pairs included (one search; four claims read it)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from omegaconf import DictConfig
from scipy.special import rel_entr, softmax, xlogy
from scipy.stats import entropy

from harness.train.search import row

from .common import TOL

CATEGORIES = range(2, 51)
PER_K = 255  # pairs per category count and chunk: 8 × 49 × 255 = 99,960 (notes: 10⁵)
SIDES = range(2, 11)  # values of X and of Y in a joint distribution
PER_SHAPE = 25  # joint distributions per shape a × b and chunk: 81 × 25 = 2,025
SETTING = "float64, 2–50 categories"
BITS, NATS = "bits", "nats"  # JS's unit: the quote's [0, 1] needs log base 2

KL_MIN = "KL(P‖Q), smallest"
KL_SELF = "KL(P‖P), largest"
PINSKER = "KL(P‖Q) − ½‖P − Q‖₁², smallest (Pinsker: > 0 for P ≠ Q)"
KL_DIV = "|F.kl_div(log Q, P) − KL(P‖Q)| / max(1, KL), largest"
ASYM = "|KL(P‖Q) − KL(Q‖P)|, largest"
ASYM_TYPICAL = "|KL(P‖Q) − KL(Q‖P)| over their mean, median"
KL_TRI = "KL(P‖R) − KL(P‖Q) − KL(Q‖R), largest"
COS_TRI = "cosine d(x, z) − d(x, y) − d(y, z), largest"
COS_ZERO = "cosine d(x, c·x), c ∈ (0, 10], largest"
JS_SYM = "|JS(P, Q) − JS(Q, P)|, largest"
JS_LOW = "JS − ‖P − Q‖₁²/(8 ln b) in log base b, smallest (> 0 for P ≠ Q)"
JS_SELF = "JS(P, P), largest"
JS_HIGH = "1 − JS − Σ min(P, Q), smallest (< 1 unless the supports are disjoint)"
JS_DISJOINT = "|JS − 1| on disjoint supports, largest"
CE_SPLIT = "|CE(P, Q) − H(P) − KL(P‖Q)| / max(1, CE), largest"
GRAD = "|∇θ CE(P, softmax θ) − ∇θ KL(P‖softmax θ)|, largest (autograd)"
CONDITIONAL = "|H(Y|X) − (H(X, Y) − H(X))| / max(1, H(X, Y)), largest"
PARTS = {**dict.fromkeys((KL_MIN, KL_SELF, PINSKER, KL_DIV), "LS-6a"),
         **dict.fromkeys((ASYM, ASYM_TYPICAL, KL_TRI, COS_TRI, COS_ZERO), "LS-6b"),
         **dict.fromkeys((JS_SYM, JS_LOW, JS_SELF, JS_HIGH, JS_DISJOINT), "LS-6c"),
         **dict.fromkeys((CE_SPLIT, GRAD, CONDITIONAL), "LS-6d")}


def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(P‖Q) in nats along the last axis (scipy's rel_entr: 0·log 0 = 0)."""
    return rel_entr(p, q).sum(-1)


def js(p: np.ndarray, q: np.ndarray, base: float = 2.0) -> np.ndarray:
    """Jensen-Shannon divergence ½KL(P‖M) + ½KL(Q‖M), M = (P + Q)/2, in log ``base``
    (not scipy's jensenshannon, which returns its square root, in nats by default)."""
    m = (p + q) / 2
    return (kl(p, m) + kl(q, m)) / (2 * math.log(base))


def cosine(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cosine distance 1 − x·y/(‖x‖‖y‖) along the last axis."""
    return 1 - (x * y).sum(-1) / np.linalg.norm(x, axis=-1) / np.linalg.norm(y, axis=-1)


def draws(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PER_K triples (P, Q, R) of full-support distributions on k categories: P =
    softmax(s·z), s log-uniform over 0.01 … 30 (near-degenerate at large s); Q for half
    of them P's logits moved by ε·z', ε log-uniform over 1e-9 … 1 (near-equal), else drawn
    like P; R drawn like P."""
    def scale() -> np.ndarray:
        return 10.0 ** rng.uniform(-2, math.log10(30), (PER_K, 1))

    z = rng.standard_normal((3, PER_K, k))
    p = scale() * z[0]
    near = 10.0 ** rng.uniform(-9, 0, (PER_K, 1)) * z[1] + p
    q = np.where(np.arange(PER_K)[:, None] % 2 == 0, near, scale() * z[1])
    return softmax(p, -1), softmax(q, -1), softmax(scale() * z[2], -1)


def sparse(rng: np.random.Generator, p: np.ndarray, q: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(P, Q) with categories zeroed at random (overlapping supports), and (P, Q) on
    disjoint supports (a random split of the categories), renormalized."""
    k = p.shape[-1]
    keep = rng.random((2, *p.shape)) < 0.5
    keep[:, np.arange(len(p)), rng.integers(k, size=len(p))] = True
    side = rng.permuted(np.arange(k) < rng.integers(1, k, (len(p), 1)), axis=1)

    def norm(x: np.ndarray) -> np.ndarray:
        return x / x.sum(-1, keepdims=True)

    return norm(p * keep[0]), norm(q * keep[1]), norm(p * side), norm(q * ~side)


def gradients(p: np.ndarray, theta: np.ndarray) -> float:
    """Largest |∇θ CE − ∇θ KL| for target P and Q = softmax θ, by autograd through
    torch's own losses (F.cross_entropy with probabilities as targets; F.kl_div)."""
    t, target = torch.tensor(theta, requires_grad=True), torch.tensor(p)
    g_ce, = torch.autograd.grad(F.cross_entropy(t, target, reduction="sum"), t)
    g_kl, = torch.autograd.grad(F.kl_div(torch.log_softmax(t, -1), target, reduction="sum"), t)
    return float((g_ce - g_kl).abs().max())


def conditional(rng: np.random.Generator) -> float:
    """Largest |H(Y|X) − (H(X,Y) − H(X))| (relative to max(1, H(X,Y))) over PER_SHAPE joint
    distributions of each shape a × b (a, b in SIDES), H(Y|X) computed as
    Σₓ p(x) H(Y | X = x); a quarter of the cells zeroed (one random cell always kept)."""
    worst = 0.0
    for a in SIDES:
        for b in SIDES:
            scale = 10.0 ** rng.uniform(-2, math.log10(30), (PER_SHAPE, 1, 1))
            joint = softmax(scale * rng.standard_normal((PER_SHAPE, a, b)), (1, 2))
            keep = rng.random(joint.shape) > 0.25
            cell = rng.integers(a * b, size=PER_SHAPE)
            keep.reshape(PER_SHAPE, -1)[np.arange(PER_SHAPE), cell] = True
            joint = joint * keep  # a quarter of the cells zero, never all of them
            joint = joint / joint.sum((1, 2), keepdims=True)
            px = joint.sum(2)
            with np.errstate(invalid="ignore", divide="ignore"):
                given = np.where(px > 0, px * entropy(joint, axis=2), 0.0).sum(1)
            hxy = entropy(joint.reshape(PER_SHAPE, -1), axis=1)
            gap = np.abs(given - (hxy - entropy(px, axis=1))) / np.maximum(1, hxy)
            worst = max(worst, float(gap.max()))
    return worst


def ls6(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-6, one chunk: for every k of CATEGORIES, PER_K triples (P, Q, R) (:func:`draws`),
    their sparse and disjoint-support variants (:func:`sparse`) and PER_K triples of
    Gaussian vectors in R^k; joint distributions for the conditional entropy."""
    found: dict[object, list[np.ndarray]] = {}
    for k in CATEGORIES:
        p, q, r = draws(rng, k)
        sp, sq, dp, dq = sparse(rng, p, q)
        x = rng.standard_normal((3, PER_K, k))
        one_hot = np.eye(k)[rng.integers(k, size=PER_K)]
        d_pq, d_qp = kl(p, q), kl(q, p)
        torch_kl = F.kl_div(torch.tensor(np.log(q)), torch.tensor(p), reduction="none")
        ce = -xlogy(p, q).sum(-1)
        each = {
            KL_MIN: d_pq, KL_SELF: kl(p, p), PINSKER: d_pq - np.abs(p - q).sum(-1) ** 2 / 2,
            KL_DIV: np.abs(torch_kl.sum(-1).numpy() - d_pq) / np.maximum(1, d_pq),
            ASYM: np.abs(d_pq - d_qp), ASYM_TYPICAL: np.abs(d_pq - d_qp) / ((d_pq + d_qp) / 2),
            KL_TRI: kl(p, r) - d_pq - kl(q, r),
            COS_TRI: cosine(x[0], x[2]) - cosine(x[0], x[1]) - cosine(x[1], x[2]),
            COS_ZERO: cosine(x[0], rng.uniform(0, 10, (PER_K, 1)) * x[0]),
            CE_SPLIT: np.abs(ce - entropy(p, axis=-1) - d_pq) / np.maximum(1, ce),
            GRAD: np.array([gradients(p, np.log(q)), gradients(one_hot, np.log(q))])}
        ps, qs = np.concatenate([p, sp, dp]), np.concatenate([q, sq, dq])
        for unit, base in ((BITS, 2.0), (NATS, math.e)):
            j = js(ps, qs, base)
            each |= {(unit, JS_SYM): np.abs(j - js(qs, ps, base)),
                     (unit, JS_LOW): j - np.abs(ps - qs).sum(-1) ** 2 / (8 * math.log(base)),
                     (unit, JS_SELF): js(ps, ps, base),
                     (unit, JS_HIGH): 1 - j - np.minimum(ps, qs).sum(-1),
                     (unit, JS_DISJOINT): np.abs(js(dp, dq, base) - 1)}
        for key, values in each.items():
            found.setdefault(key, []).append(values)
    n = PER_K * len(CATEGORIES)
    rows = []
    for key, parts in found.items():
        unit, member = key if isinstance(key, tuple) else (SETTING, key)
        values = np.concatenate(parts)
        value = (np.median(values) if member == ASYM_TYPICAL else values.max()
                 if "largest" in member else values.min())
        points = (2 * n if member == GRAD else n if unit == SETTING or member == JS_DISJOINT
                  else 3 * n)  # JS: full, sparse and disjoint pairs
        rows.append(row(unit, member, value, points, part=PARTS[member]))
    rows.append(row(SETTING, CONDITIONAL, conditional(rng), PER_SHAPE * len(SIDES) ** 2,
                    part="LS-6d"))
    return pd.DataFrame(rows)


def search_words() -> str:
    """The search, for every LS-6 claim's notes."""
    return (f"The search: per chunk, {PER_K} pairs (P, Q) and a third R on every k of "
            f"{CATEGORIES.start} … {CATEGORIES.stop - 1} categories, 8 × {PER_K * len(CATEGORIES)}"
            " in all (design notes: 10⁵), P = softmax(s·z) with s log-uniform over 0.01 … 30 "
            "(near-degenerate: entries down to ~e⁻¹⁵⁰), Q for half of them P's logits moved "
            "by ε ∈ 1e-9 … 1 (near-equal); JS adds each pair with categories zeroed at "
            "random and on disjoint supports; cosine distance uses Gaussian vectors of R^k. "
            f"Tolerance {TOL:g} (float64 rounding, design notes), absolute or relative to "
            "max(1, value) as each member says. Before the claims were declared, one chunk "
            "was run to time it; nothing changed but the speed of the H(Y|X) search.")

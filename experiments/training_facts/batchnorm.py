"""BD-8: after BN (before γ, β) every feature of a layer's input has batch mean 0 and
variance 1 (BD-8a), and is normally distributed (BD-8b)?

The search: :mod:`tasks.training_facts.batchnorm`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.batchnorm import (
    AFFINE,
    AFTER,
    ALPHA,
    BATCH,
    BEFORE,
    CONSTANT,
    EPOCHS,
    HIDDEN,
    LR,
    MEAN,
    NORMAL,
    VAR,
)

SETUP = (f"A 64–{HIDDEN}–10 net trained {EPOCHS} epochs (Adam, lr {LR}, batch {BATCH}) on "
         "the chunk's own 80% of digits, BN after the ReLU (001's recommended placement; "
         "primary) or before it; BN's own F.batch_norm (training mode, no affine) in "
         f"float64 on the BN inputs of the held-out 20% in batches of {BATCH}.")


def _bd8(part: str, members: tuple[str, ...], rule: Check, hypothesis: str,
         shown: tuple[tuple[str, str], ...] = (), **kw: object) -> Claim:
    """BD-8a and BD-8b: the same quote, search and placements, each its own members."""
    return Claim(
        f"BD-8{part}", "001 (Normalization · Batch Normalization)",
        "标准化使得每层网络的输入都服从(0,1)正态分布。", hypothesis,
        measure=Searched(factor=Factor("member", members, "member"),
                         label="BN's output (before γ, β) per feature on a trained digits "
                               "net's BN inputs", grid="bd8",
                         task="tasks.training_facts.batchnorm.bd8"),
        rule=rule, quantifier="all", settings=Settings(AFTER, (BEFORE,), shown),
        parent="BD-8", category=EXACT, replicates=8, **kw)


BD8A = _bd8(
    "a", (MEAN, VAR, CONSTANT),
    Check((Bound(MEAN, "below", 1e-6), Bound(VAR, "below", 1e-6),
           Bound(CONSTANT, "below", 1e-12)), headline=VAR),
    "After BN (before γ, β) every feature has batch mean 0 and variance 1: exactly, "
    "mean 0 and variance var/(var + ε), within 1e-6 (float64: rounding is ~1e-15, and "
    "1e-6 is below the ε term ε/(var + ε) ≈ 1e-5 at unit variance that the check must "
    "resolve), and no feature constant in a batch (a ReLU unit silent for the whole "
    "batch: x̂ ≡ 0, variance 0, not 1; supported only if no chunk has one). "
    f"{SETUP} Shown: the largest |variance − 1|.",
    min_effect=1e-6, null_value=1e-6,
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): the share of features constant in a batch, shown before, is "
             "now judged (it must be 0). The earlier rule compared each variance with "
             "var/(var + ε), which is 0 for a constant feature, so it could fail only "
             "through a bug in F.batch_norm (an implementation check) and gave supported "
             "(largest error 2.2e-15 under seed 0). Why: the quote says every layer's "
             "input (都) has variance 1, and in the primary setting (BN after the ReLU) "
             "6–28% of a chunk's feature-batches are constant.")
BD8B = _bd8(
    "b", (NORMAL,), Check((Bound(NORMAL, "below", 0.15, refute_at=0.5),), headline=NORMAL),
    "After BN (before γ, β) every feature is normally distributed: per batch and "
    f"non-constant feature, a D'Agostino–Pearson test at α = {ALPHA}; supported if every "
    "chunk's share of rejections is below 0.15 (3α: the tests' own false rejections with "
    "room for correlated features), refuted if some chunk's share is above 0.5 (ten "
    f"times α, out of reach of chance). {SETUP} Shown: |skewness| after BN, and the "
    "change of skewness and kurtosis across BN (BN is affine per feature: none).",
    shown=((AFFINE, "the quote speaks of the standardization, before the affine step"),),
    min_effect=0.15, null_value=0.15)

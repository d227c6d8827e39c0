"""NM-1: GroupNorm with one group is LayerNorm and with C groups InstanceNorm (before the
affine step), and for an (N, C, H, W) input GN, IN and LN compute N·G, N·C and N
mean/variance pairs, BN "一 个" (one).

The search: :mod:`tasks.training_facts.groupnorm`."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.groupnorm import (
    BN_ONE,
    COUNT_LIMITS,
    COUNTED,
    COUNTS,
    GN_PAIRS,
    IN,
    IN_PAIRS,
    LIMITS,
    LN,
    LN_PAIRS,
    SHAPES,
    TOL,
)


def _nm1(part: str, members: tuple[str, ...], rule: Check, settings: Settings, grid: str,
         hypothesis: str, notes: tuple[str, ...] = (), **kw: object) -> Claim:
    """NM-1a, b, c: one quote; identities (a) and counts (b, c) each from their search."""
    return Claim(
        f"NM-1{part}", "001 (BN / GN / IN / LN)", "对Batch维度进行计算;则会生成 一 个 "
        "variance, mean。 … 则会生成batch size *Group个 variance mean。 … 则会生成 batch "
        "size * channels个 variance mean。 … 则会生成 batch size 个 variance mean。 … "
        "G=1: Layer Normalization … G=C: Instance Normalization", hypothesis,
        measure=Searched(factor=Factor("member", members, "member"),
                         label="torch's normalization modules on random (N, C, H, W) inputs",
                         grid=grid, task=f"tasks.training_facts.groupnorm.{grid}"),
        rule=rule, quantifier="all", settings=settings, parent="NM-1", category=EXACT,
        replicates=8, notes=notes, **kw)


NM1A = _nm1(
    "a", (LN, IN), Check((Bound(LN, "below", TOL["float64"]),
                          Bound(IN, "below", TOL["float64"]))),
    Settings("float64", shown=(("float32", "rounding, not the identity: where a group's "
                                "variance is near ε the two implementations' float32 "
                                "rounding differs by ~1e-5"),)), "identities",
    "GroupNorm with one group equals LayerNorm over (C, H, W), and with C groups equals "
    "InstanceNorm2d, before the affine step (affine off; torch's default ε = 1e-5 in all "
    f"three): max |a − b| / max(1, max |b|) below {TOL['float64']:g} in float64 over "
    f"{SHAPES} random shapes per chunk (N ≤ {LIMITS[0]}, C ≤ {LIMITS[1]}, H, W ≤ "
    f"{LIMITS[2]}), standard-normal inputs. float32 is shown.",
    notes=("Before this rule was declared, one chunk was looked at in both dtypes: float32 "
           "GroupNorm(C, C) and InstanceNorm2d differed by 1.1e-5 (relative), above the "
           "1e-5 first considered for float32, where a group of two elements had a "
           "variance near ε (both differ from float64 by ~6e-6 there). float32 became a "
           "shown setting; float64 is judged.",),
    min_effect=TOL["float64"], null_value=TOL["float64"])
NM1B = _nm1(
    "b", (GN_PAIRS, IN_PAIRS, LN_PAIRS), Check((Bound(GN_PAIRS, "below", 0.5),
                                                Bound(IN_PAIRS, "below", 0.5),
                                                Bound(LN_PAIRS, "below", 0.5))),
    Settings(COUNTS), "counts",
    "For an (N, C, H, W) input GroupNorm with G groups computes N·G mean/variance pairs, "
    "InstanceNorm N·C and LayerNorm N: counted on torch's modules as the connected "
    "components of each Jacobian's non-zero pattern (an output depends on exactly the "
    f"inputs that share its statistics), over {COUNTED} random shapes per chunk (N ≤ "
    f"{COUNT_LIMITS[0]}, C ≤ {COUNT_LIMITS[1]}, H, W ≤ {COUNT_LIMITS[2]}, G a random "
    "divisor of C; float64); a count off by one refutes.",
    min_effect=0.5, null_value=0.5)
NM1C = _nm1(
    "c", (BN_ONE,), Check((Bound(BN_ONE, "below", 0.5),)), Settings(COUNTS), "counts",
    "BatchNorm computes one ('一 个') mean/variance pair for an (N, C, H, W) input, "
    "counted as in NM-1b. The seed's lines for GN, IN and LN count over the whole input "
    "(batch size × …), so '一 个' is read the same way: one in all. Shown beside it: the "
    "count against C (one pair per channel, shared by the batch: the reading under which "
    "the line holds, as the seed's own batchnorm_forward computes D means for (N, D)).",
    min_effect=0.5, null_value=0.5)

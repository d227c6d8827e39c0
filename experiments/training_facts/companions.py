"""BD-10a: a sample's LayerNorm and GroupNorm outputs do not depend on the rest of its
batch; its BatchNorm output in train mode does.

The search: :mod:`tasks.training_facts.companions`."""

from __future__ import annotations

from harness.judge.claims import IMPLEMENTATION, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.training_facts.companions import BN, BN_MOVES, GN, LN, SETTING, SHAPES, TOL
from tasks.training_facts.groupnorm import LIMITS

BD10A = Claim(
    "BD-10a", "001 (Batch Normalization cons; Group Normalization)",
    "受限于Batch size,检测任务中超分辨率时batch size=1 or 2 / (GN) …以进行归一化,与Batch "
    "Size无关",
    "A sample's LayerNorm and GroupNorm outputs do not depend on the rest of its batch, "
    "while its BatchNorm output in train mode does: with the sample's batch companions "
    f"replaced, its LN and GN outputs change by less than {TOL:g} (relative, float32) and "
    f"its BN output by more than {BN_MOVES:g}, on torch's modules over {SHAPES} random "
    f"shapes per chunk (2 ≤ N ≤ {LIMITS[0]}, C ≤ {LIMITS[1]}, H, W ≤ {LIMITS[2]}). BN in "
    "eval mode, which uses running statistics, is shown.",
    measure=Searched(factor=Factor("member", (LN, GN, BN), "member"),
                     label="torch's normalization modules, batch companions replaced",
                     grid="companions",
                     task="tasks.training_facts.companions.companions"),
    rule=Check((Bound(LN, "below", TOL), Bound(GN, "below", TOL),
                Bound(BN, "above", BN_MOVES, refute_at=TOL))),
    quantifier="all", settings=Settings(SETTING), parent="BD-10", category=IMPLEMENTATION,
    replicates=8, min_effect=TOL, null_value=TOL,
    notes=("Near definitional: LN and GN compute each sample's statistics from that sample "
           "alone, which is what the quote's 与Batch Size无关 says; the check confirms "
           "torch's modules do so. The quote's 受限于Batch size, BN's accuracy at batch 1 "
           "or 2, is BD-10b (BN's drop against LN's and GN's from batch 64 to 2), not run.",))

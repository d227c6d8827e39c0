"""LC-4: test accuracy of plain sigmoid nets falls with depth at a fixed budget."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.judge.claims import Claim, Settings
from harness.judge.families import Trend
from harness.judge.measures import Final
from harness.judge.table import Table
from harness.track.results import RunSet

from .common import BASE, DEPTH, NAME, REPLICATES, variant_of


@dataclass(frozen=True)
class VariantFinal(Final):
    """A final.csv metric of the variant runs, the setting named by activation and variant,
    e.g. "sigmoid plain", "sigmoid bn", "relu plain"."""

    by: str = "variant"

    def rows(self, rs: RunSet) -> pd.DataFrame:
        df = self._select(rs.final)
        return df.assign(variant=df.activation.astype(str) + " " + variant_of(df)
                         ) if not df.empty else df

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        acts = sorted({s.split(" ")[0] for s in settings})
        kinds = {s.split(" ")[1] for s in settings}
        return {"preset": ["variants"], "model.depth": list(self.factor.levels),
                "model.activation": acts, "model.batch_norm": sorted({k == "bn" for k in kinds}),
                "model.residual": sorted({k == "residual" for k in kinds})}

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        final = self._long(tables, self.metric)
        act, kind = final.variant.str.split(" ", expand=True).T.to_numpy()
        final = final.assign(preset="variants", activation=act, batch_norm=kind == "bn",
                             residual=kind == "residual").drop(columns=["variant"])
        return RunSet.from_tables(NAME, ["preset", "activation", "depth", "batch_norm",
                                         "residual"], final)


CLAIM = Claim(
    "LC-4", "004", "随着隐藏层数目的增加,分类准确率反而下降了",
    "For sigmoid MLPs at a fixed training budget, test accuracy falls as depth grows: a "
    "downward trend with no significant reversal.",
    measure=VariantFinal(factor=DEPTH, label="held-out test accuracy", grid="plain"),
    rule=Trend("decreasing"), quantifier="primary", settings=Settings(BASE),
    notes=("Plain sigmoid nets at a fixed budget of 750 steps; the headline is per added "
           "hidden layer (the trend's slope over depth).",),
    # 5 of the 100 test examples over depths 3 → 9, i.e. 0.05 / 6 per added hidden layer
    # (one binomial SE of one test set's accuracy at ~0.75 is 0.043); pilot SD: the
    # per-replicate trend
    min_effect=0.05 / 6, pilot_sd=0.0065, replicates=REPLICATES,
    # first declared: 0.05 per adjacent depth step (3 → 6 → 10), per added layer at
    # its most lenient 0.05/4 (the 6 → 10 step)
    min_effect_first=0.05 / 4,
    revision="Changed after the seed-0 run, with its data in view (584de24): adjacent "
             "depths 3 → 6 → 10 (supported only if accuracy fell significantly at each "
             "step) became a downward trend over depths 3, 5, 9 with no significant "
             "reversal. The earlier rule gave inconclusive (pair 3 → 6: 0.0079 [−0.0040, "
             "0.0198], p = 0.18). The smallest effect was restated with it (584de24): 0.05 "
             "(5 of the 100 test examples) per adjacent depth step became 0.05 over depths "
             "3 → 9, 0.05/6 ≈ 0.0083 per added hidden layer, about half the old rate per "
             "layer (0.05 over 3 or 4 added layers: 0.0125–0.017); the pilot SD went "
             "0.135 → 0.0065 in the new unit (power only). The present 0.0064 per layer is "
             "below either, so its 'below the declared smallest effect' mark does not rest "
             "on the restatement. Why: 584de24 names no reason beyond the trend itself; "
             "RG-1's revision, for the same change, gives one: strict per-pair drops ask "
             "more than the quote's 'falls' (下降).")

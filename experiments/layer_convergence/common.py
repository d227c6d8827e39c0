"""Shared by LC-1 ... LC-4: the design, and the variant runs' gradient ratio (LC-2, LC-3).

Every claim's pilot SD is from the issue-12 review pilot: 8 replicates of this design with
the measures as now declared, each on its own dataset, the seeds of the verdict's
replicates 0-7 (so the SDs plan power and decide nothing); each is the replicate SD of the
primary setting's noisiest member, which decides under a planted effect (every member of an
intersection-union family then has the same mean)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.judge.measures import Factor
from harness.track.results import RunSet

NAME = "layer_convergence"
REPLICATES = 24  # = trainer.replicates in conf/experiment/layer_convergence.yaml (tested)
DEPTHS = (3, 5, 9)
DEPTH = Factor("model.depth", DEPTHS, "depth")  # hidden layers
BASE = "sigmoid plain"  # LC-2, LC-4 and LC-3's reference
# optim.name's run column (a RunSet names a column by its key's last part): "adam" in
# every grid but LC-2's plain_sgd
OPTIMIZER = "name"
VARIANT_AXES = ["preset", "activation", "depth", "batch_norm", "residual", OPTIMIZER]


def variant_of(frame: pd.DataFrame) -> pd.Series:
    """plain, bn or residual, from the run's model flags."""
    bn, res = frame.batch_norm.astype(bool), frame.residual.astype(bool)
    return pd.Series(np.select([bn, res], ["bn", "residual"], "plain"), index=frame.index)


def grad_ratio(rs: RunSet, bn_train: bool = True) -> pd.DataFrame:
    """Per variant run and replicate: ``log_ratio`` = mean over evaluations of log10 (RMS
    per entry of the loss gradient with respect to the first / the last hidden layer's
    output); < 0 = vanishing. Both outputs are (batch, 50), so the ratio of
    ``grad_out_norm`` is that of the RMS per entry. Batch norm is read in train mode
    (``grad_out_norm_train``), or in eval mode with ``bn_train=False``."""
    ls = rs.sel("layer_stats", preset="variants")
    keys = ["optimizer", "variant", "activation", "depth", "replicate"]
    if ls.empty or "grad_out_norm" not in ls:
        return pd.DataFrame(columns=[*keys, "log_ratio"])
    ls = ls.assign(variant=variant_of(ls), optimizer=ls[OPTIMIZER])
    norm = ls.grad_out_norm
    if bn_train:
        norm = norm.where(ls.variant != "bn", ls.get("grad_out_norm_train", np.nan))
    ls = ls.assign(norm=norm.astype(float))
    first, final = (ls[at].set_index([*keys, "step"]).norm
                    for at in (ls.layer == 1, ls.layer == ls.depth))  # the last hidden output
    lr = np.log10(first.clip(lower=1e-300) / final.clip(lower=1e-300))
    return lr.groupby(keys).mean().rename("log_ratio").reset_index()


def per_depth(gr: pd.DataFrame, activation: str, variant: str, optimizer: str = "adam"
              ) -> pd.DataFrame:
    """replicate × depth table of one variant's log_ratio (paired by replicate)."""
    sel = gr[(gr.activation == activation) & (gr.variant == variant)
             & (gr.optimizer == optimizer)]
    return sel.pivot(index="replicate", columns="depth", values="log_ratio").sort_index()


def _first_at(log10: np.ndarray) -> np.ndarray:
    """Per replicate, the first and the last hidden layer's values: 10^log10 and 1."""
    return np.column_stack([10.0 ** log10, np.ones(log10.size)]).ravel()


def variant_runs(ratios: dict[tuple[str, str, str], np.ndarray], clusters: np.ndarray,
                 updates: dict[tuple[str, str, str], np.ndarray] | None = None) -> RunSet:
    """Synthetic variant runs: per (activation, variant, optimizer) a (replicates, depths)
    array of log10 first / last hidden output-gradient ratios, as one evaluation's
    layer_stats; ``updates``: per key, log10 first / last hidden matrix relative update,
    as one interval's convergence_steps; ``clusters``: each replicate's dataset."""
    frames, steps, finals = [], [], []
    for (act, var, opt), lr in ratios.items():
        reps = np.arange(lr.shape[0])
        for j, d in enumerate(DEPTHS):
            point = {"preset": "variants", "activation": act, "depth": d,
                     "batch_norm": var == "bn", "residual": var == "residual",
                     OPTIMIZER: opt}
            ends = {**point, "replicate": np.repeat(reps, 2), "layer": np.tile([1, d], reps.size)}
            ratio = _first_at(lr[:, j])
            frames.append(pd.DataFrame({**ends, "step": 0, "grad_out_norm": ratio,
                                        "grad_out_norm_train": ratio}))
            if updates is not None and (act, var, opt) in updates:
                steps.append(pd.DataFrame({**ends, "step": 1, "update_ratio":
                                           _first_at(updates[act, var, opt][:, j])}))
            finals.append(pd.DataFrame({
                **point, "grid": ("plain" if var == "plain" else var)
                + ("_sgd" if opt == "sgd" else ""), "replicate": reps,
                "dataset": np.asarray(clusters, float), "test_acc": np.nan}))
    tables = {"layer_stats": pd.concat(frames, ignore_index=True)}
    if steps:
        tables["convergence_steps"] = pd.concat(steps, ignore_index=True)
    return RunSet.from_tables(NAME, VARIANT_AXES, pd.concat(finals, ignore_index=True),
                              **tables)

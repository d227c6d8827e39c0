"""Shared by LC-1 ... LC-4: the experiment's name, replicates and depths, and the
variant runs' first / last hidden output-gradient ratio (LC-2, LC-3) and its synthesis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.judge.measures import Factor
from harness.track.results import RunSet, dataset_of

NAME = "layer_convergence"
REPLICATES = 24  # = trainer.replicates in conf/experiment/layer_convergence.yaml (tested)
DEPTHS = (3, 5, 9)
DEPTH = Factor("model.depth", DEPTHS, "depth")  # hidden layers
BASE = "sigmoid plain"  # LC-2, LC-4 and LC-3's reference


def variant_of(frame: pd.DataFrame) -> pd.Series:
    """plain, bn or residual, from the run's model flags."""
    bn = frame.batch_norm.astype(bool)
    res = frame.residual.astype(bool)
    return pd.Series(np.select([bn, res], ["bn", "residual"], "plain"), index=frame.index)


def grad_ratio(rs: RunSet) -> pd.DataFrame:
    """Per variant run and replicate: ``log_ratio`` = mean over evaluations of log10
    (RMS per entry of the loss gradient with respect to the first hidden layer's output
    / the same for the last hidden layer's output); 0 = balanced, < 0 = vanishing. The
    same kind of quantity at both ends in every variant: a hidden layer's output after
    its activation (after BN's activation with batch norm; the residual stream after
    the first layer and after the last block in a residual net), so neither end carries
    a σ' the other lacks. Both are (batch, 50), so the ratio of layer_stats'
    ``grad_out_norm`` is the ratio of RMS per entry."""
    ls = rs.sel("layer_stats", preset="variants")
    keys = ["variant", "activation", "depth", "replicate"]
    if ls.empty or "grad_out_norm" not in ls:
        return pd.DataFrame(columns=[*keys, "log_ratio"])
    ls = ls.assign(variant=variant_of(ls))
    idx = [*keys, "step"]
    first = ls[ls.layer == 1].set_index(idx).grad_out_norm
    final = ls[ls.layer == ls.depth].set_index(idx).grad_out_norm  # the last hidden output
    lr = np.log10(first.clip(lower=1e-300) / final.clip(lower=1e-300))
    return lr.groupby(keys).mean().rename("log_ratio").reset_index()


def _per_depth(gr: pd.DataFrame, activation: str, variant: str) -> pd.DataFrame:
    """depth × replicate table of log_ratio for one variant (paired by replicate)."""
    sel = gr[(gr.activation == activation) & (gr.variant == variant)]
    if sel.empty:
        return pd.DataFrame()
    return sel.pivot(index="replicate", columns="depth", values="log_ratio").sort_index()


def _variants_clusters(rs: RunSet, reps: pd.Index) -> np.ndarray:
    return dataset_of(rs.sel(preset="variants"), reps)


def _variant_runs(ratios: dict[tuple[str, str], np.ndarray], clusters: np.ndarray) -> RunSet:
    """Synthetic variant runs: per (activation, variant) a (R, depths) array of
    log10 first/last hidden output-gradient ratios (layer_stats with the first and the
    last hidden layer's ``grad_out_norm`` at one evaluation); ``clusters``: each
    replicate's dataset."""
    frames, finals = [], []
    for (act, var), lr in ratios.items():
        reps = np.arange(lr.shape[0])
        for j, d in enumerate(DEPTHS):
            point = {"preset": "variants", "activation": act, "depth": d,
                     "batch_norm": var == "bn", "residual": var == "residual"}
            frames.append(pd.DataFrame({
                **point, "step": 0, "replicate": np.repeat(reps, 2),
                "layer": np.tile([1, d], reps.size),
                "grad_out_norm": np.column_stack([10.0 ** lr[:, j],
                                                  np.ones(reps.size)]).ravel()}))
            finals.append(pd.DataFrame({
                **point, "grid": "plain" if var == "plain" else var, "replicate": reps,
                "dataset": np.asarray(clusters, float), "test_acc": np.nan}))
    axes = ["preset", "activation", "depth", "batch_norm", "residual"]
    return RunSet.from_tables(NAME, axes, pd.concat(finals, ignore_index=True),
                              layer_stats=pd.concat(frames, ignore_index=True))


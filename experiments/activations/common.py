"""What both claims share: the experiment's name, Exp 7's activations, Abid's numbers,
and scikit-learn's optimum on a replicate's own split (AC-1b's context, the page)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hydra import compose
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from harness.track.results import RunSet, hydra_context
from harness.train.data import make_dataset

NAME = "activations"
PRIMARY = "abid2018"  # Exp 7 as written (conf/experiment/activations.yaml, grid abid)
NOISY = "abid2018_noise03"  # AC-2a1/a2/a3 robustness (added after data): make_moons noise 0.3
LONG = "abid2018_long"  # AC-1b's primary: 10x the steps, converged (preset abid2018_long)
ACTIVATIONS = ("relu", "tanh", "x2", "sin", "sign", "identity")  # cell 47's order
# Abid (2018) Exp 7: final test accuracy (after update 721), mean of 3 iters, read off
# the notebook's figure (/work/shared/reference: ≈1.0 for relu, tanh, x², sin)
ORIGINAL = {"relu": 1.0, "tanh": 1.0, "x2": 1.0, "sin": 1.0, "sign": 0.977, "identity": 0.89}


def sklearn_optimum(rs: RunSet, preset: str = PRIMARY) -> pd.DataFrame:
    """Per replicate: scikit-learn's unpenalized LogisticRegression (the one-layer
    model's optimum) fitted on the replicate's own training split: its test accuracy and
    training cross-entropy (nats), regenerated from the config and final.csv's
    ``dataset``."""
    fin = rs.sel(preset=preset)
    if fin.empty:
        return pd.DataFrame(columns=["sklearn test acc", "sklearn train loss"])
    with hydra_context():
        cfg = compose("config", overrides=[f"experiment={NAME}", f"preset={preset}",
                                           *[o for o in rs.overrides if "," not in o]])
    rows = {}
    for r, d in fin.groupby("replicate").dataset.first().items():
        ds = make_dataset(cfg.data, int(d))
        model = LogisticRegression(C=np.inf, max_iter=10_000).fit(ds.x_train, ds.y_train)
        rows[int(r)] = (model.score(ds.x_test, ds.y_test),
                        log_loss(ds.y_train, model.predict_proba(ds.x_train)))
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["sklearn test acc", "sklearn train loss"])

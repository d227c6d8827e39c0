"""LS-3a, LS-3b, LS-3c (experiments/label_smoothing): the measures read back what they
synthesize, and the likelihood gap reads plain cross-entropy at every ε."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_measure_round_trips

from experiments.label_smoothing import ls3
from harness.track.results import RunSet

CLAIMS = {c.id: c for c in ls3.CLAIMS}


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_measures_read_back_what_they_synthesize(cid):
    assert_measure_round_trips(CLAIMS[cid], 0.3)


def test_the_gap_is_plain_cross_entropy_at_every_eps():
    """ε = 0 logs no *_nll (its objective is the cross-entropy: *_loss); ε > 0 logs the
    smoothed objective as *_loss and the cross-entropy as *_nll, which the gap reads."""
    final = pd.DataFrame([
        {"grid": "few", "preset": ls3.FEW, "label_smoothing": eps, "replicate": r,
         "dataset": r, "train_loss": 0.01 if eps == 0 else 0.5,
         "test_loss": 0.3 if eps == 0 else 0.9, "train_nll": np.nan if eps == 0 else 0.4,
         "test_nll": np.nan if eps == 0 else 0.6}
        for eps in (0.0, 0.1) for r in range(3)])
    t = ls3.GAP.read(RunSet.from_tables("label_smoothing", ["preset", "label_smoothing"],
                                        final), ls3.FEW)
    np.testing.assert_allclose(t.values, [[0.29, 0.2]] * 3)

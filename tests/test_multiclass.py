"""The multiclass searches (experiments/multiclass): each emits the settings and members
its claims declare; ECOC draws a new code per replicate; MC-2 compares with the declared
better of OvO and OvR; the timing interleaves OvO and OvR."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from sklearn.multiclass import OutputCodeClassifier

from experiments.multiclass import EXPERIMENT
from experiments.multiclass.mc import MC1A, MC2
from harness.train.data import seed_for
from tasks.multiclass import searches

CFG = OmegaConf.create({"trainer": {"replicates": 3, "seed": 0}})


@pytest.fixture(scope="module")
def chunks() -> dict[str, pd.DataFrame]:
    """Chunk 0 of every search, once."""
    tasks = {c.measure.task for c in EXPERIMENT.claims}
    return {t: getattr(searches, t.rsplit(".", 1)[-1])(CFG, 0, np.random.default_rng(0))
            for t in tasks}


def test_every_search_emits_the_settings_and_members_its_claims_declare(chunks):
    for claim in EXPERIMENT.claims:
        rows = chunks[claim.measure.task]
        for setting in claim.settings.every:
            got = rows[rows.setting == setting].set_index("member").value
            assert all(np.isfinite(got[m]) for m in claim.measure.factor.levels), (claim.id,
                                                                                 setting)
    timing = chunks[MC1A.measure.task]
    assert (timing[timing.member.str.contains("time")].value > 0).all()


def test_ecoc_is_compared_with_the_declared_better_of_ovo_and_ovr(chunks):
    rows = chunks[MC2.measure.task].set_index(["setting", "member"]).value
    for (data, base), sizes in searches.ACCURACY.items():
        better = rows[searches.setting(data, base), searches.BETTER[data, base]]
        for c in sizes:
            assert rows[searches.setting(data, base, c), searches.BEST] == better


def test_ecoc_draws_a_new_code_in_every_replicate(monkeypatch):
    books = []

    class Recorded(OutputCodeClassifier):
        def fit(self, x, y, **kw):
            super().fit(x, y, **kw)
            books.append(self.code_book_.copy())
            return self

    monkeypatch.setattr(searches, "OutputCodeClassifier", Recorded)
    monkeypatch.setattr(searches, "ACCURACY", {(searches.SYNTHETIC, searches.LR): (1.5,)})
    for r in range(2):
        searches.accuracy(CFG, r, np.random.default_rng(seed_for(0, r)))
    assert len(books) == 2 and books[0].shape == (10, 15)
    assert not np.array_equal(books[0], books[1])


def test_the_timing_fits_ovo_and_ovr_in_alternating_order(monkeypatch):
    order = []

    def fit(model, x, y):
        if len(x) > 100:  # not the warm-up
            order.append(type(model).__name__)
        return model.fit(x, y), 0

    monkeypatch.setattr(searches, "fit", fit)
    monkeypatch.setattr(searches, "TIMED", ((searches.DIGITS, searches.LR),
                                            (searches.MANY, searches.LR)))
    ovo, ovr = "OneVsOneClassifier", "OneVsRestClassifier"
    rows = searches.timing(CFG, 0, np.random.default_rng(0))
    assert searches.REPEATS == {searches.DIGITS: 3, searches.MANY: 1}
    assert order == [ovo, ovr, ovr, ovo, ovo, ovr, ovo, ovr]  # digits' 3 repeats, K = 20's 1
    assert set(rows.member) >= {searches.FIT.format(w) for w in (searches.OVO, searches.OVR)}
    order.clear()
    searches.timing(CFG, 1, np.random.default_rng(1))  # the next chunk starts the other way
    assert order == [ovr, ovo, ovo, ovr, ovr, ovo, ovr, ovo]


def test_the_many_class_timing_draws_twenty_classes_afresh_each_chunk():
    draws = [searches.draw(searches.MANY, np.random.default_rng(r)) for r in range(2)]
    assert all(np.unique(np.concatenate([d[2], d[3]])).size == 20 for d in draws)
    assert not np.array_equal(draws[0][0], draws[1][0])

"""The classic-ML searches (experiments/classic_ml): each emits the settings and members
its claims declare, and their building blocks do what the claims rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from threadpoolctl import threadpool_info

from experiments.classic_ml import EXPERIMENT
from experiments.classic_ml.ml2 import ML2A
from tasks.classic_ml import searches

CFG = OmegaConf.create({"trainer": {"replicates": 3, "seed": 0}})


@pytest.fixture(scope="module")
def chunks() -> dict[str, pd.DataFrame]:
    """Chunk 0 of every search, once."""
    tasks = {c.measure.task for c in EXPERIMENT.claims}
    return {t: searches.__dict__[t.rsplit(".", 1)[-1]](CFG, 0, np.random.default_rng(0))
            for t in tasks}


def test_every_search_emits_the_settings_and_members_its_claims_declare(chunks):
    for claim in EXPERIMENT.claims:
        rows = chunks[claim.measure.task]
        for setting in claim.settings.every:
            members = set(rows[rows.setting == setting].member)
            assert set(claim.measure.factor.levels) <= members, (claim.id, setting)
        assert set(rows.columns) >= {"setting", "member", "value", "points"}


def test_the_exact_checks_hold_on_one_chunk(chunks):
    """ML-1a and ML-4 on chunk 0: LR and the SVM inside their bounds, no solver warnings."""
    for claim in (c for c in EXPERIMENT.claims if c.measure.task.endswith(("ml1a", "ml4"))):
        rows = chunks[claim.measure.task]
        for bound in claim.rule.members:
            side = 1 if bound.side == "below" else -1
            values = rows[rows.member == bound.member].value
            assert (side * values < side * bound.at).all(), (claim.id, bound.member)
    warned = chunks["tasks.classic_ml.searches.ml1a"]
    assert warned[warned.member.str.startswith("convergence")].value.sum() == 0


def test_a_search_runs_on_one_thread():
    seen = searches.one_thread(lambda cfg, r, rng: pd.DataFrame(
        {"threads": [max(p["num_threads"] for p in threadpool_info())]}))(CFG, 0, None)
    assert seen.threads.iloc[0] == 1


def test_label_noise_moves_the_declared_share_to_other_classes():
    y = np.repeat(np.arange(3), 50)
    noisy = searches.noisy(y, np.random.default_rng(0), 0.2)
    assert (noisy != y).sum() == 30 and set(noisy) == {0, 1, 2}


def test_separable_pairs_are_found_and_label_noise_removes_them():
    x, y = make_classification(200, 5, n_informative=3, class_sep=5.0, n_classes=2,
                               flip_y=0, random_state=0)
    assert searches.separable_pairs(x, y) == 1
    assert searches.separable_pairs(x, searches.noisy(y, np.random.default_rng(0), 0.2)) == 0


def test_far_points_move_outward_twice_as_far_and_leave_the_svm_alone():
    x, y = make_classification(200, 6, random_state=1)
    y = 2 * y - 1
    svm = SVC(kernel="linear", tol=searches.SVM_TOL).fit(x, y)
    moved, far = searches.far_moved(x, y, svm)
    assert far.sum() > 50 and not far[svm.support_].any()
    f = svm.decision_function(x)
    assert np.allclose(svm.decision_function(moved)[far], 2 * f[far])
    assert np.array_equal(moved[~far], x[~far])
    again = SVC(kernel="linear", tol=searches.SVM_TOL).fit(moved, y)
    lr = [LogisticRegression().fit(d, y) for d in (x, moved)]
    assert searches.relative_change(searches.hyperplane(svm),
                                    searches.hyperplane(again)) < searches.UNCHANGED
    assert searches.relative_change(*map(searches.hyperplane, lr)) > searches.CHANGED


def test_seeding_is_judged_as_a_log_ratio_and_worded_per_replicate():
    assert ML2A.measure.log and "one value per replicate" in ML2A.measure.describe()
    assert "judged in logs" in ML2A.measure.describe()
    assert ML2A.measure.factor.levels == ("inertia: random", "inertia: k-means++")

"""The page names overlap-corrected splits as such: a headline over random splits of one
dataset (a Resampled measure's Nadeau–Bengio correction) is not 'N independent datasets',
and the correction is described only for a measure that applies it."""

from __future__ import annotations

from experiments.loss_facts.softmax import LS5B
from experiments.multiclass.mc import MC1A
from harness.judge.claims import Verdict
from harness.pages.report import claim_section
from tasks.multiclass.searches import DIGITS, LR, MANY, SVM, setting


def _verdict(claim_id: str, headline_setting: str, n: int) -> Verdict:
    return Verdict(claim_id, "x", "refuted", -0.5, -0.6, -0.4, n, n_datasets=n,
                   headline_setting=headline_setting)


def test_a_headline_over_splits_of_one_dataset_says_so():
    page = claim_section(MC1A, _verdict("MC-1a", setting(DIGITS, LR), 16))
    assert "n = 16 random splits of one dataset, overlap-corrected" in page
    assert "independent datasets" not in page


def test_a_headline_over_fresh_draws_keeps_independent_datasets():
    page = claim_section(MC1A, _verdict("MC-1a", setting(MANY, SVM), 16))
    assert "n = 16 replicates on 16 independent datasets" in page
    assert "Nadeau" in MC1A.measure.describe()


def test_the_correction_is_not_described_where_no_setting_uses_it():
    assert "Nadeau" not in LS5B.measure.describe()
    page = claim_section(LS5B, _verdict("LS-5b", "float32", 8))
    assert "n = 8 replicates on 8 independent datasets" in page and "Nadeau" not in page

"""Classic ML on scikit-learn's own estimators: feature scaling for linear SVMs and
logistic regression (ML-1), k-means++ seeding (ML-2) and what an SVM's hyperplane depends
on (ML-4). Every point runs a search (harness/train/search.py; :mod:`.searches`) whose
replicates are independent resamples: a stratified split, a fresh draw of synthetic data,
fresh KMeans seeds. Exact facts are checked over every chunk; empirical claims are
tested over the replicates."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .ml1 import CLAIMS as ML1
from .ml2 import CLAIMS as ML2
from .ml4 import ML4

EXPERIMENT = Experiment(
    name="classic_ml",
    title="Classic ML: feature scaling, k-means++ seeding and support vectors",
    original="No experiment in the original work: the claims are checked on "
             "scikit-learn's own estimators, over stated searches of resamples.",
    claims=[*ML1, *ML2, ML4])

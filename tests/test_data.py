"""Gaussian-mixture generator, Bayes ceiling and minibatch sampling, on known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from scipy.stats import norm

from harness.train.data import bayes_accuracy, class1_mean, make_dataset, minibatch_indices
from harness.train.schema import DataConfig, Sampling


def data_cfg(**kw) -> DataConfig:
    kw.setdefault("stream", "tests")  # outside a composed config: no experiment_name
    return OmegaConf.structured(DataConfig(**kw))


def test_split_sizes_follow_sklearn():
    ds = make_dataset(data_cfg(n=500), 0)
    assert (len(ds.x_train), len(ds.x_test)) == (400, 100)
    assert ds.x_train.shape[1] == 12


def test_class_means_and_priors():
    ds = make_dataset(data_cfg(n=40000, covariance="identity", class1_fraction=0.3), 0)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert y.mean() == pytest.approx(0.3, abs=1e-3)
    np.testing.assert_allclose(x[y == 1].mean(0), np.ones(12), atol=0.05)
    np.testing.assert_allclose(x[y == 0].mean(0), np.zeros(12), atol=0.05)
    np.testing.assert_allclose(np.cov(x[y == 0].T), np.eye(12), atol=0.06)


def test_inverse_mean_pattern():
    np.testing.assert_allclose(class1_mean(data_cfg(dim=4, mean_pattern="inverse")),
                               [1, 1 / 2, 1 / 3, 1 / 4])


def test_abid_covariance_is_c_transpose_c_and_differs_per_dataset():
    a, b = make_dataset(data_cfg(), 0), make_dataset(data_cfg(), 1)
    assert np.all(np.linalg.eigvalsh(a.cov) > 0)
    assert not np.allclose(a.cov, b.cov)
    again = make_dataset(data_cfg(), 0)
    np.testing.assert_array_equal(a.x_train, again.x_train)


def test_bayes_identity_known_value():
    # d = 12, means 1 apart: Δ = √12, accuracy Φ(√3) ≈ 0.9584 (methods.md)
    acc = bayes_accuracy(np.ones(12), np.eye(12))
    assert acc == pytest.approx(norm.cdf(math.sqrt(3)), abs=1e-12)
    assert acc == pytest.approx(0.9584, abs=1e-4)


@pytest.mark.parametrize(("cov", "p1"), [("identity", 0.5), ("abid", 0.5), ("abid", 0.2)])
def test_bayes_accuracy_matches_monte_carlo(cov, p1):
    cfg = data_cfg(dim=5, n=200_000, covariance=cov, class1_fraction=p1, mean=0.4,
                   test_fraction=0.5)
    ds = make_dataset(cfg, 3)
    w = np.linalg.solve(ds.cov, ds.mean)
    threshold = ds.mean @ w / 2 + math.log((1 - p1) / p1)
    mc = ((ds.x_test @ w > threshold) == ds.y_test).mean()
    # 100k test points: Monte Carlo standard error ≤ 0.0016
    assert ds.bayes_accuracy == pytest.approx(mc, abs=0.006)


def test_random_minibatches_are_subsets_without_replacement():
    blocks = torch.cat(list(minibatch_indices(7, 50, 10, 300, Sampling.random, chunk=64)))
    assert blocks.shape == (300, 10)
    assert all(len(set(row.tolist())) == 10 for row in blocks)
    assert blocks.min() >= 0 and blocks.max() < 50
    again = torch.cat(list(minibatch_indices(7, 50, 10, 300, Sampling.random, chunk=64)))
    assert torch.equal(blocks, again)


def test_epoch_minibatches_cover_each_sample_once_per_epoch():
    blocks = torch.cat(list(minibatch_indices(3, 40, 8, 10, Sampling.epoch)))
    assert blocks.shape == (10, 8)
    first_epoch = blocks[:5].flatten().sort().values
    assert torch.equal(first_epoch, torch.arange(40))
    assert not torch.equal(blocks[:5], blocks[5:])  # reshuffled


def test_moons_is_two_dimensional_binary_without_a_known_ceiling():
    ds = make_dataset(data_cfg(kind="moons", dim=2, n=200), 0)
    assert ds.x_train.shape == (160, 2) and ds.x_test.shape == (40, 2)
    assert set(np.unique(ds.y_train)) == {0, 1} and ds.n_classes == 2
    assert math.isnan(ds.bayes_accuracy)
    assert not np.allclose(ds.x_train, make_dataset(data_cfg(kind="moons", dim=2, n=200),
                                                    1).x_train)


def test_digits_subset_has_ten_classes_standardized_on_the_training_split():
    ds = make_dataset(data_cfg(kind="digits", dim=64, n=600), 0)
    assert ds.x_train.shape == (480, 64) and ds.n_classes == 10
    assert set(np.unique(ds.y_train)) == set(range(10))
    used = ds.x_train[:, ds.x_train.std(0) > 0]  # constant border pixels stay 0
    np.testing.assert_allclose(used.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(used.std(0), 1, atol=1e-9)

"""Part 1's data options (IM-1, IM-2, DR-1, AC-2, RG-5): each against a direct formula,
Abid 2018's own code or scikit-learn fitted by hand, and each off at its default."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from harness.core.confighash import config_hash, semantic_config
from harness.train.data import (
    checkerboard,
    concat_data,
    make_dataset,
    minmax_per_set,
    replicate_data,
    task_dataset,
    two_spirals,
)
from harness.train.schema import DataConfig, input_dim, n_train, validate

PART1 = ("test_class1_fraction", "minmax_per_set", "cells", "turns", "dummy_dims",
         "dummy_noise", "mixing", "val_fraction", "preprocess", "pca_components")


def data_cfg(**kw) -> DataConfig:
    kw.setdefault("stream", "tests")  # outside a composed config: no experiment_name
    return OmegaConf.structured(DataConfig(**kw))


def rows(x: np.ndarray) -> set[bytes]:
    return {r.tobytes() for r in np.ascontiguousarray(x)}


def test_stored_configs_keep_their_hashes(compose_cfg):
    """The hashes of composed experiments as they were before the fields existed (from
    main at 6785d8e): no stored run retrains."""
    before = {"batch_size": "c73f7e62aee5280a", "regularization": "860330a78f00a5e2",
              "classic_ml": "259c2996cf8b731e", "initialization": "7f6595829e01098b"}
    for experiment, chash in before.items():
        # batch_size as it was then: its loss-burst probe traced 20 updates until fb86238
        cfg = compose_cfg(["trainer.jitter_burst=20"] if experiment == "batch_size" else [],
                          experiment=experiment)
        assert config_hash(cfg) == chash, experiment
        assert set(PART1).isdisjoint(semantic_config(cfg)["data"])
    on = compose_cfg(["data.val_fraction=0.25"], experiment="batch_size")
    assert semantic_config(on)["data"]["val_fraction"] == 0.25
    assert config_hash(on) != before["batch_size"]


@pytest.mark.parametrize("kind", ["gaussian", "moons", "digits"])
def test_defaults_leave_the_task_draw_untouched(kind):
    cfg = data_cfg(kind=kind, dim={"gaussian": 12, "moons": 2, "digits": 64}[kind], n=300)
    ds, raw = make_dataset(cfg, 2), task_dataset(cfg, 2)
    for a in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(ds, a), getattr(raw, a))
    assert ds.x_val is None and ds.y_val is None


# --- separate train and test priors (IM-1, IM-2) --------------------------------------

def abid_cfg(ratio: int, **kw) -> DataConfig:
    """IM-1's preset: 1200 training points with Abid's n_min = int(1200/(r+1)) in class
    0, a balanced test set of 300 (n = 1500, test share 0.2)."""
    return data_cfg(dim=2, n=1500, mean=1.0, mean_pattern="inverse",
                    class1_fraction=1 - int(1200 / (ratio + 1)) / 1200,
                    test_class1_fraction=0.5, **kw)


@pytest.mark.parametrize("ratio", [1, 2, 5, 10, 20, 50, 100])
def test_separate_priors_give_abids_exact_counts(ratio):
    ds = make_dataset(abid_cfg(ratio), 0)
    assert len(ds.y_train) == 1200 and (ds.y_train == 0).sum() == int(1200 / (ratio + 1))
    assert len(ds.y_test) == 300 and (ds.y_test == 0).sum() == 150
    assert ds.class1_fraction == 0.5  # the test prior: the ceiling's
    assert ds.bayes_accuracy == pytest.approx(
        norm_cdf(math.sqrt(ds.mean @ np.linalg.solve(ds.cov, ds.mean)) / 2))


def norm_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_ratios_share_sigma_the_test_set_and_nested_training_pools():
    sets = {r: make_dataset(abid_cfg(r), 4) for r in (1, 5, 100)}
    for r in (5, 100):
        np.testing.assert_array_equal(sets[r].cov, sets[1].cov)
        np.testing.assert_array_equal(sets[r].x_test, sets[1].x_test)
        for c in (0, 1):  # the smaller class set inside the larger one
            small, big = sorted((sets[r], sets[1]), key=lambda s: (s.y_train == c).sum())
            assert rows(small.x_train[small.y_train == c]) <= rows(big.x_train[big.y_train == c])
    assert not np.array_equal(make_dataset(abid_cfg(5), 5).cov, sets[5].cov)
    # shuffled: the first rows (what probes read) hold both classes
    assert 0 < sets[1].y_train[:64].mean() < 1


def test_separate_priors_draw_the_mixture_they_state():
    ds = make_dataset(data_cfg(dim=3, n=40_000, covariance="identity", class1_fraction=0.2,
                               test_class1_fraction=0.7), 1)
    assert ds.y_train.mean() == pytest.approx(0.2, abs=1e-4)
    assert ds.y_test.mean() == pytest.approx(0.7, abs=1e-4)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        for c, mean in ((0, 0.0), (1, 1.0)):  # within 4.5 standard errors
            np.testing.assert_allclose(x[y == c].mean(0), mean, atol=4.5 / (y == c).sum() ** .5)
        np.testing.assert_allclose(np.cov(x[y == 0].T), np.eye(3), atol=0.1)


# --- Abid's per-set min–max normalization (IM-1) ---------------------------------------

def abid_normalize(array: np.ndarray) -> np.ndarray:
    """utils.normalize of github.com/abidlabs/AtomsOfDeepLearning (a 2-D array; his
    ``array.ptp`` is np.ptp in numpy 2)."""
    return (array - array.min(axis=0)) / np.ptp(array, axis=0)


def test_minmax_per_set_is_abids_normalize_on_each_set_alone():
    raw = make_dataset(abid_cfg(20), 3)
    ds = make_dataset(abid_cfg(20, minmax_per_set=True), 3)
    np.testing.assert_array_equal(ds.x_train, abid_normalize(raw.x_train))
    np.testing.assert_array_equal(ds.x_test, abid_normalize(raw.x_test))
    for x in (ds.x_train, ds.x_test):
        np.testing.assert_array_equal(x.min(0), 0)
        np.testing.assert_allclose(x.max(0), 1)
    # against the training min and range instead (IM-1's norm-fixed setting)
    fixed = make_dataset(abid_cfg(20, preprocess=["minmax"]), 3)
    scaler = MinMaxScaler().fit(raw.x_train)
    np.testing.assert_allclose(fixed.x_test, scaler.transform(raw.x_test))
    assert minmax_per_set(np.array([[1.0, 2.0], [1.0, 4.0]])).tolist() == [[0, 0], [0, 1]]


# --- dummy dimensions, mixing and preprocessing (DR-1) ---------------------------------

def exp6_cfg(**kw) -> DataConfig:
    """DR-1's preset: d = 10, means 0 and 1, covariance_scale 0.2, n = 100 split 80/20."""
    kw.setdefault("dummy_dims", 5)
    return data_cfg(dim=10, n=100, covariance_scale=0.2, **kw)


def test_dummy_dimensions_are_noise_appended_after_the_task():
    raw = make_dataset(exp6_cfg(dummy_dims=0), 0)
    ds = make_dataset(exp6_cfg(dummy_noise=0.5), 0)
    assert ds.x_train.shape == (80, 15) and ds.x_test.shape == (20, 15)
    np.testing.assert_array_equal(ds.x_train[:, :10], raw.x_train)
    np.testing.assert_array_equal(ds.x_test[:, :10], raw.x_test)
    for x in (ds.x_train[:, 10:], ds.x_test[:, 10:]):
        assert x.min() >= 0 and x.max() < 0.5
    assert input_dim(OmegaConf.create({"data": exp6_cfg()})) == 15


@pytest.mark.parametrize("mixing", ["uniform", "orthogonal"])
def test_mixing_multiplies_train_and_test_by_one_matrix(mixing):
    plain = make_dataset(exp6_cfg(), 0)
    mixed = make_dataset(exp6_cfg(mixing=mixing), 0)
    mix = np.linalg.lstsq(plain.x_train, mixed.x_train, rcond=None)[0]  # 80 rows, rank 15
    np.testing.assert_allclose(plain.x_train @ mix, mixed.x_train, atol=1e-9)
    np.testing.assert_allclose(plain.x_test @ mix, mixed.x_test, atol=1e-9)
    if mixing == "uniform":  # Abid's np.random.random((d+k, d+k)): not a rotation
        assert mix.min() > -1e-9 and mix.max() < 1 + 1e-9
    else:
        np.testing.assert_allclose(mix @ mix.T, np.eye(15), atol=1e-9)
        assert np.linalg.det(mix) == pytest.approx(1)
    other = make_dataset(exp6_cfg(mixing=mixing), 1)
    assert not np.allclose(np.linalg.lstsq(plain.x_train, other.x_train, rcond=None)[0], mix)


def test_preprocessing_is_fitted_on_the_training_split_alone():
    plain = make_dataset(exp6_cfg(mixing="uniform", val_fraction=0.25), 2)
    ds = make_dataset(exp6_cfg(mixing="uniform", val_fraction=0.25,
                               preprocess=["standardize", "pca"], pca_components=3), 2)
    scaler = StandardScaler().fit(plain.x_train)
    pca = PCA(3).fit(scaler.transform(plain.x_train))
    assert ds.x_train.shape == (60, 3) and ds.x_val.shape == (20, 3)
    for got, raw in ((ds.x_train, plain.x_train), (ds.x_val, plain.x_val),
                     (ds.x_test, plain.x_test)):
        np.testing.assert_allclose(got, pca.transform(scaler.transform(raw)), atol=1e-9)
    np.testing.assert_allclose(ds.x_train.mean(0), 0, atol=1e-9)  # centred on train only
    assert input_dim(OmegaConf.create({"data": exp6_cfg(preprocess=["pca"],
                                                        pca_components=3)})) == 3


# --- the validation split (RG-5) -------------------------------------------------------

def test_validation_is_carved_from_the_training_split():
    cfg = data_cfg(kind="digits", dim=64, n=600, test_fraction=0.5, val_fraction=0.5)
    raw, ds = make_dataset(data_cfg(kind="digits", dim=64, n=600, test_fraction=0.5), 0), \
        make_dataset(cfg, 0)
    assert len(ds.x_train) == n_train(OmegaConf.create({"data": cfg})) == 150
    assert len(ds.x_val) == 150 and len(ds.y_val) == 150
    np.testing.assert_array_equal(ds.x_test, raw.x_test)
    assert rows(ds.x_train) | rows(ds.x_val) == rows(raw.x_train)
    assert not rows(ds.x_train) & rows(ds.x_val)


def test_replicates_stack_and_concatenate_their_validation_sets():
    cfg = data_cfg(n=100, val_fraction=0.1)
    parts = [replicate_data(cfg, 3, torch.device("cpu")),
             replicate_data(data_cfg(n=100, val_fraction=0.1, seed=5), 2,
                            torch.device("cpu"))]
    assert parts[0].x_val.shape == (3, 8, 12) and parts[0].y_val.shape == (3, 8)
    both = concat_data(parts)
    assert both.x_val.shape == (5, 8, 12)
    torch.testing.assert_close(both.y_val[3:], parts[1].y_val)
    assert replicate_data(data_cfg(n=100), 2, torch.device("cpu")).x_val is None


# --- the 2-D boards (AC-2) --------------------------------------------------------------

def test_checkerboard_labels_each_square_by_its_colour():
    x, y = checkerboard(1001, 4, 0.0, np.random.default_rng(0))
    assert (y == 0).sum() == 501 and (y == 1).sum() == 500
    assert x.min() >= -1 and x.max() < 1
    cell = np.floor((x + 1) * 2).astype(int)  # squares of side 1/2
    np.testing.assert_array_equal((cell[:, 0] + cell[:, 1]) % 2, y)
    assert len({tuple(c) for c in cell}) == 16  # every square is used
    noisy, _ = checkerboard(1001, 4, 0.1, np.random.default_rng(0))
    assert 0.05 < np.std(noisy - x) < 0.15


def test_two_spirals_interleave_two_arms_at_a_half_turn():
    turns = 1.5
    x, y = two_spirals(800, turns, 0.0, np.random.default_rng(1))
    assert (y == 0).sum() == (y == 1).sum() == 400
    own = np.where(y[:, None] == 1, -x, x)  # class 1 rotated back onto class 0's arm
    r = np.hypot(*own.T)
    assert r.max() <= 1
    theta = 2 * math.pi * turns * r  # on the arm: the angle follows the radius
    np.testing.assert_allclose(own, r[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1),
                               atol=1e-12)


@pytest.mark.parametrize("kind", ["checkerboard", "two_spirals"])
def test_boards_draw_per_dataset_and_split_like_moons(kind):
    cfg = data_cfg(kind=kind, dim=2, n=200, noise=0.05)
    a, b = make_dataset(cfg, 0), make_dataset(cfg, 1)
    assert a.x_train.shape == (160, 2) and a.x_test.shape == (40, 2)
    assert math.isnan(a.bayes_accuracy) and a.n_classes == 2
    assert not np.allclose(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.x_train, make_dataset(cfg, 0).x_train)


def test_options_validate_together(compose_cfg):
    cfg = compose_cfg(["data.kind=two_spirals", "data.dim=2", "data.noise=0.05",
                       "data.dummy_dims=2000", "data.mixing=orthogonal", "data.val_fraction=0.2",
                       "data.preprocess=[standardize,pca]", "data.pca_components=10"],
                      experiment="batch_size")
    validate(cfg)
    assert input_dim(cfg) == 10

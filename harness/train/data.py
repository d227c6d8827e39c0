"""Datasets, their Bayes ceiling, and per-replicate minibatch indices.

The default task is a Gaussian mixture, class 0 ~ N(0, Σ), class 1 ~ N(s, Σ). Its
Bayes-optimal classifier is linear, so its accuracy is known in closed form: every
accuracy we report on it is compared with that ceiling rather than with 1.0. Two
nonlinear tasks from scikit-learn (no download) cover what a linear boundary hides:
``moons`` and the bundled 8×8 ``digits`` (10 classes); their ceiling is unknown (NaN), as
is that of the two 2-D boards no low-degree boundary fits, ``checkerboard`` and
``two_spirals``. After the task come the options of Part 1 (:func:`transform`): per-set
min–max normalization, dummy dimensions mixed in, a validation split, and preprocessing
fitted on the training split alone.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import norm, special_ortho_group
from sklearn.base import TransformerMixin
from sklearn.datasets import load_digits, make_moons
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from harness.train.schema import (
    Covariance,
    DataConfig,
    DataKind,
    Mixing,
    Preprocess,
    Sampling,
)


def seed_for(base: int, *key: int) -> int:
    """A 63-bit seed for stream ``key`` of ``base``; streams are independent of each other.

    Replicate r's seed depends only on (base, r), never on how many replicates run, so a
    replicate gives the same numbers whether it trains alone or inside a batch.
    """
    state = np.random.SeedSequence(entropy=base, spawn_key=key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


@dataclass
class Dataset:
    """One generated dataset, split into train and test (and validation, when
    ``data.val_fraction`` > 0)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 2
    mean: np.ndarray | None = None  # gaussian: class-1 mean s
    cov: np.ndarray | None = None  # gaussian: shared covariance Σ
    class1_fraction: float = 0.5  # class-1 prior of the test set (the ceiling's)
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def bayes_accuracy(self) -> float:
        """Closed form for the Gaussian mixture; NaN (unknown) for the other tasks."""
        if self.mean is None or self.cov is None:
            return math.nan
        return bayes_accuracy(self.mean, self.cov, self.class1_fraction)


def class1_mean(cfg: DataConfig) -> np.ndarray:
    if cfg.mean_vector is not None:
        return np.asarray(cfg.mean_vector, dtype=np.float64)
    if cfg.mean_pattern == "inverse":
        return cfg.mean / np.arange(1, cfg.dim + 1, dtype=np.float64)
    return np.full(cfg.dim, float(cfg.mean))


def bayes_accuracy(mean: np.ndarray, cov: np.ndarray, class1_fraction: float = 0.5) -> float:
    """Accuracy of the Bayes rule for N(0, Σ) vs N(s, Σ) with prior π1 on class 1.

    With Δ² = sᵀΣ⁻¹s and L = log(π0/π1) the rule thresholds wᵀx (w = Σ⁻¹s) at Δ²/2 + L,
    so accuracy = π0·Φ(Δ/2 + L/Δ) + π1·Φ(Δ/2 − L/Δ); with equal priors, Φ(Δ/2).
    """
    delta = math.sqrt(float(mean @ np.linalg.solve(cov, mean)))
    p1 = class1_fraction
    if delta == 0:  # identical classes (data.mean=0, a no-signal control): guess the prior
        return max(p1, 1 - p1)
    shift = math.log((1 - p1) / p1) / delta
    return float((1 - p1) * norm.cdf(delta / 2 + shift) + p1 * norm.cdf(delta / 2 - shift))


def _split(x: np.ndarray, y: np.ndarray, cfg: DataConfig, rng: np.random.Generator):
    """(x_train, y_train, x_test, y_test): sklearn's shuffled split, seeded from ``rng``."""
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=cfg.test_fraction,
                                              random_state=int(rng.integers(2**31 - 1)))
    return x_tr, y_tr, x_te, y_te


def stream_key(stream: str) -> int:
    """A stable integer for a data-seed stream name (CRC-32: the same on every machine)."""
    return zlib.crc32(stream.encode())


def make_dataset(cfg: DataConfig, index: int) -> Dataset:
    """Dataset ``index`` of the config's stream: its own samples and split (and its own Σ,
    for ``abid``), drawn from seed (data.seed, data.stream, index), then Part 1's options
    (:func:`transform`), each from a stream of its own under the same seed."""
    return transform(task_dataset(cfg, index), cfg, index)


def task_dataset(cfg: DataConfig, index: int) -> Dataset:
    """The task's own draw of dataset ``index``, before :func:`transform`."""
    rng = np.random.default_rng(seed_for(cfg.seed, stream_key(cfg.stream), index))
    if cfg.kind == DataKind.moons:
        x, y = make_moons(cfg.n, noise=cfg.noise, random_state=int(rng.integers(2**31 - 1)))
        return Dataset(*_split(x, y.astype(np.int64), cfg, rng))
    if cfg.kind == DataKind.checkerboard:
        return Dataset(*_split(*checkerboard(cfg.n, cfg.cells, cfg.noise, rng), cfg, rng))
    if cfg.kind == DataKind.two_spirals:
        return Dataset(*_split(*two_spirals(cfg.n, cfg.turns, cfg.noise, rng), cfg, rng))
    if cfg.kind == DataKind.digits:
        # a random subset of n; standardized with the training split's statistics
        digits = load_digits()
        pick = rng.permutation(len(digits.target))[: cfg.n]
        x_tr, y_tr, x_te, y_te = _split(digits.data[pick], digits.target[pick], cfg, rng)
        scaler = StandardScaler().fit(x_tr)
        return Dataset(scaler.transform(x_tr), y_tr.astype(np.int64), scaler.transform(x_te),
                       y_te.astype(np.int64), n_classes=10)
    d = cfg.dim
    if cfg.covariance == Covariance.abid:
        c = rng.random((d, d)) * cfg.covariance_scale
        cov = c.T @ c
    else:
        cov = np.eye(d)
    mean = class1_mean(cfg)
    if cfg.test_class1_fraction is not None:
        return _gaussian_apart(cfg, index, mean, cov, rng)
    n1 = int(round(cfg.n * cfg.class1_fraction))
    n0 = cfg.n - n1
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(d))
    z = rng.standard_normal((cfg.n, d))
    x = z @ chol.T
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    x[n0:] += mean
    return Dataset(*_split(x, y, cfg, rng), mean=mean, cov=cov,
                   class1_fraction=cfg.class1_fraction)


def _substream(cfg: DataConfig, index: int, *key: int) -> np.random.Generator:
    """A generator for one purpose of dataset ``index`` (spawn key ``key`` under the
    dataset's own seed): apart from the task's stream and from every other purpose, so an
    option switched on leaves the draws of the others as they were."""
    return np.random.default_rng(seed_for(cfg.seed, stream_key(cfg.stream), index, *key))


# the spawn keys of those purposes: per-class pools of the training and the test set
# (with data.test_class1_fraction), dummy dimensions, validation split, PCA
TRAIN_POOLS, TEST_POOLS, DUMMY_STREAM, VAL_STREAM, PCA_STREAM = 1, 2, 3, 4, 5


def _gaussian_apart(cfg: DataConfig, index: int, mean: np.ndarray, cov: np.ndarray,
                    rng: np.random.Generator) -> Dataset:
    """The mixture with the training and test sets drawn apart, each with its own prior
    and exact counts: class c of a set is the first n_c points of a pool of that set's
    size drawn from the set's and class's own stream, so points that differ only in the
    priors share Σ (drawn first from ``rng``), the test set and nested training sets.
    Each set is shuffled (probes read the first rows), from ``rng``."""
    n_test = math.ceil(cfg.n * cfg.test_fraction)  # sklearn's split sizes (schema.n_train)
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(cfg.dim))

    def draw(size: int, prior: float, pools: int) -> tuple[np.ndarray, np.ndarray]:
        n1 = int(round(size * prior))
        counts = (size - n1, n1)
        x = np.concatenate([
            _substream(cfg, index, pools, c).standard_normal((size, cfg.dim))[:count] @ chol.T
            + (mean if c else 0.0) for c, count in enumerate(counts)])
        y = np.repeat(np.arange(2, dtype=np.int64), counts)
        order = rng.permutation(size)
        return x[order], y[order]

    x_tr, y_tr = draw(cfg.n - n_test, cfg.class1_fraction, TRAIN_POOLS)
    x_te, y_te = draw(n_test, cfg.test_class1_fraction, TEST_POOLS)
    return Dataset(x_tr, y_tr, x_te, y_te, mean=mean, cov=cov,
                   class1_fraction=cfg.test_class1_fraction)


def checkerboard(n: int, cells: int, noise: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of a cells × cells board on [-1, 1)², class-balanced (n − n//2 of class
    0, n//2 of class 1): a point is uniform on the squares of its class's colour, the
    colour of square (i, j) being (i + j) mod 2, drawn uniform on the board and kept
    while its class has room; then N(0, noise²) is added to each coordinate after
    labelling, as make_moons adds its noise, so noise blurs the boundaries. A row of the
    board changes class cells − 1 times, so the sign of a polynomial draws the boundary
    only at degree ≥ cells − 1 in each coordinate."""
    counts = (n - n // 2, n // 2)
    kept = [np.empty((0, 2)), np.empty((0, 2))]
    while any(len(k) < c for k, c in zip(kept, counts, strict=True)):
        u = rng.uniform(-1.0, 1.0, (2 * n, 2))
        colour = np.floor((u + 1) * cells / 2).astype(np.int64).sum(1) % 2
        kept = [np.concatenate([k, u[colour == c]]) for c, k in enumerate(kept)]
    x = np.concatenate([k[:c] for k, c in zip(kept, counts, strict=True)])
    y = np.repeat(np.arange(2, dtype=np.int64), counts)
    return x + rng.normal(scale=noise, size=x.shape), y


def two_spirals(n: int, turns: float, noise: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on two interleaved spirals (Lang & Witbrock 1988), class-balanced
    (n − n//2 of class 0, n//2 of class 1): at angle θ = 2π·turns·√u, u ~ U[0, 1) (so
    points spread evenly along an arm's length, which grows as θ²), class 0 at radius
    θ/(2π·turns) ≤ 1, (r cos θ, r sin θ), class 1 at its rotation by π; then N(0,
    noise²) on each coordinate. Neighbouring arms lie 1/(2·turns) apart."""
    counts = (n - n // 2, n // 2)
    y = np.repeat(np.arange(2, dtype=np.int64), counts)
    t = np.sqrt(rng.random(n))
    theta = 2 * math.pi * turns * t
    x = t[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    x[y == 1] *= -1
    return x + rng.normal(scale=noise, size=x.shape), y


def minmax_per_set(x: np.ndarray) -> np.ndarray:
    """Abid 2018's ``normalize``: each column to (x − min)/(max − min) with this set's own
    min and range (a set normalized apart from the others, so train and test shift apart
    as their ranges differ). A constant column, where his divides 0 by 0, maps to 0."""
    span = np.ptp(x, axis=0)
    return (x - x.min(axis=0)) / np.where(span == 0, 1.0, span)


def add_dummy_dims(x_train: np.ndarray, x_test: np.ndarray, cfg: DataConfig,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Abid 2018 Exp 6: append ``dummy_dims`` columns of dummy_noise·U[0, 1) noise to the
    training then the test set, then multiply both by one D × D matrix R (``mixing``:
    U[0, 1) entries as his, not a rotation; a uniform random rotation; or none), drawn
    after the noise, so every input column mixes informative and useless dimensions."""
    def noise(x: np.ndarray) -> np.ndarray:
        return np.concatenate((x, cfg.dummy_noise * rng.random((len(x), cfg.dummy_dims))), axis=1)

    x_train, x_test = noise(x_train), noise(x_test)
    width = x_train.shape[1]
    if cfg.mixing == Mixing.uniform:
        mix = rng.random((width, width))
    elif cfg.mixing == Mixing.orthogonal:
        mix = special_ortho_group.rvs(width, random_state=rng)
    else:
        return x_train, x_test
    return x_train @ mix, x_test @ mix


def preprocessor(step: Preprocess, cfg: DataConfig,
                 rng: np.random.Generator) -> TransformerMixin:
    """scikit-learn's estimator for one ``data.preprocess`` step (PCA seeded from ``rng``:
    its randomized solver, which sklearn picks for large inputs, draws numbers)."""
    if step == Preprocess.standardize:
        return StandardScaler()
    if step == Preprocess.minmax:
        return MinMaxScaler()
    return PCA(n_components=cfg.pca_components, random_state=int(rng.integers(2**31 - 1)))


def transform(ds: Dataset, cfg: DataConfig, index: int) -> Dataset:
    """Part 1's options on a task's draw, in this order, each off at its default (the
    dataset then unchanged): ``minmax_per_set`` on the training and the test set apart;
    ``dummy_dims`` and ``mixing``; the ``val_fraction`` split carved from the training set
    (sklearn's shuffled split, the share rounding up); then each ``preprocess`` step
    fitted (fit_transform, as Abid's PCA) on what remains of the training set and applied
    to the validation and test sets. The Bayes ceiling stays the task's: the noise is
    independent of the class and R invertible, and preprocessing is the learner's part."""
    x_tr, y_tr, x_te = ds.x_train, ds.y_train, ds.x_test
    if cfg.minmax_per_set:
        x_tr, x_te = minmax_per_set(x_tr), minmax_per_set(x_te)
    if cfg.dummy_dims > 0 or cfg.mixing != Mixing.none:
        x_tr, x_te = add_dummy_dims(x_tr, x_te, cfg, _substream(cfg, index, DUMMY_STREAM))
    x_val = y_val = None
    if cfg.val_fraction > 0:
        seed = int(_substream(cfg, index, VAL_STREAM).integers(2**31 - 1))
        x_tr, x_val, y_tr, y_val = train_test_split(x_tr, y_tr, test_size=cfg.val_fraction,
                                                    random_state=seed)
    rng = _substream(cfg, index, PCA_STREAM)
    for step in cfg.preprocess:
        fitted = preprocessor(Preprocess(step), cfg, rng)
        x_tr = fitted.fit_transform(x_tr)
        x_te = fitted.transform(x_te)
        x_val = None if x_val is None else fitted.transform(x_val)
    return dataclasses.replace(ds, x_train=x_tr, y_train=y_tr, x_test=x_te, x_val=x_val,
                               y_val=y_val)


@dataclass
class ReplicateData:
    """Train/test tensors stacked per replicate: replicate r holds its own dataset r, or
    dataset r mod k when ``data.num_datasets`` = k shares them."""

    x_train: torch.Tensor  # (R, n_train, d)
    y_train: torch.Tensor  # (R, n_train)
    x_test: torch.Tensor  # (R, n_test, d)
    y_test: torch.Tensor  # (R, n_test)
    dataset_of: list[int]  # dataset index of each replicate
    bayes: list[float]  # Bayes accuracy of each dataset (NaN where unknown)
    n_classes: int = 2
    x_val: torch.Tensor | None = None  # (R, n_val, d), with data.val_fraction > 0
    y_val: torch.Tensor | None = None  # (R, n_val)


def replicate_data(cfg: DataConfig, replicates: int, device: torch.device) -> ReplicateData:
    """Inputs in torch's default dtype (float32 unless a caller changed it)."""
    dtype = torch.get_default_dtype()
    k = replicates if cfg.num_datasets is None else min(cfg.num_datasets, replicates)
    sets = [make_dataset(cfg, i) for i in range(k)]
    of = [r % k for r in range(replicates)]

    def stack(attr: str, tdtype: torch.dtype) -> torch.Tensor:
        base = torch.stack([torch.as_tensor(getattr(s, attr)) for s in sets]).to(tdtype)
        return base[of].to(device)

    val = sets[0].x_val is not None
    return ReplicateData(
        stack("x_train", dtype), stack("y_train", torch.long),
        stack("x_test", dtype), stack("y_test", torch.long),
        of, [s.bayes_accuracy for s in sets], sets[0].n_classes,
        stack("x_val", dtype) if val else None, stack("y_val", torch.long) if val else None,
    )


def concat_data(parts: Sequence[ReplicateData]) -> ReplicateData:
    """Several points' replicates side by side, as a fused sweep trains them
    (harness/fusion.py); each part's dataset indices are offset to stay distinct."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0, *(len(p.bayes) for p in parts[:-1])])
    val = parts[0].x_val is not None
    return ReplicateData(
        *(torch.cat([getattr(p, a) for p in parts]) for a in
          ("x_train", "y_train", "x_test", "y_test")),
        [k + int(o) for p, o in zip(parts, offsets, strict=True) for k in p.dataset_of],
        [b for p in parts for b in p.bayes], parts[0].n_classes,
        *((torch.cat([getattr(p, a) for p in parts]) if val else None) for a in
          ("x_val", "y_val")),
    )


def minibatch_indices(
    seed: int, n: int, batch_size: int, steps: int, sampling: Sampling, chunk: int = 512
) -> Iterator[torch.Tensor]:
    """Yield (≤chunk, batch_size) index blocks for one replicate, from its own seed.

    ``random``: each step an independent uniform subset without replacement (Abid 2018).
    ``epoch``: a fresh permutation per epoch, consumed in consecutive batches; a partial
    last batch is dropped so every step has the same shape across replicates.
    """
    gen = torch.Generator().manual_seed(seed)
    done = 0
    if sampling == Sampling.random:
        while done < steps:
            m = min(chunk, steps - done)
            if batch_size == 1:
                block = torch.randint(n, (m, 1), generator=gen)
            else:
                block = torch.rand(m, n, generator=gen).argsort(dim=1)[:, :batch_size]
            done += m
            yield block
        return
    per_epoch = n // batch_size
    while done < steps:
        m = min(per_epoch, steps - done)
        perm = torch.randperm(n, generator=gen)[: per_epoch * batch_size]
        done += m
        yield perm.view(per_epoch, batch_size)[:m]


def batched_indices(
    seeds: list[int], n: int, batch_size: int, steps: int, sampling: Sampling
) -> Iterator[torch.Tensor]:
    """Per-step (R, batch_size) index tensors: replicate r's row comes from seeds[r]."""
    streams = [minibatch_indices(s, n, batch_size, steps, sampling) for s in seeds]
    for blocks in zip(*streams, strict=True):
        yield from torch.stack(blocks, dim=1)  # (m, R, B) -> m steps


# the spawn key, under a replicate's seed, of its shared first phase's minibatch stream
WARMUP_STREAM = 1


def warmup_indices(
    seeds: list[int], n: int, batch_size: int, steps: int, sampling: Sampling
) -> Iterator[torch.Tensor]:
    """The shared first phase's (R, batch_size) index tensors (``trainer.warmup_steps``):
    replicate r's rows come from a stream of seeds[r] alone, apart from the stream its
    point draws afterwards, so every point of a replicate draws the same ones whatever its
    own batch size."""
    return batched_indices([seed_for(s, WARMUP_STREAM) for s in seeds], n, batch_size, steps,
                           sampling)

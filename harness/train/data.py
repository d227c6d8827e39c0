"""Datasets, their Bayes ceiling, and per-replicate minibatch indices.

The default task is a Gaussian mixture, class 0 ~ N(0, Σ), class 1 ~ N(s, Σ). Its
Bayes-optimal classifier is linear, so its accuracy is known in closed form: every
accuracy we report on it is compared with that ceiling rather than with 1.0. Two
nonlinear tasks from scikit-learn (no download) cover what a linear boundary hides:
``moons`` and the bundled 8×8 ``digits`` (10 classes); their ceiling is unknown (NaN).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import norm
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from harness.train.schema import Covariance, DataConfig, DataKind, Sampling


def seed_for(base: int, *key: int) -> int:
    """A 63-bit seed for stream ``key`` of ``base``; streams are independent of each other.

    Replicate r's seed depends only on (base, r), never on how many replicates run, so a
    replicate gives the same numbers whether it trains alone or inside a batch.
    """
    state = np.random.SeedSequence(entropy=base, spawn_key=key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


@dataclass
class Dataset:
    """One generated dataset, split into train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 2
    mean: np.ndarray | None = None  # gaussian: class-1 mean s
    cov: np.ndarray | None = None  # gaussian: shared covariance Σ
    class1_fraction: float = 0.5

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
    for ``abid``), drawn from seed (data.seed, data.stream, index)."""
    rng = np.random.default_rng(seed_for(cfg.seed, stream_key(cfg.stream), index))
    if cfg.kind == DataKind.moons:
        x, y = make_moons(cfg.n, noise=cfg.noise, random_state=int(rng.integers(2**31 - 1)))
        return Dataset(*_split(x, y.astype(np.int64), cfg, rng))
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
    n1 = int(round(cfg.n * cfg.class1_fraction))
    n0 = cfg.n - n1
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(d))
    z = rng.standard_normal((cfg.n, d))
    x = z @ chol.T
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    x[n0:] += mean
    return Dataset(*_split(x, y, cfg, rng), mean=mean, cov=cov,
                   class1_fraction=cfg.class1_fraction)


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


def replicate_data(cfg: DataConfig, replicates: int, device: torch.device) -> ReplicateData:
    """Inputs in torch's default dtype (float32 unless a caller changed it)."""
    dtype = torch.get_default_dtype()
    k = replicates if cfg.num_datasets is None else min(cfg.num_datasets, replicates)
    sets = [make_dataset(cfg, i) for i in range(k)]
    of = [r % k for r in range(replicates)]

    def stack(attr: str, tdtype: torch.dtype) -> torch.Tensor:
        base = torch.stack([torch.as_tensor(getattr(s, attr)) for s in sets]).to(tdtype)
        return base[of].to(device)

    return ReplicateData(
        stack("x_train", dtype), stack("y_train", torch.long),
        stack("x_test", dtype), stack("y_test", torch.long),
        of, [s.bayes_accuracy for s in sets], sets[0].n_classes,
    )


def concat_data(parts: Sequence[ReplicateData]) -> ReplicateData:
    """Several points' replicates side by side, as a fused sweep trains them
    (harness/fusion.py); each part's dataset indices are offset to stay distinct."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0, *(len(p.bayes) for p in parts[:-1])])
    return ReplicateData(
        *(torch.cat([getattr(p, a) for p in parts]) for a in
          ("x_train", "y_train", "x_test", "y_test")),
        [k + int(o) for p, o in zip(parts, offsets, strict=True) for k in p.dataset_of],
        [b for p in parts for b in p.bayes], parts[0].n_classes,
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

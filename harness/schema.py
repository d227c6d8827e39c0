"""Typed configuration schema, registered in Hydra's ConfigStore.

Every field is declared here with its type and meaning, so a typo (``optim.lrr``), a
wrong type (``data.n=abc``) or a name outside a closed set (``optim.name=adamx``) fails
when Hydra composes the config, before anything runs. Range checks that a type cannot
express (``data.n > 0``) live in :func:`validate`, which the entry point calls before
it opens a tracking run, so bad input never leaves a half-written run behind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf


class DataKind(str, Enum):
    """Which task generates the data (harness/data.py)."""

    gaussian = "gaussian"  # two-class Gaussian mixture: linear Bayes boundary, known ceiling
    moons = "moons"  # sklearn make_moons: 2-D, two interleaved half circles (nonlinear)
    digits = "digits"  # sklearn's bundled 8×8 digits: 64-D, 10 classes, no download


class Covariance(str, Enum):
    """Shared class covariance of the Gaussian mixture."""

    identity = "identity"  # Σ = I
    abid = "abid"  # Σ = cᵀc, c ~ U[0,1)^{d×d} (Abid 2018), one Σ per dataset


class Activation(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"
    relu = "relu"
    leaky_relu = "leaky_relu"
    elu = "elu"
    gelu = "gelu"
    identity = "identity"


class Init(str, Enum):
    """Weight initialisation schemes (see harness.models.init_weight_)."""

    xavier = "xavier"  # Glorot uniform
    xavier_normal = "xavier_normal"
    he = "he"  # Kaiming normal, fan_in, ReLU gain
    he_uniform = "he_uniform"
    orthogonal = "orthogonal"
    normal = "normal"  # N(0, init_std²): init_std is the standard deviation
    zeros = "zeros"
    ones = "ones"


class BiasInit(str, Enum):
    zeros = "zeros"
    ones = "ones"
    normal = "normal"  # N(0, init_std²)
    xavier = "xavier"  # TensorFlow-1 Glorot uniform on a 1-D variable: U[±√(3/n)] (Abid 2018)
    # model.init applied to the bias vector too, as a TensorFlow-1 variable-scope
    # initializer does (Abid 2018): xavier -> U[±√(3/n)], normal -> N(0, init_std²),
    # zeros, ones; schemes with no 1-D meaning (xavier_normal, he, he_uniform,
    # orthogonal) -> zeros
    same = "same"


class Loss(str, Enum):
    cross_entropy = "cross_entropy"  # softmax cross-entropy on the logits
    mse = "mse"  # mean squared error of the logits against one-hot labels


class DropoutPlacement(str, Enum):
    """Where inverted dropout acts (model.dropout > 0)."""

    every = "every"  # after every hidden block, so it feeds the next block's BN
    last = "last"  # only after the last hidden block: after the last BN (Li et al. 2019)


class OptimName(str, Enum):
    sgd = "sgd"
    adam = "adam"
    adamw = "adamw"
    rmsprop = "rmsprop"
    adagrad = "adagrad"


class Sampling(str, Enum):
    epoch = "epoch"  # reshuffle once per epoch, walk through it in batches
    random = "random"  # each step a fresh random subset (Abid 2018)


class Reduction(str, Enum):
    """How a penalty aggregates one weight matrix's entries."""

    mean = "mean"  # λ·mean(|W|), λ·mean(W²) per matrix, summed over matrices (Abid 2018)
    sum = "sum"  # λ·Σ|w|, λ·Σw²: the textbook form; gradient of λΣw² is 2λw


class Device(str, Enum):
    auto = "auto"  # cuda when available, else cpu
    cpu = "cpu"
    cuda = "cuda"


@dataclass
class DataConfig:
    """The task. ``gaussian``: class 0 ~ N(0, Σ), class 1 ~ N(s, Σ) (the fields from
    ``mean`` to ``class1_fraction`` apply to it alone); ``moons``; ``digits``."""

    kind: DataKind = DataKind.gaussian
    dim: int = 12  # input dimension d (moons: 2, digits: 64)
    n: int = 500  # total samples before the train/test split (digits: a subset of 1797)
    test_fraction: float = 0.2  # held-out share (Abid: sklearn train_test_split, 80/20)
    noise: float = 0.2  # moons: std of the Gaussian noise added to the points
    mean: float = 1.0  # class-1 mean s: this scalar in every dimension ...
    mean_pattern: str = "constant"  # ... "constant" (s_i = mean) or "inverse" (s_i = mean/i)
    mean_vector: list[float] | None = None  # explicit per-dimension mean; overrides the two above
    covariance: Covariance = Covariance.abid
    covariance_scale: float = 1.0  # c is multiplied by this before Σ = cᵀc
    class1_fraction: float = 0.5  # prior of class 1
    # base seed for datasets: dataset k is drawn from the stream (seed, stream, k)
    seed: int = 0
    # the data-seed stream: each experiment draws its own datasets (none reuses
    # another's) unless it names a shared stream on purpose
    stream: str = "${experiment_name}"
    # null (default): every replicate draws its own dataset, so replicates are
    # independent draws of everything random. k: replicates share k datasets (replicate
    # r trains on dataset r mod k) and inference must be clustered by dataset.
    num_datasets: int | None = None


@dataclass
class ModelConfig:
    """MLP: input -> hidden layers (activation) -> one logit per class."""

    widths: list[int] = field(default_factory=lambda: [100, 100])  # hidden layer widths
    depth: int | None = None  # if set: this many hidden layers of `width` (replaces widths)
    width: int = 100  # hidden width used with depth
    activation: Activation = Activation.sigmoid
    init: Init = Init.xavier
    init_std: float = 0.01  # std for init=normal / bias_init=normal
    bias_init: BiasInit = BiasInit.zeros
    batch_norm: bool = False  # BatchNorm1d after each hidden linear layer
    bn_after_activation: bool = False  # place BN after the activation instead of before
    dropout: float = 0.0  # inverted dropout rate p (0 = off) ...
    dropout_placement: DropoutPlacement = DropoutPlacement.every  # ... after which blocks
    # identity skip around every hidden block whose input and output widths match:
    # h_l = h_{l-1} + block_l(h_{l-1}) (He et al. 2016)
    residual: bool = False


@dataclass
class OptimConfig:
    name: OptimName = OptimName.adam
    lr: float = 0.003
    lr_ref_batch: int | None = None  # if set: lr scales linearly, lr·batch_size/lr_ref_batch
    momentum: float = 0.0  # sgd, rmsprop
    nesterov: bool = False  # sgd
    # weight matrices only (not biases or BN parameters), as torch.optim defines it:
    # sgd/adam/rmsprop/adagrad add wd·w to the gradient (coupled), adamw shrinks w by
    # lr·wd·w beside the adaptive update (decoupled, Loshchilov & Hutter 2019)
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])  # adam, adamw
    eps: float = 1e-8  # adam, adamw, rmsprop, adagrad


@dataclass
class RegConfig:
    """Penalties on the weight matrices (biases and BN parameters are not penalized).

    The training loss is data loss + l1·Σ_l agg|W_l| + l2·Σ_l agg(W_l²), agg per
    ``reduction``; logged losses are the data loss alone.
    """

    l1: float = 0.0  # L1 strength λ1 (a subgradient in the loss, or the prox step below)
    l2: float = 0.0  # L2 strength λ2
    reduction: Reduction = Reduction.mean
    # L1 as a proximal step instead of a subgradient: after each optimizer step,
    # w <- sign(w)·max(|w| - lr·λ1·c, 0), c = 1/entries (mean) or 1 (sum): exact zeros
    proximal: bool = False


@dataclass
class TrainerConfig:
    replicates: int = 12  # R seeds trained together as one batched computation
    seed: int = 0  # base seed; replicate r's init and minibatch order use (seed, r)
    batch_size: int = 64
    steps: int | None = None  # budget in optimizer steps, or ...
    epochs: float | None = 150.0  # ... in epochs: steps = floor(epochs·epoch_size/batch_size)
    epoch_size: int | None = None  # samples per "epoch" (default: training-set size)
    sampling: Sampling = Sampling.random
    loss: Loss = Loss.cross_entropy
    evals: int = 50  # evaluation points, evenly spaced over the budget (plus step 0)
    target_acc: float = 0.8  # test accuracy for the time-to-accuracy metric
    jitter_window: int = 0  # last K steps on which full-training-set loss is traced (0 = off)
    # probes run at every evaluation (harness/probes.py): layer_stats, symmetry
    probes: list[str] = field(default_factory=list)
    # index of an independent repeat of the same point (the timing phase): its own run
    # and process, the same numbers
    repeat: int = 0
    device: Device = Device.auto
    threads: int = 1  # torch CPU threads; tiny models run fastest on one
    progress: bool = True  # live progress line on a terminal


@dataclass
class TrackingConfig:
    uri: str | None = None  # MLflow tracking URI; default $MLFLOW_TRACKING_URI or ./mlflow.db
    experiment: str = "${experiment_name}"  # MLflow experiment name
    enabled: bool = True  # false: train and print, log nothing
    skip_finished: bool = True  # skip sweep points already FINISHED with the same config


@dataclass
class Config:
    experiment_name: str = "default"  # harness experiment this run belongs to
    claims: list[str] = field(default_factory=list)  # claim ids the run serves
    preset: str = "default"  # name of the preset/control applied (tag only)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    reg: RegConfig = field(default_factory=RegConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)


def register_configs() -> None:
    """Register the schema so conf/config.yaml can extend it (``- base_config``)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)


class ConfigError(ValueError):
    """A config value that is well-typed but out of range; names the field."""


FIXED_DIM = {DataKind.moons: 2, DataKind.digits: 64}  # input size the task imposes
DIGITS_N = 1797  # samples in sklearn's bundled digits


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r} is invalid: allowed values are {allowed}")


def n_train(cfg: DictConfig | Config) -> int:
    """Training-set size after the split (sklearn's rounding: the test share rounds up)."""
    return cfg.data.n - math.ceil(cfg.data.n * cfg.data.test_fraction)


def validate(cfg: DictConfig) -> None:
    """Range checks a type can't express; raise ConfigError naming field and allowed values."""
    d, m, o, t = cfg.data, cfg.model, cfg.optim, cfg.trainer
    _check(d.dim >= 1, "data.dim", d.dim, "integers >= 1")
    _check(d.n >= 4, "data.n", d.n, "integers >= 4")
    if d.kind in FIXED_DIM:
        _check(d.dim == FIXED_DIM[d.kind], "data.dim", d.dim,
               f"{FIXED_DIM[d.kind]} (the input size of data.kind={DataKind(d.kind).value})")
    if d.kind == DataKind.digits:
        _check(d.n <= DIGITS_N, "data.n", d.n, f"4 <= n <= {DIGITS_N} (samples in digits)")
    _check(d.noise >= 0, "data.noise", d.noise, "x >= 0")
    _check(0 < d.test_fraction < 1, "data.test_fraction", d.test_fraction, "0 < x < 1")
    _check(d.mean_pattern in ("constant", "inverse"), "data.mean_pattern", d.mean_pattern,
           "'constant', 'inverse'")
    if d.mean_vector is not None:
        _check(len(d.mean_vector) == d.dim, "data.mean_vector", list(d.mean_vector),
               f"a list of data.dim={d.dim} numbers")
    _check(d.covariance_scale > 0, "data.covariance_scale", d.covariance_scale, "x > 0")
    _check(0 < d.class1_fraction < 1, "data.class1_fraction", d.class1_fraction, "0 < x < 1")
    if d.num_datasets is not None:
        _check(d.num_datasets >= 1, "data.num_datasets", d.num_datasets,
               "integers >= 1, or null (one dataset per replicate)")
    _check(len(m.widths) >= 0 and all(w >= 1 for w in m.widths), "model.widths",
           list(m.widths), "a list of integers >= 1 (empty list = linear model)")
    if m.depth is not None:
        _check(m.depth >= 0, "model.depth", m.depth, "integers >= 0 or null")
    _check(m.width >= 1, "model.width", m.width, "integers >= 1")
    _check(m.init_std > 0, "model.init_std", m.init_std, "x > 0")
    _check(0 <= m.dropout < 1, "model.dropout", m.dropout, "0 <= p < 1")
    _check(o.lr > 0 and math.isfinite(o.lr), "optim.lr", o.lr, "finite x > 0")
    if o.lr_ref_batch is not None:
        _check(o.lr_ref_batch >= 1, "optim.lr_ref_batch", o.lr_ref_batch, "integers >= 1 or null")
    _check(o.momentum >= 0, "optim.momentum", o.momentum, "x >= 0")
    _check(not o.nesterov or (o.name == OptimName.sgd and o.momentum > 0), "optim.nesterov",
           o.nesterov, "true only with optim.name=sgd and optim.momentum > 0")
    _check(o.weight_decay >= 0, "optim.weight_decay", o.weight_decay, "x >= 0")
    _check(len(o.betas) == 2 and all(0 <= b < 1 for b in o.betas), "optim.betas",
           list(o.betas), "two numbers in [0, 1)")
    _check(o.eps > 0, "optim.eps", o.eps, "x > 0")
    for key in ("l1", "l2"):
        value = cfg.reg[key]
        _check(value >= 0 and math.isfinite(value), f"reg.{key}", value, "finite x >= 0")
    _check(t.replicates >= 1, "trainer.replicates", t.replicates, "integers >= 1")
    ntr = n_train(cfg)
    _check(1 <= t.batch_size <= ntr, "trainer.batch_size", t.batch_size,
           f"1 <= batch_size <= training-set size {ntr}")
    _check((t.steps is None) != (t.epochs is None), "trainer.steps/trainer.epochs",
           (t.steps, t.epochs), "exactly one of them set, the other null")
    if t.steps is not None:
        _check(t.steps >= 1, "trainer.steps", t.steps, "integers >= 1")
    if t.epochs is not None:
        _check(t.epochs > 0, "trainer.epochs", t.epochs, "x > 0")
    if t.epoch_size is not None:
        _check(t.epoch_size >= 1, "trainer.epoch_size", t.epoch_size, "integers >= 1 or null")
    _check(t.evals >= 1, "trainer.evals", t.evals, "integers >= 1")
    _check(0 < t.target_acc <= 1, "trainer.target_acc", t.target_acc, "0 < x <= 1")
    _check(t.jitter_window >= 0, "trainer.jitter_window", t.jitter_window, "integers >= 0")
    from harness.probes import PROBES

    unknown = [p for p in t.probes if p not in PROBES]
    _check(not unknown, "trainer.probes", unknown, f"a list of {sorted(PROBES)}")
    _check(t.threads >= 1, "trainer.threads", t.threads, "integers >= 1")
    if t.device == Device.cuda:
        import torch

        _check(torch.cuda.is_available(), "trainer.device", "cuda",
               "'auto', 'cpu' ('cuda' needs a visible CUDA device; none is)")


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """Plain, resolved dict with enums as their names (for hashing and logging)."""
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)  # type: ignore[return-value]

"""Typed configuration schema, registered in Hydra's ConfigStore.

Every field is declared here with its type and meaning, so a typo (``optim.lrr``), a
wrong type (``data.n=abc``) or a name outside a closed set (``optim.name=adamx``) fails
when Hydra composes the config, before anything runs. Range checks that a type cannot
express (``data.n > 0``) live in :func:`validate`, which the entry point calls before
it opens a tracking run, so bad input never leaves a half-written run behind.
"""

from __future__ import annotations

import importlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf


class DataKind(str, Enum):
    """Which task generates the data (harness/data.py)."""

    gaussian = "gaussian"  # two-class Gaussian mixture: linear Bayes boundary, known ceiling
    moons = "moons"  # sklearn make_moons: 2-D, two interleaved half circles (nonlinear)
    digits = "digits"  # sklearn's bundled 8×8 digits: 64-D, 10 classes, no download
    # 2-D, class-balanced, boundaries no low-degree polynomial fits (AC-2's "任何非线性"):
    checkerboard = "checkerboard"  # U[-1,1)², labelled by the colour of data.cells² squares
    two_spirals = "two_spirals"  # two interleaved spirals of data.turns turns each


class Covariance(str, Enum):
    """Shared class covariance of the Gaussian mixture."""

    identity = "identity"  # Σ = I
    abid = "abid"  # Σ = cᵀc, c ~ U[0,1)^{d×d} (Abid 2018), one Σ per dataset


class Mixing(str, Enum):
    """The matrix R the inputs are multiplied by after the dummy dimensions (x ← x·R)."""

    none = "none"  # no mixing: the informative dimensions stay apart from the dummy ones
    # R ~ U[0,1)^{D×D}, a fresh one per dataset: Abid 2018 Exp 6 (not a rotation)
    uniform = "uniform"
    orthogonal = "orthogonal"  # R a uniform random rotation (scipy's special_ortho_group)


class Preprocess(str, Enum):
    """A preprocessing step fitted on a dataset's training split alone (scikit-learn),
    then applied to its training, validation and test splits."""

    standardize = "standardize"  # StandardScaler: z-scores with the training mean and SD
    pca = "pca"  # PCA to data.pca_components components
    # MinMaxScaler: the training min and range (Abid's per-set one: data.minmax_per_set)
    minmax = "minmax"


class Activation(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"
    relu = "relu"
    leaky_relu = "leaky_relu"
    elu = "elu"
    gelu = "gelu"
    identity = "identity"
    x2 = "x2"  # x² (torch.square): Abid 2018 Exp 7's polynomial activation
    sin = "sin"
    # torch.sign: its gradient is 0 wherever it is defined, so the layers below a sign
    # activation never train (a random-features model with a trained read-out; AC-2)
    sign = "sign"


class Init(str, Enum):
    """Weight initialisation schemes (see harness.train.models.init_weight_)."""

    xavier = "xavier"  # Glorot uniform
    xavier_normal = "xavier_normal"
    he = "he"  # Kaiming normal, fan_in, ReLU gain
    he_uniform = "he_uniform"
    orthogonal = "orthogonal"
    normal = "normal"  # N(0, init_std²): init_std is the standard deviation
    zeros = "zeros"
    ones = "ones"


# the schemes model.init_gain scales (the others fix their values or take init_std)
GAIN_SCHEMES = (Init.xavier, Init.xavier_normal, Init.he, Init.he_uniform, Init.orthogonal)


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
    # softmax focal loss −α_t (1−p_t)^γ log p_t (Lin et al. 2017), per example, mean over
    # the batch; γ = trainer.focal_gamma, α_t from trainer.focal_alpha(_class)
    focal = "focal"
    # mean squared error of the softmax probabilities against one-hot labels (the loss
    # that saturates with a squashing output, LS-1), mean over batch and classes
    mse_prob = "mse_prob"


class DropoutPlacement(str, Enum):
    """Where inverted dropout acts (model.dropout > 0)."""

    every = "every"  # after every hidden block, so it feeds the next block's BN
    last = "last"  # only after the last hidden block: after the last BN (Li et al. 2019)


class DropoutScaling(str, Enum):
    """How dropout keeps the eval output equal to the train-time expectation."""

    inverted = "inverted"  # kept units × 1/(1−p) in training, identity at eval (torch's)
    test = "test"  # plain dropout: kept units unscaled in training, × (1−p) at eval


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
    # --- Part 1's data options (IM-1, IM-2, DR-1, AC-2, RG-5), applied in this order;
    # each at its default leaves the data bit-identical to before it existed ---
    # gaussian: the test set's class-1 prior. null: class1_fraction for both, the n points
    # drawn together and split at random (so split counts vary). A number draws the two
    # sets apart, with exact counts (round(n_split·prior) of class 1) taken as the first
    # points of per-class pools drawn from streams of their own: points that differ only in
    # class1_fraction share Σ, the test set and nested training sets (IM-1's pairing).
    # Abid's n_min = int(n/(r+1)) is class1_fraction = 1 − int(n_train/(r+1))/n_train.
    test_class1_fraction: float | None = None
    # min–max normalize the training and the test set each with its own column min and
    # range, (x − min)/(max − min), as Abid 2018's normalize_x (Exp 4) does; the validation
    # split is carved after it, from the normalized training set
    minmax_per_set: bool = False
    cells: int = 4  # checkerboard: squares per side (4 = the 4×4 board)
    turns: float = 2.0  # two_spirals: turns of each spiral
    # append this many useless dimensions of dummy_noise·U[0,1) noise to every point, then
    # mix all of them with ``mixing`` (Abid 2018 Exp 6): the input has dim + dummy_dims
    # columns; noise and R come from a stream of the dataset's own, not from the task's
    dummy_dims: int = 0
    dummy_noise: float = 1.0
    mixing: Mixing = Mixing.none
    # held-out share of the training split, carved from it for validation (early stopping
    # chooses on it, never on test); its loss and accuracy are curves like the test's. 0 = none
    val_fraction: float = 0.0
    # steps fitted on the (post-validation) training split alone, in order ([] = none)
    preprocess: list[Preprocess] = field(default_factory=list)
    pca_components: int | None = None  # with preprocess pca: components kept (else null)


@dataclass
class ModelConfig:
    """MLP: input -> hidden layers (activation) -> one logit per class."""

    widths: list[int] = field(default_factory=lambda: [100, 100])  # hidden layer widths
    depth: int | None = None  # if set: this many hidden layers of `width` (replaces widths)
    width: int = 100  # hidden width used with depth
    activation: Activation = Activation.sigmoid
    # activation=leaky_relu: the slope α for x < 0 (torch's default 0.01)
    leaky_slope: float = 0.01
    init: Init = Init.xavier
    init_std: float = 0.01  # std for init=normal / bias_init=normal
    # multiplies the weights a scaled random scheme draws (xavier, xavier_normal, he,
    # he_uniform, orthogonal); 4 = Xavier for sigmoid (1/σ'(0), Glorot & Bengio 2010)
    init_gain: float = 1.0
    bias_init: BiasInit = BiasInit.zeros
    batch_norm: bool = False  # BatchNorm1d after each hidden linear layer
    bn_after_activation: bool = False  # place BN after the activation instead of before
    dropout: float = 0.0  # dropout rate p (0 = off) ...
    dropout_placement: DropoutPlacement = DropoutPlacement.every  # ... after which blocks
    dropout_scaling: DropoutScaling = DropoutScaling.inverted  # ... rescaled when (BD-5)
    # residual blocks (He et al. 2016): the first hidden layer is plain, h = σ(W x + b);
    # the hidden-to-hidden matrices after it pair up into blocks h <- h + W2 σ(W1 h + b1)
    # + b2 (no activation after the sum), so the net keeps the plain net's weight matrices
    # (count, shapes, init) and only the wiring changes. Needs equal hidden widths, an odd
    # number of hidden layers (1 + 2 per block) and no batch norm.
    residual: bool = False


@dataclass
class OptimConfig:
    name: OptimName = OptimName.adam
    lr: float = 0.003
    lr_ref_batch: int | None = None  # if set: lr scales linearly, lr·batch_size/lr_ref_batch
    # ... or as lr·(batch_size/lr_ref_batch)^lr_scale_power: 1 = linear (Goyal et al.
    # 2017), 0.5 = square root (the usual rule under Adam; Hoffer et al. 2017)
    lr_scale_power: float = 1.0
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


# the probes a run can ask for (trainer.probes); harness.train.probes.PROBES maps each name
# to its class (a test checks the two agree). Named here so that validating a config
# never imports the probes, which import this schema.
PROBE_NAMES = ("layer_stats", "layer_stats_bn_train", "symmetry", "weights", "first_layer",
               "convergence", "batch_norm", "dropout", "params", "dead_units",
               "grad_share", "calibration")


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
    # Options of the classification loss (the logged train_loss/test_loss are the training
    # objective they define, less any weight penalty, so a time-to-target loss is the
    # quantity optimized; with any of them on, or loss=focal/mse_prob, train_nll and
    # test_nll log the plain softmax cross-entropy beside it, the likelihood every arm
    # shares). cross_entropy only: class_weight is null, 'balanced' (n/(K·n_k) from each
    # replicate's own training set, sklearn's definition) or a list of K per-class
    # weights; the loss is then torch's weighted mean Σ w_y ℓ / Σ w_y over the batch
    # (F.cross_entropy(weight=...)), so full-batch balanced weights train as the
    # minority tiled to balance does (IM-2). label_smoothing: ε of torch's definition,
    # targets (1−ε)·one-hot + ε/K; not with class_weight
    class_weight: Any = None
    label_smoothing: float = 0.0
    # loss=focal only: γ, and α on class focal_alpha_class with 1−α on the others
    # (RetinaNet's convention; null = no α, every α_t = 1). γ = 0 without α is
    # cross-entropy exactly
    focal_gamma: float = 2.0
    focal_alpha: float | None = None
    focal_alpha_class: int = 1
    evals: int = 50  # evaluation points, evenly spaced over the budget (plus step 0)
    # or evaluate right after updates eval_start, eval_start + eval_every, ... (<= the
    # budget), as Abid's notebook does (after updates 1, 51, ..., 451): null = use `evals`
    eval_every: int | None = None
    eval_start: int = 0  # first evaluated update when eval_every is set (0 = before training)
    # also evaluate after each of the first eval_first updates (of the point's own phase,
    # after the shared first phase when there is one): 0 = off
    eval_first: int = 0
    target_acc: float = 0.8  # test accuracy for the time-to-accuracy metric
    jitter_window: int = 0  # last K steps on which full-training-set loss is traced (0 = off)
    # K steps after every evaluation on which it is traced, summarised per burst (0 = off)
    jitter_burst: int = 0
    # probes run at every evaluation (harness/train/probes.py): any of PROBE_NAMES
    probes: list[str] = field(default_factory=list)
    # index of an independent repeat of the same point (the timing phase): its own run
    # and process, the same numbers
    repeat: int = 0
    # a shared first phase: the first warmup_steps updates use warmup_batch_size and a
    # minibatch stream drawn from the replicate's seed alone, so points that differ only
    # in batch size reach the same weights (and optimizer state) at update warmup_steps,
    # the common checkpoint; the budget (steps or epochs) and the evaluations then count
    # from it, at the point's own batch size and stream. 0 = off (warmup_batch_size null)
    warmup_steps: int = 0
    warmup_batch_size: int | None = None
    # a search instead of training: the dotted path of a function ``f(cfg, replicate,
    # rng) -> DataFrame`` that checks an exact fact over one chunk of a stated search (columns
    # setting, member, value, points; see harness/train/search.py). Replicate r is chunk r,
    # drawn from its own seed; data, model and optim are then unused. null = train
    task: str | None = None
    device: Device = Device.auto
    # torch.compile the step's forward, loss and backward (CUDA graphs on CUDA); results
    # equal eager's within float rounding. Off by default: on the CPU a sweep point pays
    # seconds of compiling for little or nothing per step (results/bench.md), and on
    # CUDA, where it should pay, it has not been measured yet
    compile: bool = False
    threads: int = 1  # torch CPU threads; tiny models run fastest on one
    progress: bool = True  # live progress line on a terminal


@dataclass
class TrackingConfig:
    uri: str | None = None  # MLflow tracking URI; default $MLFLOW_TRACKING_URI or ./mlflow.db
    experiment: str = "${experiment_name}"  # MLflow experiment name
    enabled: bool = True  # false: train and print, log nothing
    skip_finished: bool = True  # skip sweep points already FINISHED with the same config
    # list every point of the run or sweep with its status in the store (finished /
    # missing / failed / killed / running) and exit, training nothing
    dry_run: bool = False
    # a running point's process refreshes its run's `heartbeat` tag this often; a RUNNING
    # run whose heartbeat is older than 3x this (its lease) is reaped (marked KILLED) by
    # the next process that wants the point, on any host
    heartbeat_s: float = 30.0


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
    # set by the grids sweeper (hydra.sweeper.fuse), not by hand: the other sweep points
    # this job trains in the same batched computation, as JSON (harness/fusion.py)
    fused: str = ""


def register_configs() -> None:
    """Register the schema so conf/config.yaml can extend it (``- base_config``)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)


class ConfigError(ValueError):
    """A config value that is well-typed but out of range; names the field."""


# input size the task imposes
FIXED_DIM = {DataKind.moons: 2, DataKind.digits: 64, DataKind.checkerboard: 2,
             DataKind.two_spirals: 2}
DIGITS_N = 1797  # samples in sklearn's bundled digits


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r} is invalid: allowed values are {allowed}")


def load_search(path: str) -> Callable[..., Any]:
    """The search function a point names in ``trainer.task`` (harness/train/search.py),
    found by import from its dotted path, as Hydra finds a ``_target_``."""
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name) if module else None
    except (ImportError, AttributeError):
        found = None
    _check(callable(found), "trainer.task", path, "null (train a network) or the dotted "
           "path of a search function, package.module.function")
    return found  # type: ignore[return-value]


def n_train(cfg: DictConfig | Config) -> int:
    """Training-set size after the splits (sklearn's rounding: the test share rounds up,
    then the validation share of what is left does)."""
    d = cfg.data
    before_val = d.n - math.ceil(d.n * d.test_fraction)
    return before_val - math.ceil(before_val * d.val_fraction)


def input_dim(cfg: DictConfig | Config) -> int:
    """The network's input size: the task's dimensions plus the dummy ones, or the PCA
    components kept when data.preprocess has PCA."""
    d = cfg.data
    width = d.dim + d.dummy_dims
    return d.pca_components if Preprocess.pca in d.preprocess else width


# Names that become MLflow experiment names and folder names (logs/, mlartifacts/): no
# path separators, no leading dot (so never "..") and short enough for any filesystem.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
NAME_ALLOWED = ("1 to 100 characters from A-Z a-z 0-9 _ . -, starting with a letter or digit "
                "(no '/', no '..')")


@cache
def _schema() -> DictConfig:
    return OmegaConf.structured(Config)


def _check_known_keys(cfg: DictConfig) -> None:
    """Keys added with ``+key=value`` (Hydra opens the struct for them) must be schema
    fields too: an unknown key would be silently ignored."""
    def walk(node: DictConfig, schema: DictConfig, prefix: str) -> None:
        for key in node.keys():
            if prefix == "" and key == "hydra":
                continue
            dotted = f"{prefix}{key}"
            if key not in schema:
                where = f"{prefix[:-1]} has" if prefix else "the config has"
                value = OmegaConf.select(node, str(key), throw_on_missing=False)
                raise ConfigError(f"{dotted}={value} is invalid: {where} no field {key!r}; "
                                  f"allowed fields are {', '.join(map(str, schema.keys()))}")
            child, sub = node._get_node(key), schema._get_node(key)
            if isinstance(child, DictConfig) and isinstance(sub, DictConfig) \
                    and not sub._is_none():
                walk(child, sub, f"{dotted}.")

    walk(cfg, _schema(), "")


def _check_finite(cfg: DictConfig) -> None:
    """NaN and infinity are floats OmegaConf accepts; no field of the schema means them."""
    data = {k: (OmegaConf.to_container(v, resolve=True, enum_to_str=True)
                if OmegaConf.is_config(v) else v)
            for k, v in ((k, cfg[k]) for k in cfg.keys() if k != "hydra")}

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(node, list):
            if any(isinstance(v, float) and not math.isfinite(v) for v in node):
                raise ConfigError(f"{key}={node} is invalid: allowed values are finite numbers")
            for v in node:
                if isinstance(v, dict | list):
                    walk(v, key)
        elif isinstance(node, float) and not math.isfinite(node):
            raise ConfigError(f"{key}={node} is invalid: allowed values are finite numbers")

    walk(data, "")


def check_name(key: str, value: Any) -> None:
    _check(isinstance(value, str) and NAME_PATTERN.fullmatch(value) is not None, key, value,
           NAME_ALLOWED)


# ---------------------------------------------------------------------------------------
# Work and memory budget of one sweep point, checked before anything trains. A point that
# cannot finish (an hour-long step loop of 10^12 steps, a model or a replicate batch that
# does not fit in memory) is refused with the field to change. The limits are generous:
# every declared point of every experiment uses a small fraction of them (a test checks).
MAX_STEPS = 10_000_000  # optimizer steps of one point (~1-3 h of small-model steps on a CPU)
MAX_EVALS = 10_000  # evaluation points (each one logs every curve of every replicate)
MAX_PARAMS = 100_000_000  # parameters of one replicate's model
MAX_WORK = 1e15  # multiply-adds of one point (replicates x steps x batch x parameters x 3 +
#                  evaluations); ~1 day at 10 GFLOP/s
MEMORY_FRACTION = 0.8  # of the device's memory (or the cgroup's limit, if lower)


@dataclass
class Budget:
    """Estimated cost of one sweep point (see :func:`budget`)."""

    steps: float  # optimizer steps
    params: int  # parameters of one replicate's model (BN included)
    work: float  # multiply-adds of training and evaluation, all replicates
    memory: dict[str, float]  # bytes by what holds them, all replicates

    @property
    def memory_bytes(self) -> float:
        return sum(self.memory.values())


def hidden_widths(m: Any) -> list[int]:
    return [int(m.width)] * int(m.depth) if m.depth is not None else [int(w) for w in m.widths]


def step_budget(t: Any, ntr: int) -> float:
    """The trainer's step count (trainer.total_steps), as a float that cannot overflow."""
    if t.steps is not None:
        return float(t.steps)
    return max(1.0, math.floor(float(t.epochs) * (t.epoch_size or ntr) / t.batch_size))


def eval_count(t: Any, steps: float) -> float:
    """How many evaluation points ``eval_schedule`` gives, without listing them."""
    first = min(float(t.eval_first), steps)  # an upper bound where the two coincide
    if t.eval_every is None:
        return min(float(t.evals), steps) + 1 + first
    return max(0.0, (steps - t.eval_start) // t.eval_every + 1) + first


def eval_schedule(t: Any, steps: int) -> list[int]:
    """The updates after which the trainer evaluates (0 = before the first update).

    Evenly spaced by default; Abid's notebook instead evaluates right after updates 1, 51,
    ..., 451 of 500 (``eval_start=1, eval_every=50``), so its last point is not the last
    update: a faithful preset must compare like with like. ``eval_first`` adds each of the
    first updates (a change per update where the schedule is sparse).
    """
    if t.eval_every is None:
        at = {round(i * steps / t.evals) for i in range(t.evals + 1)}
    else:
        at = set(range(t.eval_start, steps + 1, t.eval_every))
    return sorted(at | set(range(1, min(t.eval_first, steps) + 1)))


def budget(cfg: DictConfig) -> Budget:
    """Steps, parameters, work and memory of one point, from its config alone.

    Memory counts float32 parameters with their gradients, two optimizer states and the
    initialization's copy (x5), the datasets (float64 while generated, float32 stacked,
    and the per-replicate copy), the minibatch index blocks (512 steps of an argsort over
    the training set per replicate), activations of a full-training-set pass (x4 for
    gradients and BN), and the convergence probe's snapshots (one per evaluation).
    Work counts 3 multiply-adds per parameter and sample of a training step (forward and
    backward; the shared first phase's steps too), 2 per evaluated sample, and the jitter
    window's full-set losses.
    """
    d, t = cfg.data, cfg.trainer
    R = float(t.replicates)
    n_out = n_classes(d)
    dims = [input_dim(cfg), *hidden_widths(cfg.model), n_out]
    params = sum(a * b + b for a, b in zip(dims[:-1], dims[1:], strict=True))
    if cfg.model.batch_norm:
        params += 2 * sum(dims[1:-1])
    ntr = n_train(cfg)
    steps = step_budget(t, ntr)
    evals = eval_count(t, steps)
    units = float(sum(dims[1:]))
    work = R * (3 * (steps * t.batch_size + t.warmup_steps * (t.warmup_batch_size or 0))
                * params + 2 * evals * d.n * params
                + 2 * min(float(t.jitter_window), steps) * ntr * params
                + 2 * min(float(t.jitter_burst) * evals, steps) * ntr * params)
    f32 = 4.0
    memory = {
        "parameters": R * params * f32 * 5,
        "data": R * d.n * ((d.dim + d.dummy_dims) * (8 + 2 * f32) + 2 * 8),
        "minibatch indices": (R * min(512.0, steps) * ntr * (f32 + 8)
                              if t.sampling == Sampling.random and t.batch_size > 1
                              else R * ntr * 8),
        "activations": R * max(float(t.batch_size), float(d.n)) * units * f32 * 4,
    }
    if "convergence" in t.probes:
        # weights and each layer's output on a 64-sample batch, at every evaluation
        memory["probe snapshots"] = R * evals * (params + min(64, ntr) * units) * f32
    return Budget(steps=steps, params=params, work=work, memory=memory)


def device_memory(device: Any) -> tuple[str, float]:
    """(device name, bytes of memory a point may use there)."""
    import torch

    if device == Device.cuda or (device == Device.auto and torch.cuda.is_available()):
        return "cuda", float(torch.cuda.get_device_properties(0).total_memory)
    total = float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:  # a container's own limit, when lower (cgroup v2, then v1)
        for path in ("/sys/fs/cgroup/memory.max",
                     "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
            text = Path(path).read_text().strip() if Path(path).exists() else "max"
            if text.isdigit():
                total = min(total, float(text))
    except OSError:
        pass
    return "cpu", total


def _gib(x: float) -> str:
    return f"{x / 2**30:.3g} GiB"


def _check_budget(cfg: DictConfig) -> None:
    t, m = cfg.trainer, cfg.model
    ntr = n_train(cfg)
    steps = step_budget(t, ntr)
    if t.steps is not None:
        _check(steps <= MAX_STEPS, "trainer.steps", t.steps, f"integers 1 .. {MAX_STEPS:,}")
    else:
        _check(steps <= MAX_STEPS, "trainer.epochs", t.epochs,
               f"budgets of at most {MAX_STEPS:,} optimizer steps (this one is {steps:.3g} = "
               f"epochs x epoch_size {t.epoch_size or ntr} / batch_size {t.batch_size})")
    _check(t.evals <= MAX_EVALS, "trainer.evals", t.evals, f"integers 1 .. {MAX_EVALS:,}")
    _check(0 <= t.eval_first <= MAX_EVALS, "trainer.eval_first", t.eval_first,
           f"integers 0 .. {MAX_EVALS:,} (0 = off)")
    if t.eval_every is not None:
        _check(t.eval_every >= 1 and eval_count(t, steps) <= MAX_EVALS, "trainer.eval_every",
               t.eval_every, f"integers >= 1 giving at most {MAX_EVALS:,} evaluations")
        _check(0 <= t.eval_start <= steps, "trainer.eval_start", t.eval_start,
               f"0 <= eval_start <= the step budget {steps:.0f}")
    b = budget(cfg)
    model_key = ("model.depth" if m.depth is not None else "model.widths")
    model_value = m.depth if m.depth is not None else list(m.widths)
    _check(b.params <= MAX_PARAMS, model_key, model_value,
           f"models of at most {MAX_PARAMS:,} parameters per replicate (this one has "
           f"{b.params:,.0f}" + (f" with model.width={m.width}" if m.depth is not None else "")
           + f" and input size {input_dim(cfg)})")
    _check_memory(cfg, b, model_key, model_value)
    if b.work > MAX_WORK:
        budget_key = (f"trainer.steps={t.steps}" if t.steps is not None
                      else f"trainer.epochs={t.epochs}")
        raise ConfigError(
            f"trainer.replicates={t.replicates} x {budget_key} ({steps:.3g} steps) x "
            f"trainer.batch_size={t.batch_size} x {b.params:,} parameters is invalid: allowed "
            f"values keep this product (x3, plus evaluations) within {MAX_WORK:.0e} "
            f"multiply-adds per point (this one needs {b.work:.2g}); lower one of them")


def _check_memory(cfg: DictConfig, b: Budget, model_key: str, model_value: Any) -> None:
    t = cfg.trainer
    name, total = device_memory(t.device)
    limit = MEMORY_FRACTION * total
    need = b.memory_bytes
    if need <= limit:
        return
    parts = ", ".join(f"{k} {_gib(v)}" for k, v in b.memory.items())
    per_replicate = need / t.replicates
    max_r = int(limit // per_replicate)
    if max_r >= 1:
        raise ConfigError(
            f"trainer.replicates={t.replicates} is invalid: allowed values are integers 1 .. "
            f"{max_r} for this point: it needs ~{_gib(need)} ({parts}), more than "
            f"{MEMORY_FRACTION:.0%} of the {_gib(total)} of {name} memory")
    biggest = max(b.memory, key=b.memory.get)
    key, value = {"parameters": (model_key, model_value),
                  "probe snapshots": ("trainer.probes", list(t.probes))}.get(
        biggest, ("data.n", cfg.data.n))
    raise ConfigError(
        f"{key}={value} is invalid: allowed values fit one replicate in {MEMORY_FRACTION:.0%} "
        f"of the {_gib(total)} of {name} memory; one replicate of this point needs "
        f"~{_gib(per_replicate)} ({biggest} dominate)")


def _check_warmup(t: Any, o: Any, ntr: int) -> None:
    """The shared first phase: a length, a batch size only with one, and a learning rate
    that does not follow the point's batch size (the phase would then differ by point)."""
    _check(0 <= t.warmup_steps <= MAX_STEPS, "trainer.warmup_steps", t.warmup_steps,
           f"integers 0 .. {MAX_STEPS:,} (0 = no shared first phase)")
    if t.warmup_steps == 0:
        _check(t.warmup_batch_size is None, "trainer.warmup_batch_size", t.warmup_batch_size,
               "null while trainer.warmup_steps=0 (no shared first phase)")
        return
    _check(t.warmup_batch_size is not None and 1 <= t.warmup_batch_size <= ntr,
           "trainer.warmup_batch_size", t.warmup_batch_size,
           f"integers 1 .. training-set size {ntr} while trainer.warmup_steps > 0")
    _check(o.lr_ref_batch is None, "optim.lr_ref_batch", o.lr_ref_batch,
           "null while trainer.warmup_steps > 0 (a learning rate scaled with the point's "
           "batch size would make the shared first phase differ between points)")


def _check_part1_data(cfg: DictConfig) -> None:
    """The test prior, the 2-D tasks' shapes, dummy dimensions, validation split and
    preprocessing (the Part 1 fields of DataConfig): a field only where it applies."""
    d = cfg.data
    if d.test_class1_fraction is not None:
        _check(d.kind == DataKind.gaussian and 0 < d.test_class1_fraction < 1,
               "data.test_class1_fraction", d.test_class1_fraction,
               "0 < x < 1 with data.kind=gaussian, or null (class1_fraction, drawn jointly)")
    _check(d.cells >= 2, "data.cells", d.cells, "integers >= 2")
    _check(d.turns > 0, "data.turns", d.turns, "x > 0")
    _check(d.dummy_dims >= 0, "data.dummy_dims", d.dummy_dims, "integers >= 0")
    _check(d.dummy_noise >= 0, "data.dummy_noise", d.dummy_noise, "x >= 0")
    width = d.dim + d.dummy_dims
    _check(d.mixing != Mixing.orthogonal or width >= 2, "data.mixing", d.mixing.value,
           "'none' or 'uniform' for one input dimension (a rotation needs two)")
    _check(0 <= d.val_fraction < 1, "data.val_fraction", d.val_fraction, "0 <= x < 1")
    ntr = n_train(cfg)
    _check(ntr >= 2, "data.val_fraction", d.val_fraction,
           "shares that leave at least 2 training points after the test and validation splits")
    steps = [Preprocess(p) for p in d.preprocess]
    _check(len(set(steps)) == len(steps), "data.preprocess", [p.value for p in steps],
           "a list of distinct steps from standardize, pca, minmax")
    if Preprocess.pca in steps:
        top = min(ntr, width)
        _check(d.pca_components is not None and 1 <= d.pca_components <= top,
               "data.pca_components", d.pca_components,
               f"integers 1 .. {top} (min of training points and input dimensions) with pca")
    else:
        _check(d.pca_components is None, "data.pca_components", d.pca_components,
               "null unless data.preprocess has pca")


def n_classes(d: Any) -> int:
    """Classes of the task (the model's outputs): 10 digits, else 2."""
    return 10 if d.kind == DataKind.digits else 2


def _check_activation(m: Any) -> None:
    _check(0 <= m.leaky_slope < 1, "model.leaky_slope", m.leaky_slope, "0 <= x < 1")
    _check(m.leaky_slope == 0.01 or m.activation == Activation.leaky_relu, "model.leaky_slope",
           m.leaky_slope, "0.01 (the default) unless model.activation=leaky_relu")


def _check_loss(t: Any, k: int) -> None:
    """The loss options: each in range, and each only with the loss that reads it, so a
    point never carries (and hashes) an option that changes nothing."""
    loss = Loss(t.loss)
    weight = t.class_weight
    if weight is not None:
        _check(loss == Loss.cross_entropy, "trainer.class_weight", weight,
               "null unless trainer.loss=cross_entropy")
        given = OmegaConf.is_list(weight) or isinstance(weight, list)
        _check(weight == "balanced" or (given and len(weight) == k and all(
            isinstance(w, int | float) and not isinstance(w, bool) and w > 0 for w in weight)),
            "trainer.class_weight", weight,
            f"null, 'balanced' or a list of {k} numbers > 0 (one per class)")
    eps = t.label_smoothing
    _check(0 <= eps < 1, "trainer.label_smoothing", eps, "0 <= x < 1")
    _check(eps == 0 or (loss == Loss.cross_entropy and weight is None),
           "trainer.label_smoothing", eps,
           "0 unless trainer.loss=cross_entropy and trainer.class_weight=null")
    focal = loss == Loss.focal
    _check(t.focal_gamma >= 0 and (focal or t.focal_gamma == 2), "trainer.focal_gamma",
           t.focal_gamma, "x >= 0 with trainer.loss=focal, else 2 (the default)")
    if t.focal_alpha is not None:
        _check(focal and 0 < t.focal_alpha < 1, "trainer.focal_alpha", t.focal_alpha,
               "0 < x < 1 with trainer.loss=focal, else null")
    _check(0 <= t.focal_alpha_class < k and (t.focal_alpha is not None
                                             or t.focal_alpha_class == 1),
           "trainer.focal_alpha_class", t.focal_alpha_class,
           f"a class 0 .. {k - 1} with trainer.focal_alpha set, else 1 (the default)")


def validate(cfg: DictConfig) -> None:
    """Range checks a type can't express; raise ConfigError naming field and allowed values.

    In order: keys that are not schema fields (``+optim.lrr=0.1``), non-finite numbers,
    names that become folders, ranges, then the point's work and memory budget.
    """
    _check_known_keys(cfg)
    _check_finite(cfg)
    check_name("experiment_name", cfg.experiment_name)
    check_name("tracking.experiment", cfg.tracking.experiment)
    hb = cfg.tracking.heartbeat_s
    _check(0.1 <= hb <= 3600, "tracking.heartbeat_s", hb, "0.1 <= x <= 3600 (seconds)")
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
    _check_part1_data(cfg)
    _check(len(m.widths) >= 0 and all(w >= 1 for w in m.widths), "model.widths",
           list(m.widths), "a list of integers >= 1 (empty list = linear model)")
    if m.depth is not None:
        _check(m.depth >= 0, "model.depth", m.depth, "integers >= 0 or null")
    _check(m.width >= 1, "model.width", m.width, "integers >= 1")
    _check(m.init_std > 0, "model.init_std", m.init_std, "x > 0")
    _check(m.init_gain > 0, "model.init_gain", m.init_gain, "x > 0")
    _check(m.init_gain == 1 or m.init in GAIN_SCHEMES, "model.init_gain", m.init_gain,
           f"1 unless model.init is one of {[i.value for i in GAIN_SCHEMES]}")
    _check(0 <= m.dropout < 1, "model.dropout", m.dropout, "0 <= p < 1")
    _check_activation(m)
    if m.residual:
        hw = [m.width] * m.depth if m.depth is not None else list(m.widths)
        _check(len(hw) % 2 == 1 and len(set(hw)) == 1 and not m.batch_norm, "model.residual",
               m.residual, "true only with an odd number of equal-width hidden layers "
               "(1 + 2 per block) and model.batch_norm=false")
    _check(o.lr > 0 and math.isfinite(o.lr), "optim.lr", o.lr, "finite x > 0")
    if o.lr_ref_batch is not None:
        _check(o.lr_ref_batch >= 1, "optim.lr_ref_batch", o.lr_ref_batch, "integers >= 1 or null")
    _check(0 < o.lr_scale_power <= 1, "optim.lr_scale_power", o.lr_scale_power,
           "0 < x <= 1 (1 linear, 0.5 square root)")
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
    _check_loss(t, n_classes(d))
    _check(0 < t.target_acc <= 1, "trainer.target_acc", t.target_acc, "0 < x <= 1")
    _check(t.jitter_window >= 0, "trainer.jitter_window", t.jitter_window, "integers >= 0")
    _check(t.jitter_burst >= 0, "trainer.jitter_burst", t.jitter_burst, "integers >= 0")
    _check_warmup(t, o, ntr)
    if t.task is not None:
        load_search(t.task)
    unknown = [p for p in t.probes if p not in PROBE_NAMES]
    _check(not unknown, "trainer.probes", unknown, f"a list of {sorted(PROBE_NAMES)}")
    _check(t.threads >= 1, "trainer.threads", t.threads, "integers >= 1")
    if t.device == Device.cuda:
        import torch

        _check(torch.cuda.is_available(), "trainer.device", "cuda",
               "'auto', 'cpu' ('cuda' needs a visible CUDA device; none is)")
    _check_budget(cfg)



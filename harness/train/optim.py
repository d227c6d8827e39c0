"""Optimizers whose hyperparameters may differ across the replicates of a batched run.

The trainer stacks R replicates into every parameter (leading dimension R) and steps them
with one optimizer. A stock torch.optim optimizer can do that only when every replicate
shares its hyperparameters. ``ReplicateOptimizer`` also takes lr, weight_decay and
momentum as 1-D tensors of length R, so sweep points that differ only in those values can
share one computation.

The update formulas, and the order of their floating-point operations, are torch.optim's
(torch/optim/{sgd,adam,rmsprop,adagrad}.py, the foreach code path). A per-replicate value
broadcasts as an (R, 1, ..., 1) view over each parameter. A shared value stays a Python
float and goes through the same scalar overloads torch uses. With shared values the
results therefore match torch.optim to rounding, and with per-replicate values each
replicate matches a stock optimizer run on its own slice with its own values
(tests/test_optim.py checks both). Everything runs on torch._foreach_* ops over a group's
parameter list, with no Python loop over replicates.

Not supported (the harness does not use them): amsgrad, maximize, centered RMSprop,
Adagrad's lr_decay and initial_accumulator_value, SGD dampening, sparse or complex
parameters. torch.optim.lr_scheduler cannot drive a per-replicate lr either: it
``fill_``s tensor learning rates with a single value. To change per-replicate values,
assign a new tensor to ``group["lr"]`` (or edit the tensor in place). The cached views
notice both.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

# a hyperparameter: one value for all replicates, or one per replicate
Hyper = float | Sequence[float] | Tensor
# what the update code sees: the shared float, or one broadcastable view per parameter
Scale = float | list[Tensor]

ALGORITHMS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
PER_REPLICATE = ("lr", "weight_decay", "momentum")
# torch.optim's defaults (SGD has no eps)
DEFAULT_EPS = {"sgd": 0.0, "adam": 1e-8, "adamw": 1e-8, "rmsprop": 1e-8, "adagrad": 1e-10}


def _as_hyper(name: str, value: Hyper) -> float | Tensor:
    """A shared value as a float, or per-replicate values as a 1-D tensor.

    A tensor the caller passes in is kept as is, not copied, so that editing it in place
    takes effect on the next step.
    """
    if isinstance(value, numbers.Real):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        return float(value)
    if isinstance(value, Tensor):
        t = value.detach() if value.requires_grad else value
    else:
        t = torch.tensor(value, dtype=torch.float64)
    if t.ndim != 1 or t.numel() == 0:
        raise ValueError(f"per-replicate {name} must be a 1-D tensor of length R, "
                         f"got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    if bool((t < 0).any()):
        raise ValueError(f"{name} must be >= 0 for every replicate, got {t.tolist()}")
    return t


def _same(a: tuple, b: tuple) -> bool:
    """Whether two cache signatures hold the same objects (tensors) or values (floats),
    with the same tensor versions."""
    return len(a) == len(b) and all(
        (x is y or not isinstance(x, Tensor) and not isinstance(y, Tensor) and x == y)
        and vx == vy for (x, vx), (y, vy) in zip(a, b, strict=True))


def _axpy(ys: list[Tensor], xs: list[Tensor], a: Scale) -> list[Tensor]:
    """ys + a·xs as new tensors. A shared float goes through torch's ``alpha`` overload."""
    if isinstance(a, float):
        return torch._foreach_add(ys, xs, alpha=a)
    return torch._foreach_addcmul(ys, xs, a)


def _axpy_(ys: list[Tensor], xs: list[Tensor], a: Scale, sign: float = 1.0) -> None:
    """ys += sign·a·xs in place."""
    if isinstance(a, float):
        torch._foreach_add_(ys, xs, alpha=sign * a)
    else:
        torch._foreach_addcmul_(ys, xs, a, value=sign)


def _descend_(params: list[Tensor], num: list[Tensor], den: list[Tensor], lr: Scale,
              divisors: list[float]) -> None:
    """params -= lr / divisor · num / den, per parameter.

    This is torch's ``addcdiv_(num, den, value=-lr / divisor)``. A per-replicate lr cannot
    be an addcdiv scalar, so that case forms num / den and multiplies it by the lr views.
    """
    if isinstance(lr, float):
        torch._foreach_addcdiv_(params, num, den, [-lr / d for d in divisors])
    else:
        torch._foreach_addcmul_(params, torch._foreach_div(num, den), lr,
                                [-1.0 / d for d in divisors])


def replicate_view(values: Tensor, p: Tensor, name: str = "value") -> Tensor:
    """Per-replicate ``values`` (R,) shaped to broadcast over parameter ``p``: (R, 1, ...,
    1) when p's first dimension is R; for a flat BatchNorm parameter of R·F channels
    (replicate r owns channels r·F .. r·F+F−1: harness.train.models.to_channels), each value
    repeated F times."""
    r = values.numel()
    values = values.to(device=p.device, dtype=p.dtype)
    if p.ndim >= 1 and p.shape[0] == r:
        return values.view(-1, *[1] * (p.ndim - 1))
    if p.ndim == 1 and p.shape[0] % r == 0:
        return values.repeat_interleave(p.shape[0] // r)
    raise ValueError(f"per-replicate {name} has {r} values, but a parameter has shape "
                     f"{tuple(p.shape)} (R first, or R·F BatchNorm channels)")


class ReplicateOptimizer(Optimizer):
    """SGD, Adam, AdamW, RMSprop or Adagrad over stacked replicate parameters, with
    per-replicate lr, weight_decay and momentum.

    Every parameter must have the replicate dimension first: (R, ...). ``lr``,
    ``weight_decay`` and ``momentum`` (sgd, rmsprop only) are floats (shared) or 1-D
    tensors / sequences of length R. Any of them may be overridden per param group. The
    harness uses this to exempt biases and BN parameters from weight decay. ``betas``,
    ``eps``, ``alpha`` and ``nesterov`` are shared. Weight decay is coupled (added to the
    gradient) except for adamw, which shrinks the weights by lr·wd as torch.optim.AdamW
    does. The step count is a scalar per parameter, as in torch, because all replicates
    step together.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], algorithm: str,
                 lr: Hyper = 1e-3, weight_decay: Hyper = 0.0, momentum: Hyper = 0.0,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float | None = None,
                 nesterov: bool = False, alpha: float = 0.99) -> None:
        algorithm = str(getattr(algorithm, "value", algorithm))  # accepts OptimName
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
        momentum = _as_hyper("momentum", momentum)
        uses_momentum = algorithm in ("sgd", "rmsprop")
        if not uses_momentum and (isinstance(momentum, Tensor) or momentum != 0):
            raise ValueError(f"{algorithm} takes no momentum (use betas for adam/adamw)")
        if nesterov and (algorithm != "sgd" or not isinstance(momentum, Tensor) and momentum == 0):
            raise ValueError("nesterov needs sgd with momentum")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        self.algorithm = algorithm
        defaults = {"lr": _as_hyper("lr", lr), "weight_decay": _as_hyper("weight_decay",
                    weight_decay), "momentum": momentum, "betas": tuple(betas),
                    "eps": DEFAULT_EPS[algorithm] if eps is None else float(eps),
                    "nesterov": bool(nesterov), "alpha": float(alpha)}
        # param -> name -> (signature of the inputs, (R, 1, ..., 1) view)
        self._views: dict[Tensor, dict[str, tuple[tuple, Tensor]]] = {}
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """torch's add_param_group, after turning a group's own per-replicate values into
        floats or tensors (checked)."""
        for key in PER_REPLICATE:
            if key in param_group:
                param_group[key] = _as_hyper(key, param_group[key])
        super().add_param_group(param_group)

    def _per_replicate(self, group: dict[str, Any], params: list[Tensor], name: str,
                       keys: tuple[str, ...] | None = None,
                       fn: Callable[..., Any] | None = None) -> Scale:
        """``fn`` of the group's ``keys`` values (default: the value of ``name`` itself).

        If every value is shared, this returns a float. Otherwise it returns one view of
        shape (R, 1, ..., 1) per parameter, which broadcasts over the parameter's trailing
        dimensions inside the foreach ops. The views are cached per parameter because
        building them each step costs Python time on every step. A cached view is rebuilt
        when the group holds a different tensor, or when the tensor was edited in place
        (its _version changed). Derived values (AdamW's 1 - lr·wd) are computed in float64,
        then cast to the parameter's dtype, as torch computes its Python scalars.
        """
        keys = keys or (name,)
        values = [group[k] for k in keys]
        if not any(isinstance(v, Tensor) for v in values):
            return float(fn(*values) if fn else values[0])
        sig = tuple((v, v._version if isinstance(v, Tensor) else None) for v in values)
        views = []
        for p in params:
            cache = self._views.setdefault(p, {})
            hit = cache.get(name)
            if hit is None or not _same(hit[0], sig):
                vec = fn(*(v.double() if isinstance(v, Tensor) else v for v in values)) \
                    if fn else values[0]
                hit = cache[name] = (sig, replicate_view(vec, p, name))
            views.append(hit[1])
        return views

    def _buffers(self, params: list[Tensor], key: str) -> list[Tensor]:
        """The state tensor ``key`` of each parameter, created as zeros the first time.

        Zero init matches torch everywhere. SGD clones the first gradient into its
        momentum buffer, and 0·momentum + grad gives the same values.
        """
        out = []
        for p in params:
            state = self.state[p]
            if key not in state:
                state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
            out.append(state[key])
        return out

    def _steps(self, params: list[Tensor]) -> list[float]:
        """Advance and return each parameter's step count. It is stored as torch stores it,
        a 0-dim float32 tensor on the CPU, so bias corrections match."""
        out = []
        for p in params:
            state = self.state[p]
            if "step" not in state:
                state["step"] = torch.tensor(0.0, dtype=torch.float32)
            state["step"] += 1
            out.append(state["step"].item())
        return out

    def _coupled_decay(self, group: dict[str, Any], params: list[Tensor],
                       grads: list[Tensor]) -> list[Tensor]:
        """grad + wd·param (coupled weight decay), as new tensors so p.grad is left alone."""
        wd = self._per_replicate(group, params, "weight_decay")
        return grads if wd == 0.0 else _axpy(grads, params, wd)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. Returns closure()'s loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        update = getattr(self, f"_{self.algorithm}")
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            grads = [p.grad for p in params]
            if any(g.is_sparse for g in grads) or any(p.is_complex() for p in params):
                raise NotImplementedError("sparse gradients and complex parameters")
            update(group, params, grads)
        return loss

    def _sgd(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        """torch.optim.SGD with dampening 0: b = μ·b + g, then g + μ·b (nesterov) or b."""
        grads = self._coupled_decay(group, params, grads)
        momentum = self._per_replicate(group, params, "momentum")
        if momentum != 0.0:
            bufs = self._buffers(params, "momentum_buffer")
            torch._foreach_mul_(bufs, momentum)
            torch._foreach_add_(bufs, grads)
            grads = _axpy(grads, bufs, momentum) if group["nesterov"] else bufs
        _axpy_(params, grads, self._per_replicate(group, params, "lr"), -1.0)

    def _adam(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor],
              decoupled: bool = False) -> None:
        """torch.optim.Adam / AdamW: m ← lerp(m, g, 1-β1), v ← β2·v + (1-β2)·g²,
        p ← p - lr/(1-β1^t) · m / (√v / √(1-β2^t) + eps)."""
        beta1, beta2 = group["betas"]
        steps = self._steps(params)
        if not decoupled:
            grads = self._coupled_decay(group, params, grads)
        elif isinstance(group["weight_decay"], Tensor) or group["weight_decay"] != 0:
            torch._foreach_mul_(params, self._per_replicate(
                group, params, "decay", ("lr", "weight_decay"), lambda lr, wd: 1 - lr * wd))
        exp_avgs = self._buffers(params, "exp_avg")
        exp_avg_sqs = self._buffers(params, "exp_avg_sq")
        torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        torch._foreach_mul_(exp_avg_sqs, beta2)
        torch._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        denom = torch._foreach_sqrt(exp_avg_sqs)
        torch._foreach_div_(denom, [(1 - beta2**t) ** 0.5 for t in steps])
        torch._foreach_add_(denom, group["eps"])
        _descend_(params, exp_avgs, denom, self._per_replicate(group, params, "lr"),
                  [1 - beta1**t for t in steps])

    def _adamw(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        self._adam(group, params, grads, decoupled=True)

    def _rmsprop(self, group: dict[str, Any], params: list[Tensor],
                 grads: list[Tensor]) -> None:
        """torch.optim.RMSprop (centered=False): v ← α·v + (1-α)·g², then
        p ← p - lr·g/(√v + eps), or through b ← μ·b + g/(√v + eps) with momentum."""
        self._steps(params)
        grads = self._coupled_decay(group, params, grads)
        alpha = group["alpha"]
        square_avgs = self._buffers(params, "square_avg")
        torch._foreach_mul_(square_avgs, alpha)
        torch._foreach_addcmul_(square_avgs, grads, grads, 1 - alpha)
        avg = torch._foreach_sqrt(square_avgs)
        torch._foreach_add_(avg, group["eps"])
        lr = self._per_replicate(group, params, "lr")
        momentum = self._per_replicate(group, params, "momentum")
        if momentum == 0.0:
            _descend_(params, grads, avg, lr, [1.0] * len(params))
            return
        bufs = self._buffers(params, "momentum_buffer")
        torch._foreach_mul_(bufs, momentum)
        torch._foreach_addcdiv_(bufs, grads, avg)
        _axpy_(params, bufs, lr, -1.0)

    def _adagrad(self, group: dict[str, Any], params: list[Tensor],
                 grads: list[Tensor]) -> None:
        """torch.optim.Adagrad (lr_decay 0, accumulator 0): s ← s + g²,
        p ← p - lr·g/(√s + eps)."""
        self._steps(params)
        grads = self._coupled_decay(group, params, grads)
        sums = self._buffers(params, "sum")
        torch._foreach_addcmul_(sums, grads, grads, 1)
        std = torch._foreach_sqrt(sums)
        torch._foreach_add_(std, group["eps"])
        _descend_(params, grads, std, self._per_replicate(group, params, "lr"),
                  [1.0] * len(params))


def replicate_optimizer(weights: Iterable[Tensor], others: Iterable[Tensor], name: str,
                        lr: Hyper, weight_decay: Hyper = 0.0, momentum: Hyper = 0.0,
                        betas: Sequence[float] = (0.9, 0.999), eps: float | None = None,
                        nesterov: bool = False) -> ReplicateOptimizer:
    """harness.train.trainer.make_optimizer's counterpart for per-replicate hyperparameters.

    It groups the parameters the same way: weight decay applies to ``weights`` only, and
    ``others`` (biases, BN) form a group with weight_decay 0. When the decay is a shared
    0 there is one group, which means fewer foreach calls. ``momentum`` is used by sgd and
    rmsprop only, and ``nesterov`` by sgd only, as in make_optimizer. ``eps`` defaults to
    torch's default for the algorithm (1e-10 for adagrad, 1e-8 otherwise). make_optimizer
    passes the config's eps to adagrad too, so pass it here for the same behavior.
    """
    name = str(getattr(name, "value", name))
    weights, others = list(weights), list(others)
    wd = _as_hyper("weight_decay", weight_decay)
    params: list[Any] = ([*weights, *others] if not isinstance(wd, Tensor) and wd == 0 else
                         [{"params": weights}, {"params": others, "weight_decay": 0.0}])
    uses_momentum = name in ("sgd", "rmsprop")
    return ReplicateOptimizer(params, name, lr=lr, weight_decay=wd,
                              momentum=momentum if uses_momentum else 0.0,
                              betas=(float(betas[0]), float(betas[1])), eps=eps,
                              nesterov=nesterov and name == "sgd")


class ScaledOptimizer:
    """Per-replicate lr and weight decay on torch's own fused kernels.

    A stock optimizer (the trainer's fused Adam/AdamW/SGD/Adagrad, foreach RMSprop) steps
    a zero "shadow" of every parameter with lr 1 and no decay, so after its step the
    shadow holds the update direction; each replicate then moves by its own rate,
    p += lr_r · shadow, and the shadow is zeroed again. Decay is applied per replicate
    around it as torch applies it: coupled (sgd, adam, rmsprop, adagrad) adds wd_r·p to
    the gradient the kernel sees; decoupled (adamw) first shrinks p by 1 − lr_r·wd_r.
    Each replicate follows torch.optim on its own slice to rounding (tests/test_optim.py),
    at about the fused kernel's speed: an Adam step at R = 72 on one thread takes 0.5 ms
    against 4.8 ms for :class:`ReplicateOptimizer`'s foreach ops. The kernel takes one
    momentum, so momentum must be shared (else use ReplicateOptimizer).
    """

    def __init__(self, weights: Iterable[Tensor], others: Iterable[Tensor], name: str,
                 stock: Callable[[list[Tensor], list[Tensor]], Optimizer], lr: Hyper,
                 weight_decay: Hyper = 0.0) -> None:
        """``stock(weights, others)``: the stock optimizer over the shadows, built with lr
        1 and no weight decay (the trainer's make_optimizer with those two values)."""
        self.weights = list(weights)
        self.params = [*self.weights, *others]
        self.shadows = [torch.zeros_like(p) for p in self.params]
        n = len(self.weights)
        self.inner = stock(self.shadows[:n], self.shadows[n:])
        lr_, wd = _as_hyper("lr", lr), _as_hyper("weight_decay", weight_decay)
        self.lr = [self._view(lr_, p) for p in self.params]
        decoupled = str(getattr(name, "value", name)) == "adamw"
        self.decay = None if not isinstance(wd, Tensor) and wd == 0 else [
            self._view(1 - lr_ * wd if decoupled else wd, w)
            for w in self.weights]
        self.decoupled = decoupled

    @staticmethod
    def _view(value: float | Tensor, like: Tensor) -> float | Tensor:
        """A shared float as is; per-replicate values shaped by :func:`replicate_view`."""
        return replicate_view(value, like) if isinstance(value, Tensor) else value

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        grads = [p.grad for p in self.params]
        if self.decay is not None and self.decoupled:
            for w, factor in zip(self.weights, self.decay, strict=True):
                w.mul_(factor)
        elif self.decay is not None:  # coupled: the kernel sees g + wd·p
            grads[:len(self.weights)] = [g + wd * w for g, w, wd in
                                         zip(grads, self.weights, self.decay, strict=False)]
        for s, g in zip(self.shadows, grads, strict=True):
            s.grad = g
        self.inner.step()
        for p, s, lr in zip(self.params, self.shadows, self.lr, strict=True):
            if isinstance(lr, Tensor):
                p.addcmul_(s, lr)
            else:
                p.add_(s, alpha=lr)
        torch._foreach_zero_(self.shadows)

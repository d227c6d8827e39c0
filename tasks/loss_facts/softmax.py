"""LS-5a: a hand-written softmax exp(x)/Σexp(x) overflows for large logits and its log
underflows to −inf for very negative ones, where torch.log_softmax (max-shifted) stays
finite and accurate. LS-5b: '加快运算速度', torch.log_softmax is faster than
torch.log(torch.softmax(x)), a timing run alone (its grid is hydra.sweeper.exclusive)."""

from __future__ import annotations

import gc
import math
import time

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from harness.train.search import row

DTYPES = {"float32": torch.float32, "float64": torch.float64}
CLASSES = 10
VECTORS = 4096  # logit vectors per chunk and dtype: 8 × 4,096 = 32,768 in all
# offset and spread of a vector x = a + s·z, the sign of a random: |a| and s log-uniform
# over 1e-3 … 1e30 (the design notes' |x| up to 1e30) for half of the vectors, over
# 1e-3 … 1e3 (where both thresholds, ~10² in float32 and ~10³ in float64, lie) for half
LOG_RANGES = ((-3.0, 30.0), (-3.0, 3.0))

FINITE = "log_softmax: non-finite outputs"
ERROR = "log_softmax: error against the reference, relative (absolute where |ref| < 1)"
OVERFLOW = "exp(x)/Σexp(x): vectors with a non-finite output (overflow)"
UNDERFLOW = "log(exp(x)/Σexp(x)): finite vectors with a −inf output (underflow)"
OVER_AT = "overflow threshold: smallest logit t with exp(t) = inf"
UNDER_AT = "underflow threshold: smallest gap g with log(exp(x)/Σexp(x)) = −inf at max − g"


def naive(x: torch.Tensor) -> torch.Tensor:
    """The hand-written softmax, no shift: exp(x)/Σexp(x) along the last axis."""
    e = torch.exp(x)
    return e / e.sum(-1, keepdim=True)


def reference(x: np.ndarray) -> np.ndarray:
    """log softmax in float64 from the same (exactly converted) inputs, shifted by the max,
    log(k + Σ others' exponentials) as log k + log1p(fsum / k), k the maxima: rounding ~1e-16
    relative, far inside REL."""
    d = x - x.max(-1, keepdims=True)
    tops = np.sum(d == 0, -1)  # entries at the maximum, each exp(0) = 1
    others = np.array([math.fsum(r) for r in np.where(d == 0, 0.0, np.exp(d))])
    return d - (np.log(tops) + np.log1p(others / tops))[:, None]


def threshold(broken, dtype: torch.dtype) -> float:
    """The smallest t ≥ 0 of ``dtype`` where ``broken(t)`` holds (it holds for every larger
    t), by bisection over the dtype's values (t = 1e4 is past every threshold here)."""
    lo, hi = torch.tensor(0.0, dtype=dtype), torch.tensor(1e4, dtype=dtype)
    while True:
        mid = ((lo + hi) / 2).to(dtype)
        if mid in (lo, hi):
            return float(hi)
        lo, hi = (lo, mid) if broken(mid) else (mid, hi)


def ls5(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-5a, one chunk, per dtype: VECTORS logit vectors x = a + s·z (z standard normal)
    through torch.log_softmax, the naive softmax and its log, against the float64
    reference; and the overflow and underflow thresholds of the naive forms (shown)."""
    top = np.repeat([hi for _, hi in LOG_RANGES], VECTORS // len(LOG_RANGES))[:, None]
    a = rng.choice([-1.0, 1.0], top.shape) * 10.0 ** rng.uniform(-3.0, top)
    s = 10.0 ** rng.uniform(-3.0, top)
    raw = a + s * rng.standard_normal((VECTORS, CLASSES))
    rows = []
    for name, dtype in DTYPES.items():
        x = torch.tensor(raw, dtype=dtype)
        ref = reference(x.double().numpy())
        out = torch.log_softmax(x, -1).double().numpy()
        p = naive(x)
        finite = torch.isfinite(p).all(-1)
        with np.errstate(invalid="ignore"):
            err = np.abs(out - ref) / np.maximum(np.abs(ref), 1.0)
        over = threshold(lambda t: bool(torch.isinf(torch.exp(t))), dtype)
        under = threshold(lambda g, d=dtype: bool(torch.isneginf(torch.log(naive(
            torch.stack([torch.zeros((), dtype=d), -g]))[1]))), dtype)
        rows += [row(name, FINITE, (~np.isfinite(out)).sum(), out.size, part="LS-5a"),
                 row(name, ERROR, np.nanmax(err), out.size, part="LS-5a"),
                 row(name, OVERFLOW, (~finite).sum(), VECTORS, part="LS-5a"),
                 row(name, UNDERFLOW,
                     (torch.isneginf(torch.log(p)).any(-1) & finite).sum(), VECTORS, part="LS-5a"),
                 row(name, OVER_AT, over, 1, part="LS-5a"),
                 row(name, UNDER_AT, under, 1, part="LS-5a")]
    return pd.DataFrame(rows)


# LS-5b: the timing. Shapes (batch, classes) of the design notes; calls per timed
# measurement, so that one measurement lasts ~1 ms or more on one core (a single call at
# (64, 10) takes a few µs, below the timer's noise); repeats per chunk, the two forms
# interleaved: 8 chunks × 6 = 48 ≥ the design notes' 30 repeats (a chunk's median of 6
# damps a measurement the scheduler interrupted, on a shared machine)
SHAPES = {"(64, 10)": ((64, 10), 200), "(1024, 1000)": ((1024, 1000), 2)}
TIMING_REPEATS = 6
RATIO = "{}: CPU time of log_softmax / of log(softmax)"
CPU_SHARE = "{}: CPU / wall time over the timed calls"
SECONDS = "{}: CPU seconds per call, {}"
WALL_RATIO = "{}: wall time of log_softmax / of log(softmax)"


def seconds(call, x: torch.Tensor, number: int) -> tuple[float, float]:
    """(CPU, wall) seconds per call of ``call(x)``, over ``number`` calls, the garbage
    collector paused. CPU time is the process's: on one thread it is the computation's
    own time, without the waits for other processes that wall time adds on a shared
    machine."""
    gc.disable()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(number):
            call(x)
        return ((time.process_time() - cpu) / number,
                (time.perf_counter() - wall) / number)
    finally:
        gc.enable()


FORMS = {"log_softmax": lambda x: torch.log_softmax(x, -1),
         "log(softmax)": lambda x: torch.log(torch.softmax(x, -1)),
         "log(exp(x)/Σexp(x))": lambda x: torch.log(naive(x))}  # hand-written: shown only


def ls5b(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """LS-5b, one chunk, per dtype and shape: standard-normal logits (×3) drawn from the
    chunk's rng, each form called once untimed, then TIMING_REPEATS repeats timing both
    forms in alternating order (log_softmax first in even repeats), the hand-written form
    after them. Rows: the median over the repeats of each repeat's CPU-time ratio
    log_softmax / log(softmax) (judged, in logs), and, shown, each form's median CPU
    seconds per call, the median wall-time ratio and CPU / wall over the timed calls.
    One thread (trainer.threads = 1)."""
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    rows = []
    for name, dtype in DTYPES.items():
        for shape, (size, number) in SHAPES.items():
            x = 3 * torch.randn(size, generator=gen, dtype=dtype)
            for form in FORMS.values():
                form(x)
            times: dict[str, list[tuple[float, float]]] = {f: [] for f in FORMS}
            paired, hand = list(FORMS)[:2], list(FORMS)[2]
            for r in range(TIMING_REPEATS):
                for form in (paired if r % 2 == 0 else reversed(paired)):
                    times[form].append(seconds(FORMS[form], x, number))
                times[hand].append(seconds(FORMS[hand], x, number))
            fast, slow = (np.array(times[f]) for f in paired)
            ratio = np.median(fast / slow, axis=0)  # (CPU, wall)
            total = np.array([t for f in paired for t in times[f]]).sum(0)
            rows += [row(name, RATIO.format(shape), ratio[0], TIMING_REPEATS, part="LS-5b"),
                     row(name, WALL_RATIO.format(shape), ratio[1], TIMING_REPEATS, part="LS-5b"),
                     row(name, CPU_SHARE.format(shape), total[0] / total[1], TIMING_REPEATS,
                         part="LS-5b"),
                     *(row(name, SECONDS.format(shape, f), np.median(np.array(t)[:, 0]),
                           TIMING_REPEATS, part="LS-5b") for f, t in times.items())]
    return pd.DataFrame(rows)

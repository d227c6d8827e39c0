"""The searches behind OP-1 and OP-8: gradient descent, heavy-ball momentum and Nesterov's
momentum (NAG) on quadratics, each with its step tuned per replicate, and NAG's updates
on sparse gradients under torch.optim.

Quadratics f(x) = ½(x − x*)ᵀA(x − x*), d = 100, A = Q diag(λ) Qᵀ with λ log-spaced from
1/κ to 1 (L = 1, so a step η is in units of 1/L; log-spacing puts as many eigenvalues in
every decade, so both the slow and the fast end of the spectrum are populated, as in a
network's Hessian, rather than all but two at one end). The three methods are
rotation-equivariant (an iterate's Qᵀ(x − x*) evolves as if Q = I), so a replicate's
random rotation Q and random start x0 = x* + Q y0, y0 ~ N(0, I), give exactly the path of
y0 in the eigenbasis: each coordinate is y0ᵢ·hᵢ(t), with hᵢ the scalar recurrence
started at 1 with zero velocity (tests/test_optimizers.py checks both against a rotated
run in torch). So every (method, η, γ) path h is run once for all draws, and a draw's
(f − f*)(t) = ½ Σᵢ λᵢ y0ᵢ² hᵢ(t)² is one matrix product per step (float64, one thread).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig
from threadpoolctl import threadpool_limits

from harness.train.data import seed_for
from harness.train.search import row

# ---- the quadratics and the methods (the seed's update rules, 001 §2)
D = 100
KAPPAS = (10, 100, 1000)
TARGET = 1e-6  # relative suboptimality (f − f*)/(f0 − f*) a run must reach
CAP_PER_KAPPA = 20  # step cap 20κ: a run that never reaches the target counts as the cap
GAMMA = 0.9  # the seed's "γ 一般为0.9"
# 20 log-spaced steps from 0.05/L to 4/L: 4 is past every method's stability edge (GD
# 2/L, heavy ball 2(1 + γ)/L ≤ 3.98 for γ ≤ 0.99, NAG below both), so the grid brackets
# each method's best; 0.05 is ~40× below the best GD step at κ = 10
LRS = tuple(np.geomspace(0.05, 4.0, 20))
GAMMAS = (0.5, 0.8, 0.9, 0.95, 0.99)  # OP-8b's (η, γ) grid: γ on this × LRS
# OP-1a's shown control, declared on review: gradient descent's best fixed step is near
# 2/(L + μ), in [1/L, 2/L) at every κ, where the judged grid has only 1.59 (its next
# value, 2, is the edge itself); 200 values η = (1 + k/200)/L, k = 0 … 199 (spacing 0.005)
FINE = tuple(1.0 + np.arange(200) / 200)
TUNING = 4  # tuning draws per replicate (the verdict reads only the replicate's own draw)
CHECK = 20  # steps between the checks whether every replicate's tuning is decided

GD, HB, NAG = "gradient descent", "momentum", "NAG"
GD_TUNED = f"{GD} (η tuned)"
GD_FINE = f"{GD} (η tuned on the fine grid below 2/L)"
TUNED = "{} (η tuned, γ = 0.9)"
BOTH = "{} (η and γ tuned)"
# OP-8a's common (η, γ = 0.9): NAG's tuned η, where heavy ball is stable too (its edge
# 2(1 + γ)/L lies above NAG's 2(1 + γ)/((1 + 2γ)L)); at momentum's tuned η NAG can diverge
AT_NAG = f"momentum at NAG's tuned η, γ = {GAMMA}"
STEPS = "steps to target: {}"
FLIPS = "sign changes per 100 steps: {}"
EVERY = "every sign change per 100 steps (however small): {}"
COUNT = "sign changes over the whole path: {}"
MOVED = "total movement Σ|Δy₁|/|y₁,0| over the whole path: {}"
COSINE = "lag-1 cosine of updates: {}"
ETA, GAMMA_OF = "tuned η: {}", "tuned γ: {}"


def kappa_setting(kappa: int) -> str:
    return f"κ = {kappa}"


def spectrum(kappa: int) -> np.ndarray:
    """λ log-spaced from 1/κ to 1, largest first (index 0 is the top eigenvector's)."""
    return np.geomspace(1.0, 1.0 / kappa, D)


def step(h: np.ndarray, v: np.ndarray, lam: np.ndarray | float, eta: np.ndarray, gamma: np.ndarray,
         nesterov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One update of every path, the seed's rules with g = λh: heavy ball v ← γv + η∇f(θ),
    NAG v ← γv + η∇f(θ − γv); θ ← θ − v (gradient descent: γ = 0)."""
    v = gamma * v + eta * lam * (h - nesterov * gamma * v)
    return h - v, v


def descend(lam: np.ndarray, eta: np.ndarray, gamma: np.ndarray, nesterov: np.ndarray,
            y0: np.ndarray, cap: int,
            done: Callable[[np.ndarray, np.ndarray, int], bool]) -> dict[str, np.ndarray]:
    """Paths of the configs (η, γ, nesterov) (C,) from every draw y0 (R, TUNING + 1, D),
    the last draw of each replicate the judged one. Returns hit (R, TUNING + 1, C): the
    first step with (f − f*) ≤ TARGET (f0 − f*), ``cap`` where never; and, on the judged
    draw over its window (steps 1 … its hit), per 100 steps: flips (R, C), the sign
    changes of the top eigencoordinate while it still matters at the target's scale (its
    own share ½λ₁y₁² at the step before ≥ TARGET × its start's: |h₁| ≥ √TARGET), and
    every_flip, all its sign changes, however small it is; cosine (R, C), the mean cosine
    of consecutive updates Δx_t·Δx_{t−1}. Stops early once ``done(hit, reached, t)``."""
    r, k = y0.shape[:2]
    sq = (y0**2).reshape(r * k, D)
    w = 0.5 * sq * lam  # (f − f*) = w · h²
    f0 = w.sum(1)
    judged = sq.reshape(r, k, D)[:, -1]  # ‖Δx‖² weights of the judged draws
    c = len(eta)
    h, v = np.ones((c, D)), np.zeros((c, D))
    hit, reached = np.full((r * k, c), cap), np.zeros((r * k, c), bool)
    flips, every, cos_sum = np.zeros((r, c)), np.zeros((r, c)), np.zeros((r, c))
    prev = np.zeros((c, D))
    t = 0
    with np.errstate(all="ignore"):  # diverging paths overflow to inf/nan: never reached
        for t in range(1, cap + 1):
            active = ~reached.reshape(r, k, c)[:, -1]  # judged draw still in its window
            h_new, v = step(h, v, lam, eta, gamma, nesterov)
            new = ~reached & ((h_new**2) @ w.T <= TARGET * f0).T
            hit[new], reached = t, reached | new
            flipped = h_new[:, 0] * h[:, 0] < 0
            flips += active & flipped & (h[:, 0] ** 2 >= TARGET)
            every += active & flipped
            if t > 1:
                num, a, b = ((v * prev) @ judged.T).T, ((v * v) @ judged.T).T, (
                    (prev * prev) @ judged.T).T
                cos_sum += np.where(active, np.nan_to_num(num / np.sqrt(a * b)), 0.0)
            h, prev = h_new, v
            if t % CHECK == 0 and done(hit.reshape(r, k, c), reached.reshape(r, k, c), t):
                break
    hit = hit.reshape(r, k, c)
    window = hit[:, -1].astype(float)
    return {"hit": hit, "flips": 100 * flips / window, "every_flip": 100 * every / window,
            "cosine": cos_sum / np.maximum(window - 1, 1)}


def top_path(eta: np.ndarray, gamma: np.ndarray, nesterov: np.ndarray, cap: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """The top eigencoordinate over the whole path, steps 1 … cap, of configs (C,): the
    count of its sign changes at steps t with |h₁,t−1| ≥ √TARGET (the cutoff of
    :func:`descend`, relative to its own start), and its total movement Σ|h₁,t − h₁,t−1|.
    Its path h₁ (λ₁ = 1) is the same for every draw and every κ: only the config and the
    cap enter. A stable path's count stops where its envelope stays below the cutoff."""
    h, v = np.ones(len(eta)), np.zeros(len(eta))
    count, moved = np.zeros(len(eta)), np.zeros(len(eta))
    with np.errstate(all="ignore"):
        for _ in range(cap):
            h_new, v = step(h, v, 1.0, eta, gamma, nesterov)
            count += (h_new * h < 0) & (h**2 >= TARGET)
            moved += np.abs(v)  # h_t − h_t−1 = −v_t
            h = h_new
    return count, moved


def scores(hit: np.ndarray, reached: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate and config: the tuning score, the mean log steps over the tuning
    draws (a lower bound while a draw is unreached: it hits at t + 1 or later), and
    whether it is final (every tuning draw reached)."""
    tuning = np.where(reached, hit, t + 1)[:, :TUNING]
    return np.log(tuning).mean(1), reached[:, :TUNING].all(1)


def choose(hit: np.ndarray, reached: np.ndarray, t: int, group: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate, the config of ``group`` with the lowest mean log steps on its tuning
    draws (ties: the first in grid order, smaller γ then smaller η), and whether that
    choice is already certain at step t (its score final and below every unfinished
    config's lower bound)."""
    s, final = scores(hit, reached, t)
    s, final = s[:, group], final[:, group]
    best = np.where(final, s, np.inf).min(1)
    bound = np.where(~final, s, np.inf).min(1)
    return group[np.argmin(s, 1)], best < bound


def tuned(lam: np.ndarray, y0: np.ndarray, cap: int, configs: tuple[np.ndarray, ...],
          groups: dict[str, np.ndarray],
          extra: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None
          ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Run ``configs`` (η, γ, nesterov) in one loop; per replicate the chosen config of
    each of ``groups`` ({name: config indices}), tuned on its tuning draws; stops once
    every choice is certain and the judged draw of each chosen config, and of those
    ``extra`` derives from the choices, has reached the target (or at the cap)."""
    def picks(hit: np.ndarray, reached: np.ndarray, t: int) -> tuple[dict, bool]:
        chosen, sure = {}, True
        for name, g in groups.items():
            chosen[name], certain = choose(hit, reached, t, g)
            sure &= bool(certain.all())
        return chosen, sure

    def done(hit: np.ndarray, reached: np.ndarray, t: int) -> bool:
        chosen, sure = picks(hit, reached, t)
        if not sure:
            return False
        need = np.column_stack([*chosen.values(), *(() if extra is None else
                                                    (extra(chosen),))])
        return bool(np.take_along_axis(reached[:, -1], need, 1).all())

    eta, gamma, nest = (c[:, None] for c in configs)
    out = descend(lam, eta, gamma, nest, y0, cap, done)
    return out, picks(out["hit"], out["hit"] < cap, cap)[0]


def grid(gammas: tuple[float, ...], nesterov: bool, lrs: tuple[float, ...] = LRS
         ) -> tuple[np.ndarray, ...]:
    """(η, γ, nesterov) over gammas × lrs, γ-major (the tie order: smaller γ, then η)."""
    g, e = np.repeat(gammas, len(lrs)), np.tile(lrs, len(gammas))
    return e, g, np.full(len(e), float(nesterov))


def draws(seed: int, replicate: int) -> np.ndarray:
    """Replicate r's starts y0 (TUNING + 1, D) from chunk r's own stream: TUNING tuning
    draws, then the judged one."""
    return np.random.default_rng(seed_for(seed, replicate)).normal(size=(TUNING + 1, D))


@lru_cache(maxsize=2)
def quadratics(seed: int, replicates: int) -> pd.DataFrame:
    """Every replicate's rows (column chunk), batched over replicates: per κ one loop for
    gradient descent's 20 steps, one for its 200 fine steps (OP-1a's shown control), one
    for momentum's and NAG's 100 (η, γ) each; then the top eigencoordinate's whole path
    at every chosen config."""
    y0 = np.stack([draws(seed, r) for r in range(replicates)])
    hb, nag = grid(GAMMAS, False), grid(GAMMAS, True)
    both = tuple(np.concatenate(pair) for pair in zip(hb, nag, strict=True))
    n, at = len(hb[0]), np.flatnonzero(np.isclose(hb[1], GAMMA))
    groups = {TUNED.format(HB): at, TUNED.format(NAG): at + n,
              BOTH.format(HB): np.arange(n), BOTH.format(NAG): np.arange(n, 2 * n)}

    def hb_at_nag(chosen: dict[str, np.ndarray]) -> np.ndarray:
        return chosen[TUNED.format(NAG)] - n  # the same (η, γ) in momentum's block

    rows: list[dict[str, object]] = []
    with threadpool_limits(1):
        for kappa in KAPPAS:
            lam, cap, s = spectrum(kappa), CAP_PER_KAPPA * kappa, kappa_setting(kappa)
            plain, fine_grid = grid((0.0,), False), grid((0.0,), False, FINE)
            gd, gd_pick = tuned(lam, y0, cap, plain, {GD: np.arange(len(LRS))})
            fine, fine_pick = tuned(lam, y0, cap, fine_grid, {GD: np.arange(len(FINE))})
            mom, picks = tuned(lam, y0, cap, both, groups, hb_at_nag)
            runs = {GD_TUNED: (gd, gd_pick[GD], plain), GD_FINE: (fine, fine_pick[GD], fine_grid),
                    **{name: (mom, p, both) for name, p in picks.items()},
                    AT_NAG: (mom, hb_at_nag(picks), both)}
            for name, (out, pick, configs) in runs.items():
                count, moved = top_path(*(c[pick] for c in configs), cap)
                for r in range(replicates):
                    i, tag = int(pick[r]), {"chunk": str(r)}
                    rows += [row(s, STEPS.format(name), out["hit"][r, -1, i], 1, **tag),
                             row(s, FLIPS.format(name), out["flips"][r, i], 1, **tag),
                             row(s, EVERY.format(name), out["every_flip"][r, i], 1, **tag),
                             row(s, COSINE.format(name), out["cosine"][r, i], 1, **tag),
                             row(s, COUNT.format(name), count[r], 1, **tag),
                             row(s, MOVED.format(name), moved[r], 1, **tag),
                             row(s, ETA.format(name), configs[0][i], 1, **tag)]
                    if "γ tuned" in name:
                        rows.append(row(s, GAMMA_OF.format(name), configs[1][i], 1, **tag))
    return pd.DataFrame(rows)


def steps_and_overshoots(cfg: DictConfig, replicate: int, rng: np.random.Generator
                         ) -> pd.DataFrame:
    """OP-1 and OP-8 (a, b), chunk r: its rows of the batched run (steps to the target,
    windowed rates and whole-path counts of the top eigencoordinate's sign changes, and
    OP-1a's fine-grid gradient-descent control). Its draws are those of
    its own stream (checked against ``rng``, the stream the engine hands the chunk)."""
    if not np.array_equal(rng.normal(size=(TUNING + 1, D)), draws(cfg.trainer.seed,
                                                                   replicate)):
        raise ValueError("the batched draws are not this chunk's own stream")
    rows = quadratics(int(cfg.trainer.seed), int(cfg.trainer.replicates))
    return rows[rows.chunk == str(replicate)].drop(columns="chunk").reset_index(drop=True)


# ---- OP-8c: does NAG scale a parameter's update by its gradient history (Adagrad does)?
# (frequent, rare) probabilities that a parameter's gradient is non-zero at a step: the
# primary pairs a parameter with a gradient every step with one that has it 1 step in 10
SPARSE = ((1.0, 0.1), (1.0, 0.01), (0.5, 0.05))
PATTERNS = 8  # random (frequent, rare) gradient patterns per chunk and setting
GRADIENT_STEPS = 400  # steps that may carry a gradient (+1 where non-zero, else 0)
SETTLE = 400  # then zero-gradient steps: γ^400 = 5e-19 of the last impulse is left
SPARSE_LR = 0.01  # any η: every optimizer here but Adagrad is linear in it
UPDATE = "{}: rare / frequent displacement per unit gradient − 1"
SPREAD = "NAG: largest |rare / frequent − 1|"
OPTIMIZERS = {
    NAG: lambda p: torch.optim.SGD([p], lr=SPARSE_LR, momentum=GAMMA, nesterov=True,
                                   foreach=False),
    HB: lambda p: torch.optim.SGD([p], lr=SPARSE_LR, momentum=GAMMA, foreach=False),
    "Adagrad": lambda p: torch.optim.Adagrad([p], lr=SPARSE_LR, foreach=False),
}


def sparse_setting(frequent: float, rare: float) -> str:
    return f"gradient on {frequent:.0%} vs {rare:.0%} of steps"


def displacement(make: Callable[[torch.Tensor], torch.optim.Optimizer], grads: torch.Tensor
                 ) -> np.ndarray:
    """Each parameter's total displacement over the steps of ``grads`` (steps, n) under
    torch's optimizer, from 0, in float64."""
    p = torch.zeros(grads.shape[1], dtype=torch.float64, requires_grad=True)
    opt = make(p)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return -p.detach().numpy()


def sparse(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """OP-8c, one chunk: per setting PATTERNS random pairs of gradient patterns (each step's
    gradient +1 with probability p, else 0; every pattern has at least one), run side by
    side as one parameter vector per optimizer; per optimizer the smallest (rare /
    frequent − 1) of the displacement per unit gradient received; for NAG also the
    largest |rare / frequent − 1|."""
    masks = [rng.random((GRADIENT_STEPS, PATTERNS, 2)) < np.array(pair)
             for pair in SPARSE]
    for m in masks:
        m[0] = True  # at least one gradient each (the first step), so a ratio exists
    grads = np.concatenate([m.reshape(GRADIENT_STEPS, -1) for m in masks], 1).astype(float)
    grads = np.vstack([grads, np.zeros((SETTLE, grads.shape[1]))])
    received = grads.sum(0).reshape(len(SPARSE), PATTERNS, 2)
    rows: list[dict[str, object]] = []
    with torch.no_grad():
        for name, make in OPTIMIZERS.items():
            moved = displacement(make, torch.from_numpy(grads)).reshape(received.shape)
            per = moved / received
            ratio = per[..., 1] / per[..., 0] - 1  # (settings, patterns)
            for s, (frequent, rare) in enumerate(SPARSE):
                setting = sparse_setting(frequent, rare)
                rows.append(row(setting, UPDATE.format(name), ratio[s].min(), PATTERNS))
                if name == NAG:
                    rows.append(row(setting, SPREAD, np.abs(ratio[s]).max(), PATTERNS))
    return pd.DataFrame(rows)

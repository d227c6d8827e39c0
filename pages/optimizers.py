"""The optimizers page: at κ = 100, the top-eigencoordinate path and the relative
suboptimality of gradient descent, momentum (γ = 0.9) and NAG (γ = 0.9), each at its
most often tuned η, from one start (OP-1, OP-8a), in one figure; and OP-1a's shown
control, gradient descent tuned on a fine grid below 2/L, beside the judged grid's; and
OP-4a's three solvers on one breast_cancer resample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from tasks.optimizers import solvers
from tasks.optimizers.searches import (
    ETA,
    GAMMA,
    GD_FINE,
    GD_TUNED,
    HB,
    KAPPAS,
    NAG,
    STEPS,
    TARGET,
    TUNED,
    D,
    kappa_setting,
    spectrum,
    step,
)

HORIZON = 250  # the figure's horizon at κ = 100 (GD reaches the target near 230)
MOMENTUM = TUNED.format(HB)
METHODS = {GD_TUNED: (0.0, 0.0, "C0"), TUNED.format(HB): (GAMMA, 0.0, "C1"),
           TUNED.format(NAG): (GAMMA, 1.0, "C2")}


def _figure(etas: dict[str, float], out: Path) -> None:
    lam = spectrum(100)
    y0 = np.random.default_rng(0).normal(size=D)  # one illustrative start, no verdict's
    fig = Figure(figsize=(11, 4))
    top, sub = fig.subplots(1, 2)
    for name, (gamma, nesterov, colour) in METHODS.items():
        h, v, path = np.ones(D), np.zeros(D), [np.ones(D)]
        for _ in range(HORIZON):
            h, v = step(h, v, lam, etas[name], gamma, nesterov)
            path.append(h)
        y = y0 * np.array(path)
        label = f"{name.split(' (')[0]} (η = {etas[name]:.2f})"
        top.plot(y[:40, 0], "o-", ms=3, color=colour, label=label)
        sub.semilogy((lam * y**2).sum(1) / (lam * y0**2).sum(), color=colour, label=label)
    top.axhline(0, color="grey", lw=0.5)
    top.set(xlabel="step", ylabel="top-eigenvector coordinate of x − x*")
    top.set_title("κ = 100: the high-curvature direction (first 40 steps)", fontsize=10)
    sub.axhline(TARGET, color="grey", ls="--", lw=0.8)
    sub.set(xlabel="step", ylabel="(f − f*)/(f0 − f*)")
    sub.set_title("κ = 100: suboptimality (dashed: the target)", fontsize=10)
    sub.legend(fontsize=8)
    plots.save(fig, out / "optimizers.png", dpi=120)


def _solvers(step: float, out: Path) -> None:
    """OP-4a's methods on one illustrative breast_cancer resample (not a verdict's):
    relative suboptimality per iteration, gradient descent at ``step`` × 1/L."""
    xt, y = solvers.data(solvers.BREAST, np.random.default_rng(0))
    f = solvers.Logistic(xt, y)
    newton = np.array([f.value(t) for t in solvers.newton(xt[:, :-1], y, f.c).thetas])
    quasi, _ = solvers.lbfgs(f)
    theta, gd = np.zeros(xt.shape[1]), [f.value(np.zeros(xt.shape[1]))]
    for _ in range(400):
        theta = theta - step / f.smooth * f.grad(theta)
        gd.append(f.value(theta))
    best = min(newton.min(), quasi.min(), min(gd))
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for name, values, colour in ((solvers.NEWTON, newton, "C3"), (solvers.LBFGS, quasi, "C4"),
                                 (f"gradient descent (η = {step:g}/L)", np.array(gd), "C0")):
        ax.semilogy((values - best) / (values[0] - best) + 1e-17, "o-", ms=2, color=colour,
                    label=name)
    ax.axhline(solvers.TARGET, color="grey", ls="--", lw=0.8)
    ax.set(xlabel="iteration", ylabel="(F − F*)/(F0 − F*)", xlim=(0, 150), ylim=(1e-16, 2))
    ax.set_title("OP-4a: one breast_cancer resample (dashed: the target)", fontsize=10)
    ax.legend(fontsize=8)
    plots.save(fig, out / "solvers.png", dpi=120)


def _ratios(df: pd.DataFrame) -> str:
    """OP-4a's iterations per setting: each method's geometric mean, and gradient
    descent's over Newton's (judged) and over L-BFGS's (shown): mean and range over the
    replicates."""
    lines = ["| setting | GD | Newton | L-BFGS | GD / Newton (judged) | GD / L-BFGS (shown) |",
             "|---|---|---|---|---|---|"]
    for setting in solvers.SETTINGS:
        wide = df[df.setting == setting].pivot_table(index="replicate", columns="member",
                                                      values="value")
        if wide.empty:
            continue
        logs = {m: np.log(wide[solvers.ITERATIONS.format(m)]) for m in solvers.METHODS}
        cells = [f"{np.exp(logs[m].mean()):.1f}" for m in solvers.METHODS]
        for m in (solvers.NEWTON, solvers.LBFGS):
            r = np.exp(logs[solvers.GD] - logs[m])
            cells.append(f"{np.exp(np.log(r).mean()):.1f}× ({r.min():.1f}–{r.max():.1f})")
        lines.append(f"| {setting} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _control(df: pd.DataFrame) -> str:
    """OP-1a's judged log ratio beside the fine-grid control's, per κ (means over
    replicates of log steps(GD) − log steps(momentum); geometric-mean steps)."""
    lines = ["| κ | GD steps (judged grid, η) | GD steps (fine grid, η) | momentum steps | "
             "log ratio, judged | log ratio, control | the grid's favour |",
             "|---|---|---|---|---|---|---|"]
    for kappa in KAPPAS:
        part = df[df.setting == kappa_setting(kappa)]
        wide = part.pivot_table(index="replicate", columns="member", values="value")
        if wide.empty:
            continue
        logs = {m: np.log(wide[STEPS.format(m)]) for m in (GD_TUNED, GD_FINE, MOMENTUM)}
        judged = float((logs[GD_TUNED] - logs[MOMENTUM]).mean())
        control = float((logs[GD_FINE] - logs[MOMENTUM]).mean())
        eta = {m: float(wide[ETA.format(m)].median()) for m in (GD_TUNED, GD_FINE)}
        lines.append(
            f"| {kappa} | {np.exp(logs[GD_TUNED].mean()):.0f} ({eta[GD_TUNED]:.3g}) | "
            f"{np.exp(logs[GD_FINE].mean()):.0f} ({eta[GD_FINE]:.3g}) | "
            f"{np.exp(logs[MOMENTUM].mean()):.0f} | {judged:.3f} | {control:.3f} | "
            f"{judged - control:.3f} |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figure into ``out`` and the page's own section."""
    df = rs.table("search")
    rows = df[df.setting == kappa_setting(100)] if not df.empty else df
    if rows.empty:
        return "## Optimizers\n\nNo quadratic search logged.\n"
    etas = {m: float(rows[rows.member == ETA.format(m)].value.mode().iloc[0])
            for m in METHODS}
    _figure(etas, out)
    chosen = df[(df.setting == solvers.BREAST) & (df.member == solvers.GD_STEP)].value
    if not chosen.empty:
        _solvers(float(chosen.mode().iloc[0]), out)
    return """## Optimizers

![top-eigencoordinate paths and suboptimality of GD, momentum and NAG at κ = 100](optimizers.png)

One illustrative start at κ = 100, each method at the η its replicates' tuning chose most
often (γ = 0.9 for momentum and NAG). Left: the coordinate along the top eigenvector,
the direction the quote's 震荡 is about (gradient descent's factor there is 1 − η;
heavy ball's complex roots have modulus √γ); right: the relative suboptimality. The
verdicts count sign changes over every replicate, not this one start.

**OP-1a's shown control.** Gradient descent's best value on the judged 20-value grid is
1.59/L at every κ (the next, 2/L, is its edge); tuned by the same rule on 200 steps
(1 + k/200)/L below 2/L (its best fixed step, 2/(L + μ), lies there), it needs fewer
steps. The log ratio log steps(GD) − log steps(momentum), mean over replicates (median
tuned η in brackets); the last column is how much the judged grid's spacing favours
momentum (declared smallest effect: log 1.5 = 0.405; not judged):

""" + _control(df) + """

![OP-4a: Newton, L-BFGS and gradient descent on one breast_cancer resample](solvers.png)

**OP-4a.** Relative suboptimality per iteration on one illustrative breast_cancer resample
(not a verdict's), gradient descent at the step its replicates chose most often. An
iteration is not a unit of cost: Newton's solves a (d + 1)² system, L-BFGS's may evaluate
F more than once (its evaluations are in the search table), gradient descent's is two
products with the data. Iterations to the target (geometric means over the replicates;
the ratios' range in brackets). The design notes' restatement asked L-BFGS too for 10×
fewer iterations than gradient descent; judged that way, the claim would be refuted
wherever L-BFGS's ratio stays below 10×:

""" + _ratios(df) + "\n"

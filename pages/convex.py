"""BS-6's page (convex): the relative loss gap over the steps, the declared step sizes and
budget against every replicate's own data, and GD's parameters against scikit-learn's."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.optimize import linprog
from scipy.special import expit

from experiments.convex import (
    MARGIN,
    PRIMARY,
    SETTINGS,
    STABLE,
    UNSTABLE,
    Optimum,
    RelativeGap,
    augmented,
    compose_data,
    optimum,
)
from harness.core import stats
from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from harness.train.data import make_dataset

# |gap| below it (float32 rounding of the loss, some of it negative) is drawn on a linear
# scale (symlog), so negative and zero gaps are shown, not floored
LINEAR = 1e-7


@dataclass(frozen=True)
class StepChecks:
    """What places the declared step sizes and budget on one training split, in the model's
    own parameters (W, b): in θ = (w1 − w0, b1 − b0) the Hessian is H = mean σ'(z) x̃x̃ᵀ ⪯
    X̃ᵀX̃/(4n), and the two logits' parameters see it as [[H, −H], [−H, H]], whose top
    eigenvalue is 2λmax(H)."""

    optimum: Optimum
    smoothness: float  # L = λmax(X̃ᵀX̃/n)/2, X̃ = [X, 1]
    curvature: float  # λmax(∇²f(θ*))
    grad_norm: float  # ‖∇f(θ*)‖ in (w1 − w0, b1 − b0): how exact the reference is
    separable: bool  # a separating hyperplane exists (no finite optimum)


def separable(x: np.ndarray, y: np.ndarray) -> bool:
    """Is there θ with (2y − 1)·θᵀx̃ ≥ 1 for every sample (linear-program feasibility)?
    Then the loss has no minimizer (it tends to 0 along θ) and no optimum to reach."""
    xt = augmented(x)
    res = linprog(np.zeros(xt.shape[1]), A_ub=-(2 * y - 1)[:, None] * xt, b_ub=-np.ones(len(x)),
                  bounds=[(None, None)] * xt.shape[1], method="highs")
    return bool(res.status == 0)


@cache
def step_checks(overrides: tuple[str, ...], dataset: int) -> StepChecks:
    """:class:`StepChecks` on dataset ``dataset`` of the experiment composed with
    ``overrides``, at the rules' optimum of it."""
    ds = make_dataset(compose_data(overrides), dataset)
    x, y, opt = ds.x_train, ds.y_train, optimum(overrides, dataset)
    xt = augmented(x)
    p = expit(xt @ opt.theta)

    def top(w: np.ndarray) -> float:  # λmax(mean w x̃x̃ᵀ)
        return float(np.linalg.eigvalsh((xt * w[:, None]).T @ xt / len(x)).max())

    return StepChecks(opt, top(np.ones(len(x))) / 2, 2 * top(p * (1 - p)),
                      float(np.linalg.norm(xt.T @ (p - y) / len(x))), separable(x, y))


def by_setting(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows per declared setting (by optim.lr), primary first, replicates sorted."""
    return {name: part.sort_values("replicate") for lr, name in SETTINGS.items()
            if len(part := frame[np.isclose(frame.lr, lr)])}


def parameter_distance(rs: RunSet) -> pd.DataFrame:
    """Per setting and replicate, ‖θ_T − θ*‖/‖θ*‖ in the identifiable parameters
    θ = (w1 − w0, b1 − b0), from the ``params`` probe's table."""
    params = rs.table("params")
    fin = rs.final
    if params.empty or fin.empty:
        return pd.DataFrame(columns=["setting", "replicate", "distance"])
    plain = tuple(o for o in rs.overrides if "," not in o)
    rows = []
    for (lr, rep), p in params.groupby(["lr", "replicate"]):
        w = p[p.kind == "weight"].sort_values("index").value.to_numpy().reshape(-1, 2)
        b = p[p.kind == "bias"].sort_values("index").value.to_numpy()
        theta = np.r_[w[:, 1] - w[:, 0], b[1] - b[0]]
        d = fin[(fin.replicate == rep) & np.isclose(fin.lr, lr)].dataset.iloc[0]
        star = optimum(plain, int(d)).theta
        rows.append({"setting": SETTINGS.get(float(lr), f"η={lr:g}"), "replicate": rep,
                     "dataset": d,
                     "distance": np.linalg.norm(theta - star) / np.linalg.norm(star)})
    return pd.DataFrame(rows)


def _fig_gap(rs: RunSet, out: Path) -> None:
    """Relative gap per replicate over the steps, one panel per setting, symlog scale."""
    fin = RelativeGap().cached_rows(rs)  # the rule's rows, with each replicate's f*
    curves = rs.curves.merge(fin[["lr", "replicate", "optimum_loss"]], on=["lr", "replicate"])
    curves = curves.assign(gap=(curves.train_loss - curves.optimum_loss)
                           / curves.optimum_loss)
    parts = by_setting(curves)
    fig = Figure(figsize=(5.5 * len(parts), 4.4))
    axes = fig.subplots(1, len(parts), sharey=True, squeeze=False)
    for ax, (name, part) in zip(axes[0], parts.items(), strict=True):
        colour = plots.color("step size", "stable" if name == PRIMARY else "unstable")
        for _, rep in part.groupby("replicate"):
            rep = rep.sort_values("step")
            ax.plot(rep.step, rep.gap, lw=0.7, alpha=0.6, color=colour)
        ax.axhspan(-LINEAR, LINEAR, color="grey", alpha=0.12,
                   label=f"|gap| < {LINEAR:g}: linear scale")
        ax.axhline(MARGIN, color="k", ls="--", lw=1, label=f"margin {MARGIN:g}")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(0, part.step.max())
        ax.set_yscale("symlog", linthresh=LINEAR, linscale=0.5)
        below = int((part.gap <= 0).sum())
        ax.set_title(f"{name}: {part.replicate.nunique()} replicates\n"
                     f"{below} of {len(part)} evaluated gaps ≤ 0 (float32 rounding)",
                     fontsize=10)
        ax.set_xlabel("full-batch steps (symlog)")
        ax.legend(loc="lower left", fontsize=8)
    axes[0][0].set_ylabel("(f(θ_t) − f*) / f*   (training split; symlog)")
    plots.save(fig, out / "loss_gap.png", dpi=120)


def _param_table(rs: RunSet) -> str:
    dist = parameter_distance(rs)
    if dist.empty:
        return "No params table logged."
    lines = ["| setting | ‖θ_T − θ*‖ / ‖θ*‖, mean [95% CI] | largest | replicates |",
             "|---|---|---|---|"]
    for name, part in dist.groupby("setting", sort=False):
        e = stats.mean_ci(part.distance, clusters=part.dataset)
        lines.append(f"| {name} | {e.mean:.3g} [{e.ci_low:.3g}, {e.ci_high:.3g}] | "
                     f"{part.distance.max():.3g} | {len(part)} |")
    return "\n".join(lines)


def _data_checks(rs: RunSet) -> str:
    """The declared step sizes and budget against every replicate's own data."""
    fin = rs.final
    if fin.empty:
        return ""
    plain = tuple(o for o in rs.overrides if "," not in o)
    opts = [step_checks(plain, int(d)) for d in sorted(fin.dataset.unique())]
    inv_l = [1 / o.smoothness for o in opts]
    unstable = [2 / o.curvature for o in opts]
    bound = [o.optimum.theta @ o.optimum.theta / 2 / (2 * STABLE * MARGIN * o.optimum.loss)
             for o in opts]
    n_sep = sum(o.separable for o in opts)
    separable = ("none is linearly separable (linear-program feasibility), so each has a "
                 "finite, unique optimum (in the identifiable parameters)" if n_sep == 0 else
                 f"{n_sep} of {len(opts)} are linearly separable (linear-program "
                 "feasibility): those have no finite optimum")
    return (
        f"Over the {len(opts)} training splits: 1/L ranges {min(inv_l):.3f} – "
        f"{max(inv_l):.3f} (η = {STABLE:g} is below every one); 2/λmax(∇²f(θ*)) ranges "
        f"{min(unstable):.2f} – {max(unstable):.2f} (η = {UNSTABLE:g} is above every one, "
        f"and above every 2/L ≤ {2 * max(inv_l):.2f}); {separable}; scikit-"
        f"learn's solutions have ‖∇f(θ*)‖ ≤ {max(o.grad_norm for o in opts):.1e}. From "
        "zero init, the convex guarantee f(θ_T) − f* ≤ ‖θ0 − θ*‖²/(2ηT) (distance to the "
        "optimal set of the 2-logit model, ‖θ*‖²/2) is below the margin after at most "
        f"{max(bound):.0f} steps at η = {STABLE:g}; the runs take "
        f"{int(rs.curves.step.max())}.")


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figure into ``out`` and the page's own sections (the verdict's are the engine's)."""
    _fig_gap(rs, out)
    return f"""## Figures

![relative loss gap vs steps](loss_gap.png)

Each line is one replicate (its own dataset): the full-batch training loss minus
scikit-learn's optimum on that dataset, relative to the optimum, after each evaluated
step, on a symmetric log scale: gaps within ±{LINEAR:g} (float32 rounding of the loss,
sometimes slightly negative; shaded) are drawn on a linear scale, not floored. Dashed: the
equivalence margin.

## Step sizes, data and budget

{_data_checks(rs)}

## Parameters

Distance of GD's final parameters from scikit-learn's, in the identifiable form
θ = (w1 − w0, b1 − b0) (the 2-logit softmax model is over-parameterised: only the logit
difference is determined), relative to ‖θ*‖; mean [95% CI] over replicates.

{_param_table(rs)}
"""

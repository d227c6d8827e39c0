"""Do layers converge at different speeds, and do early layers learn slower? LC-1 ... LC-4.

Faithful setup: Abid (2018) Exp 11 (grid ``abid``, preset abid2018), with the original's
metric (the change of 50 weights per layer every 2 steps) beside better-founded ones on
the same runs: relative distance of each layer's weights to their final value, and the
linear CKA of each layer's representation with its final one (Kornblith et al. 2019;
Raghu et al. 2017 found representations converge bottom-up). Variants (preset
``variants``): depth {3, 6, 10} × activation × {plain, batch norm, residual}.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Verdict, missing  # noqa: E402
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet  # noqa: E402

NAME = "layer_convergence"
SETTLE = 0.1  # a layer has settled once ‖W_t − W_T‖/‖W_T‖ stays below this (LC-1)
SETTLE_ALSO = (0.05, 0.2)  # reported beside it
CKA_SETTLE = 0.9  # representation settled once CKA with the final one stays above this
VARIANTS = {"relu": ("relu", "plain"), "batch norm": ("sigmoid", "bn"),
            "residual": ("sigmoid", "residual")}  # LC-3, each against plain sigmoid


def variant_of(frame: pd.DataFrame) -> pd.Series:
    bn = frame.batch_norm.astype(bool)
    res = frame.residual.astype(bool)
    return pd.Series(np.select([bn, res], ["bn", "residual"], "plain"), index=frame.index)


def settling_steps(frame: pd.DataFrame, column: str, below: float | None = None,
                   above: float | None = None) -> pd.DataFrame:
    """Per replicate and layer: the first evaluation step after which ``column`` stays
    below ``below`` (or above ``above``) until the end."""
    rows = []
    for (rep, layer), g in frame.sort_values("step").groupby(["replicate", "layer"]):
        ok = (g[column] < below) if below is not None else (g[column] > above)
        bad = np.flatnonzero(~ok.to_numpy())
        steps = g.step.to_numpy()
        first = steps[bad[-1] + 1] if len(bad) and bad[-1] + 1 < len(steps) else (
            steps[0] if not len(bad) else np.nan)
        rows.append({"replicate": rep, "layer": layer, "settle": first})
    return pd.DataFrame(rows)


def _pairs(res: stats.MonotoneResult, what: str) -> list[str]:
    return [f"| {what} | {p['pair']} | {p['diff']:+.3f} | [{p['ci_low']:+.3f}, "
            f"{p['ci_high']:+.3f}] | {p['p_claimed']:.3g} | {p['p_opposite']:.3g} |"
            for p in res.pairs]


PAIR_HEAD = ["| measure | pair | difference | 95% CI | Holm p (claimed) | Holm p (opposite) |",
             "|---|---|---|---|---|---|"]


# ---------------------------------------------------------------- LC-1

def decide_lc1(rs: RunSet) -> Verdict:
    conv = rs.sel("convergence", grid="abid")
    if conv.empty:
        return missing("LC-1", NAME, "needs the abid run's convergence table")
    settle = settling_steps(conv, "dist_final", below=SETTLE)
    layers = sorted(settle.layer.unique())
    by_layer = [settle[settle.layer == lay].sort_values("replicate").settle.to_numpy(float)
                for lay in layers]
    res = stats.monotone(layers, by_layer, "decreasing")
    cka = settling_steps(conv, "cka_final", above=CKA_SETTLE)
    cka_layers = [cka[cka.layer == lay].sort_values("replicate").settle.to_numpy(float)
                  for lay in layers]
    cka_res = stats.monotone(layers, cka_layers, "increasing")
    first, last = by_layer[0], by_layer[-1]
    eff = stats.mean_ci(first - last)
    also = []
    for f in SETTLE_ALSO:
        s = settling_steps(conv, "dist_final", below=f)
        also.append(f"{f:g}: " + ", ".join(
            f"layer {lay} {s[s.layer == lay].settle.mean():.0f}" for lay in layers))
    detail = "\n".join([
        f"Settling step = first evaluation after which ‖W_t − W_T‖/‖W_T‖ stays below "
        f"{SETTLE} (mean over replicates): " + ", ".join(
            f"layer {lay} {np.mean(v):.0f}" for lay, v in zip(layers, by_layer,
                                                                strict=True))
        + f" (layer {layers[-1]} = output). Other thresholds: " + "; ".join(also) + ".",
        "", *PAIR_HEAD, *_pairs(res, "weights settle (earlier − later layer)"),
        *_pairs(cka_res, f"representation CKA > {CKA_SETTLE} (earlier − later layer)"), "",
        f"Representations (CKA with the final representation on a fixed batch, the "
        f"Raghu et al. reading): bottom-up order **{cka_res.verdict}** "
        "(supported = earlier layers settle first)."])
    return Verdict("LC-1", NAME, res.verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "settling step of the first minus the last layer's weights (steps)",
                   detail)


# ---------------------------------------------------------------- LC-2..LC-4

def grad_ratio(rs: RunSet) -> pd.DataFrame:
    """Per variant run and replicate: ``log_ratio`` = mean over evaluations of log10
    (first / last weight matrix's gradient norm); 0 = balanced, < 0 = vanishing."""
    ls = rs.sel("layer_stats", preset="variants")
    if ls.empty:
        return ls
    ls = ls.assign(variant=variant_of(ls))
    last = ls.groupby(["variant", "activation", "depth", "replicate", "step"]).layer.transform(
        "max")
    first = ls[ls.layer == 1].set_index(["variant", "activation", "depth", "replicate",
                                         "step"]).grad_norm
    final = ls[ls.layer == last].set_index(["variant", "activation", "depth", "replicate",
                                            "step"]).grad_norm
    lr = np.log10(first.clip(lower=1e-45) / final.clip(lower=1e-45))
    return lr.groupby(["variant", "activation", "depth", "replicate"]).mean().rename(
        "log_ratio").reset_index()


def _per_depth(gr: pd.DataFrame, activation: str, variant: str) -> dict[int, np.ndarray]:
    sel = gr[(gr.activation == activation) & (gr.variant == variant)].sort_values("replicate")
    return {int(d): g.log_ratio.to_numpy(float) for d, g in sel.groupby("depth")}


def decide_lc2(rs: RunSet) -> Verdict:
    gr = grad_ratio(rs)
    if gr.empty:
        return missing("LC-2", NAME, "needs the variant grids")
    per = _per_depth(gr, "sigmoid", "plain")
    depths = sorted(per)
    below = [stats.mean_ci(per[d]) for d in depths]
    vanish = all(e.ci_high < 0 for e in below)
    not_vanish = any(e.ci_low > 0 for e in below)
    trend = stats.monotone(depths, [per[d] for d in depths], "decreasing")
    verdict = stats.decide(vanish and trend.verdict == stats.SUPPORTED,
                           not_vanish or trend.verdict == stats.REFUTED)
    eff = below[-1]
    detail = "\n".join([
        "Plain sigmoid nets, log10(first / last weight-gradient norm) averaged over the "
        "evaluations of training, mean [95% CI]: " + ", ".join(
            f"depth {d} {e.fmt(2)}" for d, e in zip(depths, below, strict=True)) + ".", "",
        *PAIR_HEAD, *_pairs(trend, "log10 ratio (shallower − deeper)")])
    return Verdict("LC-2", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   f"log10 first/last layer gradient norm, sigmoid, depth {depths[-1]}",
                   detail)


def decide_lc3(rs: RunSet) -> Verdict:
    gr = grad_ratio(rs)
    if gr.empty:
        return missing("LC-3", NAME, "needs the variant grids")
    base = _per_depth(gr, "sigmoid", "plain")
    verdicts, rows, effects = [], [], {}
    for name, (act, var) in VARIANTS.items():
        alt = _per_depth(gr, act, var)
        depths = sorted(set(base) & set(alt))
        if not depths:
            continue
        better = [stats.paired_pvalue(np.abs(base[d]), np.abs(alt[d]), "greater")
                  for d in depths]
        worse = [stats.paired_pvalue(np.abs(base[d]), np.abs(alt[d]), "less") for d in depths]
        rb, pb = stats.holm(better)
        rw, pw = stats.holm(worse)
        verdicts.append(stats.decide(rb.all(), rw.any()))
        for d, p1, p2 in zip(depths, pb, pw, strict=True):
            e = stats.mean_ci(np.abs(base[d]) - np.abs(alt[d]))
            rows.append(f"| {name} | {d} | {np.mean(alt[d]):+.2f} | {np.mean(base[d]):+.2f} | "
                        f"{e.fmt(2)} | {p1:.3g} | {p2:.3g} |")
        effects[name] = stats.mean_ci(np.abs(base[depths[-1]]) - np.abs(alt[depths[-1]]))
        rows.append(f"| {name} | **{verdicts[-1]}** | | | | | |")
    if not verdicts:
        return missing("LC-3", NAME, "needs relu, batch-norm and residual variants")
    eff = min(effects.values(), key=lambda e: e.mean)
    detail = "\n".join([
        "Imbalance = |log10(first / last weight-gradient norm)|, lower is better; "
        "improvement = imbalance(plain sigmoid) − imbalance(variant), paired.", "",
        "| variant | depth | variant log10 ratio | plain sigmoid log10 ratio | improvement "
        "[95% CI] | Holm p (improves) | Holm p (worsens) |", "|---|---|---|---|---|---|---|",
        *rows])
    return Verdict("LC-3", NAME, stats.combine(verdicts), eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "smallest improvement of the gradient imbalance at the largest depth "
                   "(log10 units, over the three variants)", detail)


def decide_lc4(rs: RunSet) -> Verdict:
    fin = rs.sel(preset="variants")
    if fin.empty:
        return missing("LC-4", NAME, "needs the variant grids")
    fin = fin.assign(variant=variant_of(fin))
    sel = fin[(fin.activation == "sigmoid") & (fin.variant == "plain")].sort_values(
        "replicate")
    acc = {int(d): g.test_acc.to_numpy(float) for d, g in sel.groupby("depth")}
    depths = sorted(acc)
    res = stats.monotone(depths, [acc[d] for d in depths], "decreasing")
    eff = stats.mean_ci(acc[depths[0]] - acc[depths[-1]])
    detail = "\n".join([
        "Plain sigmoid nets, held-out test accuracy after 750 steps: " + ", ".join(
            f"depth {d} {stats.mean_ci(acc[d]).fmt()}" for d in depths) + ".", "",
        *PAIR_HEAD, *_pairs(res, "test accuracy (shallower − deeper)")])
    return Verdict("LC-4", NAME, res.verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   f"test accuracy, depth {depths[0]} − depth {depths[-1]} (sigmoid)", detail)


# ---------------------------------------------------------------- figures and page

def _fig_curves(rs: RunSet, out: Path) -> None:
    conv = rs.sel("convergence", grid="abid")
    steps = rs.sel("convergence_steps", grid="abid")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    for lay, g in steps.groupby("layer"):
        band_frame(axes[0], g, "step", "slice_change", f"layer {lay}")
    for lay, g in conv.groupby("layer"):
        band_frame(axes[1], g, "step", "dist_final", f"layer {lay}")
        band_frame(axes[2], g, "step", "cka_final", f"layer {lay}")
    axes[0].set(title="Abid's metric: change of 50 weights per 2 steps", xlabel="step",
                yscale="log")
    axes[1].axhline(SETTLE, color="grey", ls=":", label=f"settled ({SETTLE})")
    axes[1].set(title="‖W_t − W_T‖ / ‖W_T‖ per layer", xlabel="step", yscale="log")
    axes[2].axhline(CKA_SETTLE, color="grey", ls=":", label=f"settled ({CKA_SETTLE})")
    axes[2].set(title="CKA of each layer's representation with its final one",
                xlabel="step")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle("abid2018 (3 hidden layers of 50, sigmoid): mean and 95% CI over "
                 "replicates; layer 4 = output")
    fig.tight_layout()
    fig.savefig(out / "layer_curves.png", dpi=110)
    plt.close(fig)


def _fig_settling(rs: RunSet, out: Path) -> None:
    conv = rs.sel("convergence", grid="abid")
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, frame in ((f"weights: distance to final < {SETTLE}",
                          settling_steps(conv, "dist_final", below=SETTLE)),
                         (f"representation: CKA with final > {CKA_SETTLE}",
                          settling_steps(conv, "cka_final", above=CKA_SETTLE))):
        band_frame(ax, frame, "layer", "settle", label, marker="o")
    ax.set(xlabel="layer (last = output)", ylabel="settling step",
           title="When does each layer settle? (abid2018)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "settling.png", dpi=110)
    plt.close(fig)


def _fig_ratio(rs: RunSet, out: Path) -> None:
    gr = grad_ratio(rs)
    fin = rs.sel(preset="variants")
    fin = fin.assign(variant=variant_of(fin))
    acts = sorted(gr.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for var, g in gr[gr.activation == act].groupby("variant"):
            band_frame(axes[0, j], g, "depth", "log_ratio", var, marker="o")
        for var, g in fin[fin.activation == act].groupby("variant"):
            band_frame(axes[1, j], g, "depth", "test_acc", var, marker="o")
        axes[0, j].axhline(0, color="grey", ls=":")
        axes[0, j].set(title=f"{act}: log10 first/last layer gradient norm",
                       xlabel="hidden layers")
        axes[1, j].set(title=f"{act}: test accuracy after 750 steps", xlabel="hidden layers")
        axes[0, j].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "gradient_ratio.png", dpi=110)
    plt.close(fig)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_curves(rs, out)
    _fig_settling(rs, out)
    _fig_ratio(rs, out)
    fin = rs.sel(grid="abid")
    return f"""## Figures

![per-layer convergence curves](layer_curves.png)

Left: the original's metric on our runs. It measures how much a layer moves per step,
which depends on the layer's size and learning-rate scale as much as on convergence.
Middle: how far each layer still is from where it ends. Right: how similar each layer's
representation already is to its final one.

![settling step per layer](settling.png)

![gradient ratio and accuracy vs depth](gradient_ratio.png)

## The original's findings beside ours

{_original_table(rs)}

Final accuracy of the abid2018 runs: test {stats.mean_ci(fin.test_acc).fmt()}, train \
{stats.mean_ci(fin.train_acc).fmt()} (the original reported none for this experiment).
"""


def _original_table(rs: RunSet) -> str:
    """Abid's numbers (read off its figure) beside the same statistics of our runs."""
    steps = rs.sel("convergence_steps", grid="abid")
    if steps.empty:
        return "No abid2018 run yet."
    mean = steps.groupby(["layer", "step"]).slice_change.mean().unstack("layer")
    first, later = mean[1], mean.drop(columns=1)
    below = {lay: (mean[lay] < 0.005).idxmax() if (mean[lay] < 0.005).any() else None
             for lay in later.columns}
    return "\n".join([
        "| Abid 2018 (slice of 50 weights, change per 2 steps) | ours (mean over "
        "replicates, same metric) |", "|---|---|",
        f"| layer 0 (first): noisy, peak ≈ 0.045 near step 180 | layer 1: peak "
        f"{first.max():.3f} at step {int(first.idxmax())} |",
        f"| layer 0: decays to ≈ 0.003 | layer 1: {first.iloc[-1]:.4f} at the end |",
        "| layers 1–3: start ≈ 0.04 | layers 2–4: " + ", ".join(
            f"{later[lay].iloc[0]:.3f}" for lay in later.columns) + " at the first snapshot |",
        "| layers 1–3: below ≈ 0.005 within 20–40 steps | layers 2–4: first below 0.005 at "
        "step " + ", ".join(str(int(v)) if v is not None else "never"
                            for v in below.values()) + " |",
        "| later layers converge faster | LC-1 above (weights: distance to final) |"])


EXPERIMENT = Experiment(
    name=NAME,
    title="Layer convergence: which layers settle first, and vanishing gradients",
    original="""Abid (2018) Exp 11: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, 3 hidden layers of 50 (4 weight matrices), sigmoid,
MSE on the logits, Adam 0.003, 750 steps of batch 64. A slice of 50 weights per layer
was saved every 2 steps; convergence = norm of the change between consecutive
snapshots. Reported: layer 0's changes are noisy, peak ≈ 0.045 near step 180 and decay
to ≈ 0.003; layers 1–3 start ≈ 0.04 and drop below ≈ 0.005 within 20–40 steps.
Conclusion: later layers converge faster than earlier ones, the last almost
monotonically. Defects: one run, a 50-weight slice, and a per-step change that is not a
distance to convergence.""",
    claims=[
        Claim(
            "LC-1", "002 (Q45)",
            "不同层的权重是否以不同的速度收敛? (Abid: later layers converge faster)",
            "Layers converge at different speeds; Abid's answer: later layers converge "
            "before earlier ones. Measure the step at which each layer's weights settle.",
            "abid2018 (75 evaluations, every 10 steps): relative distance to the final "
            "weights per layer; CKA of representations reported beside",
            f"Settling step per replicate and layer: the first evaluation after which "
            f"‖W_t − W_T‖/‖W_T‖ stays below {SETTLE}. Adjacent layers, one-sided paired "
            "t-tests, Holm-corrected: supported if every earlier layer settles "
            "significantly later than the next (later layers first); refuted if any "
            "earlier layer settles significantly sooner; else inconclusive.",
            decide_lc1),
        Claim(
            "LC-2", "004", "前面隐藏层的学习速率低于后面隐藏层",
            "With sigmoid, earlier layers get smaller gradients/updates than later layers, "
            "and the ratio worsens with depth (vanishing gradient).",
            "preset variants, plain sigmoid, depth {3, 6, 10}; layer_stats at 16 points",
            "Per replicate, the mean over evaluations of log10(first / last weight-matrix "
            "gradient norm). Supported if its 95% CI is below 0 at every depth and it "
            "decreases with depth (adjacent depths, one-sided paired t-tests, Holm); "
            "refuted if it is significantly above 0 at some depth or increases "
            "significantly with depth; else inconclusive.",
            decide_lc2),
        Claim(
            "LC-3", "004", "一般使用 Relu函数…4、使用Batch Normalization 5、使用残差结构",
            "ReLU, batch norm and residual connections each reduce that first-to-last "
            "layer gradient ratio relative to a plain sigmoid net.",
            "preset variants, depth {3, 6, 10}: relu (plain), sigmoid + batch norm, "
            "sigmoid + residual, each vs plain sigmoid",
            "Imbalance = |LC-2's log ratio|. Per variant, at each depth, one-sided paired "
            "t-test that it is lower than plain sigmoid's, Holm over depths: supported for "
            "a variant if lower at every depth, refuted if significantly higher at some "
            "depth. Overall: all three agree, or mixed.",
            decide_lc3),
        Claim(
            "LC-4", "004", "随着隐藏层数目的增加,分类准确率反而下降了",
            "For sigmoid MLPs at a fixed training budget, test accuracy decreases as depth "
            "grows.",
            "preset variants, plain sigmoid, depth {3, 6, 10}, 750 steps",
            "Adjacent depths, one-sided paired t-tests on final test accuracy, Holm: "
            "supported if accuracy falls significantly at every step in depth; refuted if "
            "it rises significantly at some step; else inconclusive.",
            decide_lc4),
    ],
    report=report,
)

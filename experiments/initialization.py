"""Does the initial value of the weights matter? Claims IN-1 ... IN-4.

Faithful setup: Abid (2018) Exp 10 (grids ``abid``/``abid_normal``, preset abid2018).
Controls (conf/preset/): ``logreg``, a convex model compared with scikit-learn's
optimum (IN-1); ``moons``, a task whose Bayes boundary is not linear (IN-2); ``deep``,
depth × activation × init at init time and after 200 steps (IN-3, IN-4). Verdicts read
the per-replicate tables the runs logged (final.csv, layer_stats.csv, symmetry.csv).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hydra import compose  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Verdict, missing  # noqa: E402
from harness.data import make_dataset  # noqa: E402
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet, hydra_context  # noqa: E402

NAME = "initialization"
MARGIN = 0.01  # accuracy: one test example in 100, the equivalence margin (IN-1, IN-2)
TAU = 0.03  # log10 per layer: a 4x change over 20 layers counts as growth/decay (IN-3/4)
SYMMETRIC = 0.999  # mean pairwise cosine of first-layer units: "still identical"
BROKEN = 0.99  # below this the units are no longer copies
TASKS = {"abid2018": "Gaussian mixture (abid2018)", "moons": "two moons"}
CONSTANT = ("zeros", "ones")
SCALED = ("normal σ=0.01", "normal σ=1")
MATCHED = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}  # IN-4's pairing
# Abid (2018) Exp 10, final accuracy read off the original figure.
ORIGINAL = {"xavier": 0.96, "normal σ=0.01": 0.95, "normal σ=1": 0.63, "ones": 0.49,
            "zeros": 0.87}


def scheme(frame: pd.DataFrame) -> pd.Series:
    """Readable init name per row: ``normal σ=…`` carries its standard deviation."""
    std = frame.init_std.map(lambda s: f"{s:g}")
    return frame.init.where(frame.init != "normal", "normal σ=" + std)


def with_scheme(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(scheme=scheme(frame)) if len(frame) else frame.assign(scheme=[])


def by_scheme(rs: RunSet, metric: str, **where) -> dict[str, np.ndarray]:
    """init scheme -> per-replicate ``metric`` (ordered by replicate: paired)."""
    df = with_scheme(rs.sel(**where)).sort_values("replicate")
    return {s: g[metric].to_numpy(float) for s, g in df.groupby("scheme")}


# ---------------------------------------------------------------- IN-1: convex model

def sklearn_optimum(rs: RunSet) -> np.ndarray:
    """Test accuracy of scikit-learn's unpenalized LogisticRegression per dataset of the
    logreg preset (the same datasets the runs trained on, regenerated from the config)."""
    with hydra_context():
        cfg = compose("config", overrides=[f"experiment={NAME}", "preset=logreg",
                                           *[o for o in rs.overrides if "," not in o]])
    k = min(cfg.data.num_datasets, cfg.trainer.replicates)
    accs = []
    for i in range(k):
        ds = make_dataset(cfg.data, i)
        model = LogisticRegression(C=np.inf, max_iter=10_000).fit(ds.x_train, ds.y_train)
        accs.append(model.score(ds.x_test, ds.y_test))
    return np.asarray(accs)


def decide_in1(rs: RunSet) -> Verdict:
    acc = by_scheme(rs, "test_acc", preset="logreg")
    others = [s for s in acc if s != "zeros"]
    if "zeros" not in acc or not others:
        return missing("IN-1", NAME, "needs zero init and a random init under preset logreg")
    rows, verdicts, worst = [], [], None
    for s in others:
        d = stats.mean_ci(acc[s] - acc["zeros"], confidence=0.90)
        inside = -MARGIN <= d.ci_low and d.ci_high <= MARGIN
        outside = d.ci_low > MARGIN or d.ci_high < -MARGIN
        verdicts.append(stats.decide(inside, outside))
        answer = "yes" if inside else "no" if outside else "undecided"
        rows.append(f"| {s} − zeros | {d.mean:+.4f} | [{d.ci_low:+.4f}, {d.ci_high:+.4f}] | "
                    f"{answer} |")
        if worst is None or abs(d.mean) > abs(worst.mean):
            worst = d
    verdict = stats.decide(all(v == stats.SUPPORTED for v in verdicts),
                           stats.REFUTED in verdicts)
    sk = sklearn_optimum(rs)
    ours = {s: float(np.nanmean(v)) for s, v in acc.items()}
    detail = "\n".join([
        "| comparison | mean difference in test accuracy | 90% CI (TOST) | within ±"
        f"{MARGIN}? |", "|---|---|---|---|", *rows, "",
        f"scikit-learn's optimum (unpenalized LogisticRegression), mean over the "
        f"{len(sk)} datasets: **{sk.mean():.4f}** ({', '.join(f'{a:.2f}' for a in sk)}); "
        "ours after training, mean over replicates: "
        + ", ".join(f"{s} {a:.4f}" for s, a in ours.items()) + "."])
    return Verdict("IN-1", NAME, verdict, worst.mean, worst.ci_low, worst.ci_high, worst.n,
                   f"largest mean test-acc difference from zero init (margin ±{MARGIN})",
                   detail, ci_level=0.90)


# ---------------------------------------------------------------- IN-2: MLP outcome

def in2_task(rs: RunSet, preset: str) -> tuple[str, list[str], stats.Effect | None]:
    """Per-task verdict, table rows and the smallest Xavier advantage."""
    acc = by_scheme(rs, "test_acc", preset=preset)
    cos = by_scheme(rs, "unit_cosine", preset=preset)
    rivals = [s for s in (*CONSTANT, *SCALED) if s in acc]
    if "xavier" not in acc or not rivals:
        return stats.INCONCLUSIVE, [], None
    p = [stats.paired_pvalue(acc["xavier"], acc[s], "greater") for s in rivals]
    beat, p_adj = stats.holm(p)
    rows, smallest, fails = [], None, False
    for s, b, pa in zip(rivals, beat, p_adj, strict=True):
        d = stats.mean_ci(acc["xavier"] - acc[s])
        d90 = stats.mean_ci(acc["xavier"] - acc[s], confidence=0.90)
        not_better = d90.ci_high < MARGIN
        fails |= not_better
        rows.append(f"| {TASKS[preset]} | xavier − {s} | {d.fmt(4)} | {pa:.3g} | "
                    f"{'yes' if b else 'no (not better)' if not_better else 'undecided'} |")
        if smallest is None or d.mean < smallest.mean:
            smallest = d
    symmetric, broken = [], []
    for s in CONSTANT:
        if s in cos:
            c = cos[s][np.isfinite(cos[s])]
            symmetric.append(c.size > 0 and c.min() >= SYMMETRIC)
            broken.append(c.size > 0 and c.mean() < BROKEN)
            rows.append(f"| {TASKS[preset]} | {s}: first-layer unit cosine at the end | "
                        f"min {c.min():.6f}, mean {c.mean():.6f} | – | "
                        f"{'identical' if symmetric[-1] else 'broken' if broken[-1] else '?'} |")
    verdict = stats.decide(all(beat) and symmetric and all(symmetric), fails or any(broken))
    return verdict, rows, smallest


def decide_in2(rs: RunSet) -> Verdict:
    results = {t: in2_task(rs, t) for t in TASKS}
    ran = {t: r for t, r in results.items() if r[2] is not None}
    if not ran:
        return missing("IN-2", NAME, "needs xavier and its rivals under abid2018 or moons")
    verdict = stats.combine([r[0] for r in ran.values()])
    eff = ran.get("abid2018", next(iter(ran.values())))[2]
    detail = "\n".join([
        "| task | comparison | mean [95% CI] | Holm p (Xavier better) | Xavier better? |",
        "|---|---|---|---|---|", *[row for r in ran.values() for row in r[1]], "",
        "Per task: " + "; ".join(f"{TASKS[t]} **{r[0]}**" for t, r in ran.items()) + "."])
    return Verdict("IN-2", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "smallest Xavier advantage in test acc on abid2018 (xavier − rival)",
                   detail)


# ------------------------------------------------------- IN-3/IN-4: signal across depth

def layer_slopes(rs: RunSet, depth: int | None = None) -> pd.DataFrame:
    """Per run and replicate, at step 0: least-squares slopes over the hidden layers of
    log10 act_std against the layer index (``act_slope``, forward: < 0 shrinks) and of
    log10 grad_out_norm (``grad_growth`` = −slope: how much the backpropagated gradient
    grows per layer towards the input; > 0 explodes, < 0 vanishes)."""
    ls = rs.sel("layer_stats", preset="deep")
    if ls.empty:
        return ls
    ls = with_scheme(ls[ls.step == 0])
    if depth is not None:
        ls = ls[ls.depth == depth]
    ls = ls[ls.layer <= ls.depth]  # hidden layers only (layer depth+1 is the logits)
    tiny = 1e-45  # float32's smallest subnormal: a signal that underflowed to zero

    def fit(g: pd.DataFrame) -> pd.Series:
        x = g.layer.to_numpy(float)
        a = np.log10(np.maximum(g.act_std.to_numpy(float), tiny))
        d = np.log10(np.maximum(g.grad_out_norm.to_numpy(float), tiny))
        if len(x) < 2:
            return pd.Series({"act_slope": np.nan, "grad_growth": np.nan})
        return pd.Series({"act_slope": np.polyfit(x, a, 1)[0],
                          "grad_growth": -np.polyfit(x, d, 1)[0]})

    keys = ["activation", "scheme", "depth", "replicate"]
    return ls.groupby(keys)[["layer", "act_std", "grad_out_norm"]].apply(fit).reset_index()


def _slope(sl: pd.DataFrame, activation: str, init: str, col: str,
           confidence: float = 0.95) -> stats.Effect:
    v = sl[(sl.activation == activation) & (sl.scheme == init)].sort_values("replicate")
    return stats.mean_ci(v[col].to_numpy(float), confidence)


def deepest_slopes(rs: RunSet) -> tuple[pd.DataFrame, int]:
    """layer_slopes of the deepest nets of the deep grid (IN-3 and IN-4 read those)."""
    sl = layer_slopes(rs)
    depth = int(sl.depth.max()) if len(sl) else 0
    return sl[sl.depth == depth] if len(sl) else sl, depth


def decide_in3(rs: RunSet) -> Verdict:
    sl, depth = deepest_slopes(rs)
    if sl.empty:
        return missing("IN-3", NAME, "needs the deep grid's layer_stats")
    rows, verdicts, weakest = [], [], None
    for act in sorted(sl.activation.unique()):
        big = _slope(sl, act, "normal σ=1", "grad_growth")
        small_g = _slope(sl, act, "normal σ=0.01", "grad_growth")
        small_a = _slope(sl, act, "normal σ=0.01", "act_slope")
        if big.n == 0 or small_g.n == 0:
            continue
        explode, no_explode = big.ci_low > TAU, big.ci_high < TAU
        vanish = small_g.ci_high < -TAU and small_a.ci_high < -TAU
        no_vanish = small_g.ci_low > -TAU or small_a.ci_low > -TAU
        verdicts.append(stats.decide(explode and vanish, no_explode or no_vanish))
        rows.append(f"| {act} | {big.fmt(3)} | {small_a.fmt(3)} | {small_g.fmt(3)} | "
                    f"{'explodes' if explode else 'does not explode' if no_explode else '?'}"
                    f"; {'vanishes' if vanish else 'does not vanish' if no_vanish else '?'}"
                    f" | **{verdicts[-1]}** |")
        if weakest is None or big.mean < weakest.mean:
            weakest = big
    if weakest is None:
        return missing("IN-3", NAME, "needs N(0, 1) and N(0, 0.01²) in the deep grid")
    detail = "\n".join([
        f"Depth {depth}, at initialization, log10 units per layer (threshold ±{TAU}: a 4× "
        "change over 20 layers), mean [95% CI] over replicates.", "",
        "| activation | N(0,1): gradient growth per layer towards the input | N(0,0.01²): "
        "activation-std slope | N(0,0.01²): gradient growth | reading | verdict |",
        "|---|---|---|---|---|---|", *rows])
    return Verdict("IN-3", NAME, stats.combine(verdicts), weakest.mean, weakest.ci_low,
                   weakest.ci_high, weakest.n,
                   f"smallest gradient growth per layer under N(0,1) at depth {depth} "
                   f"(log10/layer; > {TAU} explodes)", detail)


def decide_in4(rs: RunSet) -> Verdict:
    sl, depth = deepest_slopes(rs)
    if sl.empty:
        return missing("IN-4", NAME, "needs the deep grid's layer_stats")
    rows, verdicts, worst = [], [], None
    for act, init in MATCHED.items():
        eff = {c: _slope(sl, act, init, c, 0.90) for c in ("act_slope", "grad_growth")}
        if any(e.n == 0 for e in eff.values()):
            continue
        flat = all(-TAU <= e.ci_low and e.ci_high <= TAU for e in eff.values())
        drifts = any(e.ci_low > TAU or e.ci_high < -TAU for e in eff.values())
        verdicts.append(stats.decide(flat, drifts))
        rows.append(f"| {act} + {init} | {eff['act_slope'].fmt(3)} | "
                    f"{eff['grad_growth'].fmt(3)} | **{verdicts[-1]}** |")
        for e in eff.values():
            if worst is None or abs(e.mean) > abs(worst.mean):
                worst = e
    if worst is None:
        return missing("IN-4", NAME, "needs the matched inits in the deep grid")
    detail = "\n".join([
        f"Depth {depth}, at initialization, log10 units per layer, mean [90% CI] "
        f"(equivalence: both slopes within ±{TAU}).", "",
        "| activation + init | activation-std slope | gradient growth | verdict |",
        "|---|---|---|---|", *rows])
    return Verdict("IN-4", NAME, stats.combine(verdicts), worst.mean, worst.ci_low, worst.ci_high,
                   worst.n, f"largest per-layer log10 drift of activation std or gradient "
                   f"under the matched init at depth {depth} (±{TAU} = flat)", detail,
                   ci_level=0.90)


# ---------------------------------------------------------------- figures and page

def _fig_accuracy(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for ax, preset in zip(axes, ("abid2018", "moons", "logreg"), strict=True):
        cur = with_scheme(rs.sel("curves", preset=preset))
        for s, g in cur.groupby("scheme"):
            band_frame(ax, g, "step", "test_acc", s)
            if preset == "abid2018" and s in ORIGINAL:
                ax.plot(g.step.max(), ORIGINAL[s], "*", ms=11, color=ax.lines[-1].get_color())
        ax.set(title=f"{preset}: held-out test accuracy", xlabel="step")
    if rs.sel(preset="logreg").size:
        axes[2].axhline(sklearn_optimum(rs).mean(), color="k", ls=":",
                        label="scikit-learn optimum")
    axes[0].set_ylabel("accuracy (mean, 95% CI)")
    axes[0].plot([], [], "k*", label="Abid 2018 final (its \"test\" curve)")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "accuracy_by_init.png", dpi=110)
    plt.close(fig)


def _fig_symmetry(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    sym = with_scheme(rs.table("symmetry"))
    for ax, preset in zip(axes, TASKS, strict=True):
        for s, g in sym[sym.preset == preset].groupby("scheme"):
            band_frame(ax, g, "step", "unit_cosine", s)
        ax.set(title=f"{TASKS[preset]}: are the first-layer units copies?", xlabel="step")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("mean pairwise cosine of first-layer units")
    fig.tight_layout()
    fig.savefig(out / "symmetry.png", dpi=110)
    plt.close(fig)


def _fig_profiles(rs: RunSet, out: Path) -> None:
    ls = rs.sel("layer_stats", preset="deep")
    ls = with_scheme(ls[(ls.step == 0) & (ls.depth == ls.depth.max())])
    acts = sorted(ls.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for s, g in ls[ls.activation == act].groupby("scheme"):
            g = g.assign(log_act=np.log10(g.act_std.clip(lower=1e-45)),
                         log_grad=np.log10(g.grad_out_norm.clip(lower=1e-45)))
            band_frame(axes[0, j], g, "layer", "log_act", s)
            band_frame(axes[1, j], g, "layer", "log_grad", s)
        axes[0, j].set(title=f"{act}: activation std per layer", ylabel="log10 std")
        axes[1, j].set(title=f"{act}: gradient w.r.t. layer output", xlabel="layer",
                       ylabel="log10 norm")
    axes[0, -1].legend(fontsize=7)
    fig.suptitle(f"At initialization, depth {int(ls.depth.max()) if len(ls) else '?'}, "
                 "width 64 (last layer = logits)")
    fig.tight_layout()
    fig.savefig(out / "layer_profiles.png", dpi=110)
    plt.close(fig)


def _fig_depth(rs: RunSet, out: Path) -> None:
    sl = layer_slopes(rs)
    fin = with_scheme(rs.sel(preset="deep"))
    acts = sorted(fin.activation.unique())
    fig, axes = plt.subplots(2, len(acts), figsize=(5 * len(acts), 8), squeeze=False)
    for j, act in enumerate(acts):
        for s, g in sl[sl.activation == act].groupby("scheme"):
            band_frame(axes[0, j], g, "depth", "grad_growth", s, marker="o")
        for s, g in fin[fin.activation == act].groupby("scheme"):
            band_frame(axes[1, j], g, "depth", "test_acc", s, marker="o")
        axes[0, j].axhspan(-TAU, TAU, color="grey", alpha=0.15)
        axes[0, j].set(title=f"{act}: gradient growth per layer at init", xscale="log",
                       ylabel="log10 per layer (> 0 explodes)")
        axes[1, j].set(title=f"{act}: test accuracy after the budget", xscale="log",
                       xlabel="hidden layers", ylabel="accuracy")
    axes[0, -1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "depth.png", dpi=110)
    plt.close(fig)


def _table(rs: RunSet, preset: str, original: bool = False, symmetry: bool = True) -> str:
    """Final accuracies per init (and the Abid number, and first-layer symmetry)."""
    fin = with_scheme(rs.sel(preset=preset))
    metrics = {"test acc": "test_acc", "train acc": "train_acc"}
    if symmetry:
        metrics["first-layer unit cosine"] = "unit_cosine"
    cols = ["init", *(["Abid 2018 final"] if original else []), *metrics]
    lines = ["| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
    for s, g in fin.groupby("scheme"):
        cells = [stats.mean_ci(g[m]).fmt() for m in metrics.values()]
        orig = [str(ORIGINAL.get(s, "–"))] if original else []
        lines.append("| " + " | ".join([s, *orig, *cells]) + " |")
    return "\n".join(lines)


def _deep_table(rs: RunSet) -> str:
    fin = with_scheme(rs.sel(preset="deep"))
    if fin.empty:
        return "No deep runs."
    tab = fin.groupby(["activation", "scheme", "depth"]).test_acc.mean().unstack("depth")
    lines = ["| activation | init | " + " | ".join(f"depth {d:g}" for d in tab.columns) + " |",
             "|---|---|" + "---|" * len(tab.columns)]
    for (act, s), row in tab.iterrows():
        lines.append(f"| {act} | {s} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_accuracy(rs, out)
    _fig_symmetry(rs, out)
    _fig_profiles(rs, out)
    _fig_depth(rs, out)
    return f"""## Figures

![test accuracy by init](accuracy_by_init.png)

Stars: the final accuracies the original reported (its curves were computed on the
training set, as in its Exp 8; compare them with our train accuracy in the table below).
Zero init on the Gaussian mixture stays at chance for about 300 steps and then climbs,
the shape the original reported; the symmetry figure shows whether its units were still
copies of each other when it did (the original blamed noise breaking the symmetry).

![symmetry of the first layer](symmetry.png)

![per-layer profiles at initialization](layer_profiles.png)

![gradient growth and accuracy vs depth](depth.png)

The grey band is ±{TAU} log10 per layer, the declared "roughly constant" zone.

## The original's setup (abid2018), mean [95% CI] over replicates

{_table(rs, "abid2018", original=True)}

## Nonlinear task (moons)

{_table(rs, "moons")}

## Convex control (logreg)

{_table(rs, "logreg", symmetry=False)}

## Deep grid: test accuracy after 200 steps (mean over replicates)

{_deep_table(rs)}
"""


EXPERIMENT = Experiment(
    name=NAME,
    title="Initialization: convex vs deep, symmetry, vanishing and exploding signals",
    original="""Abid (2018) Exp 10: two 12-D Gaussians (class-1 mean 1/i in dimension i, shared
Σ = cᵀc), n = 500 split 400/100, a 100-100 sigmoid MLP with MSE on the logits against
one-hot labels, Adam 0.003, 500 steps of batch 64, 5 repeats. Inits Xavier, zeros, ones,
N(0, 0.01) and N(0, 1) (σ, not σ²). Reported final accuracy ≈ 0.96 (Xavier), 0.95
(N(0,0.01)), 0.63 (N(0,1)), 0.49 (ones, flat throughout); zeros ≈ 0.49 for most of
training, then ≈ 0.87, which the author attributes to numerical noise from parallel
cores breaking the symmetry. Defects: the accuracy curves use the training set (as in
Exp 8), 5 repeats without intervals, no convex or nonlinear control.""",
    claims=[
        Claim(
            "IN-1", "002 (Q44)",
            "对一些简单的机器学习模型,或当损失函数是convex function时,"
            "零初始化和随机初始化方法是有效的",
            "For a convex model (logistic regression), zero and random init reach the same "
            "final test accuracy.",
            "preset logreg (identity covariance, 2000 steps): zeros, xavier, N(0,0.01²), "
            "N(0,1); scikit-learn's optimum for reference",
            f"Paired difference in final test accuracy, each random init minus zero init, "
            f"over replicates. Equivalence (TOST at α = 0.05): the 90% CI lies within "
            f"±{MARGIN}. Supported if every random init is equivalent to zero init; refuted "
            f"if any 90% CI lies wholly outside ±{MARGIN}; else inconclusive.",
            decide_in1),
        Claim(
            "IN-2", "002 (Q44)", "对于深度学习而言…合适的参数初始值对于模型的收敛至关重要",
            "For MLPs, the init scheme changes the outcome: Xavier/He beat constant "
            "(zeros/ones) and badly scaled Gaussian inits; constant init leaves hidden "
            "units identical (symmetry).",
            "abid2018 and moons, 100-100 sigmoid, MSE: xavier vs zeros, ones, N(0,0.01²), "
            "N(0,1); symmetry probe",
            "Per task: Xavier minus each rival in final test accuracy, one-sided paired "
            "t-tests, Holm over the 4 rivals; a rival is 'not beaten' if the 90% CI of "
            f"the difference lies below +{MARGIN}. Constant inits are 'identical' if every "
            f"replicate ends with first-layer mean pairwise unit cosine ≥ {SYMMETRIC}, "
            f"'broken' if the mean is below {BROKEN}. A task supports the claim if Xavier "
            "beats all 4 and the constant inits stay identical; refutes it if a rival is "
            "not beaten or the symmetry breaks. Overall: supported/refuted when both tasks "
            "agree, mixed when they disagree, else inconclusive.",
            decide_in2),
        Claim(
            "IN-3", "004", "由于初始化权值过大…就会导致权值越来越大,梯度爆炸",
            "Too-large init makes gradients grow layer by layer (explode) in deep nets; "
            "too-small init makes activations and gradients vanish.",
            "preset deep at the largest depth (20), step 0: N(0,1) and N(0,0.01²) per "
            "activation",
            "Per replicate, least-squares slope over the hidden layers of log10 of the "
            "gradient norm w.r.t. each layer's output (growth towards the input = −slope) "
            f"and of log10 activation std. Per activation: N(0,1) explodes if the 95% CI "
            f"of growth lies above +{TAU} per layer; N(0,0.01²) vanishes if the CIs of both "
            f"its gradient growth and activation slope lie below −{TAU}. Supported for "
            f"an activation if both happen; refuted if either CI lies on the other side of "
            f"its threshold. Overall across sigmoid/tanh/relu: supported or refuted when "
            "all agree, mixed when some support and some refute.",
            decide_in3),
        Claim(
            "IN-4", "004", "2、选择合适的参数初始化方法 (against vanishing/exploding gradients)",
            "Variance-preserving init (Xavier for tanh/sigmoid, He for ReLU) keeps "
            "per-layer activation and gradient scale roughly constant with depth.",
            "preset deep at the largest depth (20), step 0: sigmoid+xavier, tanh+xavier, "
            "relu+he",
            f"The two slopes of IN-3 under the matched init. Equivalence: 'roughly constant' "
            f"if both 90% CIs lie within ±{TAU} log10 per layer (under 4× over 20 layers); "
            f"drifting if either CI lies wholly outside. Per pairing supported/refuted; "
            "overall supported or refuted when all three agree, mixed when some support "
            "and some refute.",
            decide_in4),
    ],
    report=report,
)

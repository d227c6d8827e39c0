"""Batch norm × dropout: "1+1>2", or worse than either alone? Claims BD-1 ... BD-6.

No 2018 original. The anchor is Li, Chen, Hu, Yang (CVPR 2019): dropout changes a unit's
variance between training and test, and a BN layer fed by dropout then normalizes test
data with running statistics that no longer match (variance shift); dropout only after
the last BN avoids it. Factorial design on two tasks where the plain net overfits
(presets bn_digits, bn_gaussian); the ``batch_norm`` and ``dropout`` probes measure the
mechanism. Verdicts read final.csv, curves and the probes' tables.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels.formula.api as smf  # noqa: E402
from statsmodels.stats.anova import anova_lm  # noqa: E402

from harness import stats  # noqa: E402
from harness.claims import Claim, Experiment, Verdict, missing  # noqa: E402
from harness.plots import band_frame  # noqa: E402
from harness.results import RunSet  # noqa: E402

NAME = "bn_dropout"
MARGIN = 0.01  # accuracy: a combination within one point of the better single is "no better"
RUNNING_TOL = 1e-4  # eval output vs hand-written running-stat normalization (float32)
BATCH_MIN = 1e-2  # eval vs batch-statistics output must differ by at least this (BD-4)
MC_OK, MC_BAD = 2.0, 5.0  # dropout mean error in units of its Monte-Carlo error (BD-5)
PRIMARY = ("bn_digits", 128)  # the setting whose number stands for a claim in the index
MAX_P = 0.5


def settings(rs: RunSet) -> list[tuple[str, int]]:
    """(preset, width) pairs that ran, primary first."""
    pairs = rs.final[["preset", "width"]].drop_duplicates().itertuples(index=False)
    return sorted({(p, int(w)) for p, w in pairs}, key=lambda s: (s != PRIMARY, s))


def label(setting: tuple[str, int]) -> str:
    return f"{setting[0].removeprefix('bn_')} w{setting[1]}"


def cell(rs: RunSet, setting: tuple[str, int], bn: bool, p: float = 0.0,
         placement: str = "every", after: bool = False, table: str = "final") -> pd.DataFrame:
    """Rows of one condition, ordered by replicate (paired across conditions)."""
    df = rs.sel(table, preset=setting[0])
    df = df[(df.width == setting[1]) & (df.batch_norm.astype(bool) == bn)
            & (df.bn_after_activation.astype(bool) == after) & (df.dropout == p)]
    if p > 0:
        df = df[df.dropout_placement == placement]
    return df.sort_values(["replicate", "step"] if "step" in df else "replicate")


def _final(rs: RunSet, setting, metric: str, **kw) -> np.ndarray:
    return cell(rs, setting, **kw)[metric].to_numpy(float)


def _gap(rs: RunSet, setting, **kw) -> np.ndarray:
    c = cell(rs, setting, **kw)
    return (c.train_acc - c.test_acc).to_numpy(float)


def rates(rs: RunSet, setting) -> list[float]:
    df = rs.sel(preset=setting[0])
    return sorted(float(p) for p in df[(df.width == setting[1])].dropout.unique() if p > 0)


def _per_setting(rows: list[str], verdicts: dict[str, str]) -> str:
    return "\n".join([*rows, "", "Per setting: " + "; ".join(
        f"{k} **{v}**" for k, v in verdicts.items()) + "."])


# ---------------------------------------------------------------- BD-1, BD-2

def decide_bd1(rs: RunSet) -> Verdict:
    verdicts, rows, effect = {}, [], None
    for s in settings(rs):
        steps = {bn: np.nan_to_num(_final(rs, s, "steps_to_target", bn=bn), nan=np.inf)
                 for bn in (False, True)}
        gaps = {bn: _gap(rs, s, bn=bn) for bn in (False, True)}
        if not all(len(v) for v in gaps.values()):
            continue
        faster = stats.sign_pvalue(steps[False], steps[True], "greater")
        slower = stats.sign_pvalue(steps[False], steps[True], "less")
        narrower = stats.paired_pvalue(gaps[False], gaps[True], "greater")
        wider = stats.paired_pvalue(gaps[False], gaps[True], "less")
        (f_ok, g_ok), _ = stats.holm([faster, narrower])
        (f_bad, g_bad), _ = stats.holm([slower, wider])
        verdicts[label(s)] = stats.decide(f_ok and g_ok, f_bad or g_bad)
        red = stats.mean_ci(gaps[False] - gaps[True])
        med = [np.median(steps[b]) for b in (False, True)]
        rows.append(f"| {label(s)} | {med[0]:g} → {med[1]:g} | {faster:.3g} / {slower:.3g} | "
                    f"{np.mean(gaps[False]):.3f} → {np.mean(gaps[True]):.3f} | {red.fmt(3)} | "
                    f"{verdicts[label(s)]} |")
        effect = effect or red
    if effect is None:
        return missing("BD-1", NAME, "needs plain and BN-only runs")
    detail = _per_setting([
        "| setting | median steps to target, plain → BN | sign p (BN faster / slower) | "
        "gap, plain → BN | gap reduction [95% CI] | verdict |", "|---|---|---|---|---|---|",
        *rows], verdicts)
    return Verdict("BD-1", NAME, stats.combine(list(verdicts.values())), effect.mean,
                   effect.ci_low, effect.ci_high, effect.n,
                   f"train–test gap reduction by BN alone ({label(PRIMARY)})", detail)


def decide_bd2(rs: RunSet) -> Verdict:
    verdicts, rows, effect = {}, [], None
    for s in settings(rs):
        ps = rates(rs, s)
        base = _gap(rs, s, bn=False)
        gaps = {p: _gap(rs, s, bn=False, p=p) for p in ps}
        if not ps or not len(base):
            continue
        ok, p_ok = stats.holm([stats.paired_pvalue(base, gaps[p], "greater") for p in ps])
        bad, p_bad = stats.holm([stats.paired_pvalue(base, gaps[p], "less") for p in ps])
        verdicts[label(s)] = stats.decide(ok.all(), bad.any())
        for p, a, b in zip(ps, p_ok, p_bad, strict=True):
            red = stats.mean_ci(base - gaps[p])
            rows.append(f"| {label(s)} | {p:g} | {np.mean(base):.3f} → {np.mean(gaps[p]):.3f} "
                        f"| {red.fmt(3)} | {a:.3g} | {b:.3g} |")
            if s == PRIMARY and p == max(ps):
                effect = red
        effect = effect or stats.mean_ci(base - gaps[max(ps)])
    if effect is None:
        return missing("BD-2", NAME, "needs plain and dropout-only runs")
    detail = _per_setting([
        "Dropout after every block, no BN. Gap = train − test accuracy.", "",
        "| setting | p | gap, plain → dropout | reduction [95% CI] | Holm p (reduces) | "
        "Holm p (widens) |", "|---|---|---|---|---|---|", *rows], verdicts)
    return Verdict("BD-2", NAME, stats.combine(list(verdicts.values())), effect.mean,
                   effect.ci_low, effect.ci_high, effect.n,
                   f"train–test gap reduction by dropout p={MAX_P} alone ({label(PRIMARY)})",
                   detail)


# ---------------------------------------------------------------- BD-3

def anova_interaction(rs: RunSet, s, p: float, placement: str) -> float:
    """p-value of the BN × dropout interaction in a two-way ANOVA of test accuracy with
    replicates as blocks (statsmodels OLS + anova_lm, type II)."""
    parts = []
    for bn in (False, True):
        for do in (0.0, p):
            c = cell(rs, s, bn=bn, p=do, placement=placement)
            parts.append(pd.DataFrame({"acc": c.test_acc.to_numpy(float), "bn": int(bn),
                                       "do": int(do > 0), "rep": c.replicate.to_numpy()}))
    df = pd.concat(parts).dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = anova_lm(smf.ols("acc ~ C(bn) * C(do) + C(rep)", df).fit(), typ=2)
    return float(table.loc["C(bn):C(do)", "PR(>F)"])


def bd3_cells(rs: RunSet, placement: str) -> list[dict]:
    out = []
    for s in settings(rs):
        none, bn = _final(rs, s, "test_acc", bn=False), _final(rs, s, "test_acc", bn=True)
        for p in rates(rs, s):
            do = _final(rs, s, "test_acc", bn=False, p=p, placement=placement)
            both = _final(rs, s, "test_acc", bn=True, p=p, placement=placement)
            if not all(len(a) for a in (none, bn, do, both)):
                continue
            best_name, best = max((("BN", bn), ("dropout", do)), key=lambda t: np.mean(t[1]))
            contrast = stats.bootstrap_ci([both, bn, do, none],
                                          lambda a, b, c, d: np.mean(a - b - c + d))
            out.append({"setting": s, "p": p, "both": both, "best": best,
                        "best_name": best_name, "contrast": contrast,
                        "diff": stats.mean_ci(both - best),
                        "p_better": stats.paired_pvalue(both, best, "greater"),
                        "anova_p": anova_interaction(rs, s, p, placement)})
    return out


def decide_bd3(rs: RunSet) -> Verdict:
    verdicts, rows, effect = {}, [], None
    for placement in ("every", "last"):
        cells = bd3_cells(rs, placement)
        if not cells:
            continue
        better, p_adj = stats.holm([c["p_better"] for c in cells])
        no_better = [c["diff"].ci_high < MARGIN for c in cells]
        verdicts[placement] = stats.decide(all(no_better), better.any())
        for c, pa, nb in zip(cells, p_adj, no_better, strict=True):
            rows.append(f"| {placement} | {label(c['setting'])} | {c['p']:g} | "
                        f"{np.mean(c['both']):.3f} | {c['best_name']} {np.mean(c['best']):.3f}"
                        f" | {c['diff'].fmt(3)} | {pa:.3g} | {c['contrast'].fmt(3)} | "
                        f"{c['anova_p']:.3g} | {'yes' if nb else 'no'} |")
            if placement == "every" and c["setting"] == PRIMARY and c["p"] == MAX_P:
                effect = c["contrast"]
        effect = effect or cells[-1]["contrast"]
    if effect is None:
        return missing("BD-3", NAME, "needs the 2×2 cells")
    detail = _per_setting([
        "Test accuracy. Combination = BN + dropout; better single = whichever of BN alone "
        "and dropout alone has the higher mean; contrast = acc(BN+DO) − acc(BN) − acc(DO) + "
        "acc(none), paired bootstrap 95% CI; ANOVA: two-way with replicates as blocks.", "",
        "| dropout placement | setting | p | BN+DO | better single | BN+DO − better [95% CI] "
        "| Holm p (BN+DO better) | interaction contrast [95% CI] | ANOVA p (interaction) | "
        "no better? |", "|---|---|---|---|---|---|---|---|---|---|", *rows], verdicts)
    return Verdict("BD-3", NAME, stats.combine(list(verdicts.values())), effect.mean,
                   effect.ci_low, effect.ci_high, effect.n,
                   f"interaction contrast, dropout before BN, p={MAX_P} ({label(PRIMARY)})",
                   detail)


# ---------------------------------------------------------------- BD-4..BD-6

def decide_bd4(rs: RunSet) -> Verdict:
    bn = rs.table("batch_norm")
    if bn.empty:
        return missing("BD-4", NAME, "needs BN runs with the batch_norm probe")
    last = bn[bn.step == bn.groupby("grid").step.transform("max")]
    running = float(last.eval_vs_running.max())
    per_rep = last.groupby("replicate").eval_vs_batch.mean().to_numpy(float)
    eff = stats.mean_ci(per_rep)
    verdict = stats.decide(running <= RUNNING_TOL and eff.ci_low > BATCH_MIN,
                           running > BATCH_MIN or eff.ci_high < RUNNING_TOL)
    detail = (f"Over every BN layer of every BN run at its last evaluation: the eval-mode "
              f"output differs from a normalization by the running statistics written out "
              f"by hand by at most **{running:.2e}** (float32 rounding: ≤ {RUNNING_TOL:g}), "
              f"and from a normalization by the batch's own statistics by "
              f"**{eff.fmt(3)}** of the output's std (mean over layers and runs, per "
              f"replicate).")
    return Verdict("BD-4", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "eval-mode BN output vs batch-statistics output (mean |Δ| / std)", detail)


def decide_bd5(rs: RunSet) -> Verdict:
    do = rs.table("dropout")
    if do.empty:
        return missing("BD-5", NAME, "needs dropout runs with the dropout probe")
    last = do[do.step == do.groupby(["grid", "batch_norm", "width", "dropout",
                                     "dropout_placement"]).step.transform("max")]
    ratio = last.rel_error / last.mc_error
    per_run = ratio.groupby([last.preset, last.width, last.batch_norm, last.dropout,
                             last.dropout_placement]).mean()
    eff = stats.mean_ci(ratio.groupby(last.replicate).mean().to_numpy(float))
    verdict = stats.decide((per_run <= MC_OK).all(), (per_run > MC_BAD).any())
    detail = (f"Per dropout run, at its last evaluation: the mean of {100} train-mode "
              "dropout draws of the last hidden block's output vs its eval output, relative "
              "error in units of the Monte-Carlo error √(p/((1−p)·draws)): "
              f"max over runs {per_run.max():.2f}, min {per_run.min():.2f} (consistent with "
              f"E[train] = eval if ≤ {MC_OK}; a missing 1/(1−p) rescaling would give "
              "p/√(p/((1−p)·100)), e.g. 4.6 at p = 0.3).")
    return Verdict("BD-5", NAME, verdict, eff.mean, eff.ci_low, eff.ci_high, eff.n,
                   "dropout: |mean of train-mode outputs − eval output| / Monte-Carlo error",
                   detail)


def decide_bd6(rs: RunSet) -> Verdict:
    verdicts, rows, effect = {}, [], None
    for s in settings(rs):
        before = _final(rs, s, "test_acc", bn=True)
        after = _final(rs, s, "test_acc", bn=True, after=True)
        if not len(before) or not len(after):
            continue
        d = stats.mean_ci(after - before)
        up = stats.paired_pvalue(after, before, "greater")
        down = stats.paired_pvalue(after, before, "less")
        verdicts[label(s)] = stats.decide(up < stats.ALPHA, down < stats.ALPHA)
        rows.append(f"| {label(s)} | {np.mean(before):.3f} | {np.mean(after):.3f} | "
                    f"{d.fmt(3)} | {up:.3g} | {down:.3g} |")
        effect = effect or d
    if effect is None:
        return missing("BD-6", NAME, "needs BN before and after the activation")
    detail = _per_setting([
        "| setting | BN before ReLU | BN after ReLU | after − before [95% CI] | p (after "
        "better) | p (before better) |", "|---|---|---|---|---|---|", *rows], verdicts)
    return Verdict("BD-6", NAME, stats.combine(list(verdicts.values())), effect.mean,
                   effect.ci_low, effect.ci_high, effect.n,
                   f"test accuracy, BN after − before ReLU ({label(PRIMARY)})", detail)


# ---------------------------------------------------------------- figures and page

def _fig_interaction(rs: RunSet, out: Path) -> None:
    sets = settings(rs)
    fig, axes = plt.subplots(2, len(sets), figsize=(4.5 * len(sets), 7.5), squeeze=False,
                             sharey="col")
    for j, s in enumerate(sets):
        p = max(rates(rs, s), default=0.0)
        for i, placement in enumerate(("every", "last")):
            ax = axes[i, j]
            for bn, style in ((False, "o--"), (True, "s-")):
                ys = [_final(rs, s, "test_acc", bn=bn),
                      _final(rs, s, "test_acc", bn=bn, p=p, placement=placement)]
                eff = [stats.mean_ci(y) for y in ys]
                ax.errorbar([0, 1], [e.mean for e in eff],
                            yerr=[[e.mean - e.ci_low for e in eff],
                                  [e.ci_high - e.mean for e in eff]],
                            fmt=style, capsize=4, label="BN" if bn else "no BN")
            ax.set(xticks=[0, 1], xticklabels=["no dropout", f"dropout {p:g}"],
                   title=f"{label(s)}, dropout {placement}", ylabel="test accuracy")
            ax.legend(fontsize=8)
    fig.suptitle("Interaction plot: parallel lines = no interaction (mean, 95% CI)")
    fig.tight_layout()
    fig.savefig(out / "interaction.png", dpi=110)
    plt.close(fig)


def _fig_variance_shift(rs: RunSet, out: Path) -> None:
    bn = rs.table("batch_norm")
    if bn.empty:
        return
    last = bn[(bn.step == bn.groupby("grid").step.transform("max"))
              & (bn.layer == bn.layer.max()) & ~bn.bn_after_activation.astype(bool)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (preset, width, placement), g in last.groupby(["preset", "width",
                                                       "dropout_placement"]):
        means = g.groupby("dropout").var_shift.agg(["mean", "std", "count"])
        half = 1.96 * means["std"] / np.sqrt(means["count"])
        ax.errorbar(means.index, means["mean"], yerr=half, marker="o", capsize=3,
                    label=f"{preset.removeprefix('bn_')} w{width}, dropout {placement}")
    ax.axhline(1, color="grey", ls=":")
    ax.set(xlabel="dropout rate p", ylabel="running var / eval-time input var",
           title="Variance shift at the last BN layer (Li et al. 2019)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "variance_shift.png", dpi=110)
    plt.close(fig)


def _fig_curves(rs: RunSet, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, metric in zip(axes, ("test_acc", "train_acc"), strict=True):
        for name, kw in (("plain", {"bn": False}), ("BN", {"bn": True}),
                         (f"dropout {MAX_P}", {"bn": False, "p": MAX_P}),
                         (f"BN + dropout {MAX_P}", {"bn": True, "p": MAX_P})):
            c = cell(rs, PRIMARY, table="curves", **kw)
            if not c.empty:
                band_frame(ax, c, "step", metric, name)
        ax.set(title=f"{label(PRIMARY)}: {metric.replace('_', ' ')}", xlabel="step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "learning_curves.png", dpi=110)
    plt.close(fig)


def _table(rs: RunSet) -> str:
    fin = rs.final
    g = fin.groupby(["preset", "width", "batch_norm", "bn_after_activation", "dropout",
                     "dropout_placement"])
    tab = g[["test_acc", "train_acc"]].mean().reset_index()
    lines = ["| task | width | BN | BN after act | p | placement | test acc | train acc |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in tab.iterrows():
        place = r.dropout_placement if r.dropout > 0 else "–"
        lines.append(f"| {r.preset.removeprefix('bn_')} | {r.width} | {r.batch_norm} | "
                     f"{r.bn_after_activation} | {r.dropout:g} | {place} | "
                     f"{r.test_acc:.3f} | {r.train_acc:.3f} |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    if rs.final.empty:
        return "No finished runs yet: run `make run-all` (or the sweep command above)."
    _fig_interaction(rs, out)
    _fig_variance_shift(rs, out)
    _fig_curves(rs, out)
    return f"""## Figures

![interaction plot](interaction.png)

![variance shift](variance_shift.png)

Li et al. predict a ratio away from 1 when dropout feeds BN (placement "every") and ≈ 1
when dropout comes only after the last BN ("last").

![learning curves](learning_curves.png)

## Every condition (mean over replicates)

{_table(rs)}
"""


EXPERIMENT = Experiment(
    name=NAME,
    title="Batch norm × dropout: together better, or worse than either alone?",
    original="""No 2018 original. Li, Chen, Hu, Yang, "Understanding the Disharmony between
Dropout and Batch Normalization by Variance Shift" (CVPR 2019): with dropout before a BN
layer, the unit's variance at test time (no dropout) differs from the running variance
BN accumulated in training, so BN normalizes test data wrongly and accuracy drops;
placing dropout only after the last BN layer (or using a variance-stable dropout) avoids
it. The seeds' claims (004, 001, 000) summarize this as "BN and dropout together are no
better, maybe worse, than either alone".""",
    claims=[
        Claim(
            "BD-1", "004", "BN…主要作用是加速训练收敛,防止过拟合",
            "BN alone speeds convergence (fewer steps to a target) and reduces the "
            "train–test gap.",
            "plain vs BN (no dropout): digits at widths 32 and 128, Gaussian mixture at 32",
            "Per setting: steps to the preset's held-out target (never = ∞) by one-sided "
            "paired sign tests; gap (train − test accuracy) by one-sided paired t-tests; "
            "Holm over the two. Supported if BN is significantly faster and narrower; "
            "refuted if significantly slower or wider; else inconclusive. Overall: all "
            "settings agree, or mixed.",
            decide_bd1),
        Claim(
            "BD-2", "004", "Dropout…以提高模型的泛化能力,减少过拟合",
            "Dropout alone reduces the train–test gap.",
            "plain vs dropout after every block (no BN), p ∈ {0.1, 0.3, 0.5} on digits, "
            "0.3 on the Gaussian mixture",
            "Per setting: gap reduction at each p, one-sided paired t-tests, Holm over p. "
            "Supported if every p reduces the gap; refuted if some p widens it; else "
            "inconclusive. Overall: all settings agree, or mixed.",
            decide_bd2),
        Claim(
            "BD-3", "004",
            "BN和Dropout…一起使用的话并不会产生1+1>2的效果,相反可能会得到比单独使用更差的效果",
            "BN+dropout together is no better than the better of the two alone, and may "
            "be worse: the interaction contrast is ≤ 0. Mechanism (Li et al., CVPR 2019, "
            "variance shift): dropout before BN makes BN's running variance mismatch the "
            "eval-time variance.",
            "every 2×2 cell {BN off/on} × {dropout off/on at p}, per dropout placement "
            "(before BN in every block / only after the last BN), per task and width",
            "Per placement, per cell: BN+DO minus the better single (higher mean of BN "
            "alone and dropout alone) in test accuracy, paired. 'No better' if its 95% CI "
            f"upper bound is below +{MARGIN}; 'better' if one-sided paired t-tests, Holm "
            "over the placement's cells, say so. Supported for a placement if every cell is "
            "no better; refuted if any is better; else inconclusive. Overall: both "
            "placements agree, or mixed. The interaction contrast (bootstrap CI), a "
            "two-way ANOVA with replicate blocks, and the variance-shift probe are reported "
            "beside it.",
            decide_bd3),
        Claim(
            "BD-4", "004", "测试阶段,可以根据训练数据…得到全局的均值和方差",
            "In eval mode BN normalizes with the running (global) statistics, not the "
            "batch's.",
            "every BN run, batch_norm probe at the last evaluation",
            f"Supported if eval outputs equal the running-statistics normalization written "
            f"out by hand (max |Δ| ≤ {RUNNING_TOL:g}) and differ from the batch-statistics "
            f"one (95% CI of mean |Δ|/std above {BATCH_MIN:g}); refuted if they differ from "
            f"the running one by more than {BATCH_MIN:g} or match the batch one; else "
            "inconclusive.",
            decide_bd4),
        Claim(
            "BD-5", "004", "在测试的时候没有神经元被丢弃,因此输出值需要按dropout比率缩小",
            "At test time no unit is dropped and outputs must be rescaled; with inverted "
            "dropout the train-time expectation equals the eval output.",
            "every dropout run, dropout probe at the last evaluation",
            "Per run, the error of the mean of 100 train-mode dropout draws against the eval "
            f"output, in Monte-Carlo error units. Supported if ≤ {MC_OK} in every run "
            f"(E[train] = eval); refuted if > {MC_BAD} in some run; else inconclusive.",
            decide_bd5),
        Claim(
            "BD-6", "001", "倾向于把BN放在ReLU后面…BN放ReLU后面效果更好",
            "BN after ReLU gives better test accuracy than BN before ReLU.",
            "BN before vs after the ReLU, no dropout: digits at widths 32 and 128, "
            "Gaussian mixture at 32",
            "Per setting: one-sided paired t-tests on final test accuracy, after − before. "
            "Supported if after is significantly better, refuted if before is, else "
            "inconclusive. Overall: all settings agree, or mixed.",
            decide_bd6),
    ],
    report=report,
)

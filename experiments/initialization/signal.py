"""IN-3a, IN-3b, IN-4: the signal's scale across depth at initialization, as slopes over
the hidden layers of the deep grid (log10 per layer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.initialization.schemes import NAME, init_of, with_scheme
from harness.core import stats
from harness.judge.claims import Claim, Settings
from harness.judge.families import Equivalent, EveryMember
from harness.judge.measures import Factor, Measure
from harness.judge.table import Table
from harness.track.results import RunSet, dataset_of

# log10 per layer, declared from "roughly constant" before any run: a change by more than
# 10^(0.03·20) ≈ 4× over the 20 layers, well inside one order of magnitude where
# vanishing/exploding compounds to many, is growth or decay (IN-3a/b); within it the
# scale is roughly constant (IN-4's margin).
TAU = 0.03
ACTIVATIONS = ("sigmoid", "tanh", "relu")
BIG, SMALL = "normal σ=1", "normal σ=0.01"  # IN-3a's too large / IN-3b's too small inits
# Xavier × 1/σ'(0) = 4 for sigmoid undoes its slope 1/4 at 0 but NOT its mean 1/2: that
# offset gives each next-layer unit its own fixed pre-activation offset (variance ≈
# gain²·fan_in·Var(w)/4 across units), pushing it into saturation (slope below 1/4), so
# the per-unit spread still shrinks. A numpy re-simulation of the deep grid at init
# (width 64, depth 20): −0.20 log10 per layer at ×4, −0.12 at ×6, −0.07 at ×8, −0.05 at
# ×10. No gain makes sigmoid roughly constant: the ×4 grid is a shown contrast, not a
# setting of IN-4.
SIGMOID_GAIN = 4.0
MATCHED = {"tanh": "xavier", "relu": "he"}  # variance-preserving (zero-mean units only)
# IN-3a/b: 0.02 log10 per layer beyond +TAU (a further 2.5× over 20 layers). SD: tanh
# N(0,1) gradient growth, 95% CI [0.311, 0.325] -> 0.011 (tanh activation-std slope
# 0.0094, gradient decay 0.0063; the per-unit spread IN-3b reads had no pilot, so the
# pooled std's SD stands in for it).
IN3_MIN, IN3_SD = 0.02, 0.011
# IN-4: the margin TAU. SD: tanh+xavier gradient growth, 90% CI [−0.031, −0.019] ->
# 0.0116 (activation-std slope 0.0039).
IN4_MIN, IN4_SD = TAU, 0.0116


def layer_slopes(rs: RunSet) -> pd.DataFrame:
    """Per run and replicate at step 0, with its ``dataset``: the least-squares slopes over
    the hidden layers of log10 act_unit_std (``act_slope``: < 0 shrinks forward) and of
    log10 grad_out_norm (``grad_growth`` = −slope: > 0 explodes towards the input). A value
    exactly 0 even in the float64 probes (zero init; sigmoid's 1/2 + a spread below its
    resolution) carries no rate: left out of the fit (NaN with under two layers left)."""
    ls = rs.sel("layer_stats", preset="deep")
    keys = ["activation", "scheme", "depth", "replicate"]
    if ls.empty:
        return pd.DataFrame(columns=[*keys, "act_slope", "grad_growth", "dataset"])
    ls = ls[ls.step == 0]
    ls = with_scheme(ls[ls.layer <= ls.depth])  # hidden layers only (depth+1 = logits)
    x = ls.layer.to_numpy(float)
    cols = {}
    for name, col in (("a", "act_unit_std"), ("g", "grad_out_norm")):
        v = ls[col].to_numpy(float)
        ok = (v > 0).astype(float)  # a measurable signal
        y = np.log10(np.where(v > 0, v, 1.0))
        cols |= {f"n{name}": ok, f"x{name}": x * ok, f"xx{name}": x * x * ok,
                 f"y{name}": y * ok, f"xy{name}": x * y * ok}
    sums = pd.DataFrame(cols).groupby([ls[k].to_numpy() for k in keys]).sum()

    def slope(n: str) -> pd.Series:
        m = sums[f"n{n}"]
        sxx = (sums[f"xx{n}"] - sums[f"x{n}"] ** 2 / m).where(m >= 2)
        return (sums[f"xy{n}"] - sums[f"x{n}"] * sums[f"y{n}"] / m) / sxx

    out = pd.DataFrame({"act_slope": slope("a"), "grad_growth": -slope("g")})
    out.index.names = keys
    out = out.reset_index()
    return out.assign(dataset=dataset_of(rs.sel(preset="deep"), out.replicate.to_numpy()))


def deepest_slopes(rs: RunSet) -> tuple[pd.DataFrame, int]:
    """layer_slopes of the deepest nets of the deep grid (IN-3a/b and IN-4 read those)."""
    sl = layer_slopes(rs)
    depth = int(sl.depth.max()) if len(sl) else 0
    return sl[sl.depth == depth], depth


def _slopes_of(sl: pd.DataFrame, activation: str, init: str) -> pd.DataFrame:
    return sl[(sl.activation == activation) & (sl.scheme == init)].sort_values("replicate")


def layer_runs(slopes: pd.DataFrame) -> RunSet:
    """Deep-grid runs at depth 20 whose fitted slopes are ``slopes``' (a row per
    activation, scheme and replicate: act_slope, grad_growth, dataset), as exact
    log-linear layer profiles."""
    layers = np.arange(1, 22)  # layer 21: the logits (the rules skip it)
    init, std, gain = zip(*map(init_of, slopes.scheme), strict=True)
    final = pd.DataFrame({
        "preset": "deep", "grid": "deep", "activation": slopes.activation.to_numpy(),
        "init": init, "init_std": std, "init_gain": gain, "depth": 20,
        "replicate": slopes.replicate.to_numpy(), "dataset": slopes.dataset.to_numpy(float)})
    row, layer = np.repeat(np.arange(len(final)), layers.size), np.tile(layers, len(final))
    ls = final.iloc[row].assign(
        step=0, layer=layer,
        act_unit_std=10.0 ** (slopes.act_slope.to_numpy(float)[row] * layer),
        grad_out_norm=10.0 ** -(slopes.grad_growth.to_numpy(float)[row] * layer))
    axes = ["preset", "activation", "init", "init_std", "init_gain", "depth"]
    return RunSet.from_tables(NAME, axes, final, layer_stats=ls)


@dataclass(frozen=True)
class DeepSlopes(Measure):
    """Slopes over the hidden layers at initialization at the largest depth of the deep
    grid (:func:`layer_slopes`): one member per ``columns`` entry (``act_slope`` or
    ``grad_growth``, a leading "-" for the negated slope: decay), per activation under
    the init ``inits`` names for it."""

    label: str = "log10 per layer at the largest depth, at initialization"
    grid: str | tuple[str, ...] | None = ("deep", "deep_normal", "deep_sigmoid_gain")
    by: str = "activation"
    columns: tuple[str, ...] = ()  # per factor level
    inits: tuple[tuple[str, str], ...] = ()  # (activation, scheme)

    def rows(self, rs: RunSet) -> pd.DataFrame:
        sl, _ = deepest_slopes(rs)
        frames = []
        for act, init in self.inits:
            v = _slopes_of(sl, act, init)
            for level, col in zip(self.factor.levels, self.columns, strict=True):
                value = -v[col[1:]] if col.startswith("-") else v[col]
                frames.append(pd.DataFrame({
                    self.by: act, self.factor.column: level, "replicate": v.replicate,
                    "dataset": v.dataset, "value": value.to_numpy(float)}))
        return pd.concat(frames, ignore_index=True)  # every measure names some inits

    def value_column(self) -> str:
        return "value"

    def synthesize(self, tables: dict[str, Table]) -> RunSet:
        """Exact log-linear layer profiles whose slopes are the tables' values (a slope
        no member reads is 0), the settings in the tables' order (the fit's sums follow
        the row order)."""
        rows = self._long(tables, "value")
        wide = rows.pivot(index=[self.by, "replicate", "dataset"], columns=self.factor.column,
                          values="value").reindex(pd.unique(rows[self.by]), level=self.by)
        slopes = pd.DataFrame({"act_slope": 0.0, "grad_growth": 0.0}, index=wide.index)
        for level, col in zip(self.factor.levels, self.columns, strict=True):
            if level in wide:
                slopes[col.lstrip("-")] = (-1.0 if col.startswith("-") else 1.0) * wide[level]
        slopes = slopes.reset_index()
        return layer_runs(slopes.assign(scheme=slopes[self.by].map(dict(self.inits))))

    def selection(self, settings: tuple[str, ...]) -> dict[str, list]:
        init = dict(self.inits)
        return {"preset": ["deep"], "model.activation": list(settings),
                "model.init": sorted({init_of(init[a])[0] for a in settings if a in init})}

    def describe(self) -> str:
        return ("the least-squares slope over the hidden layers of log10 per-unit activation "
                "spread (act_slope) or of log10 gradient norm (grad_growth = −slope: growth "
                "towards the input), per replicate at initialization at the largest depth "
                "(float64 probes), log10 per layer, negated for a decay")


@dataclass(frozen=True)
class MatchedSlopes(DeepSlopes):
    """IN-4's slopes under each activation's variance-preserving init, with sigmoid's
    contrast beside them (plain Xavier and Xavier × SIGMOID_GAIN)."""

    def context(self, rs: RunSet, judged: tuple[str, ...]
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        sl, depth = deepest_slopes(rs)
        contrast = []
        for init in ("xavier", f"xavier ×{SIGMOID_GAIN:g}"):
            v = _slopes_of(sl, "sigmoid", init)
            for what, col in (("activation spread slope", "act_slope"),
                              ("gradient growth", "grad_growth")):
                if len(v):
                    e = stats.mean_ci(v[col], clusters=v.dataset)
                    contrast.append({"init": init, "slope": what, "mean": e.mean,
                                     "CI low": e.ci_low, "CI high": e.ci_high,
                                     "factor per layer": 10 ** e.mean,
                                     "factor over the layers": 10 ** (e.mean * depth)})
        if not contrast:
            return {}, []
        frame = pd.DataFrame(contrast)
        tables = {"Sigmoid, shown not judged: plain Xavier and Xavier × "
                  f"{SIGMOID_GAIN:g} (1/σ'(0)), log10 per layer": frame}
        gain, plain = frame[frame.init != "xavier"], frame[frame.init == "xavier"]
        if not len(gain) or not len(plain):
            return tables, []
        return tables, [
            f"Measured under Xavier × {SIGMOID_GAIN:g} (sigmoid, depth {depth}): "
            f"{gain.iloc[0]['mean']:+.3f} log10 per layer for the activation spread and "
            f"{gain.iloc[-1]['mean']:+.3f} for the gradient (plain Xavier: "
            f"{plain.iloc[0]['mean']:+.3f}), far outside ±{TAU}."]


IN3A_MEASURE = DeepSlopes(
    Factor("slope", ("gradient growth towards the input",), "member"),
    label=f"{BIG} gradient growth, log10 per layer at the largest depth", grid="deep_normal",
    columns=("grad_growth",), inits=tuple((a, BIG) for a in ACTIVATIONS))
IN3B_MEASURE = DeepSlopes(
    Factor("slope", ("gradient decay towards the input",
                     "per-unit activation spread, decay with depth"), "member"),
    label=f"{SMALL} decay, log10 per layer at the largest depth", grid="deep_normal",
    columns=("-grad_growth", "-act_slope"), inits=tuple((a, SMALL) for a in ACTIVATIONS))
IN4_MEASURE = MatchedSlopes(
    Factor("slope", ("activation spread slope", "gradient growth"), "member"),
    label="slope under the matched init (tanh xavier, relu he), log10 per layer at the "
          "largest depth", grid=("deep", "deep_sigmoid_gain"),
    columns=("act_slope", "grad_growth"),
    inits=(*MATCHED.items(), ("sigmoid", f"xavier ×{SIGMOID_GAIN:g}")))

IN3A = Claim(
    "IN-3a", "004",
    "梯度爆炸:由于初始化权值过大,前面层会比后面层变化的更快,就会导致"
    "权值越来越大,梯度爆炸的现象就发生",
    "Too-large init (N(0,1) at width 64, 8× Xavier's scale) makes the backpropagated "
    "gradient grow layer by layer towards the input (explode).",
    measure=IN3A_MEASURE, rule=EveryMember("positive", null=TAU),
    quantifier="all", settings=Settings("tanh", ("sigmoid", "relu")),
    notes=(f"Null +{TAU} log10 per layer: a 4× change over 20 layers.",
           "The seed frames vanishing and exploding gradients with sigmoid. In sigmoid itself "
           "a too-large init does not explode (its row of the members table): large "
           "pre-activations saturate the units (σ' → 0), which shrinks the gradient "
           "instead; exploding needs an activation with slope near 1 (tanh, relu)."),
    parent="IN-3", min_effect=IN3_MIN, pilot_sd=IN3_SD, null_value=TAU,
    revision="Split from IN-3 after the seed-0 run, with its data in view (de603cc): IN-3 "
             "needed, per activation (tanh primary), N(0,1) gradient growth and N(0,0.01²) "
             f"gradient and activation-std decay all above +{TAU:g} log10 per layer, and "
             "gave mixed: tanh supported (N(0,1) growth 0.326 [0.321, 0.330]), relu "
             "supported, sigmoid refuted (N(0,0.01²) activation-std decay 0.0037 [0.0031, "
             "0.0044]; N(0,1) growth −0.070 [−0.076, −0.063]). IN-3a keeps the N(0,1) "
             "gradient-growth member alone, the probes now in float64; it gives mixed too "
             "(sigmoid fails that member). Why (de603cc): exploding under a too-large init "
             "and vanishing under a too-small one are two claims, each now quoting its own "
             "sentence of seed 004 (IN-3 quoted only the exploding one).")
IN3B = Claim(
    "IN-3b", "004",
    "两个0到1之间的数相乘,得到的结果就会变得很小了…最终就会变为0,"
    "从而导致层数比较浅的权重没有更新,这就是梯度消失",
    "Too-small init (N(0,0.01²), 12× below Xavier's scale) makes the input-dependent "
    "signal (each unit's spread across inputs) shrink layer by layer forward and the "
    "gradient shrink layer by layer towards the input (vanish).",
    measure=IN3B_MEASURE, rule=EveryMember("positive", null=TAU),
    quantifier="primary", settings=Settings("sigmoid", ("tanh", "relu")),
    notes=(f"Null +{TAU} log10 per layer: a 4× change over 20 layers; the per-unit "
           "activation spread is each unit's std across the probe inputs, RMS over units "
           "(float64 probes).",),
    parent="IN-3", min_effect=IN3_MIN, pilot_sd=IN3_SD, null_value=TAU,
    revision="Split from IN-3 after the seed-0 run, with its data in view (de603cc): IN-3 "
             "(tanh primary) needed N(0,1) gradient growth and N(0,0.01²) gradient and "
             f"activation-std decay all above +{TAU:g} log10 per layer, and gave mixed "
             "(tanh and relu supported; sigmoid refuted by the N(0,0.01²) activation-std "
             "decay, 0.0037 [0.0031, 0.0044]). IN-3b keeps the two N(0,0.01²) members, "
             "the pooled activation std replaced by each unit's spread across the inputs "
             "(RMS over units), the probes in float64, and sigmoid as primary instead of "
             "tanh: sigmoid, refuted there, is supported here (1.58 [1.56, 1.61]). Why "
             "(de603cc, the layer probe's docstring): vanishing is its own claim, with its "
             "own sentence of seed 004, about sigmoid; a per-unit offset such as "
             "sigmoid's (outputs centred on 1/2) inflates the pooled std and hides a "
             "signal that vanishes.")
IN4 = Claim(
    "IN-4", "004", "2、选择合适的参数初始化方法 (against vanishing/exploding gradients)",
    "The variance-preserving init of each activation keeps the per-unit activation spread "
    "and the gradient scale roughly constant with depth: Xavier for tanh, He for ReLU. "
    "'Roughly constant': within ±0.03 log10 per layer (a factor 4 over 20 layers), "
    "declared before the runs. The claim is narrowed to activations that have a "
    "variance-preserving init: sigmoid has none (its outputs' mean 1/2 is not preserved "
    "by any gain; Xavier × 4 still shrinks the spread), so it is shown, not judged.",
    measure=IN4_MEASURE, rule=Equivalent(margin=TAU),
    quantifier="all", settings=Settings("tanh", ("relu",), shown={
        "sigmoid": f"no init preserves it (Xavier × {SIGMOID_GAIN:g} = 1/σ'(0) undoes "
                   "sigmoid's slope 1/4 at 0 but not its mean 1/2, which every unit passes "
                   "on as a fixed offset to the next layer's units and pushes them into "
                   "saturation, so the spread still shrinks); Xavier's variance argument "
                   "assumes zero-mean units (tanh), He's half-rectified ones (ReLU)"}),
    notes=("Scope: narrowed to activations that have a variance-preserving init (tanh: "
           f"Xavier, ReLU: He); sigmoid is shown under Xavier × {SIGMOID_GAIN:g}, and "
           "plain Xavier beside it.",),
    min_effect=IN4_MIN, pilot_sd=IN4_SD, null_value=0.0, equivalence_margin=TAU,
    revision="Changed after the seed-0 run: sigmoid is no longer a setting (shown, not "
             "judged); tanh + Xavier and ReLU + He decide. The earlier rule gave mixed: "
             "sigmoid + Xavier × 4 refuted at −0.206 log10 per layer. Review finding: no "
             "gain preserves sigmoid's mean 1/2, so the quote's 'appropriate init' has no "
             "sigmoid instance to test.")

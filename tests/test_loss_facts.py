"""The loss-facts searches: each serves every member its claims judge, the known
counterexamples are found, the formulas agree with the libraries (and the libraries'
conventions are the ones the searches assume)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from omegaconf import OmegaConf
from scipy.spatial.distance import jensenshannon
from torch import nn

from experiments.loss_facts import EXPERIMENT
from experiments.loss_facts.accuracy import LS4
from harness.core import stats
from harness.judge.table import Table
from harness.train.trainer import focal_loss
from tasks.loss_facts import (
    accuracy,
    convexity,
    divergences,
    focal,
    saturation,
    softmax,
    surrogates,
)
from tasks.loss_facts.common import AUTOGRAD_ERROR, TOL


def config(replicates: int = 8):
    return OmegaConf.create({"trainer": {"replicates": replicates, "seed": 0}})


@pytest.fixture(scope="module")
def chunks() -> dict[str, object]:
    """Chunk 0 of every search (of 8)."""
    tasks = {c.measure.task for c in EXPERIMENT.claims}
    out = {}
    for task in tasks:
        module, name = task.rsplit(".", 1)
        search = getattr(__import__(module, fromlist=[name]), name)
        out[task] = search(config(), 0, np.random.default_rng(0))
    return out


def test_every_judged_member_has_a_finite_row_in_every_judged_setting(chunks):
    for claim in EXPERIMENT.claims:
        rows = chunks[claim.measure.task]
        rows = rows[rows.part == claim.id]
        for setting in claim.settings.every:
            members = claim.rule.for_setting(setting).reads(claim)
            got = rows[rows.setting == setting].set_index("member").value
            assert all(np.isfinite(got[m]) for m in members), (claim.id, setting)


def test_the_logistic_loss_in_natural_log_is_below_the_0_1_loss_at_the_margin_0():
    rows = surrogates.ls8(config(), 0, np.random.default_rng(0)).set_index(
        ["setting", "member"]).value
    assert rows["logistic, ln", surrogates.BOUND] == pytest.approx(1 - math.log(2))
    assert rows["cross-entropy, ln", surrogates.BOUND] == pytest.approx(1 - math.log(2), 1e-3)
    assert rows["logistic, log₂", surrogates.BOUND] <= 0
    assert rows["hinge", surrogates.TOUCH] == 0


def test_js_in_bits_is_scipys_squared_distance_in_base_2_not_its_default():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(7), 2)
    assert divergences.js(p, q) == pytest.approx(jensenshannon(p, q, base=2) ** 2, rel=1e-12)
    assert divergences.js(p, q, math.e) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-12)
    disjoint = np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.3, 0.7])
    assert divergences.js(*disjoint) == pytest.approx(1.0)


def test_kl_div_takes_log_q_first_and_computes_kl_of_the_target_from_it():
    p, q = np.array([0.9, 0.05, 0.05]), np.array([0.2, 0.3, 0.5])
    torch_kl = float(F.kl_div(torch.tensor(np.log(q)), torch.tensor(p), reduction="sum"))
    assert torch_kl == pytest.approx(divergences.kl(p, q), rel=1e-14)
    assert abs(torch_kl - divergences.kl(q, p)) > 0.1


def test_autograd_errors_score_inconclusive_and_a_differentiable_step_would_refute():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3)).double()
    x, y = torch.randn(50, 4, dtype=torch.float64), torch.randint(0, 3, (50,))
    assert accuracy.nonzero_grad(model, x, y)[0] == 0
    assert accuracy.nonzero_grad(model, x, y, accuracy.heaviside_step)[0] == AUTOGRAD_ERROR
    assert accuracy.nonzero_grad(model, x, y, torch.sigmoid)[0] > 1
    rule, levels = LS4.rule, accuracy.JUDGED
    for score, verdict in ((0.0, stats.SUPPORTED), (AUTOGRAD_ERROR, stats.INCONCLUSIVE),
                           (1.0, stats.REFUTED)):
        table = Table(levels, np.array([[0.0, score, 0.0]] * 4), np.arange(4))
        assert rule.decide(table).verdict == verdict


def test_the_naive_softmax_breaks_where_the_dtype_says_and_the_reference_is_exact():
    for name, dtype in softmax.DTYPES.items():
        at = softmax.threshold(lambda t, d=dtype: bool(torch.isinf(torch.exp(t.to(d)))), dtype)
        assert at == pytest.approx(math.log(np.finfo(name).max), rel=1e-6)
    x = np.random.default_rng(2).normal(0, 30, (20, 10))
    ref = softmax.reference(x)
    assert np.allclose(ref, torch.log_softmax(torch.tensor(x), -1).numpy(), rtol=1e-14,
                       atol=1e-14)
    assert np.allclose(softmax.reference(np.zeros((1, 4))), -math.log(4))


def test_autograd_second_derivatives_match_the_closed_forms():
    w = torch.linspace(-10, 10, 201, dtype=torch.float64)
    s = torch.sigmoid(w)
    got = convexity.second_derivatives(w)
    assert torch.allclose(got[convexity.MSE_1D], 2 * s * (1 - s) ** 2 * (3 * s - 1),
                          atol=1e-15)
    assert torch.allclose(got[convexity.CE_1D], s * (1 - s), atol=1e-15)


def test_the_two_timed_forms_compute_the_same_log_probabilities():
    """LS-5b times like against like: log(softmax), and the hand-written form shown beside
    them, equal log_softmax where none breaks."""
    x = 3 * torch.randn(64, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    first, *others = [f(x) for f in softmax.FORMS.values()]
    assert all(torch.allclose(first, o, rtol=1e-12, atol=1e-12) for o in others)
    # the ratio's order, then the hand-written form (shown)
    assert list(softmax.FORMS) == ["log_softmax", "log(softmax)", "log(exp(x)/Σexp(x))"]


def test_the_timing_rows_are_ratios_of_positive_cpu_times(chunks):
    rows = chunks["tasks.loss_facts.softmax.ls5b"]
    assert (rows.part == "LS-5b").all() and (rows.value > 0).all()
    assert set(rows.setting) == set(softmax.DTYPES)
    # per dtype and shape: the CPU and wall ratios, CPU / wall, and three forms' seconds
    assert len(rows) == len(softmax.DTYPES) * len(softmax.SHAPES) * 6


def test_focal_loss_is_a_quarter_of_cross_entropy_at_one_half_but_its_gradient_is_not():
    found = focal.check(np.zeros(1), np.ones(1), 2.0)
    assert found["ratio"][0] == pytest.approx(0.25, abs=1e-15)  # "减少了0.25倍": × 0.25
    assert found["grad ratio"][0] == pytest.approx(0.5 * (0.5 + math.log(2)), rel=1e-12)
    assert found[focal.LOSS] < 1e-15 and found[focal.GRAD] < 1e-15


def test_a_focal_loss_with_the_wrong_power_is_found_on_the_grid():
    z = np.linspace(-30, 30, 101)
    wrong = np.array([0.2, 0.8])
    assert focal.check(z, wrong, 2.0)[focal.LOSS] < TOL
    found = focal.check(z, wrong, 2.0, lambda x, y, g: focal_loss(x, y, g / 2))
    assert found[focal.LOSS] > 0.1 and found[focal.GRAD] > 0.01


def test_the_sigmoid_gradients_are_the_error_and_2e2_1_minus_e():
    z = np.linspace(-16, 16, 321)
    e = 1 / (1 + np.exp(z))
    g = saturation.gradients(z, None)
    # σ(z) − 1 holds p to ~1e-16 absolute: relative accuracy falls as e does
    assert np.allclose(g["ce"].numpy(), e, rtol=0, atol=1e-15)
    assert np.allclose(g["mse"].numpy(), 2 * e**2 * (1 - e), rtol=1e-6, atol=0)


def test_the_squared_errors_gradient_levels_off_on_softmax_but_its_true_logit_entry_vanishes():
    rows = saturation.ls1(config(), 0, np.random.default_rng(0)).set_index(
        ["setting", "member"]).value
    sig, soft = saturation.SIGMOID, saturation.SOFTMAX
    assert rows[sig, saturation.MSE_PEAK] == pytest.approx(2 / 3, abs=0.01)
    assert rows[sig, saturation.MSE_VANISHES] < saturation.VANISH
    assert rows[soft, saturation.MSE_VANISHES] > 0.01  # uneven wrong classes: no vanishing
    assert rows[soft, saturation.TRUE_VANISHES] < saturation.VANISH
    assert rows[sig, saturation.MSE_FALLS] < 0 < rows[sig, saturation.MSE_RISES]


def test_rises_reads_neighbours_inside_the_range_only():
    e = np.array([0.1, 0.2, 0.3, 0.6, 0.95, 0.99])
    g = np.array([1.0, 2.0, 3.0, 1.0, 0.5, 0.25])
    assert np.allclose(saturation.rises(g, e, 0, 0.5), [1.0, 0.5])
    assert np.allclose(saturation.rises(g, e, 0.9, 1), [-0.5])

"""The convolution and box-loss searches (experiments/convolutions): each finds what its
claim declares, its helpers tell a wrong answer from a right one, and the seed's IoU code
fails where reading it says it should."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from torch import nn

from experiments.convolutions import EXPERIMENT
from harness.train.schema import load_search
from tasks.convolutions import boxes, searches, seed_iou


@pytest.mark.parametrize("claim", EXPERIMENT.claims[1:], ids=lambda c: c.id)
def test_a_chunk_of_each_search_gives_the_claims_settings_and_members(claim):
    """CV-1's own search is tested in tests/test_search.py."""
    cfg = OmegaConf.create({"trainer": {"replicates": 8}})
    rows = load_search(claim.measure.task)(cfg, 0, np.random.default_rng(0))
    assert set(rows.setting) == set(claim.settings.every)
    assert set(rows.member) == set(claim.measure.factor.levels)
    assert rows.value.notna().all() and (rows.points > 0).all()


def test_a_receptive_field_off_the_square_is_counted():
    g = torch.Generator().manual_seed(0)
    three = searches.randomized(searches.conv(4, 3), g)
    assert searches.off_field(three, 4, 3) == 0
    assert searches.off_field(three, 4, 5) == 5 * 5 - 3 * 3
    dilated = searches.randomized(nn.Conv2d(4, 4, 3, padding=2, dilation=2), g)
    assert searches.off_field(dilated, 4, 5) == 5 * 5 - 3 * 3  # holes in its 5×5 field


def test_the_affinity_defect_is_rounding_for_a_conv_and_large_with_a_relu():
    g = torch.Generator().manual_seed(0)
    shape = (1, 8, 9, 9)
    alone = searches.randomized(searches.factored(8, 3), g)
    relu = searches.randomized(searches.factored(8, 3, nn.ReLU), g)
    assert searches.affinity_defect(alone, shape, g) < searches.ROUNDING
    assert searches.affinity_defect(relu, shape, g) > 1e-3


def test_the_formulas_give_the_textbook_values_on_unit_boxes():
    o = boxes.overlaps(*(torch.tensor([b], dtype=torch.float64)
                         for b in ([0, 0, 1, 1], [2, 0, 3, 2])))
    assert o["iou"].item() == 0
    assert o["giou"].item() == pytest.approx((3 * 2 - 3) / (3 * 2))  # |C| = 6, |P ∪ G| = 3
    assert o["diou"].item() == pytest.approx((2 ** 2 + 0.5 ** 2) / (3 ** 2 + 2 ** 2))
    v = 4 / math.pi ** 2 * (math.atan(1 / 2) - math.atan(1)) ** 2
    assert o["ciou"].item() == pytest.approx(v * v / (1 + v))


def test_the_seeds_diou_is_right_on_its_demo_and_wrong_with_the_boxes_swapped():
    box1, box2 = seed_iou.DEMOS["DIOU_score"]
    want = boxes.formula_scores(np.array([box1, box2], float), np.array([box2, box1], float))
    assert seed_iou.DIOU_score(box1, box2)[0] == pytest.approx(want["DIOU_score"][0], abs=1e-12)
    assert abs(seed_iou.DIOU_score(box2, box1)[0] - want["DIOU_score"][1]) > 0.1


def test_the_seeds_ciou_divides_by_a_zero_height():
    with pytest.raises(ZeroDivisionError):
        seed_iou.CIOU_score([10, 10, 50, 10], [20, 20, 60, 70])


def test_disjoint_pairs_are_disjoint_and_far_pairs_keep_the_bound():
    p, g = boxes.disjoint(np.random.default_rng(1), 1000)
    gap = np.maximum(p[:, :2], g[:, :2]) - np.minimum(p[:, 2:], g[:, 2:])
    assert (gap > 0).any(1).all()
    o = boxes.overlaps(*(torch.tensor([b], dtype=torch.float64)  # float32 would drop the 1
                         for b in ([0, 0, 1, 1], [1e8, 0, 1e8 + 1, 1])))
    # side by side along x at s = 10⁸: 1 − R = |P ∪ G|/|C| = 2/(10⁸ + 1)
    assert 1e8 * (1 - o["giou"].item()) == pytest.approx(2, rel=1e-6)

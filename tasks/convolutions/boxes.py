"""CV-5's searches: the IoU, GIoU, DIoU and CIoU formulas written once in torch (float64,
autograd), checked on random box pairs, and the seed's own code (:mod:`.seed_iou`) checked
against them. Each search returns rows (setting, member, value, points) for the Check
family (harness/train/search.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from . import seed_iou

SIDE = 512.0  # corners uniform in (0, SIDE): the seed's demo image is 512 × 512 pixels
PAIRS = 12_500  # disjoint pairs per chunk: 8 chunks = the catalogue's 10⁵ pairs (CV-5a)
FAR_PAIRS = 12_500  # pairs per chunk moved apart, each to every separation (CV-5b)
SEPARATIONS = tuple(10.0 ** k for k in range(1, 9))  # centre distance / the largest side
SEED_PAIRS = (12_500, 2_500, 1_000, 1_000)  # per chunk, CV-5c's settings in SEED_SETTINGS' order

# CV-5a: members and setting
IOU_LOSS, IOU_GRAD = "|IoU loss − 1|", "‖∇ IoU loss‖·c"
GIOU_R, GIOU_GRAD = "GIoU penalty R", "‖∇ GIoU loss‖·c"
DIOU_R, DIOU_GRAD = "DIoU penalty R", "‖∇ DIoU loss‖·c"
DISJOINT = "disjoint boxes"
# CV-5b
GIOU_FAR, DIOU_FAR = "GIoU: s·(1 − R)", "DIoU: s·(1 − R) − 2/s"
APART = "boxes moved apart, s = 10 … 10⁸"
# CV-5c: one member per seed function, and the pairs on which one raises
SEED_FUNCTIONS = ("IOU_score", "GIOU_score", "DIOU_score", "CIOU_score")
SEED_DIFF = {f: f"|{f} − formula|" for f in SEED_FUNCTIONS}
RAISES = "seed function calls that raise"
POSITIVE, ORDERED, NEGATIVE, FLAT = SEED_SETTINGS = (
    "positive coordinates", "target centre right of and below the prediction's",
    "negative coordinates", "one box of zero height")


def overlaps(p: torch.Tensor, g: torch.Tensor) -> dict[str, torch.Tensor]:
    """IoU of boxes p (prediction) and g (target), rows (x1, y1, x2, y2), and the three
    penalties the losses add to 1 − IoU: GIoU's R = |C ∖ (P ∪ G)|/|C| (Rezatofighi et al.
    2019), DIoU's R = ρ²/c² and CIoU's αv, v = 4/π²·(atan(w_g/h_g) − atan(w_p/h_p))²,
    α = v/(1 − IoU + v) (Zheng et al. 2020); C is the smallest enclosing box, c its
    diagonal, ρ the distance between the centres. Also c itself (to make gradients
    dimensionless)."""
    wp, hp, wg, hg = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1], g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
    lo, hi = torch.maximum(p[:, :2], g[:, :2]), torch.minimum(p[:, 2:], g[:, 2:])
    inter = (hi - lo).clamp(min=0).prod(1)
    union = wp * hp + wg * hg - inter
    iou = inter / union
    span = torch.maximum(p[:, 2:], g[:, 2:]) - torch.minimum(p[:, :2], g[:, :2])
    c2 = (span ** 2).sum(1)
    rho2 = (((p[:, :2] + p[:, 2:]) - (g[:, :2] + g[:, 2:])) ** 2).sum(1) / 4
    v = 4 / math.pi ** 2 * (torch.atan(wg / hg) - torch.atan(wp / hp)) ** 2
    area = span.prod(1)
    return {"iou": iou, "giou": (area - union) / area, "diou": rho2 / c2,
            "ciou": v * v / (1 - iou + v), "c": c2.sqrt()}


def boxes(rng: np.random.Generator, n: int, low: float = 0.0, high: float = SIDE
          ) -> np.ndarray:
    """n boxes (x1, y1, x2, y2), both corners uniform in (low, high)²: each axis's two
    draws sorted (continuous draws: no box of zero width or height)."""
    xy = np.sort(rng.uniform(low, high, (n, 2, 2)), axis=1)  # (box, min/max, x/y)
    return np.concatenate([xy[:, 0], xy[:, 1]], axis=1)


def disjoint(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n pairs of disjoint boxes (a gap on the x or the y axis), drawn as :func:`boxes`
    and kept when disjoint (about a third are)."""
    p, g = boxes(rng, 4 * n), boxes(rng, 4 * n)
    gap = np.maximum(p[:, :2], g[:, :2]) - np.minimum(p[:, 2:], g[:, 2:])
    keep = (gap > 0).any(1)
    assert keep.sum() >= n, "too few disjoint pairs drawn"
    return p[keep][:n], g[keep][:n]


def cv5a(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-5a, one chunk: PAIRS disjoint box pairs; the IoU loss 1 − IoU and its gradient
    in the prediction's corners, the GIoU and DIoU penalties and their losses' gradients
    (autograd, float64). A gradient is made dimensionless by the enclosing diagonal c
    (every loss here is scale-invariant, so its gradient scales as 1/length)."""
    p, g = (torch.tensor(b, dtype=torch.float64) for b in disjoint(rng, PAIRS))
    p.requires_grad_(True)
    o = overlaps(p, g)
    losses = {IOU_GRAD: 1 - o["iou"], GIOU_GRAD: 1 - o["iou"] + o["giou"],
              DIOU_GRAD: 1 - o["iou"] + o["diou"]}
    grads = {m: torch.autograd.grad(loss.sum(), p, retain_graph=True)[0].norm(dim=1)
             * o["c"].detach() for m, loss in losses.items()}  # pairs share nothing: the
    # sum's gradient in a pair's corners is that pair's own
    values = {IOU_LOSS: (losses[IOU_GRAD] - 1).abs().max(), IOU_GRAD: grads[IOU_GRAD].max(),
              GIOU_R: o["giou"].min(), GIOU_GRAD: grads[GIOU_GRAD].min(),
              DIOU_R: o["diou"].min(), DIOU_GRAD: grads[DIOU_GRAD].min()}
    return pd.DataFrame([{"setting": DISJOINT, "member": m, "value": v.item(), "points": PAIRS}
                         for m, v in values.items()])


def cv5b(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-5b, one chunk: FAR_PAIRS random pairs (sides under a pixel widened to one); the
    target is moved so that its centre lies s·L from the prediction's (L the longest side
    of the two boxes), in a direction drawn in the first quadrant (a third along the x
    axis, a third along y), at every s of SEPARATIONS. The largest s·(1 − R) of GIoU and
    s·(1 − R) − 2/s of DIoU: both stay below 2√2 when 1 − R ≤ 2√2/s (GIoU) and
    ≤ 2√2/s + 2/s² (DIoU), the bounds proven in the claim (:mod:`.cv5`), which take R to 1."""
    p, g = boxes(rng, FAR_PAIRS), boxes(rng, FAR_PAIRS)
    for b in (p, g):  # sides of at least a pixel: CV-5b's rounding allowance assumes it
        b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 1)
    side = np.maximum(p[:, 2:] - p[:, :2], g[:, 2:] - g[:, :2]).max(1)
    angle = rng.uniform(0, math.pi / 2, FAR_PAIRS)
    angle[: FAR_PAIRS // 3], angle[FAR_PAIRS // 3: 2 * FAR_PAIRS // 3] = 0, math.pi / 2
    toward = np.stack([np.cos(angle), np.sin(angle)], 1)
    giou, diou = [], []
    for s in SEPARATIONS:
        shift = (p[:, :2] + p[:, 2:] - g[:, :2] - g[:, 2:]) / 2 + s * side[:, None] * toward
        o = overlaps(*(torch.tensor(b) for b in (p, g + np.tile(shift, 2))))
        giou.append(s * (1 - o["giou"]).max())
        diou.append((s * (1 - o["diou"]) - 2 / s).max())
    return pd.DataFrame([{"setting": APART, "member": m, "value": float(max(v)),
                          "points": FAR_PAIRS * len(SEPARATIONS)}
                         for m, v in ((GIOU_FAR, giou), (DIOU_FAR, diou))])


def formula_scores(p: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    """What each seed function should return, by :func:`overlaps`: IoU, GIoU = IoU − R,
    DIoU = IoU − ρ²/c², CIoU = IoU − ρ²/c² − αv (box1 = p the prediction, box2 = g the
    target, as the seed's CIoU reads w_gt, h_gt from box2)."""
    o = {k: v.numpy() for k, v in overlaps(torch.tensor(p), torch.tensor(g)).items()}
    return dict(zip(SEED_FUNCTIONS, (o["iou"], o["iou"] - o["giou"], o["iou"] - o["diou"],
                                     o["iou"] - o["diou"] - o["ciou"]), strict=True))


def seed_pairs(rng: np.random.Generator, setting: str, n: int) -> tuple[np.ndarray, ...]:
    """CV-5c's pairs: corners in (0, SIDE) (positive); of those, the pairs whose target
    (box2) centre is right of and below (larger x and y, image axes) the prediction's
    (ordered: the centre differences the seed clamps at 0 are then ≥ 0); corners in
    (−SIDE, SIDE) (negative); or positive with one box of the pair, drawn at random,
    flattened to zero height (flat)."""
    low = -SIDE if setting == NEGATIVE else 0.0
    p, g = boxes(rng, 4 * n, low), boxes(rng, 4 * n, low)
    if setting == ORDERED:
        keep = (g[:, :2] + g[:, 2:] >= p[:, :2] + p[:, 2:]).all(1)
        p, g = p[keep], g[keep]
    p, g = p[:n], g[:n]
    if setting == FLAT:
        first = rng.random(n) < 0.5
        p[first, 3], g[~first, 3] = p[first, 1], g[~first, 1]
    return p, g


def cv5c(cfg: DictConfig, replicate: int, rng: np.random.Generator) -> pd.DataFrame:
    """CV-5c, one chunk: the seed's four functions against :func:`formula_scores` on
    SEED_PAIRS pairs per setting; a function that raises (ZeroDivisionError) on a pair is
    counted, not compared. CIoU is not compared on flat boxes (it always raises there)."""
    rows = []
    for setting, n in zip(SEED_SETTINGS, SEED_PAIRS, strict=True):
        p, g = seed_pairs(rng, setting, n)
        want, worst, raised = formula_scores(p, g), dict.fromkeys(SEED_FUNCTIONS, 0.0), 0
        for i, (b1, b2) in enumerate(zip(p.tolist(), g.tolist(), strict=True)):
            for name in SEED_FUNCTIONS:
                try:
                    got = getattr(seed_iou, name)(b1, b2)[0]
                except ZeroDivisionError:
                    raised += 1
                    continue
                worst[name] = max(worst[name], abs(got - want[name][i]))
        compared = SEED_FUNCTIONS[:3] if setting == FLAT else SEED_FUNCTIONS
        rows += [{"setting": setting, "member": SEED_DIFF[f], "value": worst[f], "points": n}
                 for f in compared]
        rows.append({"setting": setting, "member": RAISES, "value": raised, "points": n})
    return pd.DataFrame(rows)

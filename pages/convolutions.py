"""The convolutions page: what CV-5 is about, drawn (the IoU, GIoU and DIoU losses and
their gradients as a box slides off its target, and the penalties' approach to 1 against
the bounds CV-5b proves), and the seed's DIoU and CIoU code on its own demo boxes, in the
demo's order and swapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from harness.judge.claims import Verdict
from harness.pages import plots
from harness.track.results import RunSet
from tasks.convolutions import boxes, seed_iou

TARGET = (0.0, 0.0, 1.0, 1.0)  # the unit target box of the figure
LIFT = 0.3  # the sliding box sits this much higher, so no edge stays aligned
LOSSES = {"IoU": plots.BLUE, "GIoU": plots.ORANGE, "DIoU": plots.GREEN}


def _slide(offsets: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each loss, and its derivative in the offset (autograd), of a unit box moved
    ``offsets`` to the right of the target (and LIFT up)."""
    d = torch.tensor(offsets, dtype=torch.float64, requires_grad=True)
    p = torch.stack([d, d * 0 + LIFT, d + 1, d * 0 + 1 + LIFT], 1)
    o = boxes.overlaps(p, torch.tensor([TARGET] * len(offsets), dtype=torch.float64))
    losses = {"IoU": 1 - o["iou"], "GIoU": 1 - o["iou"] + o["giou"],
              "DIoU": 1 - o["iou"] + o["diou"]}
    slopes = {k: torch.autograd.grad(v.sum(), d, retain_graph=True)[0].numpy()
              for k, v in losses.items()}
    return {k: v.detach().numpy() for k, v in losses.items()}, slopes


def _fig_losses(out: Path) -> None:
    offsets = np.linspace(0, 4, 401)
    losses, slopes = _slide(offsets)
    s = np.logspace(0.5, 8, 60)
    far = boxes.overlaps(torch.tensor([TARGET] * len(s), dtype=torch.float64),
                         torch.tensor([[x, LIFT, x + 1, 1 + LIFT] for x in s],
                                      dtype=torch.float64))
    fig = Figure(figsize=(13, 4))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for name, colour in LOSSES.items():
        ax1.plot(offsets, losses[name], color=colour, label=f"{name} loss")
        ax2.plot(offsets, np.abs(slopes[name]), color=colour, label=name)
    for ax in (ax1, ax2):
        ax.axvline(1, color=plots.GREY, ls=":", lw=1, label="the boxes stop overlapping")
        ax.set_xlabel("offset of the unit box to the right of the unit target")
    ax1.set_ylabel("loss")
    ax2.set_ylabel("|∂ loss / ∂ offset| (autograd)")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    # s: the centre distance over the longest side (1 here), as in CV-5b
    rho = np.hypot(s + 0.0, LIFT)
    ax3.loglog(rho, 1 - far["giou"].numpy(), color=LOSSES["GIoU"], label="GIoU: 1 − R")
    ax3.loglog(rho, 1 - far["diou"].numpy(), color=LOSSES["DIoU"], label="DIoU: 1 − R")
    ax3.loglog(rho, 2 * np.sqrt(2) / rho, color=plots.GREY, ls="--", label="2√2/s")
    ax3.loglog(rho, 2 * np.sqrt(2) / rho + 2 / rho ** 2, color=plots.GREY, ls=":",
               label="2√2/s + 2/s²")
    ax3.set_xlabel("separation s (centre distance / longest side)")
    ax3.set_ylabel("1 − R")
    ax3.legend(fontsize=8)
    plots.save(fig, out / "iou_losses.png")


def _seed_table() -> str:
    """The seed's DIoU and CIoU on its own demo boxes, in order and swapped, against the
    formulas (box1 the prediction, box2 the target)."""
    lines = ["| function | box1 | box2 | seed's value | formula | difference |",
             "|---|---|---|---|---|---|"]
    for name in ("DIOU_score", "CIOU_score"):
        demo = seed_iou.DEMOS[name]
        for box1, box2 in (demo, demo[::-1]):
            got = getattr(seed_iou, name)(box1, box2)[0]
            want = boxes.formula_scores(np.array([box1], float), np.array([box2], float))
            lines.append(f"| {name} | {box1} | {box2} | {got:.4f} | {want[name][0]:.4f} | "
                         f"{got - want[name][0]:.2g} |")
    return "\n".join(lines)


def report(rs: RunSet, verdicts: list[Verdict], out: Path) -> str:
    """The figure into ``out`` and the page's own sections (the verdicts' are the engine's)."""
    _fig_losses(out)
    return f"""## Figures

![IoU losses as a box slides off its target](iou_losses.png)

Left and middle: a unit box slides right off a unit target ({LIFT:g} higher, so no edge
stays aligned). Once the boxes stop overlapping (dotted) the IoU loss stays at 1 and its
derivative is 0, while the GIoU and DIoU losses keep rising, with non-zero derivatives
(CV-5a). Right: as the box moves on along x, 1 − R of both penalties falls under the
bounds CV-5b proves (grey), so R → 1.

## The seed's DIoU and CIoU on its own demo boxes

The seed clamps the centre differences at 0 before squaring them
(`max(0,(d_x2 - d_x1))**2`), so its ρ² loses a term whenever the target's (box2's)
centre is left of or above the prediction's (CV-5c). Its DIoU demo has the target's
centre right of and below, where the clamp does nothing; its CIoU demo has it left of
and above, so the value that demo would print is already off. Swapping the two boxes
(the same pair, the other box as the target; both formulas are symmetric) turns each
case around:

{_seed_table()}
"""

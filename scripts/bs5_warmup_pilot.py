"""Pilot for BS-5a/b's common checkpoint: how long the shared first phase must be for the
nets to have left the initial plateau (full training loss ≤ ½ ln 2) when it ends. Each
judged setting trains at the first phase's batch size from its own initialization; the
script prints, every ``--every`` updates, how many replicates are at or below the
plateau's exit then, and the first multiple of ``--every`` at which all are. The seed is
one no verdict uses (verdicts: 0, 1, 17, 29).

    PYTHONPATH=. python scripts/bs5_warmup_pilot.py [--seed 101] [--batch 20] [--steps 40000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from hydra import compose

from experiments.batch_size.oscillation import BS5_PRESETS, PLATEAU_EXIT
from harness.track.results import hydra_context
from harness.train.trainer import train


def out_of_plateau(preset: str, seed: int, batch: int, steps: int, every: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(evaluated updates, (evaluations, replicates) at or below PLATEAU_EXIT) of one
    setting."""
    with hydra_context():
        cfg = compose("config", overrides=[
            "experiment=batch_size", f"preset={preset}", f"data.seed={seed}",
            f"trainer.seed={seed}", f"trainer.batch_size={batch}", f"trainer.steps={steps}",
            "trainer.epochs=null", f"trainer.eval_every={every}", "trainer.jitter_burst=0",
            "trainer.progress=false", "tracking.enabled=false"])
    out = train(cfg).curves["train_loss"] <= PLATEAU_EXIT  # (evaluations, replicates)
    return np.arange(out.shape[0]) * every, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--steps", type=int, default=40000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--preset", action="append", default=None)
    args = parser.parse_args()
    for preset in args.preset or BS5_PRESETS:
        tic = time.perf_counter()
        steps, out = out_of_plateau(preset, args.seed, args.batch, args.steps, args.every)
        every = steps[out.all(1)]
        print(f"{preset}: replicates out of the plateau (of {out.shape[1]}) after so many "
              "updates: " + " ".join(f"{s}:{n}" for s, n in zip(steps, out.sum(1), strict=True))
              + f"; all first at {every[0] if len(every) else '-'} "
              f"({time.perf_counter() - tic:.0f} s)")


if __name__ == "__main__":
    main()

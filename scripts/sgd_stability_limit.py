"""Gradient descent's stability limit at initialization for the regularization net: the
largest eigenvalue λ_max of the Hessian of the unpenalized full-batch training loss (MSE
on the logits, abid2018's 50-50 sigmoid net and data), per replicate, by power iteration
on Hessian-vector products. Plain GD diverges on a locally quadratic loss above
lr = 2/λ_max; RG-2b's SGD setting takes the largest half-decade lr below it (0.1, with
λ_max ≈ 16). The data seed is one no verdict uses (verdicts: 0, 1, 17).

    PYTHONPATH=. python scripts/sgd_stability_limit.py [--seed 12345] [--replicates 16]
"""

from __future__ import annotations

import argparse

import torch
from hydra import compose

from harness.track.results import hydra_context
from harness.train.data import replicate_data, seed_for
from harness.train.models import BatchedMLP
from harness.train.schema import Loss
from harness.train.trainer import replicate_loss


def largest_eigenvalues(seed: int, replicates: int, iterations: int = 100) -> torch.Tensor:
    """(R,) λ_max of each replicate's Hessian (the replicates' losses are independent, so
    the Hessian of their sum is block-diagonal and one power iteration serves all)."""
    with hydra_context():
        cfg = compose("config", overrides=["experiment=regularization", f"data.seed={seed}",
                                           f"trainer.seed={seed}",
                                           f"trainer.replicates={replicates}"])
    data = replicate_data(cfg.data, replicates, torch.device("cpu"))
    model = BatchedMLP(cfg.model, cfg.data.dim, data.n_classes,
                       [seed_for(seed, r) for r in range(replicates)], [cfg.model] * replicates)
    params = list(model.parameters())
    loss = replicate_loss(model(data.x_train), data.y_train, Loss(cfg.trainer.loss)).sum()
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def per_replicate(a: list[torch.Tensor], b: list[torch.Tensor]) -> torch.Tensor:
        return sum((x * y).reshape(replicates, -1).sum(1) for x, y in zip(a, b, strict=True))

    gen = torch.Generator().manual_seed(seed)
    v = [torch.randn(p.shape, generator=gen) for p in params]
    for _ in range(iterations):
        norm = per_replicate(v, v).sqrt()
        v = [x / norm.view(replicates, *[1] * (x.dim() - 1)) for x in v]
        hv = torch.autograd.grad(grads, params, v, retain_graph=True)
        lam = per_replicate(hv, v)
        v = [h.detach() for h in hv]
    return lam.detach()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--replicates", type=int, default=16)
    args = parser.parse_args()
    lam = largest_eigenvalues(args.seed, args.replicates)
    print("λ_max per replicate:", " ".join(f"{x:.2f}" for x in lam.tolist()))
    print(f"median λ_max {lam.median():.2f}; 2/λ_max from {2 / lam.max():.3f} to "
          f"{2 / lam.min():.3f} (median {2 / lam.median():.3f})")


if __name__ == "__main__":
    main()

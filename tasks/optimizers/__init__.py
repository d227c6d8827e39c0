"""The searches of the optimizers experiment (experiments/optimizers)."""

"""The searches of the robust_regression experiment (experiments/robust_regression)."""

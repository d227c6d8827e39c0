"""The searches of the convolutions experiment (experiments/convolutions)."""

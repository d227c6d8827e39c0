"""The searches of the multiclass experiment (experiments/multiclass)."""

"""The searches of the classic_ml experiment (experiments/classic_ml)."""

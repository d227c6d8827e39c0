"""The searches of the statistical_learning experiment (experiments/statistical_learning)."""

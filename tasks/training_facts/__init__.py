"""The searches of the training_facts experiment (experiments/training_facts)."""

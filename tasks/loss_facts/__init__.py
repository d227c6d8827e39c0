"""The searches of the loss_facts experiment (experiments/loss_facts)."""

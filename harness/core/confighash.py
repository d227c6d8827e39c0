"""A sweep point's identity: the hash of its resolved config, less what only changes how
it runs. Every layer needs it (the sweeper groups fusable points by it, tracking claims
runs by it, results find a point's run by it), so it lives in the core, free of them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf

# Fields that change how a run is executed or recorded, not what it computes.
NON_SEMANTIC = ("tracking", "claims", "trainer.device", "trainer.compile", "trainer.threads",
                "trainer.progress", "fused")
# Fields added after runs had been stored, with the value that computes what every run
# stored before them computed: left out of the identity while they hold it, so those
# runs keep their hashes (and no store retrains them); any other value is hashed.
ADDED_OFF = {"trainer.warmup_steps": 0, "trainer.warmup_batch_size": None,
             "trainer.eval_first": 0, "trainer.task": None,
             # Part 1's data options (harness/train/schema.py DataConfig)
             "data.test_class1_fraction": None, "data.minmax_per_set": False, "data.cells": 4,
             "data.turns": 2.0, "data.dummy_dims": 0, "data.dummy_noise": 1.0,
             "data.mixing": "none", "data.val_fraction": 0.0, "data.preprocess": [],
             "data.pca_components": None,
             # Part 1's loss and activation options (ModelConfig, TrainerConfig)
             "model.leaky_slope": 0.01, "trainer.class_weight": None,
             "trainer.label_smoothing": 0.0, "trainer.focal_gamma": 2.0,
             "trainer.focal_alpha": None, "trainer.focal_alpha_class": 1}


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """Plain, resolved dict with enums as their names (for hashing and logging)."""
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)  # type: ignore[return-value]


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain data, without Hydra's own node (never resolved: in
    the launching process it has no job yet)."""
    return to_container(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))


def semantic_config(cfg: DictConfig, ignore: Sequence[str] = ()) -> dict[str, Any]:
    """The resolved config minus fields that don't change results (see NON_SEMANTIC),
    minus added fields at their old behaviour (ADDED_OFF), and minus the dotted keys in
    ``ignore``."""
    data = resolved_config(cfg)

    def parent(dotted: str) -> tuple[dict[str, Any], str]:
        *parents, leaf = dotted.split(".")
        node = data
        for p in parents:
            node = node.get(p, {})
        return node, leaf

    for dotted, off in ADDED_OFF.items():
        node, leaf = parent(dotted)
        if leaf in node and node[leaf] == off:
            node.pop(leaf)
    for dotted in (*NON_SEMANTIC, *ignore):
        node, leaf = parent(dotted)
        node.pop(leaf, None)
    return data


def config_hash(cfg: DictConfig, ignore: Sequence[str] = ()) -> str:
    """Identity of a sweep point: two configs with the same hash compute the same thing
    (with ``ignore``: the same thing but for those dotted keys)."""
    blob = json.dumps(semantic_config(cfg, ignore), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]

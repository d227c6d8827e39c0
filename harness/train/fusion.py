"""Sweep-level fusion: sweep points that differ only in per-replicate values train as one.

A sweep's points often differ only in numbers each replicate could carry on its own: a
seed, an init scheme or scale, a learning rate, a penalty strength. Where a step is bound
by per-operation overhead (kernel launches on a GPU), training them as one batched
computation (their replicates stacked) costs about as much as one of them. On the CPU a
step of these models is bound by arithmetic and fusing saved nothing (make bench), so
the grids sweeper (``hydra.sweeper.fuse``) fuses on CUDA by default and on request
elsewhere. Each point still gets its own MLflow run with its own config hash, metrics
and artifacts, identical within float rounding to training it alone (tests/test_fusion.py).

The sweeper groups the points, so any launcher runs a fused group as one job; the job's
``fused`` field carries the other members, each as the values in which it differs from
the job's own config, and :func:`members` rebuilds their configs in the job. A point's
dropout masks come from a random stream of its own (``BatchedMLP.split_dropout``), so
its neighbours never change them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.core.confighash import config_hash
from harness.train.schema import MEMORY_FRACTION, budget, device_memory
from harness.train.trainer import resolve_device

# Fields a replicate can carry on its own: the trainer reads them per replicate.
FUSABLE = ("trainer.seed", "data.seed", "model.init", "model.init_std", "model.init_gain",
           "model.bias_init", "optim.lr", "optim.lr_ref_batch", "optim.lr_scale_power",
           "optim.weight_decay", "optim.momentum", "reg.l1", "reg.l2", "model.dropout")
# Labels of a point (tags, not training): points that differ in them still fuse.
LABELS = ("preset", "claims")


def _values(cfg: DictConfig, keys: Sequence[str]) -> dict[str, Any]:
    """The resolved values of dotted ``keys`` as plain data (enums by value)."""
    out = {}
    for key in keys:
        value = OmegaConf.select(cfg, key)
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value, resolve=True)
        out[key] = value.value if isinstance(value, Enum) else value
    return out


def fusion_key(cfg: DictConfig) -> str:
    """Points with equal keys can train as one computation. Points with dropout fuse only
    with points with dropout: the first point's rate switches the model's dropout layers
    on (``train_group``), and the dropout probe's table exists only for them."""
    return config_hash(cfg, (*FUSABLE, *LABELS)) + ("+dropout" if cfg.model.dropout > 0 else "")


def pays(cfg: DictConfig) -> bool:
    """Whether fusing pays by default: where a step is bound by kernel launches (CUDA).
    On the CPU, make bench measured no saving: there a step is bound by arithmetic."""
    return resolve_device(cfg.trainer.device).type == "cuda"


def member_spec(primary: DictConfig, overrides: list[str], cfg: DictConfig) -> dict[str, Any]:
    """What a job needs to rebuild point ``cfg`` from its own config ``primary``: the
    point's overrides (its run name and axes) and the fusable or label values that differ."""
    mine, theirs = _values(primary, (*FUSABLE, *LABELS)), _values(cfg, (*FUSABLE, *LABELS))
    return {"overrides": list(overrides),
            "set": {k: v for k, v in theirs.items() if v != mine[k]}}


def encode(specs: list[dict[str, Any]]) -> str:
    """The ``fused`` override of a job: its other members as one quoted JSON value.

    Quotes and ``$`` (an OmegaConf interpolation) are written as JSON escapes, so the
    value holds no character Hydra's quoted strings or OmegaConf treat specially, and
    JSON's own escapes pass through Hydra untouched."""
    text = json.dumps(specs, separators=(",", ":"))
    return "fused='" + text.replace("'", "\\u0027").replace("$", "\\u0024") + "'"


def members(cfg: DictConfig) -> list[tuple[list[str], DictConfig]]:
    """The other points of a fused job: (overrides, config) each, rebuilt from ``cfg``."""
    if not cfg.fused:
        return []
    out = []
    for spec in json.loads(cfg.fused):
        member = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
        member.fused = ""
        for key, value in spec["set"].items():
            OmegaConf.update(member, key, value, merge=False)
        out.append((spec["overrides"], member))
    return out


def memory_needed(cfg: DictConfig) -> float:
    """Bytes one point needs (harness.train.schema.budget)."""
    return budget(cfg).memory_bytes


def memory_limit(cfg: DictConfig) -> float:
    """Bytes preflight lets one point use on its device: a fused job stays within it."""
    return MEMORY_FRACTION * device_memory(cfg.trainer.device)[1]


def groups(points: Sequence[tuple[list[str], DictConfig]], max_points: int) -> list[list[int]]:
    """Indices of the points, grouped by :func:`fusion_key` in order of first appearance,
    each group cut into chunks of at most ``max_points`` whose memory together stays
    within what preflight allows one point (schema.budget, MEMORY_FRACTION)."""
    by_key: dict[str, list[int]] = {}
    for i, (_, cfg) in enumerate(points):
        by_key.setdefault(fusion_key(cfg), []).append(i)
    chunks: list[list[int]] = []
    for idx in by_key.values():
        limit = memory_limit(points[idx[0]][1])
        chunk: list[int] = []
        memory = 0.0
        for i in idx:
            need = memory_needed(points[i][1])
            if chunk and (len(chunk) >= max_points or memory + need > limit):
                chunks.append(chunk)
                chunk, memory = [], 0.0
            chunk.append(i)
            memory += need
        chunks.append(chunk)
    return chunks

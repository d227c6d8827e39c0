"""Claims declared in YAML (``conf/claim/<id>.yaml``): a user's own piece of folklore,
built from an existing measure and rule family, with no Python.

The file is the keyword arguments of :class:`~harness.judge.claims.Claim`; ``measure`` and
``rule`` are instantiated from their ``_target_`` (Hydra's ``instantiate``), so the YAML
and a Python declaration give the same object. Any mistake (an unknown field, a missing
one, a target that is not a measure or a family) is one line naming the file and field.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from harness.judge.claims import Claim, Settings
from harness.judge.families import Family
from harness.judge.measures import Measure
from harness.train.schema import ConfigError

FIELDS = [f.name for f in dataclasses.fields(Claim)]
REQUIRED = [f.name for f in dataclasses.fields(Claim)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


def load_claim(path: Path) -> Claim:
    """The claim declared in ``path``; ConfigError (one line) when it is malformed."""
    where = f"{path}"
    try:
        data: dict[str, Any] = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    except Exception as exc:  # noqa: BLE001 - YAML or interpolation errors alike
        raise ConfigError(f"{where}: not a readable YAML claim ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a claim is a mapping of {FIELDS}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: field {unknown[0]} is invalid: allowed fields are "
                          f"{FIELDS}")
    missing = [k for k in [*REQUIRED, "measure", "experiment"] if k not in data]
    if missing:
        raise ConfigError(f"{where}: field {missing[0]} is missing (required: "
                          f"{[*REQUIRED, 'measure', 'experiment']})")
    built = {}
    for key, kind in (("measure", Measure), ("rule", Family)):
        try:
            built[key] = instantiate(data[key], _convert_="all")
        except Exception as exc:  # noqa: BLE001 - whatever the target rejects
            cause = exc.__cause__ or exc
            raise ConfigError(f"{where}: {key} is invalid: {cause}") from None
        if not isinstance(built[key], kind):
            raise ConfigError(f"{where}: {key}._target_ is invalid: allowed values are "
                              f"subclasses of {kind.__module__}.{kind.__name__}")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict) or "primary" not in settings:
        raise ConfigError(f"{where}: field settings is invalid: a mapping with primary "
                          "(and optionally robustness, shown)")
    try:
        return Claim(**{**data, **built, "settings": Settings(**settings),
                        "notes": tuple(data.get("notes") or ())})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def user_claims(folder: Path) -> list[Claim]:
    """Every claim in ``folder`` (``conf/claim/``), by file name."""
    return [load_claim(p) for p in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []

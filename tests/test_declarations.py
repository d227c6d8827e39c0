"""Claims as data, over the whole registry: the rules lock is up to date, every rule
family's generated prose is complete, and a user's YAML claim runs and is judged through
the real CLI (only the points it reads are trained)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness.cli import lock
from harness.cli.registry import CLAIM_DIR, registry, users
from harness.judge.families import Custom
from harness.judge.userclaims import load_claim
from harness.train.schema import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EVERY = [c for exp in registry().values() for c in exp.claims] + users()


def test_the_rules_lock_is_up_to_date():
    """Every declaration is as locked in results/rules.lock.md: a changed rule shows as a
    diff of the lock (``make lock``), committed before its next full run."""
    assert lock.LOCK.read_text() == lock.current(), "stale lock: run `make lock`"


def test_claim_ids_are_unique():
    ids = [c.id for c in EVERY]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("claim", [c for c in EVERY if not isinstance(c.rule, Custom)],
                         ids=lambda c: c.id)
def test_generated_prose_names_the_rule_and_its_smallest_effect(claim):
    text = claim.rule_text
    assert claim.settings.primary in text and f"{claim.min_effect:g}" in text
    assert "Supported if" in text or "supported if" in text
    for name, why in claim.settings.shown:
        assert name in text and why in text


def test_a_yaml_claim_is_the_same_object_as_its_python_declaration():
    claim = load_claim(CLAIM_DIR / "MY-1.yaml")
    assert claim.measure.factor.levels == (0.0, 0.5) and claim.rule.direction == "increasing"
    assert claim.experiment == "bn_dropout" and claim.primary == "bn_digits"


@pytest.mark.parametrize(("text", "field"), [
    ("id: X\nbogus: 1\n", "bogus"),
    ("id: X\nseed: s\nquote: q\nhypothesis: h\nexperiment: e\nmin_effect: 0.1\n"
     "settings: {primary: p}\nmeasure: {_target_: harness.judge.measures.Final, label: l,"
     " factor: {key: a.b, levels: [1, 2]}}\nrule: {_target_: harness.judge.families.Paired,"
     " direction: sideways}\n", "rule"),
    ("id: X\nseed: s\nquote: q\nhypothesis: h\nexperiment: e\nmin_effect: 0.1\n"
     "settings: {primary: p}\nrule: {_target_: harness.judge.families.Paired}\n", "measure"),
])
def test_a_bad_yaml_claim_is_one_line_naming_the_field(tmp_path, text, field):
    path = tmp_path / "X.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_claim(path)
    assert field in str(err.value) and "\n" not in str(err.value)


def test_suite_claim_runs_only_the_points_a_yaml_claim_reads_and_judges_it(tmp_path):
    """``python -m harness.suite --claim MY-1 profile=smoke``: the two bn_dropout points
    MY-1 reads (of 56) are trained, and its verdict and page are written."""
    store = f"sqlite:///{tmp_path / 'm.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "harness.suite", "--claim", "MY-1", "--jobs", "1", "--out",
         str(tmp_path / "out"), "profile=smoke", f"tracking.uri={store}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "MY-1:" in done.stdout
    verdict = json.loads((tmp_path / "out" / "MY-1" / "verdict.json").read_text())
    assert verdict["claim"] == "MY-1" and verdict["n_replicates"] == 3
    assert verdict["verdict"] in ("supported", "refuted", "inconclusive")
    from harness.track import tracking

    runs = tracking.load_runs(store, "bn_dropout")
    points = runs[runs["tags.harness.role"] == "point"] if "tags.harness.role" in runs else runs
    assert len(points) == 2 and len(verdict["run_ids"]) == 2
    page = (tmp_path / "out" / "MY-1" / "README.md").read_text()
    assert "**Rule (declared before the data).**" in page and isinstance(page, str)
    assert not pd.isna(verdict["effect"])


def test_suite_claim_rejects_an_unknown_id_before_anything_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "harness.suite", "--claim", "NOPE-9",
                           f"tracking.uri=sqlite:///{tmp_path / 'm.db'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--claim=NOPE-9 is invalid: allowed values are" in done.stderr
    assert not (tmp_path / "m.db").exists()

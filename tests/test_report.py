"""Report generation from a smoke sweep in MLflow."""

from __future__ import annotations

import json

from harness import report


def test_report_writes_pages_figures_and_verdicts(smoke_store, tmp_path):
    verdicts = report.build(tmp_path, ["batch_size"], ["profile=smoke"], smoke_store)
    assert [v.claim for v in verdicts] == ["BS-1", "BS-2", "BS-3", "BS-4", "BS-5"]
    data = json.loads((tmp_path / "verdicts.json").read_text())
    assert {d["claim"] for d in data} == {"BS-1", "BS-2", "BS-3", "BS-4", "BS-5"}
    for d in data:
        assert set(d) >= {"claim", "experiment", "verdict", "effect", "ci_low", "ci_high",
                          "n_replicates"}
        assert d["verdict"] in {"supported", "refuted", "inconclusive"}
    page = (tmp_path / "batch_size" / "README.md").read_text()
    assert "python -m harness.run -m experiment=batch_size profile=smoke" in page
    assert "Missing points" not in page
    for fig in ("accuracy_vs_batch.png", "runtime_vs_batch.png", "learning_curves.png",
                "time_to_target_and_jitter.png"):
        assert (tmp_path / "batch_size" / fig).stat().st_size > 10_000
        assert f"({fig})" in page
    index = (tmp_path / "README.md").read_text()
    assert index.count("| [BS-") == 5 and "运行时间确实随着批大小的增加而下降" in index


def test_report_without_runs_says_so(tmp_path, store):
    verdicts = report.build(tmp_path, ["batch_size"], None, store)
    assert {v.verdict for v in verdicts} == {"inconclusive"}
    page = (tmp_path / "batch_size" / "README.md").read_text()
    assert "No finished runs yet" in page and "Missing points" in page

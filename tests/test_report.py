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
        assert d["verdict"] in {"supported", "refuted", "mixed", "inconclusive"}
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


def test_initialization_report_decides_every_claim_from_the_grids(init_smoke_store,
                                                                  tmp_path):
    verdicts = report.build(tmp_path, ["initialization"], ["profile=smoke"],
                            init_smoke_store)
    assert [v.claim for v in verdicts] == ["IN-1", "IN-2", "IN-3", "IN-4"]
    assert all(v.n_replicates == 3 for v in verdicts)  # every rule found its runs
    assert all(v.verdict in {"supported", "refuted", "mixed", "inconclusive"}
               for v in verdicts)
    page = (tmp_path / "initialization" / "README.md").read_text()
    assert "Missing points" not in page and "scikit-learn's optimum" in page
    for fig in ("accuracy_by_init.png", "symmetry.png", "layer_profiles.png", "depth.png"):
        assert (tmp_path / "initialization" / fig).stat().st_size > 10_000


def test_regularization_report_decides_every_claim_from_the_grids(reg_smoke_store,
                                                                  tmp_path):
    verdicts = report.build(tmp_path, ["regularization"], ["profile=smoke"],
                            reg_smoke_store)
    assert [v.claim for v in verdicts] == ["RG-1", "RG-2", "RG-3", "RG-4"]
    assert all(v.n_replicates == 3 for v in verdicts)  # every rule found its runs
    page = (tmp_path / "regularization" / "README.md").read_text()
    assert "Missing points" not in page and "Abid 2018 accuracy" in page
    for fig in ("paths.png", "histograms.png", "decay.png", "overfit.png"):
        assert (tmp_path / "regularization" / fig).stat().st_size > 10_000


def test_layer_convergence_report_decides_every_claim(lc_smoke_store, tmp_path):
    verdicts = report.build(tmp_path, ["layer_convergence"], ["profile=smoke"],
                            lc_smoke_store)
    assert [v.claim for v in verdicts] == ["LC-1", "LC-2", "LC-3", "LC-4"]
    assert all(v.n_replicates == 3 for v in verdicts)
    page = (tmp_path / "layer_convergence" / "README.md").read_text()
    assert "Missing points" not in page
    for fig in ("layer_curves.png", "settling.png", "gradient_ratio.png"):
        assert (tmp_path / "layer_convergence" / fig).stat().st_size > 10_000


def test_bn_dropout_report_decides_every_claim(bd_smoke_store, tmp_path):
    verdicts = report.build(tmp_path, ["bn_dropout"], ["profile=smoke"], bd_smoke_store)
    assert [v.claim for v in verdicts] == ["BD-1", "BD-2", "BD-3", "BD-4", "BD-5", "BD-6"]
    assert all(v.n_replicates == 3 for v in verdicts)
    page = (tmp_path / "bn_dropout" / "README.md").read_text()
    assert "Missing points" not in page and "ANOVA" in page
    for fig in ("interaction.png", "variance_shift.png", "learning_curves.png"):
        assert (tmp_path / "bn_dropout" / fig).stat().st_size > 10_000

"""Report generation from a smoke sweep in MLflow."""

from __future__ import annotations

import json

import pytest

from harness.cli.registry import registry
from harness.pages import report


def test_report_writes_pages_figures_and_verdicts(smoke_store, tmp_path):
    verdicts = report.build(tmp_path, registry(), ["batch_size"], ["profile=smoke"], smoke_store)
    assert [v.claim for v in verdicts] == ["BS-1", "BS-2", "BS-3", "BS-4", "BS-5a", "BS-5b"]
    # every rule found its runs: BS-1 counts the timing grid's repeats, the rest replicates
    # (BS-5a/b: none under profile=smoke, whose 2-epoch budget leaves batch 400 two updates
    # after the checkpoint: fewer changes than a share needs)
    assert [v.n_replicates for v in verdicts] == [10, 3, 3, 3, 0, 0]  # 10 = TIMING_REPEATS
    assert [v.primary_setting for v in verdicts] == ["abid2018"] * 4 + ["sgd"] * 2
    assert all(v.settings for v in verdicts if v.n_replicates)
    assert [s.setting for s in verdicts[1].settings] == ["abid2018", "sgd", "identity_cov"]
    data = json.loads((tmp_path / "verdicts.json").read_text())
    assert {d["claim"] for d in data} == {"BS-1", "BS-2", "BS-3", "BS-4", "BS-5a", "BS-5b"}
    for d in data:
        assert set(d) >= {"claim", "experiment", "verdict", "effect", "ci_low", "ci_high",
                          "n_replicates"}
        assert d["verdict"] in {"supported", "refuted", "mixed", "inconclusive"}
    page = (tmp_path / "batch_size" / "README.md").read_text()
    assert "python -m harness.run -m experiment=batch_size profile=smoke" in page
    assert "Missing points" not in page and "over the 4 datasets" not in page
    assert "Timing runs per batch size" in page and "load_avg_1m" in page
    assert "abid_train_acc_epoch140" in page and "from a common checkpoint" in page
    for fig in ("accuracy_vs_batch.png", "runtime_vs_batch.png", "learning_curves.png",
                "time_to_target_and_jitter.png"):
        assert (tmp_path / "batch_size" / fig).stat().st_size > 10_000
        assert f"({fig})" in page
    index = (tmp_path / "README.md").read_text()
    assert index.count("| [BS-") == 6 and "运行时间确实随着批大小的增加而下降" in index


def test_report_without_runs_says_so(tmp_path, store):
    verdicts = report.build(tmp_path, registry(), ["batch_size"], None, store)
    assert {v.verdict for v in verdicts} == {"inconclusive"}
    page = (tmp_path / "batch_size" / "README.md").read_text()
    assert "No finished runs yet" in page and "Missing points" in page


@pytest.mark.parametrize(("experiment", "claims", "text", "figures"), [
    ("initialization", ["IN-1", "IN-2a", "IN-2b", "IN-3a", "IN-3b", "IN-4"],
     "Abid 2018 Exp 10 beside ours",
     ["accuracy_by_init.png", "symmetry.png", "layer_profiles.png", "depth.png"]),
    ("regularization", ["RG-1", "RG-2a", "RG-2b", "RG-3", "RG-4"], "Abid: test acc (1 run)",
     ["paths.png", "histograms.png", "decay.png", "overfit.png"]),
    ("layer_convergence", ["LC-1", "LC-2", "LC-3", "LC-4"],
     "Abid 2018 (one run, read off the figure)",
     ["layer_curves.png", "settling.png", "gradient_ratio.png"]),
    ("bn_dropout", ["BD-1a", "BD-1b", "BD-2", "BD-3", "BD-4", "BD-5", "BD-6", "BD-7"],
     "Two-way ANOVA per 2×2 cell",
     ["interaction.png", "variance_shift.png", "learning_curves.png"]),
    ("convex", ["BS-6"], "Step sizes, data and budget", ["loss_gap.png"]),
    ("convolutions", ["CV-1", "CV-2", "CV-3a", "CV-3b", "CV-4a", "CV-4b", "CV-4c", "CV-5a",
                      "CV-5b", "CV-5c"], "The seed's DIoU and CIoU on its own demo boxes",
     ["iou_losses.png"]),
    ("classic_ml", ["ML-1a", "ML-1b", "ML-1c", "ML-2a", "ML-2b", "ML-4"],
     "k-means++ against random seeding", ["kmeans_seeding.png"]),
    ("training_facts", ["OP-6", "OP-7", "BD-8a", "BD-8b", "NM-1a", "NM-1b", "NM-1c", "BD-10a",
                        "AC-1a", "AC-4a", "AC-4b", "OP-2a", "OP-5a", "OP-5b"],
     "The search (points checked",
     ["newton.png", "adam.png", "bn.png"]),
    ("statistical_learning", ["ML-3a", "ML-3b", "ML-3c", "ML-3d", "ML-5a", "ML-5b", "ML-5c",
                              "ML-5d"], "ML-5a: the Monte Carlo check per setting",
     ["distances.png", "bias_variance.png"]),
    ("loss_facts", ["LS-4", "LS-5a", "LS-5b", "LS-6a", "LS-6b", "LS-6c", "LS-6d", "LS-8a",
                    "LS-8b", "LS-8c", "LS-9", "LS-1a", "IM-3a"], "where the naive softmax breaks",
     ["accuracy_steps.png", "surrogates.png", "curvature.png"]),
    ("multiclass", ["MC-1a", "MC-1b", "MC-2"], "OvO, OvR and ECOC", ["multiclass.png"]),
    ("optimizers", ["OP-1a", "OP-1b", "OP-4a", "OP-8a", "OP-8b", "OP-8c"],
     "top-eigencoordinate paths and suboptimality", ["optimizers.png", "solvers.png"]),
    ("robust_regression", ["LS-2", "LS-7"], "steps and end bands of L1 and smooth-L1",
     ["robust_regression.png"]),
    ("activations", ["AC-2a1", "AC-2a2", "AC-2a3", "AC-1b"], "Abid 2018 beside ours",
     ["curves.png"]),
    ("dimensionality", ["DR-1a", "DR-1b"], "Abid 2018 beside ours (Exp 6",
     ["dimensionality.png"]),
    ("label_smoothing", ["LS-3a", "LS-3b", "LS-3c"], "Means per ε", ["label_smoothing.png"]),
])
def test_grid_experiment_report_decides_every_claim(smoke_stores, smoke_overrides, tmp_path,
                                                    experiment, claims, text, figures):
    verdicts = report.build(tmp_path, registry(), [experiment], smoke_overrides(experiment),
                            smoke_stores(experiment))
    assert [v.claim for v in verdicts] == claims
    # every rule found its runs (RG-2b's SGD nets do not train under smoke: not testable)
    assert all(v.n_replicates == 3 or "not testable" in v.decided_by for v in verdicts)
    assert all(v.verdict in {"supported", "refuted", "mixed", "inconclusive"}
               for v in verdicts)
    page = (tmp_path / experiment / "README.md").read_text()
    assert "Missing points" not in page and text in page
    for fig in figures:
        assert (tmp_path / experiment / fig).stat().st_size > 10_000


def test_every_experiment_but_batch_size_has_its_smoke_report_tested():
    """batch_size has tests of its own (above); a new experiment needs a row here."""
    rows = test_grid_experiment_report_decides_every_claim.pytestmark[0].args[1]
    assert sorted([r[0] for r in rows] + ["batch_size"]) == sorted(registry())


def test_seed_comparison_names_flips_and_one_sided_decisions():
    def v(claim, verdict, effect):
        return {"claim": claim, "verdict": verdict, "effect": effect, "ci_low": effect - 0.1,
                "ci_high": effect + 0.1}

    a = [v("A", "supported", 1.0), v("B", "refuted", -1.0), v("C", "supported", 1.0)]
    b = [v("A", "supported", 0.9), v("B", "inconclusive", 0.1), v("C", "inconclusive", 0.2)]
    c = [v("A", "supported", 0.8), v("B", "supported", 1.0), v("C", "supported", 0.7)]
    text = report.seed_comparison({0: a, 1: b, 2: c})
    assert text.startswith("3 claims compared over seeds 0, 1, 2: 1 supported↔refuted flips: "
                           "B; decided under some seeds and inconclusive under others: C")
    assert "**FLIP**" in text and "0.2 [0.1, 0.3]" in text


def test_markdown_table_formats_numbers_and_escapes_pipes():
    import pandas as pd

    text = report.markdown_table(pd.DataFrame({"a |w|": [0.123456, float("nan")],
                                               "ok": [True, False]}))
    assert text.splitlines() == ["| a \\|w\\| | ok |", "|---|---|", "| 0.1235 | yes |",
                                 "| – | no |"]


def test_implementation_checks_are_counted_apart_from_empirical_findings():
    table = report.category_counts([{"category": "empirical", "verdict": "supported"},
                             {"category": "empirical", "verdict": "refuted"},
                             {"category": "implementation check", "verdict": "supported"}])
    rows = table.set_index("category")
    assert rows.loc["empirical", ["supported", "refuted", "claims"]].tolist() == [1, 1, 2]
    assert rows.loc["implementation check", ["supported", "mixed", "claims"]].tolist() == [1, 0, 1]


@pytest.mark.parametrize(("level", "method", "words"), [
    (0.90, "TOST", "90% CI, TOST"), (0.975, "Bonferroni", "97.5% CI, Bonferroni"),
    (0.95, "Fieller", "95% CI, Fieller"), (0.95, "exact", "exact check, no sampling CI")])
def test_every_ci_is_labelled_by_what_it_is(level, method, words):
    assert report.ci_words(level, method) == words
    entry = {"ci_low": 0.1, "ci_high": 0.2, "ci_level": level, "ci_method": method}
    assert report._ci(entry).endswith(f"({words})")

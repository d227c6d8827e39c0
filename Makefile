# Every target sets up what it needs from a clean clone: a virtualenv in .venv, torch
# (TORCH_SPEC, default the CPU wheel torch==2.13.0, only when no torch is installed),
# then the project with its dev extras.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
PORT ?= 5000
JOBS ?= 2
STORE ?= $(or $(MLFLOW_TRACKING_URI),sqlite:///$(CURDIR)/mlflow.db)

.PHONY: setup run-all test report calibrate lock ui screenshots bench bench-suite lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

## every registered experiment's full sweep (skips finished points), then the reports
run-all: setup
	$(BIN)/python -m harness.suite --jobs $(JOBS)

## the whole test suite, on $(JOBS) pytest-xdist workers (each smoke store's tests on one)
test: setup
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadgroup

## rebuild results/ from what MLflow holds, without training
report: setup
	$(BIN)/python -m harness.report

## every decision rule on simulated runs (no training) -> results/calibration.md
calibrate: setup
	$(BIN)/python -m harness.calibrate

## every claim's rule as declared -> results/rules.lock.md (a test fails while it is stale)
lock: setup
	$(BIN)/python -m harness.lock

## MLflow UI on 127.0.0.1:$(PORT): one worker, no job execution (~0.5 GB instead of ~2.5)
ui: setup
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri "$(STORE)" \
		--host 127.0.0.1 --port $(PORT) --workers 1

## the MLflow UI path to "which batch size was best, and how much did it vary?" ->
## results/ui/*.png (headless Chromium from Debian's chromium package, via Playwright)
screenshots: setup
	test -x /usr/bin/chromium || { echo "needs Chromium: apt-get install chromium" >&2; exit 2; }
	$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/pip install -q -e '.[ui]'
	$(BIN)/python scripts/ui_screenshots.py --store "$(STORE)" --out results/ui

## throughput (batched vs one seed at a time) and tracking overhead -> results/bench.md
bench: setup
	$(BIN)/python -m harness.bench

## `make run-all` from an empty store as is, fused and compiled (~1 h on 2 cores) ->
## results/suite_time.json, shown by the next `make bench`
bench-suite: setup
	$(BIN)/python -m harness.bench --suite

lint: setup
	$(BIN)/ruff check harness experiments tasks pages tests scripts hydra_plugins
	$(BIN)/lint-imports

clean:
	rm -rf logs .pytest_cache .ruff_cache

# Everything installs from the lock into ./.venv; only python3.11 and pip are needed on the machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup run test bench eval seeds lint typecheck clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

setup: $(VENV)/.synced  ## create .venv from uv.lock

run: setup  ## process the bundled demo corpus into ./broadsheet-warehouse, print a summary, write report.html
	$(VENV)/bin/broadsheet run --input data/demo --warehouse broadsheet-warehouse
	$(VENV)/bin/broadsheet report --warehouse broadsheet-warehouse --out report.html

test: setup  ## type-check the pure transforms, then run the test suite
	$(VENV)/bin/mypy transforms
	$(VENV)/bin/pytest -q

bench: setup  ## throughput and memory on a synthetic 10,000-article corpus; 100 small runs into one lake; pathological articles under the per-article budget; CPU per article per transform step on real text
	$(VENV)/bin/python -m bench.pipeline
	$(VENV)/bin/python -m bench.bench_runs
	$(VENV)/bin/python -m bench.pathological
	$(VENV)/bin/python -m bench.transforms

eval: setup  ## accuracy against the public gold sets in ../shared
	for e in dates quantities locations html stories; do $(VENV)/bin/broadsheet eval $$e || exit 1; done

seeds: setup  ## score the five seed articles (../shared/eval/score_seeds.py)
	$(VENV)/bin/python ../shared/eval/score_seeds.py

lint: setup
	$(VENV)/bin/ruff check flows transforms warehouse expectations evaluation bench tests

typecheck: setup
	$(VENV)/bin/mypy transforms

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache

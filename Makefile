# Everything installs from the lock into ./.venv; only python3.11 and pip are needed on the machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compile every installed module to bytecode at set-up: with PYTHONDONTWRITEBYTECODE set (as on CI images and
# here) each process would otherwise compile Prefect, GX and pandas from source again, seconds per command.
export UV_COMPILE_BYTECODE := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup run test bench eval seeds lint typecheck clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# The Makefile is a prerequisite so that a change of sync flags reaches existing environments too.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --compile-bytecode
	touch $@

setup: $(VENV)/.synced  ## create .venv from uv.lock

run: setup  ## process the bundled demo corpus into ./broadsheet-warehouse, print a summary, write report.html
	$(VENV)/bin/broadsheet run --input data/demo --warehouse broadsheet-warehouse
	$(VENV)/bin/broadsheet report --warehouse broadsheet-warehouse --out report.html

test: setup  ## type-check the pure transforms, then run the test suite
	$(VENV)/bin/mypy transforms
	$(VENV)/bin/pytest -q

bench: setup  ## synthetic 10,000-article throughput and memory; 100 small runs into one lake; pathological articles under the per-article budget; fixed overhead of an idle run; validation cost; CPU per real article per step; real text side by side with issue 17's base commit
	$(VENV)/bin/python -m bench.pipeline
	$(VENV)/bin/python -m bench.bench_runs
	$(VENV)/bin/python -m bench.pathological
	$(VENV)/bin/python -m bench.idle_run
	$(VENV)/bin/python -m bench.validation
	$(VENV)/bin/python -m bench.transforms
	$(VENV)/bin/python -m bench.real_text

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

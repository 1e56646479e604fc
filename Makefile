# Media Analyzer: the two commands are `make demo` and `make test`; `make run` for OBS.
# Every target installs what it needs first (system prerequisites, then the venv).

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

.PHONY: help setup prereqs run demo test lint format bench settings clean

help:
	@echo "make demo    run the whole pipeline locally on a sample video (set-up included)"
	@echo "make run     start the local stack for real use (Ctrl-C stops it)"
	@echo "make test    lint + all tests against real local services"
	@echo "make bench   pipeline benchmarks -> bench/report.md"
	@echo "make settings  every environment variable, its default and why"

setup: prereqs $(VENV)/.installed

prereqs:
	@$(PYTHON) local/prereqs.py --install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

run: setup
	$(BIN)/honcho -d . -f local/Procfile start

demo: setup
	$(BIN)/python -m local.demo

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench.pipeline

settings: $(VENV)/.installed
	@$(BIN)/python -m mediacore.settings

clean:
	rm -rf var .pytest_cache .ruff_cache

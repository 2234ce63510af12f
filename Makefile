# Aurum: `make run` opens the desk, `make test` checks it. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test lint bench demo clean-home help
.PHONY: e2e chromium reliability test-postgres

help:
	@echo "make run    - set up, seed a demo desk if empty, open the dashboard on 127.0.0.1:8501"
	@echo "make test   - set up, lint (ruff, mypy) and run the whole test suite"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - run the benchmarks in bench/ (figures go to docs/)"
	@echo "make reliability - 60 s soak and 40 kill -9 crash trials (figures for docs/RELIABILITY.md)"
	@echo "make test-postgres - the suite again on a throwaway PostgreSQL server (Debian packages)"
	@echo "make e2e    - dashboard browser tests (Debian chromium), screenshots to docs/screenshots"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,boost,postgres,dask,api,explain,onnx]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/aurum init
	$(BIN)/aurum demo --if-empty
	$(BIN)/aurum models
	$(BIN)/aurum dashboard

test: lint
	$(BIN)/python -m pytest

# The same suite on a real PostgreSQL server: installed from Debian if missing, started on a
# loopback port with a temporary data directory, stopped afterwards; every test gets its own
# database. The browser tests stay on SQLite (they drive the dashboard, not the database).
test-postgres: $(STAMP)
	$(BIN)/python -m tests.postgres_server --ignore=tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check engine dashboard tests bench
	$(BIN)/ruff format --check engine dashboard tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/features.py
	$(BIN)/python bench/learning.py
	$(BIN)/python bench/services.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/api_latency.py

# The soak and crash trials at their full setting (the test suite runs shorter ones).
reliability: $(STAMP)
	$(BIN)/python bench/soak.py --seconds 60
	$(BIN)/python bench/crash.py --trials 40
	$(BIN)/python -m pytest -q --hypothesis-show-statistics tests/fuzz tests/learner/test_signal_fuzz.py tests/config/test_config.py tests/test_ledger.py

# Browser tests use Debian's Chromium (never `playwright install`: its download fails here).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

e2e: $(STAMP) chromium
	$(BIN)/python -m pytest tests/e2e -m slow

# Aurum: `make run` opens the desk, `make test` checks it. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-12)
# `make run` installs what running needs; `make test` adds the dev tools and every extra.
RUN_STAMP := $(VENV)/.run-$(HASH)
STAMP := $(VENV)/.installed-$(HASH)
RUN_EXTRAS := api,explain

.PHONY: run test lint bench demo clean-home help
.PHONY: e2e chromium reliability test-postgres test-clock test-clock-week

help:
	@echo "make run    - set up, seed a demo desk if empty, open the dashboard on 127.0.0.1:8501"
	@echo "make test   - set up, lint (ruff, mypy) and run the whole test suite"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - run the benchmarks in bench/ (figures go to docs/)"
	@echo "make reliability - 60 s soak and 40 kill -9 crash trials (figures for docs/RELIABILITY.md)"
	@echo "make test-postgres - the suite again on a throwaway PostgreSQL server (Debian packages)"
	@echo "make test-clock - the time-sensitive tests with the clock on Sunday night and at the break"
	@echo "make test-clock-week - the same at every day of a week and around the daily break"
	@echo "make e2e    - dashboard browser tests (Debian chromium), screenshots retaken into docs/screenshots"

# The venv's own pip (23.2 with Python 3.11) installs everything here: upgrading it first cost
# 2 s of a first run. pip compiles every module it installs on one core, the packages' own test
# suites too (2,600 of 8,950 files for `make run`): it installs without compiling, then compileall
# compiles on every core, skipping `tests` folders, and our own engine and dashboard (an editable
# install is never compiled by pip). This machine sets PYTHONDONTWRITEBYTECODE, so what is not
# compiled here is compiled again by every process that imports it (docs/BENCHMARKS.md).
PIP_INSTALL := $(BIN)/python -m pip install -qq --no-compile
# (in braces: after `pip install ... &&` the note must not answer for a failed install)
COMPILE := { $(BIN)/python -m compileall -q -j 0 -x '/tests/' $(VENV)/lib engine dashboard \
	>/dev/null || echo "note: some files did not compile to bytecode; Python compiles them when imported"; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@test -f $(STAMP) || { echo "installing Aurum into $(VENV) (first run only)"; \
		$(PIP_INSTALL) -e ".[$(RUN_EXTRAS)]" && $(COMPILE); }
	rm -f $(VENV)/.run-*
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e ".[dev,boost,postgres,dask,onnx,$(RUN_EXTRAS)]"
	$(COMPILE)
	rm -f $(VENV)/.installed-* $(VENV)/.run-*
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/aurum init
	$(BIN)/aurum demo --if-empty
	$(BIN)/aurum models
	$(BIN)/aurum dashboard

# Two pytest workers (pytest-xdist): a test file is one unit of work (its module fixtures are
# built once) and the browser tests are one unit together, taken first (tests/scheduling.py):
# one worker drives them while the other runs the slow files beside it. A third worker was
# faster (7 min 54 s once) but crowded the soak below its floor of one action a second
# (docs/BENCHMARKS.md). The 20 slowest tests are listed at the end. TEST_WORKERS=0 runs in one
# process.
TEST_WORKERS ?= 2
# This machine sets PYTHONDONTWRITEBYTECODE. The test runs write bytecode: pytest then keeps each
# test module as rewritten for its asserts, and a later run's workers collect in 8.5 s, not 14.7.
test test-postgres test-clock: export PYTHONDONTWRITEBYTECODE :=
PYTEST_DIST := --dist loadfile --no-loadscope-reorder --durations=20
PYTEST_FAST := -n $(TEST_WORKERS) $(PYTEST_DIST)

# ruff first (a second); mypy (half a minute on one core) runs beside the tests at the lowest
# priority, in the time the tests leave a core idle (waiting on a browser or a subprocess), its
# output shown when they end; either failing fails `make test`.
test: $(STAMP)
	$(BIN)/ruff check engine dashboard tests bench
	$(BIN)/ruff format --check engine dashboard tests bench
	@log=$$(mktemp); echo "$(BIN)/mypy (beside the tests)"; nice -n 19 $(BIN)/mypy >$$log 2>&1 & typed=$$!; \
	$(BIN)/python -m pytest $(PYTEST_FAST); tests=$$?; \
	wait $$typed; types=$$?; echo "== mypy:"; cat $$log; rm -f $$log; \
	test $$types -eq 0 && exit $$tests; echo "mypy found type errors (above)"; exit 1

# The same suite on a real PostgreSQL server: installed from Debian if missing, started on a
# loopback port with a temporary data directory, stopped afterwards; every test gets its own
# database. The browser tests stay on SQLite (they drive the dashboard, not the database).
test-postgres: $(STAMP)
	$(BIN)/python -m tests.postgres_server $(PYTEST_FAST) --ignore=tests/e2e

# A test never depends on the day or hour it runs. The proof: the tests that build the demo desk
# or touch shadow trading, triggers, the scheduler, alerts, live metrics or data windows, run with
# the clock started at chosen instants (AURUM_TEST_CLOCK, tests/clock.py; Python subprocesses
# follow). Instants are in the past: files get the kernel's real time, which a clock ahead of it
# would make look older. CI runs test-clock (Sunday 23:51, where the suite once failed, and Friday
# 21:30, the daily break as the week closes: ~2 min each on 2 cores); test-clock-week covers every
# day of the week and both sides of the break.
CLOCK_TESTS ?= tests/test_clock.py tests/test_demo_start.py tests/shadow tests/scheduler \
	tests/alerts tests/test_triggers.py tests/regimes/test_trigger.py tests/test_controller.py
CLOCK_INSTANTS ?= 2026-12-06T23:51:00Z 2026-12-04T21:30:00Z
CLOCK_WEEK := 2026-11-30T09:00:00Z 2026-12-01T20:59:00Z 2026-12-02T21:00:00Z \
	2026-12-03T22:05:00Z 2026-12-04T21:30:00Z 2026-12-05T12:00:00Z 2026-12-06T21:59:00Z \
	2026-12-06T23:51:00Z 2026-12-07T00:16:00Z

test-clock: $(STAMP)
	@for at in $(CLOCK_INSTANTS); do \
		echo "== the time-sensitive tests with the clock started at $$at"; \
		AURUM_TEST_CLOCK=$$at $(BIN)/python -m pytest -q $(PYTEST_FAST) $(CLOCK_TESTS) || exit 1; \
	done

test-clock-week: $(STAMP)
	$(MAKE) test-clock CLOCK_INSTANTS="$(CLOCK_WEEK)"

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
	AURUM_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -m slow

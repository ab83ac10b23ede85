# The two commands: `make run` starts the whole local stack, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-full schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/hocvuso dev --state-dir .run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

schemas: $(STAMP)
	$(VENV)/bin/hocvuso schemas

clean:
	rm -rf $(VENV) .run .pytest_cache .mypy_cache

# The real services on Tansu and nx-27017; writes docs/PERFORMANCE.md and docs/performance.json.
bench: $(STAMP)
	$(PY) -m tests.bench

# Adds 1 million learners and restart-to-caught-up (up to an hour; not for CI).
bench-full: $(STAMP)
	$(PY) -m tests.bench --full

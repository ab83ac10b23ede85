# The two commands: `make run` starts the whole local stack, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench schemas clean

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

bench: $(STAMP)
	$(PY) -m tests.bench.bench_pipeline
	$(PY) -m tests.bench.bench_latency
	$(PY) -m tests.bench.bench_restart

# One root Makefile of short verbs; the work is done by Python under ops/.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup test test-fast lint bench clean

setup:
	@$(PYTHON) ops/bootstrap.py

test: setup lint
	@$(PY) -m pytest -q

test-fast: setup
	@$(PY) -m pytest -q -m "unit"

lint: setup
	@$(PY) -m ruff check --quiet apps ops tests
	@$(PY) -m mypy

bench: setup
	@$(PY) -m ops.bench

clean:
	rm -rf $(VENV) .cache .run

# Two commands on a fresh machine with Python 3.11 and make: `make demo`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint install clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rtms-predict simulate --n 500 --seed 0 --out data/cohort.csv --truth data/truth.csv
	$(BIN)/rtms-predict validate data/cohort.csv
	$(BIN)/rtms-predict train --config configs/default.yaml --data data/cohort.csv --n-jobs 2

# Everything CI runs: lint, types, the default suite and the slow end-to-end tests.
test: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -m "slow or not slow"

# The default suite only (a few minutes on 2 cores).
test-fast: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# ClearPost: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
PG_URL ?= postgres://postgres@127.0.0.1:5432/clearpost
export CLEARPOST_DATA_DIR ?= $(CURDIR)/var

.PHONY: run setup test test-sqlite test-postgres lint typecheck bench deps venv clean

deps:
	@bash scripts/system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==0.13.8

$(VENV)/.synced: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(UV) pip sync -q --compile-bytecode --python $(BIN)/python requirements/dev.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

venv: $(VENV)/.synced

setup: deps venv
	$(BIN)/clearpost setup

run: setup
	$(BIN)/clearpost serve

lint: venv
	$(BIN)/ruff check src scripts bench
	$(BIN)/ruff format --check src scripts bench
	$(BIN)/python scripts/gen_catalog.py --check

typecheck: venv
	$(BIN)/mypy

# Tests get a throw-away data folder: keys, outbox and media never touch ./var.
test-sqlite: deps venv
	DATABASE_URL= CLEARPOST_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -n 2 -p no:cacheprovider

test-postgres: deps venv
	DATABASE_URL=$(PG_URL) CLEARPOST_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -n 2 -p no:cacheprovider

test: lint typecheck test-sqlite test-postgres

$(VENV)/.bench: requirements/bench.lock $(VENV)/.synced
	$(UV) pip install -q --python $(BIN)/python -r requirements/bench.lock
	touch $@

bench: deps venv $(VENV)/.bench
	@bash scripts/system-deps-bench.sh
	$(BIN)/python -m bench

lock:
	$(UV) pip compile -q pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.lock
	$(UV) pip compile -q pyproject.toml --group dev --python-version 3.11 --generate-hashes -o requirements/dev.lock
	$(UV) pip compile -q pyproject.toml --group dev --group bench --python-version 3.11 --generate-hashes -o requirements/bench.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache

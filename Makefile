# ccm: `make run` serves a demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export CCM_DATA_DIR ?= $(CURDIR)/var
PORT ?= 8000
HOST ?= 127.0.0.1

# The newest Python ≥ 3.12 that actually runs: python3.13, python3.12, then python3;
# pyenv installs that are not on the PATH's active version are found too.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	  then command -v $$c; break; fi; done)

.PHONY: install run test fast lint typecheck check-python clean demo bench fuzz

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "ccm needs Python 3.12 or newer: none of python3.13, python3.12 or python3 (>= 3.12) was found." >&2; \
	  echo "Install Python 3.12+ (e.g. apt install python3.12 python3.12-venv) and run make again." >&2; \
	  exit 1; fi

$(BIN)/ccm: pyproject.toml | check-python
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(BIN)/ccm

install: $(BIN)/ccm

run: install
	@mkdir -p "$(CCM_DATA_DIR)"
	$(BIN)/ccm demo
	$(BIN)/ccm serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy --strict src/ccm src/ccmweb

# The whole suite on both cores (pytest-xdist, tests/conftest.py's scheduler; PYTEST_ARGS="-n 0"
# for one process). Bytecode is cached (__pycache__, ignored by git) even where the environment
# says PYTHONDONTWRITEBYTECODE: else each worker rewrites every test module's asserts again
# (collection 7.6 s against 4.0 s) and each `ccm` subprocess a test starts compiles ccm again.
test: install lint typecheck
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $${CCM_TEST_PROCESSES:-2} $(PYTEST_ARGS)

# The inner loop: the pure core (rules, parsers, writers), no database, on both cores: ~8 s
# (~11 s in one process; pytest's -q is already in pyproject's addopts, a second hides the count).
fast: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest tests/core -n 2 $(PYTEST_ARGS)

# Every parser's fuzz suite for long (tests/fuzz; `make test` runs each briefly): 100,000
# inputs a parser unless CCM_FUZZ_EXAMPLES says otherwise; figures printed at the end.
fuzz: install
	CCM_FUZZ_EXAMPLES=$${CCM_FUZZ_EXAMPLES:-100000} $(BIN)/python -m pytest tests/fuzz -q

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

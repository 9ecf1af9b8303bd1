# Playbook: `make serve` sets up and serves the example playbook (`make serve PORT=8001` on
# another port); `make test` runs the tests.
# Everything installs from nothing: a virtualenv in .venv and, where missing, Debian's
# graphviz (for `dot`) and chromium (for the browser test).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test
PORT   ?= 8000
APT     = $(shell command -v apt-get 2>/dev/null)
SUDO    = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install setup system-deps browser-deps validate build serve test fuzz bench bench-quick lint clean

# `make serve` installs the package only (`install`); `setup` adds the tests' tools for
# `make test` and `make lint`. pip's own lines show the progress of a first install.
install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV): Playbook and its dependencies (the first time takes a minute or two)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar off --upgrade pip | grep -v '^Requirement already' || true
	$(BIN)/python -m pip install --progress-bar off -e . | grep -E '^(Collecting|Installing|Successfully|ERROR)' || true
	$(BIN)/python -c 'import revenue_playbook'
	touch $(STAMP)

setup: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "Installing the test tools (pytest, Playwright, ruff, mypy...)"
	$(BIN)/python -m pip install --progress-bar off -e '.[test]' | grep -E '^(Collecting|Installing|Successfully|ERROR)' || true
	$(BIN)/python -c 'import pytest, playwright, ruff, mypy'
	touch $(TEST_STAMP)

# Graphviz's `dot` renders the diagrams.
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ -n "$(APT)" ]; then \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz's 'dot' is missing: install graphviz (e.g. 'brew install graphviz' or your system's package manager)." >&2; exit 2; \
	  fi; }

# Debian's Chromium, driven by Playwright in the browser test (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ -n "$(APT)" ]; then \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install it so /usr/bin/chromium exists, or run 'pytest -m \"not browser\"'." >&2; exit 2; \
	  fi; }

validate: install
	$(BIN)/playbook validate --strict

build: install system-deps
	$(BIN)/playbook build

serve: install system-deps
	PLAYBOOK_SERVE_HINT='make serve PORT={port}' $(BIN)/playbook serve -a 127.0.0.1:$(PORT)

test: setup system-deps browser-deps
	$(BIN)/python -m pytest

# The long fuzz profile: 10,000 cases per fuzz property and 1,000 whole-site output-safety
# cases (the quick profile of both runs in `make test`).
fuzz: setup system-deps
	PLAYBOOK_FUZZ_EXAMPLES=10000 PLAYBOOK_SAFETY_EXAMPLES=1000 $(BIN)/python -m pytest -q \
	  -p no:cacheprovider --hypothesis-show-statistics \
	  tests/test_fuzz_mutations.py tests/test_output_safety.py

# Every figure as a ratio against its reference measured in the same run; both write
# benchmarks/results.json and playbook/benchmarks.md. The full profile (scales 1, 10, 100)
# is for a quiet machine; bench-quick is the bounded profile (scales 1 and 10), within
# 10 minutes on 2 busy cores.
bench: install system-deps
	$(BIN)/python benchmarks/run.py

bench-quick: install system-deps
	$(BIN)/python benchmarks/run.py --quick

# ruff on everything, mypy on the package (settings in pyproject.toml); CI runs it first.
lint: setup
	$(BIN)/ruff check generator benchmarks tests
	$(BIN)/mypy

clean:
	rm -rf site .cache .pytest_cache

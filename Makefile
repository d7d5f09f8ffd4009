# Two entry points for a fresh machine with Python 3.11, git and make:
#   make serve  - set up .venv, check and build the sample KB, serve it on http://127.0.0.1:8000,
#                 rebuilding on every edit (open pages reload themselves)
#   make test   - set up .venv with the test tools (and Chromium), run the whole pytest suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock 2>/dev/null | cksum | cut -d' ' -f1)
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve test check lint format bench clean browser

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

check: install
	$(BIN)/kb check

# `kb serve --watch` builds first, then again after every change.
serve: install
	$(BIN)/kb check
	$(BIN)/kb serve --watch --port $(PORT)

# Chromium, and Telugu fonts so the screenshots of the Telugu sites show text, not boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi telu; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-telu >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-telu >/dev/null; fi; } \
	  || echo "chromium could not be installed: browser tests will be skipped"

test: install browser
	$(BIN)/ruff check plugins tests benchmarks
	$(BIN)/ruff format --check plugins tests benchmarks
	$(BIN)/python -m pytest -q --durations=12

lint: install
	$(BIN)/ruff check plugins tests benchmarks
	$(BIN)/ruff format --check plugins tests benchmarks

format: install
	$(BIN)/ruff format plugins tests benchmarks
	$(BIN)/ruff check --fix plugins tests benchmarks

bench: install
	$(BIN)/python benchmarks/check.py

clean:
	rm -rf site .kb $(VENV)

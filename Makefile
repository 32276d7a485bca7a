# feedcare developer and demo entry points. Needs only python3 (>= 3.11) on PATH.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test test-fast lint bench bench-quick docs clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-dev

## demo: install feedcare in .venv and run the example analysis (ingest -> tokens -> topics -> themes)
demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/analysis.sh

## test: install feedcare with the dev extras in .venv and run the whole test suite
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

## test-fast: the suite without the tests marked slow (@pytest.mark.slow): for while you work
test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "not slow"

## lint: ruff over the sources and tests
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check cli corpus topics tests benchmarks

## docs: regenerate docs/cli.md from --help
docs: $(VENV)/.installed-dev
	$(BIN)/python docs/gen_cli_reference.py

## bench: the full benchmark suite (10k, 100k, 1M comments); writes docs/performance.md
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run

## bench-quick: the suite at 10k comments, small comparisons (under two minutes); writes benchmarks/out/performance-quick.md
bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run --quick

clean:
	rm -rf $(VENV) examples/out build *.egg-info

## browser: install Debian's Chromium (root) so the HTML report tests run instead of skipping
browser:
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

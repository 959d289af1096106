# The two commands of the quick start:
#   make serve   create .venv, install the workbench, serve it on the shipped sample data
#   make test    create .venv, install the workbench with test extras, the example extensions,
#                a Jupyter kernel and (as root, when missing) Debian's Chromium; lint (ruff),
#                type-check (mypy) and run the whole suite
#                (fast tier: make test PYTEST_ARGS="-m 'not ui and not slow'")
# Everything else here is a building block of those two.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5006
PYTEST_ARGS ?=
DOCS_EXECUTE ?= 0

.PHONY: serve test install browser lint typecheck format docs screenshots bench clean help

help:
	@echo "make serve   serve the workbench on the shipped sample data (http://localhost:$(PORT))"
	@echo "make test    run the whole test suite (installs everything it needs)"
	@echo "make lint    ruff check + format check"
	@echo "make typecheck  mypy on workbench/"
	@echo "make docs    build the HTML docs (API reference, guides, tutorials) into docs/_build/html"
	@echo "make screenshots  refresh docs/screenshots/ from the browser tests"
	@echo "make bench   run every benchmark in benchmarks/"

$(STAMP): pyproject.toml $(wildcard extensions/*/pyproject.toml)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,docs]"
	@for ext in extensions/*/; do \
	  if [ -f "$$ext/pyproject.toml" ] && [ "$$ext" != "extensions/template/" ]; then \
	    echo "installing example extension $$ext"; \
	    $(BIN)/python -m pip install --quiet -e "$$ext" || exit 1; \
	  fi; \
	done
	$(BIN)/python -m ipykernel install --sys-prefix --name workbench --display-name "Python (workbench)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/nginx ] && fc-list 2>/dev/null | grep -qi "wenquanyi\|zenhei"; then \
	  echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null); $$(/usr/sbin/nginx -v 2>&1)"; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "installing Debian's chromium, a CJK font and nginx (reverse-proxy recipe) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei nginx >/dev/null; \
	elif [ -x /usr/bin/chromium ]; then \
	  echo "note: no CJK font found (apt-get install fonts-wqy-zenhei); Chinese names will show as boxes in screenshots"; \
	else \
	  echo "error: the browser tests need Debian's chromium at /usr/bin/chromium; run 'sudo apt-get install -y chromium' or run make test as root" >&2; \
	  exit 1; \
	fi

serve: install
	$(BIN)/workbench serve --port $(PORT)

test: install browser lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check workbench tests benchmarks docs/conf.py setup.py
	$(BIN)/ruff format --check workbench tests benchmarks docs/conf.py setup.py

typecheck: install
	$(BIN)/mypy workbench

# Warnings are errors. Notebooks are rendered without running; DOCS_EXECUTE=1 runs them too.
docs: install
	WORKBENCH_DOCS_EXECUTE=$(DOCS_EXECUTE) $(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html
	@echo "docs: docs/_build/html/contents.html"

# The browser tests write their screenshots to test-results/screenshots/; this target writes
# them into the tracked docs/screenshots/ instead, on purpose.
screenshots: install browser
	WORKBENCH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -m ui -p no:cacheprovider tests/ui

format: install
	$(BIN)/ruff format workbench tests benchmarks docs/conf.py setup.py

bench: install
	@for b in benchmarks/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-results docs/_build docs/api/generated docs/tutorials

# oneplan — two commands (see README):
#   make run    set up, build the sample central database, write the default reports
#   make test   set up, run the whole test suite
#   make national  every province's reports and the national ones (docs/batch.md)
# Both create .venv when missing and install into it; `make setup` also installs Chromium
# (for PDFs) from Debian packages when it is missing and the machine allows it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup run national test bench clean system-deps

setup: $(VENV)/.installed system-deps

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

system-deps:
	sh scripts/install-system-deps.sh

run: setup
	$(BIN)/oneplan build-sample
	$(BIN)/oneplan report

# every province's reports and the national ones (resumable: re-running redoes only what
# failed or changed; see docs/batch.md)
national: setup
	test -f data/oneplan.duckdb || $(BIN)/oneplan build-sample
	$(BIN)/oneplan report --all

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf reports/[0-9]* reports/index.html reports/last_batch.json data/oneplan.duckdb

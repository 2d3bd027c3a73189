# oneplan — two commands (see README):
#   make run    set up, build the sample central database (when missing), write the whole
#               national set: every province's reports, the national overview, the
#               cookbooks and the portal (resumable: a re-run redoes only what changed)
#   make test   set up, run the whole test suite
#   make quick  the three default provinces only, from a fresh sample (docs/batch.md)
# Both create .venv when missing and install into it; `make setup` also installs Chromium
# (for PDFs) from Debian packages when it is missing and the machine allows it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup run quick test clean system-deps notebooks pg-up pg-down national-pg

setup: $(VENV)/.installed system-deps

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

system-deps:
	sh scripts/install-system-deps.sh

run: setup
	test -f data/oneplan.duckdb || $(BIN)/oneplan build-sample
	$(BIN)/oneplan report --all

# the three default provinces only (Khon Kaen, Roi Et, Surin), from a fresh sample
quick: setup
	$(BIN)/oneplan build-sample
	$(BIN)/oneplan report

test: setup
	$(BIN)/python -m pytest

# after editing notebooks/<name>.py (or the .ipynb in JupyterLab): bring each pair in step
notebooks: $(VENV)/.installed
	$(BIN)/jupytext --sync notebooks/*.py

clean:
	rm -rf reports/[0-9]* reports/index.html data/oneplan.duckdb

# the shared central database on the project's own PostgreSQL server (docs/postgres.md):
# installs Debian's postgresql when missing, starts it on 127.0.0.1:55432, prints its URL
pg-up:
	sh scripts/pg-server.sh start

pg-down:
	sh scripts/pg-server.sh stop

# the national set read from the server (docs/postgres.md): start it, build the sample file
# when missing, make the schema, copy the file into the (empty) server database, then every
# report into reports-pg/. A second run reuses the server's copy (delete it with --replace).
PG_URL = $$(sh scripts/pg-server.sh url)
national-pg: setup pg-up
	test -f data/oneplan.duckdb || $(BIN)/oneplan build-sample
	$(BIN)/oneplan db init --db "$(PG_URL)"
	$(BIN)/oneplan db copy data/oneplan.duckdb "$(PG_URL)" --replace
	ONEPLAN_DB="$(PG_URL)" $(BIN)/oneplan report --all --out reports-pg

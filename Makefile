# budgetwatch: `make demo` runs the main job, `make test` passes the tests.
# Both create .venv and install the project into it on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Serve the sample portal and an SMTP capture on 127.0.0.1, run two full cycles into
# demo-out/demo.db, and show the alerts and the mail (saved as demo-out/mail/*.eml).
demo: install
	$(BIN)/budgetwatch demo --out demo-out

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each benchmark prints its figure and a ratio against a baseline run in the same process.
bench: install
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/crawl.py --pages 6000
	$(BIN)/python bench/monitor.py --postgres-url $${BUDGETWATCH_BENCH_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache build *.egg-info

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

# Extract the bundled sample disclosures into a fresh SQLite file and show the figures.
demo: install
	rm -rf demo-out && mkdir -p demo-out
	$(BIN)/budgetwatch extract --store --db sqlite:///demo-out/demo.db samples/
	@echo "stored in demo-out/demo.db"

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/extract.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache build *.egg-info

# consult — run `make help` for the list of targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
LOCALES := fr es ar ru zh pt
STAMP := $(VENV)/.installed
POT ?= translations/messages.pot

.PHONY: help install run test lint typecheck pytest migrate demo extract update-catalogs \
        compile-catalogs new-catalog clean bench test-reliability

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its development tools

compile-catalogs: $(STAMP) ## Compile translations/*.po into .mo files
	$(BIN)/pybabel compile --statistics -d translations

migrate: $(STAMP) ## Apply database migrations (SQLite in instance/ unless CONSULT_DATABASE_URL)
	$(FLASK) db upgrade

demo: migrate ## Load the fictional demo organisation if the database is empty
	$(FLASK) consult demo --if-empty

run: compile-catalogs demo ## Set up everything and serve the app on 127.0.0.1:$(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP) ## ruff check, ruff format --check, and bandit (medium and high severity)
	$(BIN)/ruff check consult tests bench migrations/env.py
	$(BIN)/ruff format --check consult tests bench
	$(BIN)/bandit -ll -q -r consult

typecheck: $(STAMP) ## mypy on the package
	$(BIN)/mypy

# Test files are shared out among one worker per core (pytest-xdist); PYTEST_WORKERS=0 runs
# them in this process.
PYTEST_WORKERS ?= auto

pytest: compile-catalogs ## Run the test suite (SQLite, plus PostgreSQL when CONSULT_TEST_DATABASE_URL is set)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck pytest ## Lint, types, tests (CI runs this, then test-reliability)

test-reliability: compile-catalogs ## gunicorn under load, workers killed, a backup restored, a flood held; both databases (~2 min)
	$(BIN)/pytest -m reliability tests/reliability $(PYTEST_ARGS)

bench: compile-catalogs ## Benchmarks against baselines in the same run; writes bench/results.json (~5 min)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

extract: $(STAMP) ## Extract UI strings into translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _ln:1,2 -k N_ -k lazy_pgettext:1c,2 --no-location --sort-output \
	  --project consult --copyright-holder "consult contributors" \
	  --msgid-bugs-address "" -o $(POT) . >/dev/null

update-catalogs: extract ## Merge the .pot into every catalog
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete

new-catalog: extract ## Start a catalog: make new-catalog LOCALE=ru
	$(BIN)/pybabel init -i translations/messages.pot -d translations -l $(LOCALE)

clean: ## Remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

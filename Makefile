# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test test-fast lint install install-test lock migrate seed migration assets clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the service, creates or upgrades the SQLite database, loads the demo data, then serves it with a
# task-queue worker beside the web server (match runs, emails written to this terminal, scheduled jobs).
# Ctrl+C stops both.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed reference
	$(BIN)/flask seed demo
	@echo "Serving on http://127.0.0.1:$(PORT) with a background worker (Ctrl+C to stop both)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask tasks worker & worker=$$!; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Installs the service with its test tools and runs the whole suite (set TEST_DATABASE_URL for PostgreSQL).
# Two workers by default (pytest-xdist): each gets its own database. PYTEST_ARGS="-n 0 -x" runs in one process.
PYTEST_ARGS ?= -n auto
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The gate CI runs before the tests: ruff (lint, then format check), mypy (the matching library and the services
# strictly, the web layer with annotations optional), and the import-linter contracts in pyproject.toml (the library
# stays pure; services import nothing of the web).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite without the browser tests (Chromium is slow to drive), for the edit-and-test loop; `make test` before pushing.
test-fast: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not browser"

# Both install the exact versions pinned in requirements.lock (`make lock` refreshes it from pyproject.toml).
install: $(BIN)/activate
	$(BIN)/pip install --quiet -c requirements.lock -e .

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'

# Re-pin every dependency (and its dependencies) to the newest versions pyproject.toml allows; commit the result.
lock: $(BIN)/activate
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --extra test --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml

# The next numbered revision, from what changed in the models since the last one:
#   make migration MESSAGE="what changed"
# Review it before committing: a rename comes out as a drop and a create (see 0002 for one that keeps the rows).
migration: install
	@test -n "$(MESSAGE)" || { echo 'Say what changed: make migration MESSAGE="..."'; exit 1; }
	rm -f instance/migration-check.db
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-check.db $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-check.db $(BIN)/flask db migrate \
		--rev-id $$(printf '%04d' $$(($$(sed 's/^0*//' migrations/.current-alembic-head) + 1))) -m "$(MESSAGE)"
	rm -f instance/migration-check.db
	$(BIN)/flask db heads | cut -d' ' -f1 > migrations/.current-alembic-head

# Rebuild the committed CSS and JS from assets/ (needs Node.js and npm; a fresh clone does not).
assets:
	cd assets && npm ci && npm run build

clean:
	rm -rf $(VENV) instance .pytest_cache

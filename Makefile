# Sovra: install, demo, serve, test. GNU make; `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Re-installing is skipped until pyproject.toml changes (or the venv is removed).
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

# WeasyPrint's libraries and fonts, the browser for the `browser` tests, and poppler's
# pdftotext/pdffonts that the report tests read PDFs with, and wrk, the load benchmark's client.
SYSTEM_PACKAGES := chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 poppler-utils wrk

# The embedded default: SQLite in var/ and Celery tasks in-process, whatever the shell exports.
# DEBUG, because it runs on the development secret key, which is refused without it.
EMBEDDED := env -u DATABASE_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
	DJANGO_SETTINGS_MODULE=portal.settings.base DJANGO_DEBUG=true

.PHONY: help install system-deps demo run test image-check lock bench lint format clean

help:
	@echo "make install      create .venv and install Sovra with its dev tools"
	@echo "make demo         embedded database, demo organization, an assessment and its PDF"
	@echo "make run          serve the portal on http://$(HOST):$(PORT)/"
	@echo "make test         lock, migrations and lint checks, and the whole suite on PostgreSQL"
	@echo "make image-check  build the image's environment from uv.lock as docker/Dockerfile does"
	@echo "                  (no Docker needed), then migrate, load the catalog, compute a run and its PDF"
	@echo "make lock         update uv.lock after changing the dependencies in pyproject.toml"
	@echo "make bench        run the benchmarks"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make system-deps  install the Debian packages the reports and tests need"
	@echo "make clean        remove caches and collected static files (keeps .venv and data)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@$(BIN)/uv --version >/dev/null 2>&1 || $(PY) -m pip install --quiet --disable-pip-version-check uv
	@# Compiled as the image is (UV_COMPILE_BYTECODE): with PYTHONDONTWRITEBYTECODE set, as on
	@# many machines, every process would otherwise compile each module it imports afresh.
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]'
	@touch $@

# The project's own modules too (an editable install leaves them to the importer); only what
# changed is compiled again.
install: $(STAMP)
	@$(PY) -m compileall -q -j 0 assessments costing portal benchmarks tests >/dev/null

system-deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
		dpkg -s "$$package" >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "System packages: all present."; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "System packages missing:$$missing (no apt-get here: install them by hand)."; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "System packages missing:$$missing"; \
		echo "Skipping: installing them needs root (sudo make system-deps)."; \
		echo "PDF reports (the demo's too) and browser tests need them."; \
	else \
		echo "Installing system packages:$$missing"; \
		apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

var:
	@mkdir -p var

demo: install system-deps | var
	$(EMBEDDED) $(MANAGE) migrate --noinput
	$(EMBEDDED) $(MANAGE) collectstatic --noinput --verbosity 0
	$(EMBEDDED) $(MANAGE) seed_public_models
	$(EMBEDDED) $(MANAGE) load_public_catalog
	@$(EMBEDDED) $(MANAGE) demo
	@$(EMBEDDED) $(MANAGE) demo_assessment

run: install | var
	$(EMBEDDED) $(MANAGE) migrate --noinput --verbosity 0
	$(EMBEDDED) $(MANAGE) collectstatic --noinput --verbosity 0
	$(EMBEDDED) $(MANAGE) runserver $(HOST):$(PORT)

test: install system-deps | var
	@# uv.lock, which the image installs, must still match pyproject.toml.
	$(BIN)/uv lock --check
	$(EMBEDDED) $(MANAGE) makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(EMBEDDED) $(MANAGE) collectstatic --noinput --verbosity 0
	@# pytest exits 5 when it collects nothing: an empty run is a failure, not a pass.
	@echo "$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations 15 --create-db"
	@$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations 15 --create-db || { \
		status=$$?; \
		if [ $$status -eq 5 ]; then echo "pytest collected no tests." >&2; fi; \
		exit $$status; }

# The test replays docker/Dockerfile's install (docker/install.sh) into a fresh environment and
# computes a run in it on a database of its own, created on DATABASE_URL's PostgreSQL server.
image-check: install system-deps
	$(BIN)/pytest -m image -p no:cacheprovider tests/portal/test_image.py

lock: install
	$(BIN)/uv lock

bench: install system-deps
	$(PY) benchmarks/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/staticfiles .ruff_cache .pytest_cache .coverage htmlcov build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

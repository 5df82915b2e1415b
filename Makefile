# e-SPM task runner. Quick start: `make run` (demo on SQLite), `make test` (whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     ?= .venv
PY       := $(VENV)/bin/python
UV       := $(VENV)/bin/uv
UV_VERSION := 0.13.8
# Python >= 3.12: pyenv's shims honour .python-version; otherwise the first one found.
PYTHON_BOOT ?= $(shell for p in python3 python3.13 python3.12; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

# The suite's services (this machine's defaults; override in the environment).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/espm
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS    ?= 2
# What also runs on SQLite (the embedded default): page cases of the isolation matrix (not the
# API's), the audit trail, the SQLite settings (WAL, IMMEDIATE transactions under parallel writes)
# and the period opening's set-based SQL.
SQLITE_LANE := tests/test_isolation_matrix.py tests/test_audit_trail.py tests/test_sqlite.py tests/test_period_opening_parts.py tests/test_maintained_figures.py tests/test_figures_ended_regions.py tests/test_dashboard_consistency.py -k "not (test_isolation and api)"
APT_PACKAGES := chromium chromium-driver poppler-utils gettext fonts-dejavu-core fonts-liberation \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client redis-tools \
	docker-compose

.PHONY: help venv run serve test lint typecheck pytest system-deps check-services bench loadtest loadtest-steps mutate clean

help:
	@echo "make run    — install, migrate, load regions + catalog, seed the demo, serve on :8000"
	@echo "make test   — lint, type-check and the whole suite on PostgreSQL + Redis + Chromium"
	@echo "make bench  — national-scale benchmarks (PostgreSQL; see README, Performance)"
	@echo "make loadtest — deadline-rush load test (Locust; LOAD_USERS=200 LOAD_DURATION=2m)"
	@echo "make loadtest-steps — the rush at 200, 400, 800, 1000, 1200 users and the knee table"
	@echo "make mutate — mutation testing of the rule modules (mutmut; see docs/testing.md)"

$(VENV)/.installed: requirements/dev.lock pyproject.toml
	@test -n "$(PYTHON_BOOT)" || { echo "Python >= 3.12 not found (python3, python3.13, python3.12)"; exit 1; }
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync -q --python $(PY) requirements/dev.lock
	$(UV) pip install -q --python $(PY) uv==$(UV_VERSION)
	@touch $@

venv: $(VENV)/.installed

# ---------------------------------------------------------------- run (embedded default)
run: venv
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_regions
	$(PY) manage.py load_catalog
	$(PY) manage.py load_nomenclature
	$(PY) manage.py seed_demo
	@echo ""
	@echo "e-SPM berjalan di http://127.0.0.1:8000  (Ctrl+C untuk berhenti)"
	DEBUG=1 SECURE_HTTPS=0 $(PY) manage.py runserver 127.0.0.1:8000

# ---------------------------------------------------------------- test (PostgreSQL, Redis, Chromium)
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

check-services:
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint --quiet

typecheck: venv
	$(VENV)/bin/mypy espm regions indicators reporting

pytest: venv system-deps check-services
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" SECURE_HTTPS=0 \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not celery_worker" $(PYTEST_ARGS)
	@# The real-worker tests run on their own, in one process: a worker thread must not share
	@# the machine's broker and test database with the browser tests of a parallel run.
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" SECURE_HTTPS=0 \
		$(VENV)/bin/pytest -p no:xdist -m celery_worker $(PYTEST_ARGS)
	@# The embedded default of `make run` (SQLite, no Redis): the matrix's page cases, the audit
	@# trail and the SQLite settings. Each lane is its own recipe line, so any failure stops make.
	env -u DATABASE_URL -u REDIS_URL SECURE_HTTPS=0 \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(SQLITE_LANE) $(PYTEST_ARGS)

test: venv system-deps lint typecheck pytest

# ---------------------------------------------------------------- benchmarks (not part of test)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/espm_bench
# The rush's web workers share their cache and sessions through Redis, as in production
# (this database is emptied at each step; empty = no Redis, as `make run`).
BENCH_REDIS_URL    ?= redis://127.0.0.1:6379/13
bench: venv system-deps check-services
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) bench/run.py

LOAD_USERS    ?= 200
LOAD_DURATION ?= 2m
loadtest: venv check-services
	DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_REDIS_URL="$(BENCH_REDIS_URL)" $(PY) bench/loadtest.py --users $(LOAD_USERS) --duration $(LOAD_DURATION)

# The rush upward, one step after another, and the knee table (docs/performance.md).
LOAD_STEPS ?= 200,400,800,1000,1200
loadtest-steps: venv check-services
	DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_REDIS_URL="$(BENCH_REDIS_URL)" $(PY) bench/loadtest.py --steps $(LOAD_STEPS) --duration $(LOAD_DURATION)

# ---------------------------------------------------------------- mutation testing (not part of test)
# mutmut copies the code into mutants/ and runs the tests of [tool.mutmut] in pyproject.toml
# against each mutant of the rule modules, on its own test database kept between runs
# (--reuse-db; seeded once) and without Redis. Results are cached in mutants/ (only changed
# code is re-run); `make mutate MUTANTS='reporting.rules.capaian*'` runs a subset;
# `rm -rf mutants` starts afresh. Low priority (nice), MUTATE_CHILDREN processes at once.
MUTATE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/espm_mutate
MUTATE_CHILDREN     ?= 2
MUTANTS             ?=
mutate: venv
	env -u REDIS_URL DATABASE_URL="$(MUTATE_DATABASE_URL)" SECURE_HTTPS=0 \
		nice -n 19 $(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	$(PY) scripts/mutation_summary.py

clean:
	rm -rf mutants $(VENV) staticfiles db.sqlite3 private

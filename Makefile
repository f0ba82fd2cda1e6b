# Everyday commands. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails point where `make run` serves (make run PORT=8201 -> http://127.0.0.1:8201).
CLINIC_SITE_URL ?= http://$(HOST):$(PORT)
APT_PACKAGES_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
APT_PACKAGES_TEST := chromium poppler-utils

# pytest-xdist: the suite in two processes, each with its own test database, cache keys, Celery
# queue and folders (clinic/settings/test.py). PYTEST_XDIST="-n 0" runs it in this one process.
PYTEST_XDIST ?= -n 2 --dist loadfile

.PHONY: run test venv sysdeps-run sysdeps-test services lint format bench totp clean

# axe-core, which the browser tests inject into every page (package-lock.json pins it).
NODE_STAMP := node_modules/.package-lock.json

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

# System packages, installed only where missing (root on these machines; sudo elsewhere).
sysdeps-run:
	@missing=""; for p in $(APT_PACKAGES_RUN); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi

sysdeps-test: sysdeps-run
	@missing=""; for p in $(APT_PACKAGES_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi
	@command -v npm >/dev/null || { echo "Installing npm"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

# PostgreSQL and Redis for the test suite: start them if they are installed but stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
	@psql -h 127.0.0.1 -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'clinic'" | grep -q 1 || createdb -h 127.0.0.1 clinic

# Web, worker and beat are started by bin/serve (the test of Ctrl-C runs the same script).
run: venv sysdeps-run
	@mkdir -p var/mail
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)  (e-mails are written to var/mail, their links to $(CLINIC_SITE_URL); Ctrl-C stops everything)"
	@HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) CLINIC_SITE_URL=$(CLINIC_SITE_URL) bin/serve

test: venv sysdeps-test services $(NODE_STAMP)
	DJANGO_SETTINGS_MODULE=clinic.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv services
	DJANGO_SETTINGS_MODULE=clinic.settings.test $(PY) -m bench

# The current one-time code of a demo staff account: make totp EMAIL=anna@clinic.example
totp: venv
	@$(PY) manage.py demo_totp $(EMAIL)

clean:
	rm -rf var screenshots bench/results node_modules

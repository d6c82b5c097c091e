# The two commands: `make run` (set up, index, serve) and `make test` (set up, test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup index check verify import-tables chromium postgresql nginx redis node toolchain bench lint clean

run: setup
	$(BIN)/synapse serve --host $(HOST) --port $(PORT)

test: setup chromium postgresql nginx redis node toolchain
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

index: setup
	$(BIN)/synapse index

check: setup
	$(BIN)/synapse check

# Every Python block of every entry, with its imports installed from PyPI (cached venvs), and the
# tests that need packages from PyPI (tests/verify). Run before every corpus change.
verify: setup
	$(BIN)/synapse verify --full
	$(BIN)/python -m pytest -q tests/verify -p no:cacheprovider -o addopts=""

# The migration entries' tables of moved imports, tried in throwaway venvs of the old and the new
# releases from PyPI; rewrites solutions/data/import-tables/*.json, which tests/corpus reads.
# `make import-tables IMPORT_TABLES_ARGS="--entry langgraph-api-moved"` checks one entry.
import-tables: setup
	nice $(BIN)/python -m app.corpus.import_tables $(IMPORT_TABLES_ARGS)

# Debian's Chromium (and its chromedriver, which the Selenium entries' doctor finds) for the browser
# tests; skipped when they are installed.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# Prints the figures only; `make bench BENCH_ARGS=--write-docs` also rewrites docs/performance.md.
# Debian's PostgreSQL server for the tests of the second storage engine (they start their own
# server in a temporary folder, as the unprivileged postgres user); skipped when it is installed.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Debian's Redis server (with redis-cli, and its old RediSearch 1.2 module for the search entry's
# test) for the verified-fix tests of the Redis entries, which start their own servers on free
# ports; skipped when they are installed.
redis:
	@if [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/bin/redis-cli ] || [ ! -f /usr/lib/redis/modules/redisearch.so ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-redisearch >/dev/null; \
	fi

# Debian's nginx for tests/web/test_load_balancer.py, which runs deploy/nginx.conf in front of real
# nodes (openssl makes its certificate); skipped when it is installed.
nginx:
	@if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/openssl ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl >/dev/null; \
	fi

# Debian's Node.js and npm for the verified-fix tests of the Node entries (ES modules, missing
# modules, npx's cache, engines); skipped when node and npm are already on PATH.
node:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi

# Debian's C and C++ toolchain (gcc, g++, binutils' nm), the headers of the Python the venv runs and
# SQLite's extension header, for the verified-fix tests that build a real extension module, library or
# SQLite extension and load it; skipped when they are installed.
toolchain:
	@if ! command -v gcc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1 || ! command -v nm >/dev/null 2>&1 \
		|| [ ! -f /usr/include/sqlite3ext.h ] \
		|| [ ! -f "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc g++ binutils python3-dev \
			libsqlite3-dev >/dev/null; \
	fi

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

# ruff (lint and format), mypy (types), import-linter (the rooms' import rules in pyproject.toml).
lint: setup
	$(BIN)/ruff check app skill tests bench
	$(BIN)/ruff format --check app skill tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var

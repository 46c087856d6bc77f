# Two commands for a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_PASSWORD ?= coach-demo-2026
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test test-fast test-browser chromium lint fuzz backup-test bench bench-quick clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock ".[dev]"
	touch $@

install: $(VENV)/.installed

# The demo runs with DEBUG on (plain HTTP, readable errors) unless told otherwise.
# SITE_URL follows PORT so that invitation links in emails point at this server.
# Daphne drops a client frame over 16384 bytes, the app's limit (MAX_FRAME_BYTES),
# before reading it. Not --websocket-max-message-size: it also caps what Daphne
# sends, and a board's snapshot is larger.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)"
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/daphne -b 127.0.0.1 -p $(PORT) --websocket-max-frame-size 16384 \
	    config.asgi:application

# Browser tests need Debian's chromium; install it when it is missing and apt is here.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	  else echo "chromium is missing and apt-get is not available" >&2; exit 1; fi; \
	fi

# Playwright's sync API and pytest-asyncio cannot share one process, so the
# browser tests run in a second pytest invocation. Exit code 5 (no tests) fails.
# The first pass runs on one pytest-xdist worker per core, each with its own
# test database and channel-layer prefix (tests/conftest.py); `loadgroup`
# keeps the tests sharing a module's Daphne processes on one worker.
PARALLEL ?= -n auto --dist loadgroup

test: install chromium
	$(BIN)/pytest -m "not e2e" $(PARALLEL) $(PYTEST_ARGS)
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# Everything but the browser tests and those marked slow.
test-fast: install
	$(BIN)/pytest -m "not e2e and not slow" $(PARALLEL) $(PYTEST_ARGS)

test-browser: install chromium
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# The backup and restore tests (docs/reliability.md, "Backups") on PostgreSQL,
# with its client tools (pg_dump, pg_restore, createdb); none may be skipped.
BACKUP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cohorts

backup-test: install
	DATABASE_URL=$${DATABASE_URL:-$(BACKUP_DATABASE_URL)} REQUIRE_SERVICES=1 \
	  $(BIN)/pytest -p no:cacheprovider tests/test_backups.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Generated frames against both websocket streams (docs/reliability.md,
# "Fuzzing"): 10,000 per stream, new ones each run; `make test` sends a few
# hundred, the same every run. -rP prints each stream's tally of replies.
FUZZ_EXAMPLES ?= 10000

fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -rP tests/realtime/test_fuzz_frames.py $(PYTEST_ARGS)

# The load harness (docs/performance.md). Its plotting and profiling
# packages (the `bench` extra) are installed here only, never by `install`.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c requirements.lock ".[dev,bench]"
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --full $(BENCH_ARGS)

bench-quick: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles

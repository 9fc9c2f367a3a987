# Two commands: `make run` (set up and serve with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install install-test run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The tests also need the FIX extra (quickfix compiles C++ once; pip caches the wheel); `make run` does not.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,fix]'
	touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

run: install
	$(BIN)/oms migrate --noinput -v0
	$(BIN)/oms demo
	$(BIN)/oms createadmin
	$(BIN)/oms serve

lint: install-test
	$(BIN)/lint-imports

test-sqlite: install-test
	env -u OMS_DATABASE_URL OMS_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest

# The whole suite again on PostgreSQL, including the PostgreSQL-only concurrency tests.
test-postgres: install-test
	@if [ -z "$$OMS_TEST_POSTGRES_URL" ]; then \
	  if [ "$$OMS_REQUIRE_POSTGRES" = "1" ]; then echo "OMS_REQUIRE_POSTGRES=1 but OMS_TEST_POSTGRES_URL is not set" >&2; exit 1; fi; \
	  echo "PostgreSQL pass skipped: OMS_TEST_POSTGRES_URL is not set (PostgreSQL-only tests were skipped above)"; \
	else \
	  OMS_DATABASE_URL="$$OMS_TEST_POSTGRES_URL" OMS_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest; \
	fi

test: lint test-sqlite test-postgres

bench: install  # needs PostgreSQL on 127.0.0.1:5432; see docs/performance.md
	bench/pgbench_baseline
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/big_order.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/invoices.py
	$(BIN)/python bench/fulfilment.py

clean:
	rm -rf $(VENV) var

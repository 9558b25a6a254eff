# ExpressDesk: `make run` to try it, `make test` to check everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev system-deps lint typecheck test-sqlite test-postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: set up, migrate the embedded SQLite database, load demo data if empty, serve on :8000
## (with the worker that runs the periodic jobs and the desk's inbound mail server, stopped with it)
run: install
	$(BIN)/expressdesk db upgrade
	$(BIN)/expressdesk demo load --if-empty
	@echo ""
	@echo "  ExpressDesk is starting on http://$(HOST):$(PORT)"
	@echo "  Log in with one of the demo users (password: demo1234):"
	@echo "    admin        administrator"
	@echo "    supervisor   supervisor (主管)"
	@echo "    agent1       customer-service agent (客服); agent4 prefers English"
	@echo "    courier001   courier (快递员)      ops.bj01  operations (后勤)"
	@echo "    shipper1001  a shipper customer's user (寄件客户)"
	@echo "  API docs: http://$(HOST):$(PORT)/docs   (API tokens: .venv/bin/expressdesk tokens create --user agent1)"
	@echo ""
	@echo "  The desk: http://$(HOST):$(PORT)/desk   Inbound mail to the desk: SMTP on 127.0.0.1:2525"
	@echo ""
	$(BIN)/expressdesk worker & worker=$$!; $(BIN)/expressdesk mail serve & mail=$$!; \
	trap 'kill $$worker $$mail 2>/dev/null' EXIT INT TERM; \
	$(BIN)/expressdesk serve --host $(HOST) --port $(PORT)

## system-deps: Chromium and CJK fonts for the browser tests; PostgreSQL server binaries
system-deps:
	bash scripts/system-deps.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy src tests benchmarks

test-sqlite: install-dev system-deps
	$(BIN)/pytest -p no:cacheprovider --db sqlite

test-postgres: install-dev system-deps
	$(BIN)/pytest -p no:cacheprovider --db postgresql

## test: lint, types, and the whole suite on SQLite and on a throwaway PostgreSQL
test: lint typecheck test-sqlite test-postgres

## bench: the speed goals (long: about 60 minutes with the 10-million-waybill reports; see benchmarks/README.md)
bench: install-dev
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python benchmarks/ingest.py --db both
	$(BIN)/python benchmarks/ingest_http.py --db sqlite
	$(BIN)/python benchmarks/ingest_http.py --db postgresql
	$(BIN)/python benchmarks/tracking_lookup.py --db sqlite
	$(BIN)/python benchmarks/tracking_lookup.py --db postgresql
	$(BIN)/python benchmarks/import_rss.py
	$(BIN)/python benchmarks/reports.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

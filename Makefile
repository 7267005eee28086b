# One command for the demo, one for the tests; each creates .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo hq test lint fuzz bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/station demo $(if $(HQ),--hq --hq-db $(HQ_DB),)

# A head office beside the demo station, on the local PostgreSQL: the station DY-0001 signs with var/hq/DY-0001.key.
HQ_DB ?= postgresql://postgres@127.0.0.1:5432/hq
HQ_PORT ?= 8765
hq: $(STAMP)
	mkdir -p var/hq
	test -s var/hq/DY-0001.key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > var/hq/DY-0001.key
	$(BIN)/station hq db upgrade --db $(HQ_DB)
	$(BIN)/station hq station add DY-0001 --key-file var/hq/DY-0001.key --db $(HQ_DB)
	$(BIN)/station hq serve --db $(HQ_DB) --port $(HQ_PORT)

lint: $(STAMP)
	$(BIN)/ruff check station tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	bash scripts/install-browser.sh
	$(BIN)/pytest -n auto -q

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/pytest -q -p no:xdist --hypothesis-show-statistics tests/devices/test_dispenser_protocol.py tests/devices/test_pn532_protocol.py tests/devices/test_receipt.py tests/test_money.py tests/ledger/test_stateful.py
	HYPOTHESIS_PROFILE=long $(BIN)/pytest -q -p no:xdist --timeout=7200 --hypothesis-show-statistics tests/tui/test_monkey.py
	STATION_KILLS=$${STATION_KILLS:-300} $(BIN)/pytest -q -p no:xdist --timeout=7200 -s tests/recovery/test_kills.py

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

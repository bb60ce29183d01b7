# Baotong — the two commands: `make serve` and `make test`.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test bench setup system-deps assets clean

# routing._cch (RoutingKit's CCH, C++) is compiled by the editable install: its sources are prerequisites.
NATIVE := setup.py $(wildcard routing/native/*.cpp routing/native/routingkit/src/* routing/native/routingkit/include/routingkit/*)

$(STAMP): pyproject.toml $(NATIVE)
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH"; exit 1; }
	bash scripts/build_deps.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) assets

# Leaflet, jQuery, Bootstrap, Font Awesome and the QR scanner, served by the app itself (offline maps).
assets: api/static/vendor/.installed

api/static/vendor/.installed: package.json package-lock.json scripts/vendor_assets.sh
	bash scripts/vendor_assets.sh
	touch $@

# System packages the tests need: Chromium for browser tests, PostgreSQL for the production store.
system-deps:
	bash scripts/system_deps.sh

serve: setup
	$(BIN)/baotong serve --host $(HOST) --port $(PORT)

test: setup system-deps
	bash scripts/run_tests.sh

bench: setup system-deps
	$(BIN)/baotong bench

clean:
	rm -rf $(VENV) var .cache api/static/vendor node_modules

# covid-portal: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STORE ?= .demo-store
HOST ?= 127.0.0.1
PORT ?= 8000

SCHEMA := ontology/covid_portal.yaml
GENERATED := shapes/covid_portal.shacl.ttl ontology/covid_portal.context.jsonld ontology/covid_portal.owl.ttl \
	covid_portal/terms.py ontology/prefixes.json docs/model.md

.PHONY: help install demo demo-data serve test pytest lint gen check-gen clean bench bench-full browser-deps federation-deps

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed  ## create the virtual environment and install the project

demo-data: install  ## build the demo graph from the bundled real records
	$(BIN)/covid-portal --store $(STORE) load --replace data/records

demo: demo-data  ## build the demo graph and serve it on http://127.0.0.1:8000
	$(BIN)/covid-portal --store $(STORE) serve --host $(HOST) --port $(PORT)

gen: install  ## regenerate every artefact derived from the schema
	$(BIN)/gen-shacl $(SCHEMA) > shapes/covid_portal.shacl.ttl
	$(BIN)/gen-jsonld-context --no-metadata $(SCHEMA) > ontology/covid_portal.context.jsonld
	$(BIN)/gen-owl --no-metadata -f ttl $(SCHEMA) 2>/dev/null > ontology/covid_portal.owl.ttl
	$(PY) -m covid_portal.codegen all

check-gen: gen  ## fail when the committed generated artefacts are not current
	git diff --exit-code -- $(GENERATED)

lint: install  ## ruff
	$(BIN)/ruff check covid_portal loaders server tests bench

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

CHROMIUM ?= /usr/bin/chromium
BROWSER_TESTS := tests/browser

browser-deps: $(BROWSER_TESTS)/node_modules/.installed  ## Chromium (Debian package) and playwright-core for the browser tests
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		elif [ -n "$$CI" ]; then echo "CI needs Chromium at $(CHROMIUM) (apt-get install chromium, as root)"; exit 1; \
		else echo "warning: no Chromium at $(CHROMIUM): the browser tests will be skipped (sudo apt-get install chromium)"; fi; \
	fi

$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	cd $(BROWSER_TESTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

FEDERATION_TESTS := tests/federation

federation-deps: $(FEDERATION_TESTS)/node_modules/.installed  ## Comunica (npm) and, on Debian, Virtuoso for the federation tests
	@if ! command -v virtuoso-t >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; \
		else echo "warning: no Virtuoso: its remote-store tests will be skipped (sudo apt-get install virtuoso-opensource)"; fi; \
	fi

$(FEDERATION_TESTS)/node_modules/.installed: $(FEDERATION_TESTS)/package.json $(FEDERATION_TESTS)/package-lock.json
	cd $(FEDERATION_TESTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: install browser-deps federation-deps check-gen lint pytest  ## install what tests need and run the whole suite

bench: install  ## run the benchmarks at their default sizes, a few minutes each; results appended to docs/benchmarks.md
	$(PY) -m bench.ingest
	$(PY) -m bench.query
	$(PY) -m bench.scale
	$(PY) -m bench.federation

bench-full: install  ## the documented curve: ingest and scale up to 1M records, queries at 100k (about 3 hours)
	$(PY) -m bench.ingest --records 10000 100000 1000000
	$(PY) -m bench.query --records 100000 --rdflib-records 10000
	$(PY) -m bench.scale --records 10000 100000 1000000

clean:
	rm -rf $(STORE) .pytest_cache build dist *.egg-info

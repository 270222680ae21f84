# `make demo` and `make test` do all the set-up on a fresh machine: a virtualenv in .venv
# with the project installed (editable) and its test dependencies.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# setuptools prints an information-only banner on every editable install of a flat
# layout ("Editable installation... be careful with folders..."): not a problem to act on.
EDITABLE_NOTE_OFF := PYTHONWARNINGS="ignore:Editable installation"

.PHONY: demo test test-fast lint install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(EDITABLE_NOTE_OFF) $(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# make demo PORT=8002 SITE_PORT=8781: other ports for Datasette and the demo site.
demo: $(STAMP)
	$(VENV)/bin/archive-spider demo $(if $(PORT),--port $(PORT)) $(if $(SITE_PORT),--site-port $(SITE_PORT))

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The tests that start no process and no server (tests/tiers.py marks the others
# `process` and `server` as they are collected): under a minute.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not process and not server" $(PYTEST_ARGS)

# ruff on everything, mypy on the pure modules ([tool.ruff] and [tool.mypy] in pyproject.toml).
# Both run, whatever the first finds; either failing fails the target.
lint: $(STAMP)
	$(VENV)/bin/ruff check .; status=$$?; $(VENV)/bin/mypy && exit $$status

bench: $(STAMP)
	$(EDITABLE_NOTE_OFF) $(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/extraction.py --corpus ../shared/corpus/readability

# 1 vs 2 worker processes over Redis on a generated site (needs redis-server).
.PHONY: bench-distributed
bench-distributed: $(STAMP)
	$(PY) benchmarks/distributed.py

# Pages per second rendered in Chromium against fetched, and the browser's memory
# (needs /usr/bin/chromium; the test extra brings scrapy-playwright).
.PHONY: bench-render
bench-render: $(STAMP)
	$(PY) benchmarks/render.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

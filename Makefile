# Two commands do everything on a fresh clone: `make demo` and `make test`.
# Each creates the virtual environment in .venv and installs what it needs first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := PYTHONWARNINGS=ignore $(PY) -m pip --disable-pip-version-check --quiet

.PHONY: demo test lint bench notebooks lab site clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PIP) install -e '.[test]'
	touch $@

$(VENV)/.lint: $(VENV)/.base
	$(PIP) install -e '.[lint]'
	touch $@

$(VENV)/.notebooks: $(VENV)/.base
	$(PIP) install -e '.[notebooks]'
	touch $@

$(VENV)/.bench: $(VENV)/.base
	$(PIP) install -e '.[bench]'
	touch $@

demo: $(VENV)/.base
	$(PY) -m nn.demo

# The playground: the static folder site/, rebuilt when the library or the page changes (needs npm).
SITE_SOURCES := pyproject.toml $(wildcard autograd/*.py autograd/viz/*.py nn/*.py chainrule/*.py playground/*.*)

site: site/.built

site/.built: $(VENV)/.base $(SITE_SOURCES)
	$(PY) playground/build.py --out site
	touch $@

test: $(VENV)/.test site/.built
	$(PY) -m pytest -q --nbmake --doctest-modules autograd nn chainrule tests notebooks

# ruff (lint rules and formatting, configured in pyproject.toml) and mypy over the packages
lint: $(VENV)/.lint
	$(VENV)/bin/ruff check autograd nn chainrule tests bench playground
	$(VENV)/bin/ruff format --check autograd nn chainrule tests bench playground
	$(VENV)/bin/mypy

# both tables are printed even when the first misses a target; the status says whether any did
bench: $(VENV)/.bench
	status=0; $(PY) bench/run.py || status=1; $(PY) bench/tracing.py || status=1; exit $$status

# JupyterLab on the notebooks (notebook 08's PyTorch part needs torch: make .venv/.test first)
lab: $(VENV)/.notebooks
	$(VENV)/bin/jupyter lab notebooks/

notebooks: $(VENV)/.test
	$(PY) -m pytest -q --nbmake --overwrite notebooks/
	$(PY) notebooks/tidy.py notebooks/*.ipynb

clean:
	rm -rf $(VENV) build dist out site playground/node_modules *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache

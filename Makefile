# Two commands do everything on a fresh clone: `make demo` and `make test`.
# Each creates the virtual environment in .venv and installs what it needs first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := PYTHONWARNINGS=ignore $(PY) -m pip --disable-pip-version-check --quiet

.PHONY: demo test lint bench notebooks clean

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

$(VENV)/.bench: $(VENV)/.base
	$(PIP) install -e '.[bench]'
	touch $@

demo: $(VENV)/.base
	$(PY) -m nn.demo

test: $(VENV)/.test
	$(PY) -m pytest -q --nbmake --doctest-modules autograd nn chainrule tests notebooks

# ruff (lint rules and formatting, configured in pyproject.toml) and mypy over the packages
lint: $(VENV)/.lint
	$(VENV)/bin/ruff check autograd nn chainrule tests bench
	$(VENV)/bin/ruff format --check autograd nn chainrule tests bench
	$(VENV)/bin/mypy

bench: $(VENV)/.bench
	$(PY) bench/run.py

notebooks: $(VENV)/.test
	$(PY) -m pytest -q --nbmake --overwrite notebooks/
	$(PY) notebooks/tidy.py notebooks/*.ipynb

clean:
	rm -rf $(VENV) build dist out *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache

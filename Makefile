# The two commands of the README. Each builds .venv on first use (and when
# pyproject.toml changes), so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test

run: $(VENV)/.installed
	$(PY) -m bot run

test: $(VENV)/.installed
	$(PY) -m pytest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

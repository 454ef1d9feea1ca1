# Bootstraps a Python 3.10 virtual environment on a fresh machine, then runs the job.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test lint bench notebooks docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[data,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/lava-stllr train

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

notebooks: $(STAMP)
	$(PY) tutorials/build_notebooks.py --execute

# The docs site (Sphinx, docs/conf.py) in docs/_build/html; warnings are errors. Its own
# install step, so that `make test` needs no Sphinx.
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[data,dev,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html

bench: $(STAMP)
	$(PY) benchmarks/perf_table.py --readme README.md

clean:
	rm -rf $(VENV) runs docs/_build docs/_generated docs/api/generated

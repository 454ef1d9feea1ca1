# Bootstraps a Python 3.10 virtual environment on a fresh machine, then runs the job.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench notebooks clean

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

bench: $(STAMP)
	$(PY) benchmarks/perf_table.py --readme README.md

clean:
	rm -rf $(VENV) runs

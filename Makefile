# Bootstraps a Python 3.10 virtual environment on a fresh machine, then runs the job.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test lint bench notebooks docs interop clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# sweep: Ray Tune for `lava-stllr sweep` and its tests (about 20 s to install, 80 MB wheel).
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[data,dev,sweep]"
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

# NIR interop fixtures (tests/nir/fixtures/): snnTorch exports a small trained classifier
# to NIR and records its own outputs (interop/make_fixtures.py). A separate environment,
# interop/.venv (git-ignored), so that the project never needs torch. torch's CPU build
# (INTEROP_TORCH) lies in pip's find-links on this project's machines; elsewhere give
# INTEROP_TORCH=torch, which brings the CUDA build (several GB). Needs Python 3.11 (the
# CPU wheel's).
INTEROP_PYTHON ?= python3.11
INTEROP_VENV := interop/.venv
INTEROP_TORCH ?= torch==2.13.0+cpu
INTEROP_STAMP := $(INTEROP_VENV)/.installed

$(INTEROP_STAMP): Makefile
	$(INTEROP_PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/python -m pip install --quiet "$(INTEROP_TORCH)" snntorch==1.0.0 \
		nirtorch==2.6 "nir>=1.0,<1.1"
	touch $(INTEROP_STAMP)

interop: $(INTEROP_STAMP)
	$(INTEROP_VENV)/bin/python interop/make_fixtures.py

bench: $(STAMP)
	$(PY) benchmarks/perf_table.py --readme README.md

clean:
	rm -rf $(VENV) runs docs/_build docs/_generated docs/api/generated

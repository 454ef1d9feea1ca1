# Bootstraps a Python 3.10 virtual environment on a fresh machine, then runs the job.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test lint bench notebooks docs interop netx-check clean

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

# NIR interop fixtures (tests/nir/fixtures/), checked against the real frameworks:
# 1. lava-stllr writes its own exports (plain NIR, --target snntorch, --target norse);
# 2. snnTorch and Norse export small trained classifiers to NIR with their own outputs;
# 3. snnTorch and Norse read lava-stllr's exports and record what they compute.
# Steps 2-3 run in a separate environment, interop/.venv (git-ignored), so that the project
# never needs torch. torch's CPU build (INTEROP_TORCH) lies in pip's find-links on this
# project's machines; elsewhere give INTEROP_TORCH=torch, which brings the CUDA build
# (several GB). Needs Python 3.11 (the CPU wheel's).
INTEROP_PYTHON ?= python3.11
INTEROP_VENV := interop/.venv
INTEROP_TORCH ?= torch==2.13.0+cpu
INTEROP_STAMP := $(INTEROP_VENV)/.installed

$(INTEROP_STAMP): Makefile
	$(INTEROP_PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/python -m pip install --quiet "$(INTEROP_TORCH)" snntorch==1.0.0 \
		norse==1.1.0 nirtorch==2.6 "nir>=1.0,<1.1"
	touch $(INTEROP_STAMP)

interop: $(STAMP) $(INTEROP_STAMP)
	$(PY) interop/export_lava_stllr.py
	$(INTEROP_VENV)/bin/python interop/make_fixtures.py
	$(INTEROP_VENV)/bin/python interop/norse_fixtures.py
	$(INTEROP_VENV)/bin/python interop/read_exports.py

# lava-dl's own netx runs a conv export (tests/export/fixtures/netx_vgg/): lava-stllr trains
# and exports a small VGG, then lava.lib.dl.netx.hdf5.Network runs it in Lava's fixed-point
# simulator and records the readout; tests/export/test_netx_lava_dl.py compares. lava-dl
# 0.6.0 needs Python 3.10 and pulls torch 2.3 with its CUDA wheels (about 5.6 GB), so it
# lives in its own git-ignored environment, interop/.venv-netx.
NETX_VENV := interop/.venv-netx
NETX_STAMP := $(NETX_VENV)/.installed

$(NETX_STAMP): Makefile
	$(PYTHON) -m venv $(NETX_VENV)
	$(NETX_VENV)/bin/python -m pip install --quiet lava-dl==0.6.0 lava-nc==0.10.0
	touch $(NETX_STAMP)

netx-check: $(STAMP) $(NETX_STAMP)
	$(PY) interop/export_netx_fixture.py
	$(NETX_VENV)/bin/python interop/netx_lava_dl.py
	$(PY) -m pytest -q tests/export/test_netx_lava_dl.py

bench: $(STAMP)
	$(PY) benchmarks/perf_table.py --readme README.md

clean:
	rm -rf $(VENV) runs docs/_build docs/_generated docs/api/generated

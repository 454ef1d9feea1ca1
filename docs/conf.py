"""Sphinx configuration of the lava-stllr docs (``make docs``, output in ``docs/_build/html``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the package, also when it is not installed

project = "lava-stllr"
author = "lava-stllr contributors"
copyright = "lava-stllr contributors, BSD-3-Clause"  # noqa: A001 - Sphinx's name
release = version = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_nb",  # Markdown (MyST) pages and the executed notebooks, never run here
    "stllr_docs",  # docs/_ext/stllr_docs.py: API pages, Process tables, tutorials
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path: list[str] = []

# --- HTML -------------------------------------------------------------------------------
html_theme = "furo"
html_title = "lava-stllr"
html_static_path: list[str] = []

# --- autodoc / napoleon -----------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "show-inheritance": True,
    # A package's __all__ re-exports names of its modules: each is documented once, in
    # the module that defines it (the package page lists them, see stllr_docs).
    "ignore-module-all": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False  # the module pages come from stllr_docs, not autosummary

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# "Attributes" sections as fields: autodoc documents the attributes themselves (once).
napoleon_use_ivar = True
# The Process docstrings list their ports and Vars in these NumPy-style sections.
napoleon_custom_sections = ["Ports", "Vars"]

# --- MyST / notebooks -------------------------------------------------------------------
nb_execution_mode = "off"  # render the committed outputs of tutorials/*.ipynb
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "colon_fence"]

# --- warnings ---------------------------------------------------------------------------
nitpicky = True
# Nitpicky checks every cross-reference into the package itself (a renamed or removed
# lava_stllr/process_models name fails the build). Everything else is not checked:
# - third-party and standard-library types (NumPy, Lava, pathlib, ...): the build runs
#   without network, so intersphinx cannot fetch their inventories;
# - the free-form NumPy-docstring types ("array (post, pre)", '{"step", "sample"}') that
#   napoleon turns into one reference per word;
# - private names (a ``_`` component: base classes such as processes._base.STLLRProcess),
#   which the reference does not document.
nitpick_ignore_regex = [
    (r"py:.*", r"(?!(lava_stllr|process_models)\.).*"),
    (r"py:.*", r"(lava_stllr|process_models)\.(.*\.)?_[^.]*(\..*)?"),
]

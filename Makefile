# Entry points, all safe on a fresh machine: `make demo`, `make test`, `make docs`.
# Each creates .venv and installs graphflow (`make demo` only its dependencies, the others its
# dev extras too); `make demo` and `make test` install Debian's graphviz package when the `dot`
# binary is missing and apt is available, and `make test` Debian's chromium too (for the browser test of the diagrams). Every apt and pip
# step fails soft when the machine is offline and what it would install is already there.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BASE := $(VENV)/.base
STAMP := $(VENV)/.installed

# The folder holding the datasets (mnist/ with its four .gz files): $GRAPHFLOW_DATA_DIR from the
# environment or the command line (make demo GRAPHFLOW_DATA_DIR=/path), else ./data or
# ../shared/datasets when one of them exists. It is never set to a folder that does not exist,
# so that graphflow's own message says where it looked and what to provide.
ifeq ($(strip $(GRAPHFLOW_DATA_DIR)),)
GRAPHFLOW_DATA_DIR := $(firstword $(wildcard $(CURDIR)/data $(abspath ../shared/datasets)))
endif
ifneq ($(strip $(GRAPHFLOW_DATA_DIR)),)
export GRAPHFLOW_DATA_DIR
endif

.PHONY: demo test docs install graphviz chromium bench clean show-data-dir

# graphflow and its dependencies (what `make demo` needs; from a local index or wheel folder
# too, since nothing here needs a build from source)
$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip || echo "note: could not upgrade pip (offline?); keeping the venv's own"
	@if ! $(PY) -m pip install --quiet -e .; then \
	  echo "note: pip could not install graphflow's dependencies (offline?); trying without them"; \
	  $(PY) -m pip install --quiet --no-deps --no-build-isolation -e . && \
	  $(PY) -c "import numpy, numba, networkx, graphviz" || { \
	    echo "error: graphflow needs numpy, numba, networkx and graphviz in $(VENV);"; \
	    echo "  connect to PyPI, or point pip at a folder of wheels: PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels make ..."; \
	    exit 1; }; \
	fi
	touch $(BASE)

# ... and the dev extras the tests and docs use (pytest, hypothesis, pdoc, mpi4py, h5py, ...)
$(STAMP): $(BASE)
	@$(PY) -m pip install --quiet -e '.[dev]' || { \
	  echo "error: could not install graphflow's dev extras (pytest, hypothesis, pdoc, ...) in $(VENV);"; \
	  echo "  connect to PyPI, or point pip at a folder of wheels: PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels make ..."; \
	  exit 1; }
	touch $(STAMP)

install: $(STAMP)

graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the Debian graphviz package (dot is missing)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz >/dev/null; } || \
	      echo "warning: could not install graphviz (offline?); diagrams other than .dot will fail"; \
	  else echo "warning: graphviz 'dot' not found and apt-get unavailable; diagrams other than .dot will fail"; fi; \
	fi

# Headless Chromium renders one diagram in tests/test_diagram_svg.py; that test is skipped
# (with its reason) when no chromium is installed.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the Debian chromium package (for the browser test of the diagrams)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; } || \
	      echo "warning: could not install chromium (offline?); the browser test will be skipped"; \
	  else echo "note: chromium not found and apt-get unavailable; the browser test will be skipped"; fi; \
	fi

demo: $(BASE) graphviz
	$(PY) examples/demo.py
	$(PY) examples/mnist_mlp.py

# The test suite, then every docstring example of the package as a doctest.
test: install graphviz chromium
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest tests
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest -q --doctest-modules graphflow

# One HTML page per namespace, generated from the docstrings, in out/docs/ (index.html).
docs: install
	$(PY) docs/build_api.py out/docs

bench: install
	for script in examples/benchmarks/*.py; do $(PY) $$script || exit 1; done

show-data-dir:
	@echo "GRAPHFLOW_DATA_DIR=$(GRAPHFLOW_DATA_DIR)"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache out/docs

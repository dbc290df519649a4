# Two entry points, both safe on a fresh machine: `make demo` and `make test`.
# Each creates .venv, installs graphflow with its dev extras, and installs the Debian graphviz
# package when the `dot` binary is missing and apt is available.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export GRAPHFLOW_DATA_DIR ?= $(abspath ../shared/datasets)

.PHONY: demo test install graphviz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) graphviz

graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the Debian graphviz package (dot is missing)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz >/dev/null; \
	  else echo "warning: graphviz 'dot' not found and apt-get unavailable; diagrams other than .dot will fail"; fi; \
	fi

demo: install
	$(PY) examples/demo.py
	$(PY) examples/mnist_mlp.py

test: install
	$(PY) -m pytest tests

bench: install
	for script in examples/benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

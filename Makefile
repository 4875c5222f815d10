# minigrad course: the only two commands a learner needs are `make lab` and `make test`.
# Needs only python3 >= 3.11 (Linux or macOS, GNU make 3.81 or newer). Override the interpreter
# with `make PYTHON=python3.12 ...`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.minigrad-installed
BENCH_STAMP := $(VENV)/.minigrad-bench-installed

# Paths that `ruff check` covers in `make test` (only those that exist yet).
LINT_PATHS := $(wildcard minigrad tests benchmarks .ci/notebooks.py)
# Strict nbval: every stored output is compared (never --nbval-lax).
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# The kernels of `make test` and `make notebooks` see the same environment.
DETERMINISM := PYTHONHASHSEED=0 SOURCE_DATE_EPOCH=0

# `jupyter lab` refuses to run as root without --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: help venv lab test notebooks figures bench lint clean check-python

help:
	@echo "make lab        open the course in JupyterLab (creates .venv on first use)"
	@echo "make test       lint, unit tests and every notebook under nbval (strict)"
	@echo "make notebooks  re-execute every notebook in place (NB='notebooks/03_x.ipynb' for some)"
	@echo "make figures    regenerate figures/ ($(PY) -m minigrad.viz.figures)"
	@echo "make bench      install the bench extra (PyTorch 2.13.0, ...) and run benchmarks/run.py"
	@echo "make lint       ruff over everything, and check that notebooks are normalised"
	@echo "make clean      remove caches and build files (keeps .venv)"

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' not found. Install Python 3.11 or newer, or run make PYTHON=/path/to/python3.11" >&2; \
	  exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "error: minigrad needs Python >= 3.11, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
	  echo "       Install a newer Python, or run make PYTHON=/path/to/python3.11 ..." >&2; \
	  exit 1; }

venv: $(STAMP)

# Re-install only when pyproject.toml changed (or the venv is new).
$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
	  $(MAKE) --no-print-directory check-python && \
	  echo "creating $(VENV) with $$($(PYTHON) --version 2>&1)" && \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "error: $(VENV) holds $$($(PY) --version 2>&1); minigrad needs >= 3.11. Delete $(VENV) and retry." >&2; \
	  exit 1; }
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[lab,test]'
	@touch $(STAMP)

lab: venv
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) notebooks/

# Lint, then the tests even if lint failed (both are reported); fails if either failed.
test: venv
	@lint=0; \
	echo "$(PY) -m ruff check $(LINT_PATHS)"; \
	$(PY) -m ruff check $(LINT_PATHS) || lint=$$?; \
	echo "$(DETERMINISM) $(PY) -m pytest tests notebooks $(NBVAL)"; \
	$(DETERMINISM) $(PY) -m pytest tests notebooks $(NBVAL) || exit $$?; \
	if [ $$lint -ne 0 ]; then echo "ruff check failed (see above)" >&2; exit $$lint; fi

notebooks: venv
	$(PY) .ci/notebooks.py $(NB)

figures: venv
	$(PY) -m minigrad.viz.figures

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -e '.[bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

lint: venv
	$(PY) -m ruff check .
	$(PY) .ci/notebooks.py --check

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis benchmarks/.work
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
	find notebooks -name .ipynb_checkpoints -type d -prune -exec rm -rf {} + 2>/dev/null || true

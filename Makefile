# Two entry points do everything on a fresh machine (see README.md):
#   make serve   set up, then preview the site with the analyzer on http://127.0.0.1:8000
#   make test    set up, then ruff and every test suite (slow, Pyodide and browser included)

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NPM_OK := node_modules/.package-lock.json

.PHONY: setup serve test lint wheels bench bench-browser bench-memory clean

# Python >= 3.12 for the tools: pyenv's 3.13.0 when it has one, else python3.13 or python3.12.
$(PY):
	@set -e; \
	if PYENV_VERSION=3.13.0 python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		PYENV_VERSION=3.13.0 python3 -m venv $(VENV); \
	elif command -v python3.13 >/dev/null 2>&1; then python3.13 -m venv $(VENV); \
	elif command -v python3.12 >/dev/null 2>&1; then python3.12 -m venv $(VENV); \
	else echo "make: Python 3.12 or newer is needed (install python3.13 or python3.12)." >&2; exit 1; fi
	@$(PY) --version

$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(NPM_OK): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: Node.js 18+ with npm is needed for the Pyodide runtime." >&2; exit 1; }
	npm ci --no-audit --no-fund

setup: $(STAMP) $(NPM_OK) wheels

wheels: $(STAMP) $(NPM_OK)
	$(PY) scripts/export_catalog.py
	$(PY) scripts/build_wheels.py

serve: setup
	$(PY) -m mkdocs serve --dev-addr 127.0.0.1:8000

lint: $(STAMP)
	$(PY) -m ruff check .

# -m "" lifts any marker filter from the pytest configuration so slow, pyodide and browser tests
# all run; pytest's exit code 5 (nothing collected) is non-zero, so it fails the build as well.
test: setup lint
	$(PY) scripts/pyodide_test_wheels.py
	$(PY) -m pytest -m "" -p no:cacheprovider

bench: setup
	$(PY) scripts/bench_pyodide.py

# The analyzer against a bare Pyodide page: cold, return visit (memory snapshot), navigation, analyses.
bench-browser: setup
	$(PY) scripts/bench_browser.py

# Memory over hundreds of analyses: page and worker heaps, WASM, Python objects, renderer RSS.
bench-memory: setup
	$(PY) scripts/bench_memory.py

clean:
	rm -rf site dist build .pytest_cache

# The two commands of the README. Everything else is detail.
#   make scan   scan this machine (default profile) and write the result into ./reports/
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PROFILE ?= quick

.PHONY: scan test venv test-deps bench clean portable i18n-update i18n-compile i18n-check

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "cannot create a virtual environment: install python3-venv (apt-get install python3-venv)"; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

# Exit codes 1-3 are the scan's verdict (WARNING/CRITICAL/UNKNOWN), not a failure of make.
scan: $(VENV)/.installed
	@mkdir -p reports
	@$(BIN)/fieldkit scan --profile $(PROFILE) --out reports; rc=$$?; \
	  if [ $$rc -gt 3 ]; then exit $$rc; fi; \
	  echo "scan finished with exit code $$rc (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); results in ./reports/"

test-deps:
	@sh scripts/install-system-deps.sh

# The portable build is made once here (reused when nothing changed) and tested by tests/portable/.
test: test-deps $(VENV)/.test-installed
	$(BIN)/python scripts/build_portable.py --if-stale
	$(BIN)/python -m pytest

# dist/fieldkit-<version>-linux-x86_64/ and its .tar.gz: runs on Linux x86_64 without Python (README).
portable: $(VENV)/.test-installed
	$(BIN)/python scripts/build_portable.py

bench: $(VENV)/.test-installed
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Translations (TRANSLATING.md): extract the texts and update every domain's .po in every language;
# compile the .mo beside each .po (a build step: fieldkit also compiles on first use into its cache);
# check that every catalog is complete, without fuzzy entries, with the English placeholders.
i18n-update: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py update

i18n-compile: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py compile

i18n-check: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py check

clean:
	rm -rf $(VENV) reports .pytest_cache build dist
	find fieldkit/locale -name '*.mo' -delete

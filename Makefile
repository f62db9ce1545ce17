# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    builds the graph, validates it and answers the competency questions
#               (one line each; the full tables: .venv/bin/kgtool answer --format table)
#   make test   runs the whole test suite (installs what it needs first)
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install lint clean

$(BIN)/kgtool: pyproject.toml
	@echo "installing kgtool and its dependencies into $(VENV)/ ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[dev]' >$(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

install: $(BIN)/kgtool

run: install
	@$(BIN)/kgtool build
	@$(BIN)/kgtool answer

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check kgtool tests bench scripts
	$(BIN)/ruff format --check kgtool tests bench scripts

clean:
	rm -rf dist .kgtool

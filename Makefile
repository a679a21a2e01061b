# The README's two commands: `make run` (service with demo data) and `make test` (lint, format check,
# whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps face_recognition
	touch $(STAMP)

run: $(STAMP)
	HUIMIN_ENV=development $(BIN)/huimin demo-run

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch node_modules/.installed

test: $(STAMP) node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

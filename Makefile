# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/motcua demo

test: lint
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=15

# Style, the import layers, types, and no repeated block of ten lines or more.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy --strict engine signing connectors
	$(BIN)/mypy web
	$(BIN)/pylint --disable=all --enable=duplicate-code --min-similarity-lines=10 \
	  --ignore=migrations --score=n engine connectors signing web bench examples tests

bench: $(STAMP)
	$(BIN)/python -m bench.engine_steps

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-*

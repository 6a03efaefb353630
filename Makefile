PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install test lint typecheck unit demo bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,gateway,postgres,browser,inspect,agents,otel,ray]'
	touch $(STAMP)

# The benchmarks compare against pandas and LiteLLM, which only they need.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,gateway,postgres,browser,inspect,agents,otel,ray,bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/python -m agent_evals.workflows.demo

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .agent-evals .pytest_cache .mypy_cache .ruff_cache bench/.data

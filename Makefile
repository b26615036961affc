# Build and test entry points for constructs_pkg.
#
# Everything a target needs is installed by the target itself, so `make test`
# and `make synth` work on a fresh clone with only python3.11, node 20 and npm.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk

# Stamps live inside the directories they describe: deleting the directory
# also invalidates the stamp.
VENV_STAMP := $(VENV)/.stamp-installed
NODE_STAMP := node_modules/.stamp-installed

PYTEST_ARGS ?=

# Keep the CDK CLI and jsii off the network and quiet.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# `cdk synth` needs no AWS account. Make sure nothing it (or the app) runs can
# reach AWS: no instance metadata, and every SDK client goes to a dead
# loopback port unless it names an endpoint itself.
SYNTH_ENV := AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=http://127.0.0.1:9

.PHONY: help venv node_modules synth test lint format bench clean distclean

help:
	@echo "make venv          create .venv (python3.11) and pip install -e '.[dev]'"
	@echo "make node_modules  npm ci (aws-cdk CLI, dynalite)"
	@echo "make synth         synthesize app.py into cdk.out/"
	@echo "make test          run the test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint          ruff format --check, ruff check, mypy"
	@echo "make format        ruff check --fix (imports), ruff format"
	@echo "make bench         run the benchmarks (BENCH_ARGS=--quick for a short run)"
	@echo "make clean         remove cdk.out, build output and caches"
	@echo "make distclean     clean, and remove .venv and node_modules"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

synth: $(VENV_STAMP) $(NODE_STAMP)
	@test -f app.py || { echo "app.py not found: nothing to synthesize" >&2; exit 1; }
	$(SYNTH_ENV) $(CDK) synth --quiet --no-notices --no-version-reporting --no-lookups

# pytest exits 5 when it collects no tests; that fails the target like any failure.
test: $(VENV_STAMP) $(NODE_STAMP)
	@echo "$(PY) -m pytest $(PYTEST_ARGS)"
	@$(PY) -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: counting that as a failure" >&2; fi; \
	  exit $$rc; }

lint: $(VENV_STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

format: $(VENV_STAMP)
	$(PY) -m ruff check --fix --select I .
	$(PY) -m ruff format .

BENCH_ARGS ?=
bench: $(VENV_STAMP) $(NODE_STAMP)
	$(SYNTH_ENV) $(PY) benchmarks/synth_overhead.py $(BENCH_ARGS)
	$(SYNTH_ENV) $(PY) benchmarks/cdk_synth.py $(BENCH_ARGS)
	$(PY) benchmarks/rule_check.py $(BENCH_ARGS)
	$(PY) benchmarks/handler_import.py $(BENCH_ARGS)
	$(SYNTH_ENV) $(PY) benchmarks/aws_calls.py $(BENCH_ARGS)

clean:
	rm -rf cdk.out build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
	  \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules

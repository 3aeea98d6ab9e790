# README's two commands: `make demo` and `make test`. Both create .venv and build the extension first.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
MATURIN := $(VENV)/bin/maturin

.PHONY: demo test bench venv build-dev build-release rust-test py-test services clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Release build: thin LTO, tuned for 2 cores (Cargo.toml).
build-release: venv
	$(MATURIN) develop --release -q

# Dev build for the test suite: dependencies optimised, ember itself quick to compile.
build-dev: venv
	$(MATURIN) develop -q

# Seed 000: the CSV generator writes 10 files 3 s apart while the stream processor prints each batch.
demo: build-release
	$(PY) examples/seed000/run_demo.py

rust-test:
	cargo test -q

py-test: build-dev
	$(PY) -m pytest -q tests

# Services the tests start from fixtures: PostgreSQL 15 (Debian's package) for the JDBC tests. Installed only when
# missing, so a machine that has it pays one `test -x`.
PG_BIN := /usr/lib/postgresql/15/bin
services:
	@test -x $(PG_BIN)/initdb || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

test: venv services rust-test py-test

# Batch and streaming cases on ember and PySpark. `make bench BENCH_ARGS=--quick` (or BENCH_QUICK=1): ember only;
# BENCH_ARGS="--cases startup,latency" picks cases.
bench: build-release services
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf target $(VENV) python/ember/*.so

# README's two commands: `make demo` and `make test`. Both create .venv and build the extension first.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
MATURIN := $(VENV)/bin/maturin

.PHONY: demo test bench venv build-dev build-release rust-test py-test clean fuzz soak

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

test: venv rust-test py-test

# Batch and streaming cases on ember and PySpark. `make bench BENCH_ARGS=--quick` (or BENCH_QUICK=1): ember only;
# BENCH_ARGS="--cases startup,latency" picks cases.
bench: build-release
	$(PY) bench/run.py $(BENCH_ARGS)

# The fuzz targets of tests/fuzz_inputs.rs with many more cases than the short pass `make test` runs.
FUZZ_CASES ?= 100000
fuzz:
	EMBER_FUZZ_CASES=$(FUZZ_CASES) cargo test -q --test fuzz_inputs

# Rate source → windowed aggregation with a watermark for SOAK_SECONDS (600); fails when RSS grows after warm-up.
soak: build-release
	$(PY) bench/soak.py

clean:
	rm -rf target $(VENV) python/ember/*.so

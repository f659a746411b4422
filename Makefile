# reslab: two commands on a fresh Debian 12 machine with the Swift toolchain.
#   make run    installs the C libraries if missing, builds, starts reslab (ARGS="classify img.jpg" to pass arguments)
#   make test   installs what the tests need if missing, then runs every test (Swift and the Python oracles)

SWIFT ?= swift
PYTHON ?= python3
APT_PACKAGES := libopenblas-dev libhdf5-dev libjpeg-dev libpng-dev libreadline-dev libssl-dev
TEST_APT_PACKAGES := tmux
RELEASE_BIN := .build/release/reslab
ARGS ?=

.PHONY: run build test lint format setup setup-apt setup-python bench clean

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

setup: setup-apt setup-python
	@command -v tmux >/dev/null 2>&1 || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(TEST_APT_PACKAGES))

# Debian packages: installed only when missing (apt-get needs root; CI and the dev machines are root).
setup-apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# PyPI packages for the oracle tests (tf-keras, onnxruntime, Pillow, h5py, pytest): installed only when missing.
setup-python:
	@$(PYTHON) -c "import tf_keras, onnx, onnxruntime, h5py, PIL, numpy, pytest, nbformat" 2>/dev/null || \
		$(PYTHON) -m pip install -q -r python/requirements-test.txt

clean:
	rm -rf .build

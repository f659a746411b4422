# reslab: two commands on a fresh Debian 12 machine with the Swift toolchain.
#   make run    installs the C libraries if missing, builds, starts reslab (ARGS="classify img.jpg" to pass arguments)
#   make test   installs what the tests need if missing, then runs every test (Swift and the Python oracles)
#   make sanitize   the Swift tests under AddressSanitizer, then under ThreadSanitizer
#   make fuzz       each fuzz target for FUZZ_SECONDS (libFuzzer where it builds, else a seeded mutation loop)

SWIFT ?= swift
PYTHON ?= python3
# Debian packages: packages/apt.txt, also read by .ci/run; those marked `test` are for `make test` only.
APT_PACKAGES := $(shell awk '!/^\#/ && NF == 1 { print $$1 }' packages/apt.txt)
TEST_APT_PACKAGES := $(shell awk '!/^\#/ && $$2 == "test" { print $$1 }' packages/apt.txt)
RELEASE_BIN := .build/release/reslab
ARGS ?=

.PHONY: run build test lint format sanitize fuzz setup setup-apt setup-apt-test setup-python bench clean

run: setup-apt build
	$(RELEASE_BIN) $(ARGS)

build: setup-apt
	$(SWIFT) build -c release

test: setup build lint
	$(SWIFT) test
	RESLAB_BIN=$(abspath $(RELEASE_BIN)) $(PYTHON) -m pytest -q -rs tests

# The Swift tests under one sanitizer, built in their own folder ($(2)); the log stays in $(2)/test.log and
# the sanitizer's reports go to files of their own, $(2)/report.PID (a test that reads its own stderr would
# swallow them). One line gives the test counts and the number of reports; any report fails the run. Leaks
# are not checked: the Swift runtime's lazily made globals and metadata would all be reported.
# RESLAB_SANITIZER skips the one test too slow under a sanitizer.
define sanitized_test
	@mkdir -p $(2) && rm -f $(2)/report.*
	@echo "swift test --sanitize=$(1) (log: $(2)/test.log)"
	@SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:log_path=$(abspath $(2))/report \
	TSAN_OPTIONS=log_path=$(abspath $(2))/report RESLAB_SANITIZER=$(1) \
	$(SWIFT) test --sanitize=$(1) --scratch-path $(2) >$(2)/test.log 2>&1; status=$$?; \
	reports=$$(cat $(2)/test.log $(2)/report.* 2>/dev/null | grep -cE '^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)'); \
	tests=$$(grep -aoE '(Test run with [0-9]+ tests? in [0-9]+ suites? [a-z]+ after [0-9.]+ seconds|Executed [1-9][0-9]* tests?, with [0-9]+ failures?)' $(2)/test.log | paste -sd';'); \
	echo "sanitize $(1): $$tests; $$reports sanitizer reports"; \
	[ $$status -eq 0 ] && [ $$reports -eq 0 ] || { grep -a -A3 '✘' $(2)/test.log | head -40; tail -60 $(2)/test.log; \
		cat $(2)/report.* 2>/dev/null | head -80; exit 1; }
endef

sanitize: setup-apt
	$(call sanitized_test,address,.build-asan)
	$(call sanitized_test,thread,.build-tsan)

# Fuzzing (Sources/Fuzzing): each target for FUZZ_SECONDS from its corpus in Tests/FuzzingTests/Corpus, under
# libFuzzer with AddressSanitizer where `--sanitize=fuzzer` builds (FUZZ_ENGINE=loop skips it), else under
# reslab-fuzz's seeded mutation loop. A crash or a hang stops it; the input is kept in .build-fuzz/artifacts.
# Leaks are not checked: libhdf5 1.10 keeps a few hundred bytes on some damaged files.
FUZZ_SECONDS ?= 30
FUZZ_SEED ?= 1
FUZZ_ENGINE ?= libfuzzer
FUZZ_TARGETS := prompt lesson image hdf5
FUZZ_BUILD := $(SWIFT) build -c release --product reslab-fuzz
FUZZ_ENV := SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0
# SwiftPM passes its two --sanitize flags to swiftc separately, and swiftc keeps only the last: the
# combined flag, after them, keeps libFuzzer's coverage and AddressSanitizer both.
FUZZ_SANITIZE := --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address

fuzz: setup-apt
	@mkdir -p .build-fuzz/artifacts
	@if [ "$(FUZZ_ENGINE)" = libfuzzer ] && $(FUZZ_BUILD) $(FUZZ_SANITIZE) -Xswiftc -DLIBFUZZER \
			--scratch-path .build-fuzz/libfuzzer >.build-fuzz/build.log 2>&1; then \
		for t in $(FUZZ_TARGETS); do \
			rm -rf .build-fuzz/corpus/$$t && mkdir -p .build-fuzz/corpus/$$t; \
			$(FUZZ_ENV) RESLAB_FUZZ_TARGET=$$t .build-fuzz/libfuzzer/release/reslab-fuzz -seed=$(FUZZ_SEED) \
				-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
				-artifact_prefix=.build-fuzz/artifacts/$$t- .build-fuzz/corpus/$$t Tests/FuzzingTests/Corpus/$$t \
				</dev/null 2>.build-fuzz/$$t.log || { tail -40 .build-fuzz/$$t.log; exit 1; }; \
			grep -q 'inline 8-bit counters' .build-fuzz/$$t.log || { echo "fuzz $$t: no coverage"; exit 1; }; \
			echo "    libFuzzer kept $$(ls .build-fuzz/corpus/$$t | wc -l) new inputs in .build-fuzz/corpus/$$t"; \
		done; \
	else \
		echo "fuzz: the seeded mutation loop (libFuzzer: FUZZ_ENGINE=$(FUZZ_ENGINE), .build-fuzz/build.log)"; \
		$(FUZZ_BUILD) && for t in $(FUZZ_TARGETS); do \
			$(FUZZ_ENV) .build/release/reslab-fuzz $$t --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) \
				--artifacts .build-fuzz/artifacts </dev/null || exit 1; \
		done; \
	fi

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

# PyPI packages for the oracle tests (tf-keras, onnxruntime, OpenVINO, Pillow, h5py, pytest): installed only when missing.
setup-python:
	@$(PYTHON) -c "import tf_keras, onnx, onnxruntime, openvino, h5py, PIL, numpy, pytest, nbformat" 2>/dev/null || \
		$(PYTHON) -m pip install -q -r python/requirements-test.txt

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz

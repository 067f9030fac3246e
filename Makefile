# zkpay build, test, benchmark and demo entry points.
SHELL := /bin/bash
SWIFT ?= swift
RELEASE_TEST_FLAGS := -c release -Xswiftc -enable-testing
ZKPAY := .build/release/zkpay
# Vector files `zkpay verify` checks in `make test`: every kind the code implements.
VECTORS := Fixtures/vectors/ristretto255.json Fixtures/vectors/bech32m.json Fixtures/vectors/merlin.json Fixtures/vectors/sr25519.json Fixtures/vectors/dalek-bulletproofs.json Fixtures/transfers.json

.PHONY: deps build test unit-test test-assertions verify-vectors layers bench bench-plots demo cluster cluster-bench clean vectors fuzz fuzz-build fuzz-run sim

# System packages: libsodium and GMP for the build, etcd-server and etcd-client for the
# replication tests (they start their own members on free loopback ports; a system etcd
# service the package may start on port 2379 is not used), chromium for the status page's
# headless-browser test, gnuplot-nox for the figures of `make bench`, libxml2-utils (xmllint)
# for the schema check of camt.053 statements.
deps:
	@missing=""; \
	for p in libsodium-dev libgmp-dev pkg-config etcd-server etcd-client chromium gnuplot-nox libxml2-utils; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y $$missing || { $$SUDO apt-get update && $$SUDO apt-get install -y $$missing; }; \
	fi

build: deps
	$(SWIFT) build -c release --product zkpay

# The test suite runs in release mode with testing enabled: field arithmetic is
# 10-100x slower in debug builds.
unit-test: deps
	$(SWIFT) build $(RELEASE_TEST_FLAGS) --build-tests
	$(SWIFT) test $(RELEASE_TEST_FLAGS) --skip-build

# The ledger and protocol suites and both seeded simulations built with the
# verification assertions on (`assert`, compiled out of release builds): the internal
# consistency checks of the apply path and the receipt writer run on every batch. The
# arithmetic and proof suites run there too, with the field's limb bounds checked at every
# operation (ZKPAY_VERIFY). Its own build folder, so the release build is not rebuilt.
test-assertions: deps
	ZKPAY_ASSERTIONS=1 $(SWIFT) build $(RELEASE_TEST_FLAGS) --scratch-path .build-assertions --build-tests
	ZKPAY_ASSERTIONS=1 $(SWIFT) test $(RELEASE_TEST_FLAGS) --scratch-path .build-assertions --skip-build \
	    --filter "LedgerTests|ZKPayCoreTests|SequencerSimulationTests|Ristretto255Tests|BulletproofsTests|BatchVerifyTests"

# `zkpay verify` over every vector file the code covers (the copies in Fixtures and,
# when present, the originals in ../shared/vectors).
define VERIFY_VECTORS
	$(ZKPAY) verify $(VECTORS)
	@if [ -d ../shared/vectors ]; then $(ZKPAY) verify $(patsubst Fixtures/vectors/%,../shared/vectors/%,$(filter Fixtures/vectors/%,$(VECTORS))); fi
endef

verify-vectors: build
	$(VERIFY_VECTORS)

# The seeded ledger and sequencer simulations (Tests/LedgerTests/Simulation.swift,
# Tests/ValidatorTests/SequencerSimulation.swift; docs/notes/security.md):
# `make sim SEEDS=N` runs N random seeds, printing each; `make sim SEED=S` runs seed S (with
# SEEDS=N, the N seeds from S on), which reproduces a failure; STEPS steps per seed. `make
# test` runs a fixed list of seeds.
SEEDS ?= $(if $(SEED),1,10)
SEED ?=
STEPS ?= 300

sim: deps
	$(SWIFT) build $(RELEASE_TEST_FLAGS) --build-tests
	ZKPAY_SIM_SEEDS=$(SEEDS) ZKPAY_SIM_SEED=$(SEED) ZKPAY_SIM_STEPS=$(STEPS) \
	  $(SWIFT) test $(RELEASE_TEST_FLAGS) --skip-build --filter 'SimulationTests/requested'

# The imports of every module against the layer table of docs/ARCHITECTURE.md: no import
# of a higher layer, C modules only through their wrappers, table and Sources/ in step.
layers:
	bash scripts/check-layers.sh

# The vectors are checked with the binary of the testing build, so the package is
# compiled once. The layer check runs first: it takes a second.
test: layers unit-test
	$(VERIFY_VECTORS)

# Micro-benchmarks plus load runs against a fresh local validator; rewrites the
# "Latest make bench run" section of BENCHMARKS.md (scripts/bench.sh), then draws the
# figures of docs/bench/ from the run's data with gnuplot (scripts/plot-bench.sh).
bench: build
	ZKPAY=$(ZKPAY) bash scripts/bench.sh
	bash scripts/plot-bench.sh

# Only the figures, from the data of the last run (docs/bench/data).
bench-plots:
	bash scripts/plot-bench.sh

# The whole story against a real validator on loopback (scripts/demo.sh): wallets, a
# ledger, a mint, a confidential payment with a memo while the payee watches, balances,
# an offline receipt check, the audit. `zkpay demo` tells the same story in-process.
demo: build
	ZKPAY=$(CURDIR)/$(ZKPAY) scripts/demo.sh

# Three etcd members and three validators on loopback; pays through them, SIGKILLs the
# leader mid-stream, checks every receipt and the full audit on every survivor
# (scripts/cluster.sh; docs/notes/replication.md).
cluster: build
	ZKPAY=$(CURDIR)/$(ZKPAY) scripts/cluster.sh

# Transfers/s and latency through a 3-validator cluster against one validator, same load,
# same session (scripts/cluster-bench.sh; BENCHMARKS.md "Cluster"). CLUSTER_BENCH_ROUNDS=3
# repeats the pair three times and reports each pair's ratio and their median.
cluster-bench: build
	ZKPAY=$(CURDIR)/$(ZKPAY) scripts/cluster-bench.sh

# libFuzzer targets (Sources/ZKPayFuzz; docs/notes/fuzzing.md). One executable holds every
# target; it is built in its own scratch path with the fuzzer and address sanitizers, so
# the normal build is neither rebuilt nor slowed. `make fuzz SECONDS=N` runs each target N
# seconds on a temporary copy of its seed corpus in Fixtures/fuzz/<target> (the committed
# corpus does not grow). A crash, a sanitizer report, an input that takes over FUZZ_TIMEOUT
# seconds, or a single allocation over FUZZ_MALLOC_MB fails the run; the reproducer is
# written to $(FUZZ_ARTIFACTS)/<target>-crash-… (replay: $(FUZZ_BIN) <target> FILE).
FUZZ_SCRATCH := .build-fuzz
FUZZ_BIN := $(FUZZ_SCRATCH)/release/zkpay-fuzz
FUZZ_BUILD_FLAGS := -c release --scratch-path $(FUZZ_SCRATCH) -Xswiftc -sanitize=fuzzer,address \
	-Xswiftc -use-ld=lld -Xswiftc -enable-testing
FUZZ_TARGETS := http json batch bech32m transfer mint redemption authority note receipt wal snapshot
FUZZ_ARTIFACTS := fuzz-artifacts
FUZZ_MALLOC_MB ?= 64
FUZZ_TIMEOUT ?= 30
SECONDS ?= 60

fuzz-build: deps
	ZKPAY_FUZZ=1 $(SWIFT) build $(FUZZ_BUILD_FLAGS) --product zkpay-fuzz

fuzz-run:
	@work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; failed=""; mkdir -p $(FUZZ_ARTIFACTS); \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p "$$work/$$t"; cp Fixtures/fuzz/$$t/* "$$work/$$t/"; \
	  start=$$(date +%s); \
	  if $(FUZZ_BIN) $$t "$$work/$$t" -max_total_time=$(SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	       -rss_limit_mb=2048 -malloc_limit_mb=$(FUZZ_MALLOC_MB) -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_ARTIFACTS)/$$t- >"$$work/$$t.log" 2>&1; then status=ok; \
	  else status=FAILED; failed="$$failed $$t"; tail -n 60 "$$work/$$t.log"; fi; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' "$$work/$$t.log" | tail -n 1); \
	  echo "fuzz $$t: $$status, $${runs:-?} executions in $$(( $$(date +%s) - start )) s, corpus $$(ls "$$work/$$t" | wc -l) inputs"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets failed:$$failed (reproducers in $(FUZZ_ARTIFACTS)/)"; exit 1; fi

fuzz: fuzz-build
	$(MAKE) --no-print-directory fuzz-run SECONDS=$(SECONDS)

clean:
	rm -rf .build $(FUZZ_SCRATCH)

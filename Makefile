# Entry points. On a fresh Debian 12, as root: `make demo`, `make test`.
# `deps` installs the Debian packages the build needs (docs/dependencies.md).

SHELL := /bin/bash

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
CTEST_JOBS ?= 2

DEB_PACKAGES := cmake ninja-build g++ pkg-config librocksdb-dev \
  libprotobuf-dev protobuf-compiler libabsl-dev libgtest-dev libgmock-dev \
  libbenchmark-dev libssl-dev python3 ccache clang libclang-rt-14-dev \
  libgrpc++-dev protobuf-compiler-grpc prometheus-cpp-dev python3-grpcio \
  nats-server libnats-dev libcurl4-openssl-dev openssl time libcpp-httplib-dev \
  chromium chromium-driver python3-selenium libsimdjson-dev

.PHONY: all deps configure build demo serve test test-all bench clean sanitize asan tsan fuzz

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  status=$$(dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null || true); \
	  case "$$status" in *"ok installed"*) ;; *) missing="$$missing $$p";; esac; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "deps: all Debian packages are installed"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
	  echo "deps: missing Debian packages:$$missing" >&2; \
	  echo "deps: run 'make deps' as root, or: apt-get install$$missing" >&2; \
	  exit 1; \
	else \
	  echo "deps: installing$$missing"; \
	  apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

# Everything: the tools, ledgerd, the tests and the benchmarks (what
# `make test` and `make bench` run).
build: configure
	cmake --build $(BUILD_DIR)

# The demo runs ledgerctl alone, so it builds ledgerctl alone, not the
# tests, benchmarks and ledgerd that `make test` and `make bench` build
# (README, "Quick start", has the times).
demo: configure
	cmake --build $(BUILD_DIR) --target ledgerctl
	./$(BUILD_DIR)/tools/ledgerctl demo --db $(BUILD_DIR)/demo-db

# ledgerd on 127.0.0.1:$(SERVE_PORT), serving $(BUILD_DIR)/serve-db without
# tokens (loopback only) until Ctrl-C (docs/service.md).
SERVE_PORT ?= 50051
serve: build
	@echo "serve: ledgerd on 127.0.0.1:$(SERVE_PORT), ledger in $(BUILD_DIR)/serve-db; Ctrl-C drains it."
	@echo "serve: call it from another terminal with the Python example:"
	@echo "  LEDGER_PY_STUBS=$(BUILD_DIR)/proto/python PYTHONPATH=clients/python \\"
	@echo "    /usr/bin/python3 clients/python/example.py 127.0.0.1:$(SERVE_PORT)"
	./$(BUILD_DIR)/tools/ledgerd/ledgerd --db $(BUILD_DIR)/serve-db \
	  --listen 127.0.0.1:$(SERVE_PORT) --metrics 127.0.0.1:0

# `make test` runs every feature's tests once; tests labelled `slow` (long
# soaks, many rounds of a randomized test, a million customers) are left to
# `make test-all`, which runs everything (README, "Tests").
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS) -LE slow

test-all: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

# Reliability suites (docs/reliability.md). Each sanitizer has a build folder
# of its own; the slow label and the install check (whose consumer is built
# without sanitizers) are left to `make test`.
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
SANITIZER_CTEST := ctest --output-on-failure -j$(CTEST_JOBS) -LE slow \
  -E InstalledPackageBuildsAConsumer
# ledgerd is left out of the sanitizer builds: Debian's gRPC is not
# instrumented (TSan reports its every lock) and keeps allocations until
# exit that LeakSanitizer would report on every drain.
# They link RocksDB's shared library, which TSan then ignores as an
# uninstrumented module (CMakeLists.txt, LEDGER_STATIC_ROCKSDB).
SAN_CMAKE := -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEDGER_BUILD_BENCH=OFF \
  -DLEDGER_BUILD_SERVICE=OFF -DLEDGER_STATIC_ROCKSDB=OFF

sanitize: asan tsan

asan: deps
	cmake -S . -B $(ASAN_DIR) $(SAN_CMAKE) -DLEDGER_SANITIZE=address,undefined
	cmake --build $(ASAN_DIR)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(SANITIZER_CTEST) --test-dir $(ASAN_DIR)

# TSan cannot see inside Debian's uninstrumented shared libraries: absl::Mutex
# is taught to it by tests/reliability/tsan_absl_annotations.cc, and reports
# from within RocksDB, protobuf and libstdc++ are suppressed by
# tests/reliability/tsan.supp (docs/reliability.md, "Sanitizers and concurrency").
tsan: deps
	cmake -S . -B $(TSAN_DIR) $(SAN_CMAKE) -DLEDGER_SANITIZE=thread
	cmake --build $(TSAN_DIR)
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/reliability/tsan.supp ignore_noninstrumented_modules=1 second_deadlock_stack=1 halt_on_error=0" \
	  $(SANITIZER_CTEST) --test-dir $(TSAN_DIR)

# libFuzzer harnesses (tests/fuzz/), built with clang, ASan and UBSan, each
# run for FUZZ_SECONDS from a seed corpus made of tests/scenarios/.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) $(SAN_CMAKE) \
	  -DLEDGER_BUILD_TESTS=OFF -DLEDGER_FUZZ=ON -DLEDGER_SANITIZE=address,undefined
	cmake --build $(FUZZ_DIR) --target fuzz_command_json fuzz_command_json_reader \
	  fuzz_command_sequence
	bash tests/fuzz/make_corpus.sh tests/scenarios $(FUZZ_DIR)/corpus
	mkdir -p $(FUZZ_DIR)/artifacts
	@for h in command_json command_json_reader command_sequence; do \
	  echo "fuzz: fuzz_$$h for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./$(FUZZ_DIR)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=8192 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$h- \
	    $(FUZZ_DIR)/corpus/$$h 2>&1 | grep -E '^(#[0-9]+ +DONE|Done|stat::|==[0-9]+==|SUMMARY|FUZZ INVARIANT|INFO: seed corpus)' ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

bench: build
	@# The chart needs Debian's python3-matplotlib (installed here when root).
	@if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	      --no-install-recommends python3-matplotlib; \
	  else \
	    echo "bench: python3-matplotlib is missing, the chart is skipped" >&2; \
	  fi; \
	fi
	@# With the default 10-million-event log: 5 minutes on an idle 2-core VM,
	@# 30 on a loaded one (docs/benchmarks.md); LEDGER_BENCH_REPLAY_EVENTS=1000000
	@# takes 2 to 10 minutes.
	./$(BUILD_DIR)/bench/ledger_bench --benchmark_out=$(BUILD_DIR)/bench.json \
	  --benchmark_out_format=json $(BENCH_ARGS)
	/usr/bin/python3 bench/plot_benchmarks.py $(BUILD_DIR)/bench.json \
	  --png $(BUILD_DIR)/benchmarks-throughput.png \
	  --markdown $(BUILD_DIR)/benchmarks-results.md
	@# The service against in-process (docs/benchmarks.md), when built.
	if [ -x ./$(BUILD_DIR)/bench/service/service_bench ]; then \
	  ./$(BUILD_DIR)/bench/service/service_bench \
	    --benchmark_out=$(BUILD_DIR)/bench-service.json \
	    --benchmark_out_format=json; \
	fi
	@# 64 gRPC clients in their own process pinned apart from ledgerd
	@# against 64 in-process threads, 3 runs (docs/benchmarks.md, "The
	@# service with its clients in another process"); about 2 minutes.
	if [ -x ./$(BUILD_DIR)/bench/service/service_clients ]; then \
	  bash bench/service/separate_process.sh $(BUILD_DIR) 3 \
	    | tee $(BUILD_DIR)/bench-separate-process.txt; \
	fi
	@# The cluster (docs/cluster.md): 1 and 4 partitions beside one ledgerd,
	@# catch-up and leader loss, about 2 minutes; then a node joining a
	@# 1M-command partition from a backup against replaying the stream,
	@# about 10 minutes.
	if [ -x ./$(BUILD_DIR)/bench/cluster/cluster_load ]; then \
	  /usr/bin/python3 bench/cluster/cluster_bench.py --build $(BUILD_DIR) \
	    --out $(BUILD_DIR)/bench-cluster.json; \
	  /usr/bin/python3 bench/cluster/join_bench.py --build $(BUILD_DIR) \
	    --out $(BUILD_DIR)/bench-join.json; \
	fi
	@# The HTTP API against gRPC on one ledgerd (docs/http.md); about 30 s.
	if [ -x ./$(BUILD_DIR)/tools/ledgerd/ledgerd ]; then \
	  /usr/bin/python3 bench/http/http_bench.py --build $(BUILD_DIR) \
	    --out $(BUILD_DIR)/bench-http.json; \
	fi
	@# Webhook delivery (docs/webhooks.md): throughput from a backlog and
	@# the lag while the ledger ingests at full speed; about 1 minute.
	if [ -x ./$(BUILD_DIR)/tools/ledgerd/ledgerd ]; then \
	  /usr/bin/python3 bench/webhooks/webhook_bench.py --build $(BUILD_DIR) \
	    --out $(BUILD_DIR)/bench-webhooks.json; \
	fi

clean:
	rm -rf $(BUILD_DIR)

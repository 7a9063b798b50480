# Entry points. On a fresh Debian 12, as root: `make demo`, `make test`.
# `deps` installs the Debian packages the build needs (docs/dependencies.md).

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
CTEST_JOBS ?= 2

DEB_PACKAGES := cmake ninja-build g++ pkg-config librocksdb-dev \
  libprotobuf-dev protobuf-compiler libabsl-dev libgtest-dev libgmock-dev \
  libbenchmark-dev libssl-dev

.PHONY: all deps build demo test bench clean

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

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR)

demo: build
	./$(BUILD_DIR)/tools/ledgerctl demo --db $(BUILD_DIR)/demo-db

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

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
	@# About 30 minutes with the default 10-million-event log (docs/benchmarks.md);
	@# LEDGER_BENCH_REPLAY_EVENTS=1000000 make bench takes about 10 minutes.
	./$(BUILD_DIR)/bench/ledger_bench --benchmark_out=$(BUILD_DIR)/bench.json \
	  --benchmark_out_format=json $(BENCH_ARGS)
	/usr/bin/python3 bench/plot_benchmarks.py $(BUILD_DIR)/bench.json \
	  --png $(BUILD_DIR)/benchmarks-throughput.png \
	  --markdown $(BUILD_DIR)/benchmarks-results.md

clean:
	rm -rf $(BUILD_DIR)

#!/bin/bash
# 64 gRPC clients in a process of their own against 64 in-process threads
# (docs/benchmarks.md, "The service with its clients in another process").
#
#   bench/service/separate_process.sh [BUILD_DIR] [RUNS]
#
# LEDGERD=PATH measures another ledgerd binary (another build's, to
# compare two servers in interleaved runs) with BUILD_DIR's clients.
# Each run: ledgerd on a new ledger, pinned to core 1 (taskset -c 1); the
# 64 callback clients of service_clients pinned to core 0; then
# service_clients' 64 in-process threads on a new ledger, once pinned to
# core 1 (the server's one core) and once on both cores. Each prints the
# median of 5 rounds of 64 x 50 Submits; this script prints each run's
# three medians, their ratios, ledgerd's CPU per command (from
# /proc/PID/stat) and its commands per group commit (from --metrics), the
# in-process side's CPU per command, and the load average before and
# after. Loopback only; ledgerd is stopped by its PID; the scratch folder
# is removed at exit.
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
LEDGERD=${LEDGERD:-$BUILD/tools/ledgerd/ledgerd}
CLIENTS=$BUILD/bench/service/service_clients
PORT=${SERVICE_BENCH_PORT:-50777}
METRICS_PORT=$((PORT + 1))
# Submits per side and run: warm-up and 5 rounds of 64 x 50, and the
# 1 000 purchases that seed the customers.
COMMANDS=$((6 * 64 * 50 + 1000))
TICKS=$(getconf CLK_TCK)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/separate-process-XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

median_of() { grep '^median_per_s' "$1" | awk '{print $2}'; }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_command_us() { awk -v t="$1" -v hz="$TICKS" -v n="$COMMANDS" 'BEGIN{printf "%.0f", t / hz / n * 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }

for run in $(seq 1 "$RUNS"); do
  echo "run $run: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  taskset -c 1 "$LEDGERD" --db "$SCRATCH/served-$run" --listen "127.0.0.1:$PORT" \
    --metrics "127.0.0.1:$METRICS_PORT" >"$SCRATCH/ledgerd-$run.log" 2>&1 &
  SERVER_PID=$!
  sleep 0.5
  before=$(cpu_ticks "$SERVER_PID")
  taskset -c 0 "$CLIENTS" grpc "127.0.0.1:$PORT" 64 50 5 >"$SCRATCH/grpc-$run.txt"
  server_cpu=$(( $(cpu_ticks "$SERVER_PID") - before ))
  per_group=$(curl -s "127.0.0.1:$METRICS_PORT/metrics" | awk '
    /^ledgerd_group_commit_commands_sum/ {s = $2}
    /^ledgerd_group_commit_commands_count/ {c = $2}
    END {if (c > 0) printf "%.1f", s / c; else print "?"}')
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  /usr/bin/time -f "%U %S" -o "$SCRATCH/one-$run.time" \
    taskset -c 1 "$CLIENTS" inprocess "$SCRATCH/one-core-$run" 64 50 5 >"$SCRATCH/one-$run.txt"
  "$CLIENTS" inprocess "$SCRATCH/two-cores-$run" 64 50 5 >"$SCRATCH/two-$run.txt"
  g=$(median_of "$SCRATCH/grpc-$run.txt")
  one=$(median_of "$SCRATCH/one-$run.txt")
  two=$(median_of "$SCRATCH/two-$run.txt")
  one_cpu=$(awk -v hz="$TICKS" '{printf "%.0f", ($1 + $2) * hz}' "$SCRATCH/one-$run.time")
  echo "run $run: grpc $g/s, in-process on core 1 $one/s, in-process on both cores $two/s;" \
       "ratio $(ratio "$g" "$one") (one core), $(ratio "$g" "$two") (both cores);" \
       "cpu per command: ledgerd $(per_command_us "$server_cpu") us," \
       "in-process $(per_command_us "$one_cpu") us; commands per group over gRPC $per_group;" \
       "load after $(cut -d' ' -f1-3 /proc/loadavg)"
done

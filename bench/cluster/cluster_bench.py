#!/usr/bin/env python3
"""Cluster benchmarks (docs/cluster.md, docs/benchmarks.md), run by
`make bench`: one plain ledgerd, then a local cluster (3 NATS + 3 ledgerd,
tools/cluster/local_cluster.py) with 1 and with 4 partitions, each driven by
cluster_load for SECONDS with THREADS one-command Submits in flight spread
over every node; then, on the 4-partition cluster, the catch-up rate of a
new replica with an empty folder and the time without acks after the
NATS node leading partition 0's stream is killed.

  cluster_bench.py --build BUILD_DIR --out BUILD_DIR/bench-cluster.json
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools", "cluster"),
                os.path.join(ROOT, "tests", "cluster")]
import local_cluster  # noqa: E402
import nats_wire  # noqa: E402


def fnv1a64(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


def load(build, targets, threads, seconds):
    out = subprocess.run(
        [os.path.join(build, "bench", "cluster", "cluster_load"),
         "--targets", ",".join(targets), "--threads", str(threads),
         "--seconds", str(seconds)],
        capture_output=True, text=True, timeout=seconds + 120, check=True)
    return json.loads(out.stdout)


def digest(build, node_dir):
    r = subprocess.run([os.path.join(build, "tools", "ledgerctl"), "digest",
                        "--db", node_dir], capture_output=True, text=True,
                       timeout=60)
    return r.stdout if r.returncode == 0 else None


def single(build, base, threads, seconds):
    db = os.path.join(base, "single")
    proc = subprocess.Popen(
        [os.path.join(build, "tools", "ledgerd", "ledgerd"), "--db", db,
         "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode().strip()
        address = line[len("listening on "):]
        return load(build, [address], threads, seconds)
    finally:
        local_cluster.stop_pid(proc.pid)


def catch_up(build, cluster, base, partitions):
    """A new node with an empty folder: events applied per second."""
    node = local_cluster.LedgerdNode(
        base, len(cluster.nodes) + 1, cluster.nodes[0].binary,
        [n.url for n in cluster.nats], partitions)
    cluster.nodes.append(node)
    target = digest(build, cluster.nodes[0].dir)
    events = sum(int(line.split()[1].split(":")[0])
                 for line in target.splitlines())
    start = time.monotonic()
    node.start()
    deadline = start + 600
    while digest(build, node.dir) != target and time.monotonic() < deadline:
        time.sleep(0.2)
    elapsed = time.monotonic() - start
    return {"events": events, "seconds": round(elapsed, 2),
            "events_per_s": round(events / elapsed, 1),
            "note": "includes ledgerd start and 0.2 s digest polling"}


def leader_kill_gap(build, cluster):
    """Longest time between two acks of a steady writer on partition 0's
    customers while the NATS node leading LEDGER_P0 is killed."""
    acks, stop = [], threading.Event()
    sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
    from ledger_client import LedgerClient, LedgerError
    stubs = os.path.join(build, "proto", "python")

    def writer():
        c = LedgerClient(cluster.nodes[0].address, stubs_path=stubs,
                         timeout=2, max_attempts=1)
        i = 0
        while not stop.is_set():
            i += 1
            try:
                c.submit({"key": f"gap-{i}", "customer": "gap-customer",
                          "at": "2026-03-08T10:00:00Z",
                          "purchase": {"purchase_id": f"g{i}", "credits": 1,
                                       "amount_minor": 1, "currency": "USD"}})
                acks.append(time.monotonic())
            except LedgerError:
                time.sleep(0.05)
    t = threading.Thread(target=writer)
    t.start()
    time.sleep(2)
    url = cluster.nats[0].url
    # The stream of gap-customer's partition.
    p = fnv1a64(b"gap-customer") % 4
    leader = nats_wire.stream_leader(url, f"LEDGER_P{p}")
    victim = next(n for n in cluster.nats if n.name == leader)
    killed = time.monotonic()
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait()
    time.sleep(15)
    stop.set()
    t.join(10)
    # The longest gap, not the first: an ack already in flight at the kill
    # may still arrive just after it.
    times = [killed] + [x for x in acks if x > killed]
    gap = max((b - a for a, b in zip(times, times[1:])), default=None)
    victim.start()
    return {"seconds_without_acks": round(gap, 2) if gap else None,
            "partition": p}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    base = tempfile.mkdtemp(prefix="ledger-cluster-bench-")
    results = {"threads": a.threads, "seconds": a.seconds}
    try:
        results["single_ledgerd"] = single(a.build, base, a.threads, a.seconds)
        print("single ledgerd", results["single_ledgerd"], flush=True)
        for partitions in (1, 4):
            folder = os.path.join(base, f"cluster-{partitions}")
            c = local_cluster.LocalCluster(
                folder, nodes=3, partitions=partitions,
                ledgerd=os.path.join(a.build, "tools", "ledgerd", "ledgerd"))
            try:
                addresses = c.start()
                r = load(a.build, addresses, a.threads, a.seconds)
                # Commands per log message: how much batching the load got.
                messages = sum(
                    nats_wire.stream_info(c.nats[0].url, f"LEDGER_P{p}")
                    ["state"]["last_seq"] for p in range(partitions))
                r["log_messages"] = messages
                r["commands_per_message"] = round(r["commands"] / max(1, messages), 1)
                results[f"cluster_{partitions}_partitions"] = r
                print(f"cluster, {partitions} partitions", r, flush=True)
                if partitions == 4:
                    results["catch_up"] = catch_up(a.build, c, folder, partitions)
                    print("catch-up", results["catch_up"], flush=True)
                    results["leader_kill"] = leader_kill_gap(a.build, c)
                    print("leader kill", results["leader_kill"], flush=True)
            finally:
                c.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

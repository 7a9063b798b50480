#!/usr/bin/env python3
"""How much sooner a new cluster node is ready when it is seeded from a
backup than when it replays its partition's stream from the start
(docs/cluster.md, "Re-seeding a node"; docs/benchmarks.md), run by
`make bench`.

A local cluster of 3 NATS servers and 2 ledgerd nodes with one partition
is filled with COMMANDS commands (SubmitBatch of 1000 purchases and uses
over 2 000 customers). Then, with the writer idle:

  - replay: node 3 starts on an empty folder and replays the stream;
  - seeded: node 1's Backup RPC copies its ledger, the copy is copied
    (not moved: a copy to another machine is the realistic case) into
    node 4's folder, and node 4 starts and reads only what the stream
    holds past the copy's applied position.

Each is timed from the first step until the node's digest equals node 1's
(read with `ledgerctl digest` every 0.2 s, which bounds the resolution).

  join_bench.py --build BUILD_DIR [--commands N] [--out FILE.json]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools", "cluster"),
                os.path.join(ROOT, "clients", "python")]
import local_cluster  # noqa: E402

BATCH = 1000
CUSTOMERS = 2000
READY_TIMEOUT_S = 1800


def digest(build, node_dir):
    r = subprocess.run([os.path.join(build, "tools", "ledgerctl"), "digest",
                        "--db", node_dir], capture_output=True, text=True,
                       timeout=120)
    return r.stdout if r.returncode == 0 else None


def fill(client, commands):
    """COMMANDS commands in batches: each customer buys once, then uses."""
    sent = 0
    while sent < commands:
        batch = []
        for i in range(sent, min(sent + BATCH, commands)):
            customer = f"c{i % CUSTOMERS}"
            if i < CUSTOMERS:
                batch.append({"key": f"k{i}", "customer": customer,
                              "at": "2026-03-08T10:00:00Z",
                              "purchase": {"purchase_id": f"p{i}",
                                           "credits": 1000000,
                                           "amount_minor": 10000,
                                           "currency": "USD"}})
            else:
                batch.append({"key": f"k{i}", "customer": customer,
                              "at": "2026-03-08T11:00:00Z",
                              "use": {"usage_id": f"u{i}",
                                      "category": "AI_PROCESSING",
                                      "credits": 1}})
        for r in client.submit_batch(batch):
            if r["status"] != "ACCEPTED":
                raise RuntimeError(f"fill: {r}")
        sent += len(batch)


def wait_ready(build, node_dir, target, start):
    deadline = start + READY_TIMEOUT_S
    while digest(build, node_dir) != target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node_dir} not ready in {READY_TIMEOUT_S}s")
        time.sleep(0.2)
    return time.monotonic() - start


def new_node(cluster, index):
    node = local_cluster.LedgerdNode(
        cluster.base, index, cluster.nodes[0].binary,
        [n.url for n in cluster.nats], 1)
    cluster.nodes.append(node)
    return node


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--commands", type=int, default=1000000)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    from ledger_client import LedgerClient
    stubs = os.path.join(a.build, "proto", "python")
    base = tempfile.mkdtemp(prefix="ledger-join-bench-")
    results = {"commands": a.commands}
    cluster = local_cluster.LocalCluster(
        base, nodes=2, partitions=1,
        ledgerd=os.path.join(a.build, "tools", "ledgerd", "ledgerd"))
    try:
        addresses = cluster.start()
        client = LedgerClient(addresses[0], stubs_path=stubs, timeout=120)
        began = time.monotonic()
        fill(client, a.commands)
        results["fill_seconds"] = round(time.monotonic() - began, 1)
        target = digest(a.build, cluster.nodes[0].dir)
        wait_ready(a.build, cluster.nodes[1].dir, target, time.monotonic())
        print("filled", results, flush=True)

        replayer = new_node(cluster, 3)
        start = time.monotonic()
        replayer.start()
        results["replay_seconds"] = round(
            wait_ready(a.build, replayer.dir, target, start), 2)
        print("replay", results["replay_seconds"], flush=True)
        local_cluster.stop_pid(replayer.proc.pid)

        seeded = new_node(cluster, 4)
        backup = os.path.join(base, "backup")
        start = time.monotonic()
        copies = client.backup(backup)
        results["backup_seconds"] = round(time.monotonic() - start, 2)
        shutil.copytree(backup, seeded.dir)  # a node folder: CLUSTER, p0
        results["copy_seconds"] = round(
            time.monotonic() - start - results["backup_seconds"], 2)
        seeded.start()
        results["seeded_seconds"] = round(
            wait_ready(a.build, seeded.dir, target, start), 2)
        results["applied_position"] = copies[0]["applied_position"]
        results["sooner"] = round(
            results["replay_seconds"] / results["seeded_seconds"], 1)
        print("seeded", results, flush=True)
        client.close()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

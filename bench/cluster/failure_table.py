#!/usr/bin/env python3
"""Measures the failure table of docs/cluster.md on a local cluster (3 NATS,
3 ledgerd, 1 partition): for each failure, the longest time a client
writing one command at a time (failing over to the next node on an error)
went without an acknowledgement, and whether every acknowledged command is
in the log afterwards (all replicas' digests equal).

  failure_table.py --build BUILD_DIR
"""
import argparse
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
                os.path.join(ROOT, "tests", "cluster"),
                os.path.join(ROOT, "clients", "python")]
import local_cluster  # noqa: E402
import nats_wire  # noqa: E402
from ledger_client import LedgerClient, LedgerError  # noqa: E402


class Writer:
    def __init__(self, cluster, stubs, tag):
        self.cluster, self.stubs, self.tag = cluster, stubs, tag
        self.acks, self.keys = [], []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)

    def run(self):
        node, i = 0, 0
        while not self.stop.is_set():
            i += 1
            key = f"{self.tag}-{i}"
            while not self.stop.is_set():
                try:
                    with LedgerClient(self.cluster.nodes[node].address,
                                      stubs_path=self.stubs, timeout=3,
                                      max_attempts=1) as c:
                        c.submit({"key": key, "customer": f"{self.tag}-c",
                                  "at": "2026-03-08T10:00:00Z",
                                  "purchase": {"purchase_id": key, "credits": 1,
                                               "amount_minor": 1,
                                               "currency": "USD"}})
                    self.acks.append(time.monotonic())
                    self.keys.append(key)
                    break
                except LedgerError:
                    node = (node + 1) % 3
                    time.sleep(0.05)


def longest_gap(acks, since):
    times = [since] + [a for a in acks if a > since]
    return max(b - a for a, b in zip(times, times[1:])) if len(times) > 1 else None


def digests(build, cluster):
    out = []
    for n in cluster.nodes:
        r = subprocess.run([os.path.join(build, "tools", "ledgerctl"), "digest",
                            "--db", n.dir], capture_output=True, text=True)
        out.append(r.stdout)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    base = tempfile.mkdtemp(prefix="ledger-failure-table-")
    stubs = os.path.join(a.build, "proto", "python")
    c = local_cluster.LocalCluster(
        base, nodes=3, partitions=1,
        ledgerd=os.path.join(a.build, "tools", "ledgerd", "ledgerd"))
    rows = []
    try:
        c.start()
        url = lambda: next(n.url for n in c.nats if n.proc.poll() is None)
        for name in ["NATS follower", "NATS stream leader", "ledgerd the client uses",
                     "2 NATS followers (quorum lost)"]:
            w = Writer(c, stubs, name.split()[0].lower() + str(len(rows)))
            w.t.start()
            time.sleep(2)
            leader = nats_wire.stream_leader(url(), "LEDGER_P0")
            if name.startswith("ledgerd"):
                victims = [c.nodes[0]]
            elif name == "NATS stream leader":
                victims = [n for n in c.nats if n.name == leader]
            elif name == "NATS follower":
                victims = [n for n in c.nats if n.name != leader][:1]
            else:
                victims = [n for n in c.nats if n.name != leader]
            killed = time.monotonic()
            for v in victims:
                os.kill(v.proc.pid, signal.SIGKILL)
                v.proc.wait()
            time.sleep(12)
            gap_down = longest_gap(w.acks, killed)
            restarted = time.monotonic()
            for v in victims:
                v.start()
            if not name.startswith("ledgerd"):
                deadline = time.monotonic() + 60
                while not all(v.healthy() for v in victims) and time.monotonic() < deadline:
                    time.sleep(0.1)
            time.sleep(8)
            w.stop.set()
            w.t.join(30)
            deadline = time.monotonic() + 60
            while len(set(digests(a.build, c))) != 1 and time.monotonic() < deadline:
                time.sleep(0.5)
            agree = len(set(digests(a.build, c))) == 1
            rows.append((name, round(gap_down, 2) if gap_down else "no ack in 12 s",
                         round(longest_gap(w.acks, restarted) or 0, 2),
                         len(w.keys), agree))
            print(rows[-1], flush=True)
    finally:
        c.stop()
        shutil.rmtree(base, ignore_errors=True)
    print("| failure (kill -9) | longest time without an ack (s) | after restart (s) | acks | replicas agree |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Measures webhook delivery in a cluster (docs/cluster.md, "Webhooks"):
3 NATS, 3 ledgerd with `--webhooks`, P partitions, one endpoint served by
clients/python/webhook_receiver.py on loopback. Writes N purchases in
SubmitBatch(500)s to one node, then times until the endpoint received every
event (each delivered by the node holding its partition's lease, with one
synced cursor write in that node's replica and one KV write per event).

  webhook_cluster_bench.py --build BUILD_DIR [--partitions 1] [--events 3000]
"""
import argparse
import http.server
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools", "cluster"),
                os.path.join(ROOT, "clients", "python")]
import local_cluster  # noqa: E402
import webhook_receiver  # noqa: E402
from ledger_client import LedgerClient  # noqa: E402

SECRET = "bench-secret-of-more-than-24-characters"
WAIT_S = 300


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--events", type=int, default=3000)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    stubs = os.path.join(build, "proto", "python")

    lock = threading.Lock()
    received = []

    def on_event(event, webhook_id):
        with lock:
            received.append(webhook_id)

    handler = webhook_receiver.make_handler(SECRET, on_event)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = tempfile.mkdtemp(prefix="webhook-cluster-bench-")
    hooks = os.path.join(base, "hooks.txt")
    with open(hooks, "w") as f:
        f.write(f"main http://127.0.0.1:{server.server_address[1]}/hook "
                f"{SECRET}\n")
    cluster = local_cluster.LocalCluster(
        base, nodes=3, partitions=args.partitions,
        ledgerd=os.path.join(build, "tools", "ledgerd", "ledgerd"),
        extra_args=["--webhooks", hooks])
    try:
        cluster.start()
        time.sleep(3)  # the leases are taken
        with LedgerClient(cluster.nodes[0].address, stubs_path=stubs) as c:
            started = time.monotonic()
            for i in range(0, args.events, 500):
                c.submit_batch([
                    {"key": f"k{j}", "customer": f"c{j % 50}",
                     "at": "2026-03-08T10:00:00Z",
                     "purchase": {"purchase_id": f"p{j}", "credits": 10,
                                  "amount_minor": 100, "currency": "USD"}}
                    for j in range(i, min(i + 500, args.events))])
            written = time.monotonic() - started
        deadline = time.monotonic() + WAIT_S
        while len(received) < args.events and time.monotonic() < deadline:
            time.sleep(0.05)
        took = time.monotonic() - started
        print(f"partitions {args.partitions}: {args.events} events written "
              f"in {written:.1f} s; {len(received)} delivered in {took:.1f} s "
              f"({len(received) / took:.0f} events/s)")
    finally:
        cluster.stop()
        server.shutdown()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

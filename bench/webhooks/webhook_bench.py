#!/usr/bin/env python3
"""Webhook delivery benchmarks (docs/webhooks.md, docs/benchmarks.md), run by
`make bench`:

1. Throughput: a ledger holding EVENTS events is opened by ledgerd with one
   endpoint (a local http.server receiver answering 200 at once); the time
   from start to the last event delivered gives events per second.
2. Lag under load: ledgerd with the same endpoint while a client submits
   batches of 1000 purchases as fast as it can for SECONDS; every 0.25 s the
   ledger's last seq and the receiver's last delivered seq are sampled.
   Reported: the ingest rate, the delivery rate, the largest lag in events,
   and how long delivery took to catch up once the ingest stopped.

  webhook_bench.py --build BUILD_DIR --out BUILD_DIR/bench-webhooks.json
"""
import argparse
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SECRET = "bench-secret-of-more-than-24-characters"


class Receiver:
    """Counts deliveries; answers 200 at once (no signature check: the
    receiver's own cost is not what is measured)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.last_seq = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            # Keep-alive, as a production receiver would: ledgerd's curl
            # handle reuses the connection.
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                seq = json.loads(body)["seq"]
                with receiver.lock:
                    receiver.count += 1
                    receiver.last_seq = max(receiver.last_seq, seq)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def last(self):
        with self.lock:
            return self.last_seq

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def purchases(first, n):
    return [{"key": f"k{i}", "customer": f"c{i % 1000}",
             "at": "2026-03-08T10:00:00Z",
             "purchase": {"purchase_id": f"p{i}", "credits": 100,
                          "amount_minor": 100, "currency": "USD"}}
            for i in range(first, first + n)]


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def run(args):
    os.environ.setdefault("LEDGERD", os.path.join(args.build, "tools",
                                                  "ledgerd", "ledgerd"))
    os.environ.setdefault("LEDGERCTL", os.path.join(args.build, "tools",
                                                    "ledgerctl"))
    os.environ.setdefault("LEDGER_PY_STUBS",
                          os.path.join(args.build, "proto", "python"))
    sys.path[:0] = [os.path.join(ROOT, "tests", "service"),
                    os.path.join(ROOT, "clients", "python")]
    from harness import Server  # noqa: E402
    from ledger_client import LedgerClient  # noqa: E402

    folder = tempfile.mkdtemp(prefix="webhook-bench-")
    results = {}
    try:
        hooks = os.path.join(folder, "hooks.txt")
        receiver = Receiver()
        with open(hooks, "w") as f:
            f.write(f"bench {receiver.url} {SECRET}\n")

        # 1. Throughput from a backlog.
        server = Server(folder, db=os.path.join(folder, "db1"))
        with LedgerClient(server.address, stubs_path=os.environ["LEDGER_PY_STUBS"]) as c:
            for first in range(0, args.events, 1000):
                c.submit_batch(purchases(first, min(1000, args.events - first)))
        server.terminate()
        started = time.monotonic()
        server = Server(folder, db=os.path.join(folder, "db1"),
                        extra_args=["--webhooks", hooks])
        ok = wait_until(lambda: receiver.last() >= args.events, 600)
        seconds = time.monotonic() - started
        server.terminate()
        results["backlog_events"] = args.events
        results["backlog_delivered"] = ok
        results["backlog_seconds"] = round(seconds, 2)
        results["delivery_events_per_second"] = round(args.events / seconds)

        # 2. Lag while ingesting at full speed.
        receiver.close()
        receiver = Receiver()
        with open(hooks, "w") as f:
            f.write(f"bench {receiver.url} {SECRET}\n")
        server = Server(folder, db=os.path.join(folder, "db2"),
                        extra_args=["--webhooks", hooks])
        submitted = [0]
        stop = threading.Event()

        def ingest():
            with LedgerClient(server.address,
                              stubs_path=os.environ["LEDGER_PY_STUBS"]) as c:
                while not stop.is_set():
                    c.submit_batch(purchases(submitted[0], 1000))
                    submitted[0] += 1000

        t = threading.Thread(target=ingest)
        start = time.monotonic()
        t.start()
        max_lag = 0
        while time.monotonic() - start < args.seconds:
            time.sleep(0.25)
            max_lag = max(max_lag, submitted[0] - receiver.last())
        stop.set()
        t.join()
        ingest_seconds = time.monotonic() - start
        delivered_during = receiver.last()
        stopped = time.monotonic()
        ok = wait_until(lambda: receiver.last() >= submitted[0], 900)
        catch_up = time.monotonic() - stopped
        server.terminate()
        receiver.close()
        results["ingest_events"] = submitted[0]
        results["ingest_events_per_second"] = round(submitted[0] / ingest_seconds)
        results["delivered_during_ingest_per_second"] = round(
            delivered_during / ingest_seconds)
        results["max_lag_events"] = max_lag
        results["catch_up_seconds"] = round(catch_up, 2)
        results["caught_up"] = ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default=None)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    results = run(args)
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The HTTP API against gRPC on one ledgerd (docs/http.md,
docs/benchmarks.md), run by `make bench`:

1. Writes: ROUNDS rounds, alternating, of `POST /v1/commands` with 1000
   commands (one body, keep-alive connection) and of gRPC `SubmitBatch`
   with the same 1000 commands (a request message built once, sent on one
   channel), each round new keys and new customers; the median commands/s
   of each and their ratio (target: HTTP at least 0.5x gRPC).
2. Reads: SAMPLES `GET /v1/customers/{id}/balance` (one keep-alive
   connection) and as many gRPC `GetBalance` (one channel), alternating in
   blocks of 100 over 200 customers; p50 and p99 of each in microseconds.

Both clients are Python in this process on the same cores as the server,
with request bytes built before the clock starts, so what is compared is
the server's path and the protocol, not a client's JSON or protobuf work.

  http_bench.py --build BUILD_DIR --out BUILD_DIR/bench-http.json
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ROUNDS = 7
BATCH = 1000
SAMPLES = 1000


def purchase(key, customer, at="2026-03-08T10:00:00Z"):
    return {"key": key, "customer": customer, "at": at,
            "purchase": {"purchase_id": "p-" + key, "credits": 100,
                         "amount_minor": 100, "currency": "USD"}}


def use(key, customer, at="2026-03-08T11:00:00Z"):
    return {"key": key, "customer": customer, "at": at,
            "use": {"usage_id": "u-" + key, "category": "AI_PROCESSING",
                    "credits": 1}}


def batch(tag):
    """1000 commands: 100 new customers, each a purchase and 9 uses."""
    out = []
    for c in range(BATCH // 10):
        customer = f"{tag}-c{c}"
        out.append(purchase(f"{tag}-{c}-p", customer))
        out += [use(f"{tag}-{c}-u{i}", customer) for i in range(9)]
    return out


def start(build, folder):
    args = [os.path.join(build, "tools/ledgerd/ledgerd"), "--db",
            os.path.join(folder, "db"), "--listen", "127.0.0.1:0",
            "--http", "127.0.0.1:0", "--max-future", "off"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                            stderr=open(os.path.join(folder, "err"), "wb"))
    lines = [proc.stdout.readline().decode().strip() for _ in range(2)]
    grpc_address = lines[0][len("listening on "):]
    port = int(lines[1].rsplit(":", 1)[1])
    return proc, grpc_address, port


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "proto/python"))
    import grpc
    from google.protobuf import json_format
    from ledger.v1 import command_pb2, service_pb2, service_pb2_grpc

    folder = tempfile.mkdtemp(prefix="http-bench-")
    proc, grpc_address, port = start(args.build, folder)
    try:
        channel = grpc.insecure_channel(grpc_address)
        stub = service_pb2_grpc.LedgerServiceStub(channel)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        http_rates, grpc_rates = [], []
        for r in range(ROUNDS + 1):  # round 0 warms both paths up
            body = json.dumps(batch(f"h{r}"))
            request = service_pb2.SubmitBatchRequest(commands=[
                json_format.ParseDict(c, command_pb2.Command())
                for c in batch(f"g{r}")])
            t = time.perf_counter()
            conn.request("POST", "/v1/commands", body=body,
                         headers={"Content-Type": "application/json"})
            answer = json.loads(conn.getresponse().read())
            http_s = time.perf_counter() - t
            assert len(answer) == BATCH and answer[0]["status"] == "ACCEPTED"
            t = time.perf_counter()
            reply = stub.SubmitBatch(request, timeout=60)
            grpc_s = time.perf_counter() - t
            assert len(reply.results) == BATCH
            if r > 0:
                http_rates.append(BATCH / http_s)
                grpc_rates.append(BATCH / grpc_s)
        customers = [f"h1-c{c}" for c in range(100)] + \
                    [f"g1-c{c}" for c in range(100)]
        http_us, grpc_us = [], []
        for block in range(SAMPLES // 100):
            for i in range(100):
                customer = customers[(block * 100 + i) % len(customers)]
                t = time.perf_counter()
                conn.request("GET", f"/v1/customers/{customer}/balance")
                response = conn.getresponse()
                response.read()
                http_us.append((time.perf_counter() - t) * 1e6)
                assert response.status == 200
            for i in range(100):
                customer = customers[(block * 100 + i) % len(customers)]
                req = service_pb2.GetBalanceRequest(customer=customer)
                t = time.perf_counter()
                stub.GetBalance(req, timeout=10)
                grpc_us.append((time.perf_counter() - t) * 1e6)
        conn.close()
        channel.close()
        results = {
            "post_1000_commands_per_s": statistics.median(http_rates),
            "submit_batch_1000_commands_per_s": statistics.median(grpc_rates),
            "write_ratio": statistics.median(http_rates) /
                           statistics.median(grpc_rates),
            "http_rounds": http_rates, "grpc_rounds": grpc_rates,
            "get_balance_http_p50_us": percentile(http_us, 0.5),
            "get_balance_http_p99_us": percentile(http_us, 0.99),
            "get_balance_grpc_p50_us": percentile(grpc_us, 0.5),
            "get_balance_grpc_p99_us": percentile(grpc_us, 0.99),
            "load_average": os.getloadavg()[0],
        }
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
        print(json.dumps(results, indent=2))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

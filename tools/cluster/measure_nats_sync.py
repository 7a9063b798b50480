#!/usr/bin/env python3
"""Measures how long NATS JetStream holds an acknowledged message before it
syncs it to disk (docs/reliability.md, "The cluster and a power cut").

Starts one nats-server (JetStream, file storage, its own port and folder)
under `strace -f -y -tt` watching fsync and fdatasync, creates a stream of
file storage, publishes one message every PUBLISH_EVERY_S and waits for its
acknowledgement, for --seconds, stops the server by PID, and prints each
sync of a message-block file with its time after the first acknowledgement,
and the gaps between them: the window during which an acknowledged message
is only in the operating system's memory.

  measure_nats_sync.py [--seconds 150] [--nats-server /usr/sbin/nats-server]
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tests", "cluster"))
import nats_wire  # noqa: E402

PUBLISH_EVERY_S = 0.5
SYNC = re.compile(r"^(\d+)\s+(\d+):(\d+):(\d+\.\d+) (fsync|fdatasync)\((\d+)<([^>]*)>")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clock_seconds(h, m, s):
    return int(h) * 3600 + int(m) * 60 + float(s)


def wait_port(port, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nats-server did not start")


def publish_acked(conn, subject, payload):
    reply = json.loads(conn.request(subject, payload))
    if "seq" not in reply:
        raise RuntimeError(f"publish not acknowledged: {reply}")
    return reply["seq"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--nats-server", default="/usr/sbin/nats-server")
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="nats-sync-")
    port = free_port()
    trace = os.path.join(base, "strace.txt")
    server = subprocess.Popen(
        ["strace", "-f", "-y", "-tt", "-e", "signal=none",
         "-e", "trace=fsync,fdatasync", "-o", trace,
         args.nats_server, "-js", "-sd", os.path.join(base, "js"),
         "-a", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        conn = nats_wire.Conn(f"nats://127.0.0.1:{port}")
        created = json.loads(conn.request(
            "$JS.API.STREAM.CREATE.SYNCTEST",
            json.dumps({"name": "SYNCTEST", "subjects": ["synctest"],
                        "storage": "file", "num_replicas": 1}).encode()))
        if "error" in created:
            raise RuntimeError(f"stream not created: {created}")
        first = None
        published = 0
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            publish_acked(conn, "synctest", b"x" * 100)
            published += 1
            if first is None:
                first = time.time()
            time.sleep(PUBLISH_EVERY_S)
        conn.close()
    finally:
        server.send_signal(signal.SIGTERM)  # strace passes it to nats-server
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    t0 = time.localtime(first)
    first_clock = t0.tm_hour * 3600 + t0.tm_min * 60 + t0.tm_sec + (first % 1)
    syncs = []
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SYNC.match(line)
            if m and ".blk" in m.group(7):
                at = clock_seconds(m.group(2), m.group(3), m.group(4)) - first_clock
                syncs.append((at, m.group(5), os.path.basename(m.group(7))))
    print(f"nats-server: {subprocess.run([args.nats_server, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"published and acknowledged: {published} messages over {args.seconds:.0f} s")
    print(f"syncs of message-block files: {len(syncs)}")
    for at, call, name in syncs:
        print(f"  {at:8.1f} s  {call} {name}")
    gaps = [b[0] - a[0] for a, b in zip(syncs, syncs[1:])]
    if syncs:
        print(f"first sync {syncs[0][0]:.1f} s after the first acknowledgement")
    if gaps:
        print(f"gaps between syncs: {', '.join(f'{g:.1f}' for g in gaps)} s")
    print(f"trace kept in {trace}")


if __name__ == "__main__":
    main()

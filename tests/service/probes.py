"""What the service and cluster tests ask a running ledgerd, and how they
wait for it: its grpc.health.v1 status, its Prometheus metrics, a bounded
wait for a state, and a tmpfs of the test's own for a full disk. One copy
for tests/service and tests/cluster (both have this folder on PYTHONPATH).
"""
import re
import subprocess
import time
import urllib.request

import grpc

SERVING, NOT_SERVING = 1, 2


def health(address, service=""):
    """The grpc.health.v1 status of `service` ("" for the server as a
    whole): SERVING, NOT_SERVING, or 0 for an answer without one."""
    request = b"" if not service else (
        b"\x0a" + bytes([len(service)]) + service.encode())
    with grpc.insecure_channel(address) as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda b: b, response_deserializer=lambda b: b)
        answer = check(request, timeout=10)
    return answer[1] if len(answer) == 2 else 0


def wait_for(what, predicate, timeout_s=30, interval_s=0.1, explain=None):
    """Returns once `predicate()` holds; AssertionError naming `what` (and
    `explain()`, when given) if it does not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    detail = f"\n{explain()}" if explain else ""
    raise AssertionError(f"not within {timeout_s}s: {what}{detail}")


def metrics_port(stderr_text):
    """The port ledgerd said it serves /metrics on, or None."""
    m = re.search(r"metrics on port (\d+)", stderr_text)
    return int(m.group(1)) if m else None


def metrics_text(port):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                  timeout=10).read().decode()


def metric_values(port, prefix="ledgerd_"):
    """Every sample whose name starts with `prefix`, by its name with labels:
    {'ledgerd_webhook_cursor{endpoint="main"}': 60.0, ...}."""
    values = {}
    for line in metrics_text(port).splitlines():
        if line.startswith(prefix):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def mount_tmpfs(path, size_bytes):
    """Mounts a tmpfs of `size_bytes` on the existing folder `path`; None on
    success, else why not (it needs root: the caller skips then)."""
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0700",
         "tmpfs", path], capture_output=True, text=True)
    if r.returncode != 0:
        return (f"cannot mount a tmpfs ({r.stderr.strip()}): "
                "this test needs root")
    return None


def grow_tmpfs(path, size_bytes):
    """Resizes the tmpfs on `path` in place (its files stay)."""
    subprocess.run(["mount", "-o", f"remount,size={size_bytes}", path],
                   check=True)


def unmount(path):
    """Unmounts `path`, lazily when something still holds it."""
    if subprocess.run(["umount", path]).returncode != 0:
        subprocess.run(["umount", "-l", path])

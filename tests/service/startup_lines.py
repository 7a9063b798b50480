"""What a server prints as it starts, read with a deadline: ledgerd's
`listening on HOST:PORT`, then `http on HOST:PORT` when it serves --http
(both with port 0, the port it bound). Shared by the service, HTTP and
console tests; it needs nothing from the environment, so a test run as a
script of its own (the console's) imports it too."""
import os
import selectors
import time


def read_lines(proc, count, timeout_s):
    """Up to `count` lines of `proc`'s stdout (every complete line read by
    then), stripped, waiting at most `timeout_s`."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    data = b""
    while data.count(b"\n") < count and time.monotonic() < deadline:
        if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        chunk = os.read(proc.stdout.fileno(), 256)
        if not chunk:
            break
        data += chunk
    sel.close()
    return [line.strip() for line in data.decode(errors="replace").splitlines()]


def http_address(lines):
    """HOST:PORT from ledgerd's `http on HOST:PORT` line, or None."""
    for line in lines:
        if line.startswith("http on "):
            return line[len("http on "):]
    return None

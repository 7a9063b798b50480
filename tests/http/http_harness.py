"""Starts ledgerd with --http for the HTTP API's tests (tests/http).

Each test gets its own temp folder and its own ledgerd on 127.0.0.1 port 0
for both gRPC and HTTP; the `listening on` and `http on` lines are read
with a timeout, and the server is stopped by its PID in tearDown, also when
the test failed. Requests use the standard library only (http.client).
"""
import http.client
import json
import os
import selectors
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest

LEDGERD = os.environ["LEDGERD"]
LEDGERCTL = os.environ["LEDGERCTL"]
STARTUP_SECONDS = 30


class HttpServer:
    """One ledgerd process serving --http."""

    def __init__(self, folder, db=None, extra_args=(), tls=None):
        self.folder = folder
        self.db = db or os.path.join(folder, "db")
        self.tls = tls  # (cert, key) or None
        self.stderr_path = os.path.join(folder, "ledgerd.stderr")
        args = [LEDGERD, "--db", self.db, "--listen", "127.0.0.1:0",
                "--http", "127.0.0.1:0", *extra_args]
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self._stderr)
        lines = self._read_lines(2)
        if (len(lines) != 2 or not lines[0].startswith("listening on ")
                or not lines[1].startswith("http on ")):
            self.kill()
            raise AssertionError(f"ledgerd did not start (got {lines!r}); "
                                 f"stderr: {self.stderr()}")
        self.grpc_address = lines[0][len("listening on "):]
        host, port = lines[1][len("http on "):].rsplit(":", 1)
        self.host, self.port = host, int(port)

    def _read_lines(self, count):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + STARTUP_SECONDS
        data = b""
        while data.count(b"\n") < count and time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(self.proc.stdout.fileno(), 256)
            if not chunk:
                break
            data += chunk
        sel.close()
        return [l.strip() for l in data.decode(errors="replace").splitlines()]

    def connection(self, timeout=30):
        if self.tls:
            context = ssl.create_default_context(cafile=self.tls[0])
            return http.client.HTTPSConnection("localhost", self.port,
                                               timeout=timeout,
                                               context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, timeout=30):
        """(status, parsed JSON body) of one request on a new connection."""
        conn = self.connection(timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            if body is not None and not isinstance(body, (str, bytes)):
                body = json.dumps(body)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, timeout=60):
        """SIGTERM by PID, then the exit status (SIGKILL after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"ledgerd did not exit within {timeout}s")
        finally:
            self._close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._close()

    def _close(self):
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self._stderr.closed:
            self._stderr.close()


def ledgerctl(*args, input_text=None, timeout=120):
    return subprocess.run([LEDGERCTL, *args], input=input_text,
                          capture_output=True, text=True, timeout=timeout)


class HttpTestCase(unittest.TestCase):
    """A temp folder per test, every server started stopped at the end."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="ledgerd-http-test-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, **kwargs):
        server = HttpServer(self.folder, **kwargs)
        self.servers.append(server)
        return server


def purchase(key, customer, purchase_id="p1", at="2026-03-08T10:00:00Z",
             credits=1000, amount_minor=1999):
    return {"key": key, "customer": customer, "at": at,
            "purchase": {"purchase_id": purchase_id, "credits": credits,
                         "amount_minor": amount_minor, "currency": "USD"}}


def command(key, customer, kind, body, at):
    return {"key": key, "customer": customer, "at": at, kind: body}

"""Starts ledgerd with --http for the HTTP API's tests (tests/http).

Each test gets its own temp folder and its own ledgerd on 127.0.0.1 port 0
for both gRPC and HTTP, started and stopped by the service tests' harness
(tests/service/harness.py: the `listening on` and `http on` lines read with
a timeout, the server stopped by its PID in tearDown, also when the test
failed). Requests use the standard library only (http.client).
"""
import http.client
import json
import shutil
import ssl
import tempfile
import unittest

from harness import Server, ledgerctl  # noqa: F401 (tests import ledgerctl)
from startup_lines import http_address


class HttpServer(Server):
    """One ledgerd process serving --http: the service tests' server
    (tests/service/harness.py), which also reads the `http on` line."""

    def __init__(self, folder, db=None, extra_args=(), tls=None):
        self.tls = tls  # (cert, key) or None
        args = ["--http", "127.0.0.1:0", *extra_args]
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        super().__init__(folder, db=db, extra_args=args, startup_lines=2)
        address = http_address(self.startup[1:2])
        if address is None:
            self.kill()
            raise AssertionError(f"ledgerd did not serve HTTP (got "
                                 f"{self.startup!r}); stderr: {self.stderr()}")
        self.grpc_address = self.address
        host, port = address.rsplit(":", 1)
        self.host, self.port = host, int(port)

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

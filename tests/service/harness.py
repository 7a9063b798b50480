"""Starts and stops ledgerd for the service tests (tests/service).

Each test gets its own temp folder and its own ledgerd on 127.0.0.1 port 0;
the `listening on` line is read with a timeout, and the server is stopped by
its PID in tearDown, also when the test failed. Paths come from the
environment ctest sets (tests/service/CMakeLists.txt).
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LEDGERD = os.environ["LEDGERD"]
LEDGERCTL = os.environ["LEDGERCTL"]
STUBS = os.environ["LEDGER_PY_STUBS"]
SCENARIO_DIR = os.environ.get("SCENARIO_DIR", "")

sys.path.insert(0, STUBS)
from ledger_client import LedgerClient, LedgerError, load_stubs  # noqa: E402
from startup_lines import read_lines  # noqa: E402

STARTUP_SECONDS = 30


class Server:
    """One ledgerd process."""

    def __init__(self, folder, db=None, extra_args=(), name="ledgerd",
                 preexec_fn=None, startup_lines=1):
        """Starts ledgerd and reads its first `startup_lines` lines of
        stdout (`listening on ADDR` first), kept in `self.startup`."""
        self.folder = folder
        self.db = db or os.path.join(folder, "db")
        self.stderr_path = os.path.join(folder, f"{name}.stderr")
        args = [LEDGERD, "--db", self.db, "--listen", "127.0.0.1:0",
                *extra_args]
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self._stderr,
                                     preexec_fn=preexec_fn)
        self.startup = read_lines(self.proc, startup_lines, STARTUP_SECONDS)
        first = self.startup[0] if self.startup else ""
        if (len(self.startup) < startup_lines
                or not first.startswith("listening on 127.0.0.1:")):
            self.kill()
            raise AssertionError(
                f"ledgerd did not say it listens (got {self.startup!r}); "
                f"stderr: {self.stderr()}")
        self.address = first[len("listening on "):]

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, timeout=60):
        """SIGTERM, then the exit status (SIGKILL after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("ledgerd did not exit within "
                                 f"{timeout}s of SIGTERM")
        finally:
            self._close_files()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._close_files()

    def _close_files(self):
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self._stderr.closed:
            self._stderr.close()


def token_line(role, token, name):
    return f"{role} {hashlib.sha256(token.encode()).hexdigest()} {name}\n"


def ledgerctl(*args, input_text=None, timeout=120):
    return subprocess.run([LEDGERCTL, *args], input=input_text,
                          capture_output=True, text=True, timeout=timeout)


class ServerTestCase(unittest.TestCase):
    """A temp folder per test and every server started stopped at the end."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="ledgerd-test-")
        self.servers = []
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        for s in self.servers:
            s.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, **kwargs):
        server = Server(self.folder, **kwargs)
        self.servers.append(server)
        return server

    def client(self, server, **kwargs):
        kwargs.setdefault("stubs_path", STUBS)
        c = LedgerClient(server.address, **kwargs)
        self.clients.append(c)
        return c


def purchase(key, customer="c1", at="2026-03-08T10:00:00Z", credits=100):
    return {"key": key, "customer": customer, "at": at,
            "purchase": {"purchase_id": f"p-{key}", "credits": credits,
                         "amount_minor": 100, "currency": "USD"}}


SET_POLICY = {"key": "pol-1", "at": "2026-03-08T09:00:00Z",
              "set_policy": {"version": "v2", "refund_window_hours": 100,
                             "inquiry_window_hours": 100}}

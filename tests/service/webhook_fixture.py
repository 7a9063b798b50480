"""A webhook endpoint for the tests of ledgerd --webhooks (test_webhooks*.py).

`Receiver` is an HTTP server on 127.0.0.1 in a thread of the test. It checks
every request's Standard Webhooks signature with its own few lines of hmac
(independent of ledgerd's code and of clients/python/webhook_receiver.py),
records each request (id, timestamp, seq, body) and answers as the test
scripts it: 500s, a stall past ledgerd's 10 s timeout, or a closed port
(`stop` then `start` again on the same port). Every wait is bounded.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import socket
import threading
import time

import probes
from harness import ServerTestCase, ledgerctl, purchase

SECRET = "test-secret-of-more-than-24-characters"


def signature(secret, webhook_id, timestamp, body):
    mac = hmac.new(secret.encode(), f"{webhook_id}.{timestamp}.".encode() + body,
                   hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Receiver:
    """One endpoint. `script(n)` (n = 1, 2, ... for each request) returns
    the status to answer, or ("stall", seconds) to answer 200 that late
    (from 10 s on, ledgerd's timeout, not counted as delivered)."""

    def __init__(self, secret=SECRET, script=None, port=0):
        self.secret = secret
        self.script = script or (lambda n: 200)
        self.lock = threading.Lock()
        self.requests = []   # every request: dict(id, timestamp, seq, body, ok)
        self.delivered = []  # the requests answered 2xx, in order
        self.bad_signatures = 0
        self.port = port
        self.server = None
        self.start()

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                webhook_id = self.headers.get("webhook-id", "")
                timestamp = self.headers.get("webhook-timestamp", "")
                good = (self.headers.get("webhook-signature") ==
                        signature(receiver.secret, webhook_id, timestamp, body)
                        and abs(time.time() - int(timestamp or 0)) < 300)
                with receiver.lock:
                    n = len(receiver.requests) + 1
                    record = {"id": webhook_id, "timestamp": timestamp,
                              "seq": json.loads(body)["seq"], "body": body}
                    receiver.requests.append(record)
                    if not good:
                        receiver.bad_signatures += 1
                answer = receiver.script(n) if good else 401
                late = False
                if isinstance(answer, tuple):
                    # The scripted slow endpoint itself: pacing under test.
                    time.sleep(answer[1])
                    # Past ledgerd's 10 s it has given up: not delivered.
                    late = answer[1] >= 10
                    answer = 200
                if 200 <= answer <= 299 and not late:
                    with receiver.lock:
                        receiver.delivered.append(record)
                try:
                    self.send_response(answer)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # ledgerd gave up waiting

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Closes the port: connections are refused until `start`."""
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def delivered_seqs(self):
        with self.lock:
            return [r["seq"] for r in self.delivered]

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                             f"delivered {self.delivered_seqs()[-10:]}")


def free_port():
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebhookTestCase(ServerTestCase):
    """A ledgerd with --webhooks, and the events it holds."""

    def write_hooks(self, lines):
        path = os.path.join(self.folder, "hooks.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("# test endpoints\n" + "".join(l + "\n" for l in lines))
        return path

    def start_with_hooks(self, lines, **kwargs):
        # With metrics: wait_handled reads the endpoints' cursors there.
        return self.start(extra_args=["--webhooks", self.write_hooks(lines),
                                      "--metrics", "127.0.0.1:0"],
                          **kwargs)

    def wait_handled(self, server, endpoint, seq, timeout_s=60):
        """Waits until ledgerd's delivery to `endpoint` has handled every
        event up to `seq` (its ledgerd_webhook_cursor): it then sends nothing
        more for them, so what the receiver holds is all it will get, and a
        check for repeats needs no grace period."""
        port = probes.metrics_port(server.stderr())
        self.assertIsNotNone(port, server.stderr())
        name = f'ledgerd_webhook_cursor{{endpoint="{endpoint}"}}'
        probes.wait_for(f"{endpoint} handled up to seq {seq}",
                        lambda: probes.metric_values(port).get(name, 0) >= seq,
                        timeout_s=timeout_s, interval_s=0.05)

    def submit_purchases(self, server, n, start=0, batch=50):
        c = self.client(server)
        for first in range(start, start + n, batch):
            commands = [purchase(f"k{i}", customer=f"c{i % 7}")
                        for i in range(first, min(first + batch, start + n))]
            for r in c.submit_batch(commands):
                self.assertEqual(r["status"], "ACCEPTED", r)

    def exported(self, db):
        """seq -> the line `ledgerctl export` writes (without its break)."""
        out = ledgerctl("export", "--db", db, "--format", "jsonl")
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        return {json.loads(l)["seq"]: l.encode() for l in lines}

    def assert_in_order_once_each(self, receiver, last_seq, repeats_allowed=0,
                                  wanted=None):
        """Every wanted seq up to last_seq reached `receiver` in log order;
        a seq answered 2xx twice only right after itself (a repeat of what
        was in flight), at most `repeats_allowed` times."""
        seqs = receiver.delivered_seqs()
        unique = [s for i, s in enumerate(seqs) if i == 0 or s != seqs[i - 1]]
        expected = wanted if wanted is not None else list(range(1, last_seq + 1))
        self.assertEqual(unique, expected)
        self.assertLessEqual(len(seqs) - len(unique), repeats_allowed)
        self.assertEqual(receiver.bad_signatures, 0)

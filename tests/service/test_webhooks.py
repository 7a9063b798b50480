"""docs/contract.md section 13: ledgerd --webhooks POSTs every accepted event
an endpoint wants as the JSON object `export` writes, signed, in log order,
once in normal running; KINDS filters; a bad file is refused with exit 2; the example
receiver of clients/python verifies and de-duplicates. Restarts and
failures are test_webhook_crash.py and test_webhook_retries.py."""
import json
import os
import re
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import LEDGERD, purchase
from webhook_fixture import SECRET, Receiver, WebhookTestCase, signature

DELIVERY_TIMEOUT = 60


class Delivery(WebhookTestCase):

    def test_every_event_arrives_signed_in_order_as_export_writes_it(self):
        receiver = Receiver()
        server = self.start(extra_args=[
            "--webhooks", self.write_hooks([f"main {receiver.url} {SECRET}"]),
            "--metrics", "127.0.0.1:0"])
        self.submit_purchases(server, 60)
        receiver.wait_for(lambda r: len(r.delivered) >= 60, DELIVERY_TIMEOUT,
                          "60 events")
        self.assert_in_order_once_each(receiver, 60)
        exported = self.exported(server.db)
        ids = set()
        for r in receiver.delivered:
            self.assertEqual(r["body"], exported[r["seq"]])
            hash_hex = json.loads(r["body"])["hash"]
            self.assertEqual(r["id"], "evt_" + hash_hex)
            ids.add(r["id"])
        self.assertEqual(len(ids), 60)
        # The metrics name the endpoint and count what it got.
        port = re.search(r"metrics on port (\d+)", server.stderr()).group(1)
        text = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        self.assertIn('ledgerd_webhook_delivered_total{endpoint="main"} 60',
                      text)
        self.assertIn('ledgerd_webhook_cursor{endpoint="main"} 60', text)
        self.assertIn('ledgerd_webhook_failed_attempts_total{endpoint="main"} 0',
                      text)
        self.assertIn("ledgerd_webhook_oldest_undelivered_seconds", text)
        self.assertEqual(server.terminate(), 0)

    def test_kinds_choose_the_events_an_endpoint_gets(self):
        uses = Receiver()
        everything = Receiver()
        server = self.start_with_hooks([
            f"uses {uses.url} {SECRET} use,alerts",
            f"all {everything.url} {SECRET}"])
        c = self.client(server)
        commands = [purchase("k0", customer="c1", credits=1000)]
        for i in range(1, 9):
            at = f"2026-03-08T11:{i:02d}:00Z"
            commands.append({"key": f"u{i}", "customer": "c1", "at": at,
                             "use": {"usage_id": f"u{i}", "credits": 5,
                                     "category": "AI_PROCESSING"}}
                            if i % 2 else purchase(f"k{i}", customer="c1",
                                                   at=at))
        for r in c.submit_batch(commands):
            self.assertEqual(r["status"], "ACCEPTED", r)
        everything.wait_for(lambda r: len(r.delivered) >= 9, DELIVERY_TIMEOUT,
                            "9 events")
        uses.wait_for(lambda r: len(r.delivered) >= 4, DELIVERY_TIMEOUT,
                      "4 uses")
        self.wait_handled(server, "uses", 9)
        self.wait_handled(server, "all", 9)
        self.assert_in_order_once_each(uses, 9, wanted=[2, 4, 6, 8])
        self.assert_in_order_once_each(everything, 9)
        self.assertEqual(server.terminate(), 0)


class Refusals(WebhookTestCase):

    def run_ledgerd(self, *args):
        return subprocess.run([LEDGERD, "--db", os.path.join(self.folder, "db"),
                               "--listen", "127.0.0.1:0", *args],
                              capture_output=True, text=True, timeout=30)

    def test_a_bad_webhooks_file_is_refused_with_exit_2(self):
        for line, says in [
                ("main http://127.0.0.1:1/ short", "at least 24 characters"),
                (f"main ftp://x/ {SECRET}", "http:// or https://"),
                (f"main http://x/ {SECRET} use,nonsense", "unknown KINDS"),
                ("main http://x/", "wrong number of words")]:
            out = self.run_ledgerd("--webhooks", self.write_hooks([line]))
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn(says, out.stderr)
            self.assertIn("hooks.txt:2:", out.stderr)

    def test_cluster_mode_takes_webhooks_and_then_needs_nats(self):
        # Accepted as usage (docs/cluster.md, "Webhooks"); this node then
        # fails only for want of a NATS server (exit 1, not 2).
        out = self.run_ledgerd(
            "--webhooks", self.write_hooks([f"m http://x/ {SECRET}"]),
            "--nats", "nats://127.0.0.1:1", "--partitions", "2",
            "--node", "n1")
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("cannot join the cluster", out.stderr)


class ReceiverExample(unittest.TestCase):
    """clients/python/webhook_receiver.py verifies and de-duplicates."""

    def test_example_verifies_the_standard_webhooks_vector(self):
        import webhook_receiver as wr
        secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                   "webhook-timestamp": "1614265330",
                   "webhook-signature":
                       "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
        body = b'{"test": 2432232314}'
        self.assertEqual(wr.verify(secret, headers, body, now=1614265330),
                         {"test": 2432232314})
        with self.assertRaises(wr.WebhookVerificationError):
            wr.verify(secret, headers, body + b" ", now=1614265330)
        with self.assertRaises(wr.WebhookVerificationError):
            wr.verify(secret, headers, body, now=1614265330 + 3600)
        self.assertEqual(signature(SECRET, "i", 5, b"{}"),
                         wr.sign(SECRET, "i", 5, b"{}"))


class ReceiverExampleBehindLedgerd(WebhookTestCase):

    def test_example_handler_acts_once_per_event_and_refuses_a_forgery(self):
        import http.server
        import threading
        import webhook_receiver as wr
        handled, lock = [], threading.Lock()

        def on_event(event, webhook_id):
            with lock:
                handled.append(event["seq"])

        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), wr.make_handler(SECRET, on_event))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/"
            server = self.start_with_hooks([f"ex {url} {SECRET}"])
            self.submit_purchases(server, 40)
            deadline = time.monotonic() + DELIVERY_TIMEOUT
            while time.monotonic() < deadline and len(handled) < 40:
                time.sleep(0.05)
            self.assertEqual(handled, list(range(1, 41)))
            # Sent again by hand, with the id ledgerd used: not handled twice.
            body = self.exported(server.db)[7]
            event_id = "evt_" + json.loads(body)["hash"]
            ts = str(int(time.time()))
            request = urllib.request.Request(url, data=body, method="POST",
                headers={"webhook-id": event_id, "webhook-timestamp": ts,
                         "webhook-signature": signature(SECRET, event_id, ts,
                                                        body)})
            self.assertEqual(urllib.request.urlopen(request, timeout=10).status,
                             200)
            forged = urllib.request.Request(url, data=body, method="POST",
                headers={"webhook-id": event_id, "webhook-timestamp": ts,
                         "webhook-signature": "v1,AAAA"})
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=10)
            self.assertEqual(refused.exception.code, 401)
            self.assertEqual(handled, list(range(1, 41)))
            self.assertEqual(server.terminate(), 0)
        finally:
            httpd.shutdown()
            httpd.server_close()


if __name__ == "__main__":
    unittest.main()

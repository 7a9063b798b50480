"""The HTTP API of `ledgerd --http` (docs/http.md, docs/contract.md section
14) against a real ledgerd on loopback: every path answers what ledgerctl
prints, every error code, each role, pages under a live writer, a body of
10 001 commands refused whole, slow clients not holding the server, TLS,
metrics, the drain, and the pending-refund queue."""
import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import time
import unittest
import urllib.request

from http_harness import HttpTestCase, command, ledgerctl, purchase

AT = "2026-03-09T00:00:00Z"


def tokens_file(folder):
    path = os.path.join(folder, "tokens")
    with open(path, "w") as f:
        for role in ("reader", "writer", "admin"):
            digest = hashlib.sha256(f"{role}-token".encode()).hexdigest()
            f.write(f"{role} {digest} {role}-svc\n")
    return path


class PathsAnswerWhatLedgerctlPrints(HttpTestCase):

    def test_commands_are_answered_as_apply_prints_them(self):
        server = self.start()
        lines = [purchase("k1", "c1"),
                 command("k2", "c1", "use", {"usage_id": "u1",
                         "category": "AI_PROCESSING", "credits": 40},
                         "2026-03-08T11:00:00Z"),
                 command("k3", "c1", "use", {"usage_id": "u2",
                         "category": "AI_PROCESSING", "credits": 5000},
                         "2026-03-08T12:00:00Z"),
                 purchase("k1", "c1"),
                 {"key": "k4", "customer": "c1", "bogus": 1}]
        status, answer = server.request("POST", "/v1/commands", lines)
        self.assertEqual(status, 200, answer)
        # The same commands through `ledgerctl apply` on a ledger of its own.
        text = "\n".join(json.dumps(l) for l in lines) + "\n"
        applied = ledgerctl("apply", "--db", os.path.join(self.folder, "other"),
                            input_text=text)
        self.assertEqual(applied.returncode, 0, applied.stderr)
        expected = [json.loads(l) for l in applied.stdout.splitlines()]
        self.assertEqual(answer, expected)
        self.assertEqual([a["status"] for a in answer],
                         ["ACCEPTED", "ACCEPTED", "REJECTED", "ACCEPTED",
                          "REJECTED"])
        # One object in, one object out; a body that is not JSON at all is
        # the same INVALID_COMMAND apply gives a line that is not JSON.
        status, one = server.request("POST", "/v1/commands",
                                     purchase("k9", "c2"))
        self.assertEqual((status, one["status"], one["seq"]), (200, "ACCEPTED", 3))
        status, bad = server.request("POST", "/v1/commands", "{not json")
        self.assertEqual((status, bad["key"], bad["code"]),
                         (200, None, "INVALID_COMMAND"))
        status, empty = server.request("POST", "/v1/commands", [])
        self.assertEqual((status, empty), (200, []))

    def test_balance_and_liability_are_what_ledgerctl_prints(self):
        server = self.start()
        server.request("POST", "/v1/commands",
                       [purchase("k1", "c1"), purchase("k2", "c2", credits=5)])
        status, balance = server.request(
            "GET", f"/v1/customers/c1/balance?at={AT}")
        self.assertEqual(status, 200, balance)
        status, liability = server.request(
            "GET", "/v1/liability?from=2026-03-01T00:00:00Z"
                   "&to=2026-04-01T00:00:00Z")
        self.assertEqual(status, 200, liability)
        self.assertEqual(server.terminate(), 0)
        printed = ledgerctl("balance", "--db", server.db, "--customer", "c1",
                            "--at", AT, "--format", "json")
        self.assertEqual(balance, json.loads(printed.stdout), printed.stderr)
        printed = ledgerctl("liability", "--db", server.db, "--from",
                            "2026-03-01T00:00:00Z", "--to",
                            "2026-04-01T00:00:00Z", "--format", "json")
        self.assertEqual(liability, json.loads(printed.stdout), printed.stderr)

    def test_liability_takes_a_date_alone_as_its_midnight_and_leaves_to_out(self):
        # As ledgerctl's --from/--to: [from, to), a date alone its midnight
        # UTC. c1's purchase is dated at midnight of 9 March exactly.
        server = self.start()
        server.request("POST", "/v1/commands",
                       [purchase("k1", "c1", at="2026-03-08T00:00:00Z"),
                        purchase("k2", "c1", purchase_id="p2",
                                 at="2026-03-09T00:00:00Z", credits=5)])

        def granted(path):
            status, report = server.request("GET", path)
            self.assertEqual(status, 200, (path, report))
            return {u["unit"]: int(u["granted"]) for u in report["units"]}

        by_date = granted("/v1/liability?from=2026-03-08&to=2026-03-09")
        self.assertEqual(by_date, granted(
            "/v1/liability?from=2026-03-08T00:00:00Z&to=2026-03-09T00:00:00Z"))
        self.assertEqual(by_date["CREDITS:PURCHASE"], 1000)  # k2 is at `to`
        self.assertEqual(granted("/v1/liability?from=2026-03-09&to=2026-03-10")
                         ["CREDITS:PURCHASE"], 5)  # ... and at the next `from`
        status, answer = server.request(
            "GET", "/v1/liability?from=2026-02-30&to=2026-03-10")
        self.assertEqual((status, answer["error"]["code"]),
                         (400, "INVALID_ARGUMENT"), answer)
        self.assertIn("'2026-02-30' is not a date", answer["error"]["message"])

    def test_customers_come_in_pages_in_id_order(self):
        server = self.start()
        batch = [purchase(f"k{i}", f"c{i:03d}") for i in range(250)]
        server.request("POST", "/v1/commands", batch)
        seen, after, pages = [], None, 0
        while pages < 10:
            path = "/v1/customers?limit=100" + (f"&after={after}" if after else "")
            status, page = server.request("GET", path)
            self.assertEqual(status, 200, page)
            seen += [c["customer"] for c in page["customers"]]
            pages += 1
            after = page["next_after"]
            if after is None:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [f"c{i:03d}" for i in range(250)])
        status, page = server.request("GET", "/v1/customers?limit=1")
        self.assertEqual(page["customers"][0],
                         {"customer": "c000", "status": "ACTIVE",
                          "available": 1000, "promotional": 0, "scoped": 0})
        # ledgerctl pages the same way, with the same library call.
        self.assertEqual(server.terminate(), 0)
        printed = ledgerctl("customers", "--db", server.db, "--after", "c099",
                            "--limit", "2", "--format", "json")
        self.assertEqual(printed.returncode, 0, printed.stderr)
        page = json.loads(printed.stdout)
        self.assertEqual([c["customer"] for c in page["customers"]],
                         ["c100", "c101"])
        self.assertEqual(page["next_after"], "c101")


    def test_a_customers_events_page_as_export_writes_them(self):
        server = self.start()
        lines = [purchase("k1", "c1"), purchase("k2", "c2")]
        lines += [command(f"u{i}", "c1" if i % 3 else "c2", "use",
                          {"usage_id": f"u{i}", "category": "AI_PROCESSING",
                           "credits": 1}, "2026-03-08T11:00:00Z")
                  for i in range(30)]
        status, _ = server.request("POST", "/v1/commands", lines)
        self.assertEqual(status, 200)
        pages, events, from_seq = 0, [], 1
        while from_seq is not None and pages < 10:
            status, page = server.request(
                "GET", f"/v1/customers/c1/events?from_seq={from_seq}&limit=7")
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["events"]), 7)
            events += page["events"]
            from_seq = page["next_from_seq"]
            pages += 1
        self.assertEqual(pages, 3)  # 21 events of c1: 7, 7, 7
        status, missing = server.request("GET", "/v1/customers/nobody/events")
        self.assertEqual(status, 404, missing)
        status, bad = server.request("GET", "/v1/customers/c1/events?from_seq=0")
        self.assertEqual(status, 400, bad)
        # Every event of c1, in order, each the line export writes for it.
        self.assertEqual(server.terminate(), 0)
        exported = ledgerctl("export", "--db", server.db, "--format", "jsonl")
        self.assertEqual(exported.returncode, 0, exported.stderr)
        expected = [json.loads(l) for l in exported.stdout.splitlines()]
        expected = [e for e in expected if e.get("customer") == "c1"]
        self.assertEqual(len(expected), 21)
        self.assertEqual(events, expected)

    def test_a_customers_refused_commands_page_as_ledgerctl_prints_them(self):
        server = self.start()
        overdraw = lambda key, customer: command(
            key, customer, "use", {"usage_id": key, "category": "AI_PROCESSING",
                                   "credits": 5000}, "2026-03-08T11:00:00Z")
        lines = [purchase("k1", "c1")]
        lines += [overdraw(f"o{i}", "c1" if i % 2 else "c2") for i in range(10)]
        status, answer = server.request("POST", "/v1/commands", lines)
        self.assertEqual(status, 200, answer)
        pages, keys, after = 0, [], None
        while pages < 10:
            path = "/v1/customers/c1/rejections?limit=2" + (
                f"&after={after}" if after else "")
            status, page = server.request("GET", path)
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["rejections"]), 2)
            keys += [r["key"] for r in page["rejections"]]
            pages += 1
            after = page["next_after"]
            if after is None:
                break
        self.assertEqual(keys, ["o1", "o3", "o5", "o7", "o9"])
        self.assertEqual(pages, 3)
        status, whole = server.request("GET", "/v1/customers/c1/rejections")
        self.assertEqual(status, 200, whole)
        self.assertEqual(whole["rejections"][0]["code"], "INSUFFICIENT_CREDITS")
        self.assertEqual(whole["rejections"][0]["kind"], "use")
        # A customer with none, known to the ledger or not: an empty page.
        status, none = server.request("GET", "/v1/customers/nobody/rejections")
        self.assertEqual((status, none), (200, {"rejections": [],
                                                "next_after": None}))
        # The same bytes ledgerctl prints, from the same renderer.
        self.assertEqual(server.terminate(), 0)
        printed = ledgerctl("rejections", "--db", server.db, "--customer", "c1",
                            "--format", "json")
        self.assertEqual(printed.returncode, 0, printed.stderr)
        self.assertEqual(whole, json.loads(printed.stdout))
        # ledgerctl pages the same way: the page after the first two.
        printed = ledgerctl("rejections", "--db", server.db, "--customer", "c1",
                            "--limit", "2", "--after",
                            page_cursor(server.db, "c1", 2), "--format", "json")
        self.assertEqual(printed.returncode, 0, printed.stderr)
        self.assertEqual([r["key"] for r in json.loads(printed.stdout)["rejections"]],
                         ["o5", "o7"])


def page_cursor(db, customer, limit):
    """The next_after of the first page of `limit` ledgerctl prints."""
    printed = ledgerctl("rejections", "--db", db, "--customer", customer,
                        "--limit", str(limit), "--format", "json")
    return json.loads(printed.stdout)["next_after"]


class ErrorsMeanWhatTheGrpcCodesMean(HttpTestCase):

    def assertError(self, answer, status, code):
        self.assertEqual(answer[0], status, answer)
        self.assertEqual(answer[1]["error"]["code"], code, answer)
        self.assertTrue(answer[1]["error"]["message"], answer)

    def test_bad_arguments_unknown_things_and_a_body_too_large(self):
        server = self.start()
        server.request("POST", "/v1/commands", [purchase("k1", "c1")])
        self.assertError(server.request("GET", "/v1/customers/c1/balance?at=x"),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/customers?limit=1001"),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/customers?limit=0"),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/liability?from=" + AT),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/refunds?state=APPROVED"),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("POST", "/v1/commands", "[{}, "),
                         400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/customers/nobody/balance"),
                         404, "NOT_FOUND")
        self.assertError(
            server.request("GET", "/v1/customers/c1/rejections?after=never"),
            400, "INVALID_ARGUMENT")
        self.assertError(
            server.request("GET", "/v1/customers/c1/rejections?limit=0"),
            400, "INVALID_ARGUMENT")
        self.assertError(server.request("GET", "/v1/no/such/path"),
                         404, "NOT_FOUND")
        # 10 001 commands: refused whole, nothing applied.
        body = [purchase(f"big{i}", f"b{i}") for i in range(10001)]
        self.assertError(server.request("POST", "/v1/commands", body),
                         413, "TOO_LARGE")
        status, page = server.request("GET", "/v1/customers")
        self.assertEqual([c["customer"] for c in page["customers"]], ["c1"])
        # 10 000 are one group.
        status, answer = server.request("POST", "/v1/commands", body[:10000])
        self.assertEqual((status, len(answer)), (200, 10000))

    def test_each_role_gets_what_it_may_and_nothing_more(self):
        server = self.start(extra_args=["--tokens", tokens_file(self.folder)])
        self.assertError(server.request("GET", "/v1/customers"),
                         401, "UNAUTHENTICATED")
        self.assertError(server.request("GET", "/v1/customers", token="nope"),
                         401, "UNAUTHENTICATED")
        self.assertError(server.request("POST", "/v1/commands",
                                        [purchase("k1", "c1")],
                                        token="reader-token"),
                         403, "PERMISSION_DENIED")
        policy = {"key": "pol", "at": "2026-03-01T00:00:00Z",
                  "set_policy": {"version": "v2", "refund_window_hours": 24,
                                 "inquiry_window_hours": 24}}
        self.assertError(server.request("POST", "/v1/commands",
                                        [purchase("k1", "c1"), policy],
                                        token="writer-token"),
                         403, "PERMISSION_DENIED")
        # The denied batch applied nothing, not even its purchase.
        status, page = server.request("GET", "/v1/customers",
                                      token="reader-token")
        self.assertEqual((status, page["customers"]), (200, []))
        status, answer = server.request("POST", "/v1/commands",
                                        [purchase("k1", "c1")],
                                        token="writer-token")
        self.assertEqual(answer[0]["status"], "ACCEPTED", answer)
        status, answer = server.request("POST", "/v1/commands", policy,
                                        token="admin-token")
        self.assertEqual(answer["status"], "ACCEPTED", answer)
        for path in ("/v1/customers", "/v1/customers/c1/balance",
                     "/v1/customers/c1/rejections",
                     "/v1/refunds?state=PENDING",
                     "/v1/liability?from=2026-01-01&to=2027-01-01"):
            status, answer = server.request("GET", path, token="reader-token")
            self.assertIn(status, (200, 400), (path, answer))
        status, _ = server.request("GET", "/v1/customers/c1/balance",
                                   token="reader-token")
        self.assertEqual(status, 200)
        # The actor is the token's name (docs/contract.md section 16).
        self.assertEqual(server.terminate(), 0)
        exported = ledgerctl("export", "--db", server.db, "--format", "jsonl")
        self.assertIn('"actor": "writer-svc"', exported.stdout)

    def test_at_the_in_flight_bound_a_request_gets_429(self):
        import harness  # tests/service: the gRPC client and its stubs
        server = self.start(extra_args=["--max-in-flight", "1"])
        server.request("POST", "/v1/commands", [purchase("k1", "c1")])
        client = harness.LedgerClient(server.grpc_address,
                                      stubs_path=harness.STUBS)
        try:
            stream = client.events(follow=True, timeout=20)
            next(stream)  # the follow stream holds the only slot now
            self.assertError(server.request("GET", "/v1/customers"),
                             429, "RESOURCE_EXHAUSTED")
        finally:
            client.close()
        for _ in range(200):  # the slot comes back once the stream ends
            status, _ = server.request("GET", "/v1/customers")
            if status == 200:
                break
            time.sleep(0.05)
        self.assertEqual(status, 200)

    def test_while_draining_new_requests_get_503_and_the_exit_is_clean(self):
        import harness
        server = self.start()
        server.request("POST", "/v1/commands", [purchase("k1", "c1")])
        client = harness.LedgerClient(server.grpc_address,
                                      stubs_path=harness.STUBS)
        try:
            stream = client.events(follow=True, timeout=20)
            next(stream)  # an RPC in flight keeps the drain going a while
            server.proc.send_signal(15)
            seen = []
            for _ in range(2000):
                try:
                    status, answer = server.request("GET", "/v1/customers",
                                                    timeout=5)
                except OSError:
                    break  # the listener is closed: the drain is over
                seen.append(status)
                if status == 503:
                    self.assertEqual(answer["error"]["code"], "UNAVAILABLE")
                    break
            self.assertIn(503, seen)
        finally:
            client.close()
        self.assertEqual(server.terminate(), 0)


class ThePendingRefundQueue(HttpTestCase):

    def test_two_requests_one_approved_the_queue_shows_the_other(self):
        server = self.start()
        status, answer = server.request("POST", "/v1/commands", [
            purchase("b1", "c1", "p1", credits=1000, amount_minor=1999),
            purchase("b2", "c1", "p2", "2026-03-08T10:30:00Z", credits=300,
                     amount_minor=600),
            command("r1", "c1", "request_refund",
                    {"refund_id": "r1", "purchase_id": "p1"},
                    "2026-03-08T11:00:00Z"),
            command("r2", "c1", "request_refund",
                    {"refund_id": "r2", "purchase_id": "p2"},
                    "2026-03-08T12:00:00Z"),
            command("a1", "c1", "approve_refund", {"refund_id": "r1"},
                    "2026-03-09T09:00:00Z")])
        self.assertEqual([a["status"] for a in answer], ["ACCEPTED"] * 5, answer)
        status, queue = server.request("GET", "/v1/refunds?state=PENDING")
        self.assertEqual(status, 200, queue)
        self.assertEqual(queue, {"refunds": [{
            "customer": "c1", "refund_id": "r2", "purchase_id": "p2",
            "credits": 300, "cash": {"currency": "USD", "amount_minor": 600},
            "requested_at": "2026-03-08T12:00:00Z",
            "window_ends_at": "2026-03-15T10:30:00Z"}], "next_after": None})
        # Denying it empties the queue.
        server.request("POST", "/v1/commands", command(
            "d2", "c1", "deny_refund", {"refund_id": "r2"},
            "2026-03-09T10:00:00Z"))
        status, queue = server.request("GET", "/v1/refunds")
        self.assertEqual(queue, {"refunds": [], "next_after": None})
        self.assertEqual(server.terminate(), 0)
        replayed = ledgerctl("replay", "--db", server.db)
        self.assertEqual(replayed.returncode, 0, replayed.stdout + replayed.stderr)


class PagesUnderALiveWriter(HttpTestCase):

    def test_every_customer_is_seen_exactly_once(self):
        server = self.start()
        seeded = [f"c{i:04d}" for i in range(0, 600, 2)]
        server.request("POST", "/v1/commands",
                       [purchase(f"s-{c}", c) for c in seeded])
        stop = threading.Event()
        written = []

        def writer():
            # New customers between the seeded ones, while pages are read.
            for i in range(1, 600, 2):
                if stop.is_set():
                    return
                server.request("POST", "/v1/commands",
                               purchase(f"w-{i}", f"c{i:04d}"))
                written.append(i)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            seen, after = [], None
            for _ in range(100):
                path = "/v1/customers?limit=17" + (f"&after={after}" if after else "")
                status, page = server.request("GET", path)
                self.assertEqual(status, 200, page)
                seen += [c["customer"] for c in page["customers"]]
                after = page["next_after"]
                if after is None:
                    break
                time.sleep(0.002)
        finally:
            stop.set()
            thread.join(timeout=60)
        self.assertIsNone(after)
        self.assertEqual(seen, sorted(set(seen)))  # in order, none twice
        self.assertTrue(set(seeded) <= set(seen))
        self.assertTrue(written, "the writer wrote while pages were read")


class SlowClientsDoNotHoldTheServer(HttpTestCase):

    def test_half_sent_requests_leave_others_answered(self):
        server = self.start()
        server.request("POST", "/v1/commands", [purchase("k1", "c1")])
        stalled = []
        try:
            for i in range(4):
                s = socket.create_connection((server.host, server.port))
                if i % 2 == 0:
                    s.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: x\r\n")
                else:
                    s.sendall(b"POST /v1/commands HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 1000\r\n\r\n[{\"key\": ")
                stalled.append(s)
            for _ in range(20):
                start = time.monotonic()
                status, _ = server.request("GET", "/v1/customers/c1/balance",
                                           timeout=5)
                self.assertEqual(status, 200)
                self.assertLess(time.monotonic() - start, 2.0)
        finally:
            for s in stalled:
                s.close()


class TlsAndMetrics(HttpTestCase):

    def test_https_with_the_services_certificate(self):
        cert = os.path.join(self.folder, "server.crt")
        key = os.path.join(self.folder, "server.key")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-days", "2", "-keyout", key, "-out", cert],
            check=True, capture_output=True, timeout=60)
        server = self.start(tls=(cert, key))
        status, answer = server.request("POST", "/v1/commands",
                                        [purchase("k1", "c1")])
        self.assertEqual((status, answer[0]["status"]), (200, "ACCEPTED"))
        status, _ = server.request("GET", "/v1/customers/c1/balance")
        self.assertEqual(status, 200)
        with self.assertRaises(Exception):  # plain HTTP is not served
            urllib.request.urlopen(
                f"http://127.0.0.1:{server.port}/v1/customers", timeout=5)

    def test_requests_are_counted_per_path_and_status(self):
        server = self.start(extra_args=["--metrics", "127.0.0.1:0"])
        server.request("GET", "/v1/customers/nobody/balance")
        server.request("GET", "/v1/customers")
        port = None
        for _ in range(100):
            m = re.search(r"metrics on port (\d+)", server.stderr())
            if m:
                port = m.group(1)
                break
            time.sleep(0.05)
        # A request is counted once its answer is written (with its
        # latency), so a scrape right after the answer may come first:
        # scrape until both counts are there, at most 10 s.
        wanted = [r'ledgerd_http_requests_total\{path="/v1/customers/\{id\}/balance",status="404"\} 1',
                  r'ledgerd_http_requests_total\{path="/v1/customers",status="200"\} 1']
        deadline = time.monotonic() + 10
        while True:
            text = urllib.request.urlopen(
                f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
            if (all(re.search(w, text) for w in wanted)
                    or time.monotonic() > deadline):
                break
            time.sleep(0.05)
        for w in wanted:
            self.assertRegex(text, w)


if __name__ == "__main__":
    unittest.main()

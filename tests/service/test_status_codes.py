"""docs/contract.md section 9: every gRPC status code of the service, provoked,
and every role against every RPC."""
import os
import resource
import signal
import threading
import time
import unittest

import grpc

from harness import (SET_POLICY, LedgerError, ServerTestCase, purchase,
                     token_line)

TOKENS = {"reader": "tok-reader-1", "writer": "tok-writer-1",
          "admin": "tok-admin-1"}
OK = grpc.StatusCode.OK


def code_of(call):
    """The gRPC code a call ends with (OK when it returns)."""
    try:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
        return OK
    except LedgerError as e:
        return e.code
    except grpc.RpcError as e:
        return e.code()


class WithTokens(ServerTestCase):

    def setUp(self):
        super().setUp()
        path = os.path.join(self.folder, "tokens")
        with open(path, "w") as f:
            f.write("# role digest name\n\n")
            for role, token in TOKENS.items():
                f.write(token_line(role, token, f"{role}-svc"))
        self.server = self.start(extra_args=["--tokens", path])

    def as_role(self, role):
        return self.client(self.server, token=TOKENS.get(role, role),
                           max_attempts=1)

    def test_events_record_the_callers_token_name_and_four_eyes_tells_them_apart(self):
        """docs/contract.md section 16: the actor is the NAME of the token
        that sent the command, set by ledgerd; a refund's requester may not
        review it while four eyes is in force, another token may."""
        admin, writer = self.as_role("admin"), self.as_role("writer")
        policy = {"key": "pol-fe", "at": "2026-03-08T09:00:00Z",
                  "set_policy": {"version": "fe", "refund_window_hours": 100,
                                 "inquiry_window_hours": 100,
                                 "four_eyes": True}}
        self.assertEqual(admin.submit(policy)["status"], "ACCEPTED")
        self.assertEqual(writer.submit(purchase("fe-1"))["status"], "ACCEPTED")
        request = {"key": "fe-2", "customer": "c1",
                   "at": "2026-03-08T10:05:00Z",
                   "request_refund": {"refund_id": "r1",
                                      "purchase_id": "p-fe-1"}}
        approve = {"key": "fe-3", "customer": "c1",
                   "at": "2026-03-08T10:06:00Z",
                   "approve_refund": {"refund_id": "r1"}}
        self.assertEqual(writer.submit_batch([request])[0]["status"], "ACCEPTED")
        refused = writer.submit(approve)
        self.assertEqual(refused.get("code"), "SAME_ACTOR", refused)
        self.assertEqual(admin.submit(approve)["status"], "ACCEPTED")
        # A retry by another token is the same command: a duplicate.
        again = admin.submit(purchase("fe-1"))
        self.assertTrue(again.get("duplicate"), again)
        # A client cannot name the actor itself.
        forged = dict(purchase("fe-4"), actor="admin-svc")
        self.assertEqual(writer.submit(forged).get("code"), "INVALID_COMMAND")
        events = list(admin.events(from_seq=1))
        self.assertEqual([e["header"]["actor"] for e in events],
                         ["admin-svc", "writer-svc", "writer-svc", "admin-svc"])
        self.assertTrue(all(e["header"]["recorded_at_us"] > 0 for e in events))

    def test_a_call_without_a_token_or_with_an_unknown_one_is_unauthenticated(self):
        anonymous = self.client(self.server, max_attempts=1)
        self.assertEqual(code_of(lambda: anonymous.submit(purchase("k1"))),
                         grpc.StatusCode.UNAUTHENTICATED)
        stranger = self.as_role("not-a-token")
        self.assertEqual(code_of(lambda: stranger.balance("c1")),
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertNotIn("not-a-token", self.server.stderr())

    def test_each_role_may_call_exactly_the_rpcs_of_spec_9(self):
        self.assertEqual(self.as_role("admin").submit(purchase("seed"))["status"],
                         "ACCEPTED")
        allowed = {"reader": {"balance", "events"},
                   "writer": {"balance", "events", "submit", "batch",
                              "empty_batch"},
                   "admin": {"balance", "events", "submit", "batch",
                             "empty_batch", "policy", "policy_batch"}}
        for number, role in enumerate(("reader", "writer", "admin")):
            c = self.as_role(role)
            policy = dict(SET_POLICY, key=f"pol-{role}")
            calls = {
                "balance": lambda: c.balance("c1"),
                "events": lambda: c.events(from_seq=1),
                "submit": lambda: c.submit(purchase(f"s-{role}")),
                "batch": lambda: c.submit_batch([purchase(f"b-{role}")]),
                "empty_batch": lambda: c.submit_batch([]),
                "policy": lambda: c.submit(policy),
                "policy_batch": lambda: c.submit_batch(
                    [purchase(f"pb-{role}"), dict(policy, key=f"pb2-{role}")]),
            }
            for rpc, call in calls.items():
                with self.subTest(role=role, rpc=rpc):
                    want = OK if rpc in allowed[role] else \
                        grpc.StatusCode.PERMISSION_DENIED
                    self.assertEqual(code_of(call), want)

    def test_a_denied_batch_applies_none_of_its_commands_and_logs_the_name(self):
        writer = self.as_role("writer")
        code = code_of(lambda: writer.submit_batch(
            [purchase("first", customer="fresh"), SET_POLICY]))
        self.assertEqual(code, grpc.StatusCode.PERMISSION_DENIED)
        admin = self.as_role("admin")
        self.assertEqual(code_of(lambda: admin.balance("fresh")),
                         grpc.StatusCode.NOT_FOUND)
        self.assertEqual(list(admin.events(from_seq=1)), [])
        log = self.server.stderr()
        self.assertIn("writer-svc", log)
        self.assertNotIn(TOKENS["writer"], log)


class WithoutTokens(ServerTestCase):

    def test_an_unknown_customer_is_not_found_and_a_bad_at_invalid_argument(self):
        c = self.client(self.start(), max_attempts=1)
        self.assertEqual(code_of(lambda: c.balance("nobody")),
                         grpc.StatusCode.NOT_FOUND)
        c.submit(purchase("k1"))
        self.assertEqual(code_of(lambda: c.balance("c1", at="yesterday")),
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(lambda: c.balance("c1", at="2026-03-09T00:00:00Z")),
                         OK)

    def test_a_rejection_is_an_ok_rpc_with_its_code(self):
        c = self.client(self.start(), max_attempts=1)
        r = c.submit({"key": "u1", "customer": "ghost",
                      "at": "2026-03-08T10:00:00Z",
                      "use": {"usage_id": "u1", "category": "AI_PROCESSING",
                              "credits": 1}})
        self.assertEqual((r["status"], r["code"]), ("REJECTED", "UNKNOWN_CUSTOMER"))

    def test_past_the_in_flight_bound_a_call_is_resource_exhausted(self):
        server = self.start(extra_args=["--max-in-flight", "1"])
        c = self.client(server, max_attempts=1)

        def hold():
            # A probe below may hold the one slot when the stream arrives;
            # the stream then tries again until it holds the slot.
            for _ in range(100):
                code = code_of(lambda: c.events(from_seq=1, follow=True,
                                                timeout=30))
                if code != grpc.StatusCode.RESOURCE_EXHAUSTED:
                    return
        holder = threading.Thread(target=hold)
        holder.start()
        try:
            code = None
            for _ in range(100):  # until the stream holds the one slot
                code = code_of(lambda: c.balance("nobody"))
                if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    break
                time.sleep(0.05)
            self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        finally:
            server.terminate()
            holder.join(timeout=30)

    def test_a_draining_server_ends_follow_streams_and_refuses_new_calls(self):
        server = self.start()
        c = self.client(server, max_attempts=1)
        c.submit(purchase("k1"))
        ended = {}
        streaming = threading.Event()

        def follow():
            def read():
                for _ in c.events(from_seq=1, follow=True, timeout=60):
                    streaming.set()  # the stream is open and delivering
            ended["code"] = code_of(read)
        t = threading.Thread(target=follow)
        t.start()
        # Drain only once the follow stream provably runs: it has delivered
        # k1's event and waits for the next.
        self.assertTrue(streaming.wait(timeout=30), "the stream never opened")
        self.assertEqual(server.terminate(), 0)
        t.join(timeout=30)
        self.assertEqual(ended.get("code"), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(code_of(lambda: c.balance("c1")),
                         grpc.StatusCode.UNAVAILABLE)

    def test_an_expired_deadline_is_deadline_exceeded_and_applies_nothing(self):
        server = self.start()
        hasty = self.client(server, max_attempts=1, timeout=0.000001)
        self.assertEqual(code_of(lambda: hasty.submit(purchase("late"))),
                         grpc.StatusCode.DEADLINE_EXCEEDED)
        # A window, not a wait for a state: what is checked is that nothing
        # happens, which has no event to wait on. A late apply would show in
        # it.
        time.sleep(0.2)
        c = self.client(server, max_attempts=1)
        self.assertEqual(code_of(lambda: c.balance("c1")),
                         grpc.StatusCode.NOT_FOUND)

    def test_a_failing_store_is_internal_and_the_message_says_so(self):
        # RLIMIT_FSIZE with SIGXFSZ ignored (both inherited through exec)
        # makes writes past 2 MB fail with EFBIG: a full disk, in effect.
        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))
        server = self.start(preexec_fn=limit)
        c = self.client(server, max_attempts=1, timeout=60)
        code, details = OK, ""
        for batch in range(200):  # ~1 MB a batch: fails long before the end
            commands = [purchase(f"k{batch}-{i}", customer=f"c{batch}-{i}")
                        for i in range(1000)]
            try:
                c.submit_batch(commands)
            except LedgerError as e:
                code, details = e.code, e.details
                break
        self.assertEqual(code, grpc.StatusCode.INTERNAL, server.stderr())
        self.assertIn("store failed", details)


if __name__ == "__main__":
    unittest.main()

"""The Python client (clients/python/ledger_client): several addresses and
fail-over with the same keys, one deadline per call, events as dicts, and
LedgerError for every failure, a broken stream included. A dead address is
a loopback port nobody listens on; a hung one is a socket that accepts
connections and never answers."""
import socket
import threading
import time
import unittest

import grpc

from harness import ServerTestCase, STUBS, purchase
from ledger_client import LedgerClient, LedgerError
from ledger_client.client import parse_targets


def dead_address():
    """A loopback port with no listener: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


class ClientTest(ServerTestCase):

    def new_client(self, target, **kwargs):
        c = LedgerClient(target, stubs_path=STUBS, **kwargs)
        self.clients.append(c)
        return c

    def test_addresses_are_one_several_joined_by_commas_or_a_list(self):
        self.assertEqual(parse_targets("a:1"), ["a:1"])
        self.assertEqual(parse_targets("a:1, b:2,"), ["a:1", "b:2"])
        self.assertEqual(parse_targets(["a:1", "unix:/x"]), ["a:1", "unix:/x"])
        with self.assertRaises(ValueError):
            parse_targets(" , ")

    def test_a_dead_first_address_fails_over_with_the_same_key(self):
        server = self.start()
        c = self.new_client([dead_address(), server.address], timeout=10)
        first = c.submit(purchase("k1"))
        self.assertEqual(first["status"], "ACCEPTED", first)
        self.assertEqual(c.current_target, server.address)
        again = c.submit(purchase("k1"))
        self.assertEqual((again["seq"], again.get("duplicate")), (1, True))
        self.assertEqual(c.balance("c1")["available"], 100)

    def test_a_call_never_outlasts_its_one_deadline(self):
        # A listener that never answers: every attempt would wait its whole
        # timeout; the call as a whole must not.
        hung = socket.socket()
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        try:
            address = f"127.0.0.1:{hung.getsockname()[1]}"
            c = self.new_client(address, timeout=1.5, max_attempts=6)
            started = time.monotonic()
            with self.assertRaises(LedgerError) as late:
                c.balance("c1")
            waited = time.monotonic() - started
            self.assertIn(late.exception.code, (grpc.StatusCode.DEADLINE_EXCEEDED,
                                                grpc.StatusCode.UNAVAILABLE))
            self.assertLess(waited, 1.5 + 1.0)
            # Only dead addresses: every attempt is refused at once, and the
            # call ends within its deadline too, with the last error.
            dead = self.new_client([dead_address(), dead_address()], timeout=2,
                                   max_attempts=50)
            started = time.monotonic()
            with self.assertRaises(LedgerError) as refused:
                dead.submit(purchase("k1"))
            self.assertLess(time.monotonic() - started, 2 + 1.0)
            self.assertIn(refused.exception.code, (grpc.StatusCode.UNAVAILABLE,
                                                   grpc.StatusCode.DEADLINE_EXCEEDED))
        finally:
            hung.close()

    def test_events_are_dicts_with_ints_and_enum_names(self):
        server = self.start()
        c = self.new_client(server.address)
        c.submit(purchase("k1"))
        c.submit(purchase("k2", customer="c2", credits=5))
        events = list(c.events())
        self.assertEqual([type(e) for e in events], [dict, dict])
        self.assertEqual([e["header"]["seq"] for e in events], [1, 2])
        self.assertEqual(events[1]["header"]["key"], "k2")
        self.assertEqual(events[1]["command"]["purchase"]["credits"], 5)
        self.assertEqual(events[0]["postings"][0]["unit"], "CREDITS")
        self.assertIsInstance(events[0]["postings"][0]["account"], str)
        self.assertEqual(len(events[0]["header"]["prev_hash"]), 64)
        self.assertNotIn("partition", events[0])
        # A single ledger is partition 0; another partition is refused.
        self.assertEqual([e["partition"] for e in c.events(partition=0)], [0, 0])
        with self.assertRaises(LedgerError) as wrong:
            list(c.events(partition=1))
        self.assertEqual(wrong.exception.code, grpc.StatusCode.INVALID_ARGUMENT)

    def test_one_customers_events_and_past_come_through_its_index(self):
        server = self.start()
        c = self.new_client(server.address)
        c.submit(purchase("k1", at="2026-03-08T10:00:00Z"))
        c.submit(purchase("k2", customer="c2", credits=5))
        c.submit(purchase("k3", at="2026-03-09T10:00:00Z", credits=50))
        mine = list(c.events(customer="c1"))
        self.assertEqual([e["header"]["seq"] for e in mine], [1, 3])
        self.assertEqual({e["header"]["customer"] for e in mine}, {"c1"})
        self.assertEqual([e["partition"] for e in mine], [0, 0])
        self.assertEqual([e["header"]["seq"] for e in c.events(from_seq=2, customer="c1")], [3])
        with self.assertRaises(LedgerError) as unknown:
            list(c.events(customer="nobody"))
        self.assertEqual(unknown.exception.code, grpc.StatusCode.NOT_FOUND)
        # As of a time between its two purchases, c1 held the first only;
        # `at` sees today's lots.
        past = c.balance("c1", as_of="2026-03-08T12:00:00Z")
        self.assertEqual(past["available"], 100)
        self.assertEqual(c.balance("c1", at="2026-03-08T12:00:00Z")["available"], 150)
        with self.assertRaises(LedgerError) as before:
            c.balance("c1", as_of="2026-03-01T00:00:00Z")
        self.assertEqual(before.exception.code, grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(LedgerError) as both:
            c.balance("c1", at="2026-03-08T12:00:00Z", as_of="2026-03-08T12:00:00Z")
        self.assertEqual(both.exception.code, grpc.StatusCode.INVALID_ARGUMENT)

    def test_a_follow_stream_broken_by_a_drain_raises_ledger_error(self):
        server = self.start()
        c = self.new_client(server.address, max_attempts=2)
        c.submit(purchase("k1"))
        outcome = {"seen": []}
        streaming = threading.Event()

        def follow():
            try:
                for e in c.events(follow=True, timeout=30):
                    outcome["seen"].append(e["header"]["seq"])
                    streaming.set()
            except Exception as e:  # what the caller would get
                outcome["error"] = e
        t = threading.Thread(target=follow)
        t.start()
        # Drain only once the stream provably runs: it delivered k1's event
        # and waits for the next.
        self.assertTrue(streaming.wait(timeout=30), "the stream never opened")
        self.assertEqual(server.terminate(), 0)
        t.join(timeout=30)
        self.assertFalse(t.is_alive())
        self.assertIsInstance(outcome.get("error"), LedgerError, outcome)
        self.assertEqual(outcome["error"].code, grpc.StatusCode.UNAVAILABLE)


if __name__ == "__main__":
    unittest.main()

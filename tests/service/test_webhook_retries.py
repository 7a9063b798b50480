"""docs/contract.md section 13: an endpoint that fails for a while (500s, a
closed port, no answer within 10 s) gets every event all the same, in
order, with the backoff of the contract (1 s, then doubling)."""
import time
import unittest

import probes
from webhook_fixture import SECRET, Receiver, WebhookTestCase

DELIVERY_TIMEOUT = 60


class Retries(WebhookTestCase):

    def test_500s_then_a_closed_port_delay_but_lose_nothing(self):
        # Requests 1 and 2 get a 500: seq 1 is retried after 1 s, then 2 s.
        receiver = Receiver(script=lambda n: 500 if n <= 2 else 200)
        server = self.start_with_hooks([f"main {receiver.url} {SECRET}"])
        started = time.monotonic()
        self.submit_purchases(server, 20)
        receiver.wait_for(lambda r: len(r.delivered) >= 20, DELIVERY_TIMEOUT,
                          "20 events after two 500s")
        self.assertGreaterEqual(time.monotonic() - started, 2.5,
                                "the retries came sooner than 1 s + 2 s")
        first_tries = [r for r in receiver.requests if r["seq"] == 1]
        self.assertEqual(len(first_tries), 3)
        self.assertEqual(len({r["id"] for r in first_tries}), 1,
                         "a retry carries the same webhook-id")
        # The port closes; events logged meanwhile wait, then all arrive.
        receiver.stop()
        self.submit_purchases(server, 20, start=20)
        # Open again only once ledgerd found the port closed.
        probes.wait_for("an attempt refused by the closed port",
                        lambda: "webhook main: seq 21 attempt 1" in
                        server.stderr(), timeout_s=DELIVERY_TIMEOUT)
        receiver.start()
        receiver.wait_for(lambda r: len(r.delivered) >= 40, DELIVERY_TIMEOUT,
                          "40 events after the port opened again")
        self.assert_in_order_once_each(receiver, 40)
        self.assertIn("webhook main: seq 21 attempt 1", server.stderr())
        self.assertEqual(server.terminate(), 0)

    def test_an_endpoint_that_does_not_answer_in_10s_is_retried(self):
        # The first request stalls past ledgerd's 10 s timeout.
        receiver = Receiver(script=lambda n: ("stall", 11) if n == 1 else 200)
        server = self.start_with_hooks([f"main {receiver.url} {SECRET}"])
        self.submit_purchases(server, 5)
        receiver.wait_for(lambda r: len(r.requests) >= 2, 30,
                          "a retry after the timeout")
        receiver.wait_for(lambda r: len(r.delivered) >= 5, DELIVERY_TIMEOUT,
                          "5 events")
        self.assertIn("seq 1 attempt 1: no answer within 10s",
                      server.stderr())
        self.assert_in_order_once_each(receiver, 5)
        self.assertEqual([r["seq"] for r in receiver.requests[:2]], [1, 1])
        self.assertEqual(server.terminate(), 0)


if __name__ == "__main__":
    unittest.main()

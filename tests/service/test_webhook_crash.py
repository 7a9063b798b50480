"""docs/contract.md section 13: a kill -9 of ledgerd mid-delivery skips
nothing and repeats at most the event in flight; a dead endpoint holds back
no other."""
import signal
import time
import unittest

from webhook_fixture import SECRET, Receiver, WebhookTestCase, free_port

DELIVERY_TIMEOUT = 60


class Failures(WebhookTestCase):

    def test_kill_9_mid_delivery_skips_nothing_and_repeats_only_in_flight(self):
        # A slow endpoint, so the kill lands while events are still queued.
        receiver = Receiver(script=lambda n: ("stall", 0.01))
        lines = [f"main {receiver.url} {SECRET}"]
        server = self.start_with_hooks(lines)
        self.submit_purchases(server, 200)
        receiver.wait_for(lambda r: len(r.delivered) >= 40, DELIVERY_TIMEOUT,
                          "40 events before the kill")
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=30)
        got_before_restart = len(receiver.delivered_seqs())
        self.assertLess(got_before_restart, 200, "the kill came too late")
        server = self.start_with_hooks(lines)
        receiver.wait_for(lambda r: len(r.delivered) >= 200, DELIVERY_TIMEOUT,
                          "every event after the restart")
        time.sleep(0.3)
        # One event was in flight at the kill: at most it comes again.
        self.assert_in_order_once_each(receiver, 200, repeats_allowed=1)
        self.assertEqual(server.terminate(), 0)

    def test_a_dead_endpoint_holds_back_no_other(self):
        alive = Receiver()
        dead_url = f"http://127.0.0.1:{free_port()}/hook"
        server = self.start_with_hooks([f"dead {dead_url} {SECRET}",
                                        f"alive {alive.url} {SECRET}"])
        self.submit_purchases(server, 100)
        alive.wait_for(lambda r: len(r.delivered) >= 100, DELIVERY_TIMEOUT,
                       "100 events at the live endpoint")
        self.assert_in_order_once_each(alive, 100)
        self.assertIn("webhook dead: seq 1 attempt 1", server.stderr())
        self.assertEqual(server.terminate(), 0)


if __name__ == "__main__":
    unittest.main()

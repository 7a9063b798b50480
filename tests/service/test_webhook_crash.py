"""docs/contract.md section 13: a restart resumes where delivery stopped; a
kill -9 of ledgerd mid-delivery skips nothing and repeats at most the event
in flight; a dead endpoint holds back no other, and the metrics show it."""
import signal
import time
import unittest

import probes
from webhook_fixture import SECRET, Receiver, WebhookTestCase, free_port

DELIVERY_TIMEOUT = 60


class Failures(WebhookTestCase):

    def test_a_restart_resumes_where_delivery_stopped(self):
        receiver = Receiver()
        lines = [f"main {receiver.url} {SECRET}"]
        server = self.start_with_hooks(lines)
        self.submit_purchases(server, 30)
        receiver.wait_for(lambda r: len(r.delivered) >= 30, DELIVERY_TIMEOUT,
                          "30 events")
        self.assertEqual(server.terminate(), 0)
        server = self.start_with_hooks(lines)
        self.submit_purchases(server, 20, start=30)
        receiver.wait_for(lambda r: len(r.delivered) >= 50, DELIVERY_TIMEOUT,
                          "50 events")
        # Handled up to 50: a wrong resend from seq 1 would have come first.
        self.wait_handled(server, "main", 50)
        self.assert_in_order_once_each(receiver, 50)
        self.assertEqual(server.terminate(), 0)

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
        self.wait_handled(server, "main", 200)
        # One event was in flight at the kill: at most it comes again.
        self.assert_in_order_once_each(receiver, 200, repeats_allowed=1)
        self.assertEqual(server.terminate(), 0)

    def test_a_dead_endpoint_holds_back_no_other(self):
        alive = Receiver()
        dead_url = f"http://127.0.0.1:{free_port()}/hook"
        server = self.start(extra_args=[
            "--webhooks", self.write_hooks([f"dead {dead_url} {SECRET}",
                                            f"alive {alive.url} {SECRET}"]),
            "--metrics", "127.0.0.1:0"])
        self.submit_purchases(server, 100)
        alive.wait_for(lambda r: len(r.delivered) >= 100, DELIVERY_TIMEOUT,
                       "100 events at the live endpoint")
        self.assert_in_order_once_each(alive, 100)
        self.assertIn("webhook dead: seq 1 attempt 1", server.stderr())
        # The age of the oldest undelivered event grows for the dead one
        # only (sampled every 250 ms).
        port = probes.metrics_port(server.stderr())
        deadline = time.monotonic() + 10
        while True:
            values = metric_values(port)
            if (values.get('ledgerd_webhook_oldest_undelivered_seconds'
                           '{endpoint="dead"}', 0) >= 1 and
                    values.get('ledgerd_webhook_oldest_undelivered_seconds'
                               '{endpoint="alive"}') == 0):
                break
            self.assertLess(time.monotonic(), deadline, values)
            time.sleep(0.25)
        self.assertEqual(values['ledgerd_webhook_cursor{endpoint="dead"}'], 0)
        self.assertEqual(values['ledgerd_webhook_cursor{endpoint="alive"}'],
                         100)
        self.assertGreaterEqual(
            values['ledgerd_webhook_failed_attempts_total{endpoint="dead"}'], 1)
        self.assertEqual(server.terminate(), 0)


def metric_values(port):
    return probes.metric_values(port, "ledgerd_webhook_")


if __name__ == "__main__":
    unittest.main()

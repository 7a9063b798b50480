"""docs/contract.md section 12 through the service: many gRPC clients spend
from one customer at once, each command sent twice as a retrying worker
would, and the customer crosses `below` once: exactly one top-up request
appears, in one result, in the balance and in the stored events ReadEvents
streams. The Python client's helpers for the new commands are the ones used,
the decline of a request too."""
import threading
import unittest

from harness import ServerTestCase

THREADS = 8
USES_PER_THREAD = 25
AT = "2026-03-08T10:00:00Z"


class TopUpThroughTheService(ServerTestCase):

    def test_many_clients_driving_one_customer_below_make_exactly_one_request(self):
        server = self.start()
        setup = self.client(server)
        self.assertEqual(setup.submit({
            "key": "buy", "customer": "c1", "at": AT,
            "purchase": {"purchase_id": "p1", "credits": 10000,
                         "amount_minor": 1000, "currency": "USD"}})["status"],
            "ACCEPTED")
        on = setup.set_auto_top_up("on", "c1", AT, below=6000, target=10000)
        self.assertEqual(on["status"], "ACCEPTED")
        self.assertNotIn("top_up", on)
        alerts = setup.set_alerts("alerts", "c1", AT, {"low": 6000})
        self.assertNotIn("alerts", alerts)

        results, errors = [], []
        lock = threading.Lock()

        def worker(t):
            client = self.client(server)
            try:
                for i in range(USES_PER_THREAD):
                    command = {"key": f"use-{t}-{i}", "customer": "c1",
                               "at": AT,
                               "use": {"usage_id": f"u{t}-{i}",
                                       "category": "AUTOMATED_CALL",
                                       "credits": 20}}
                    first = client.submit(command)
                    again = client.submit(command)
                    with lock:
                        results.append(first)
                        if not again.get("duplicate") or "top_up" in again \
                                or "alerts" in again:
                            errors.append(again)
            except Exception as e:  # reported below, not lost in the thread
                with lock:
                    errors.append(repr(e))
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(t,))
                   for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        self.assertFalse(any(th.is_alive() for th in threads))
        self.assertEqual(errors, [])
        self.assertEqual(len(results), THREADS * USES_PER_THREAD)
        self.assertTrue(all(r["status"] == "ACCEPTED" for r in results))
        requests = [r["top_up"] for r in results if "top_up" in r]
        self.assertEqual(requests, [{"request_id": "topup-1", "credits": 4000}])
        moved = [a for r in results for a in r.get("alerts", [])]
        self.assertEqual(moved, [{"code": "low", "credits": 6000,
                                  "state": "TRIGGERED"}])

        balance = setup.balance("c1", AT)
        self.assertEqual(balance["available"],
                         10000 - 20 * THREADS * USES_PER_THREAD)
        self.assertEqual(balance["auto_top_up"],
                         {"below": 6000, "target": 10000,
                          "pending": {"request_id": "topup-1",
                                      "credits": 4000}})
        done = setup.complete_top_up("topup-1-purchase", "c1", AT, "topup-1",
                                     "p2", 5000, 5000, "USD")
        self.assertEqual(done["available"],
                         15000 - 20 * THREADS * USES_PER_THREAD)
        self.assertEqual(done["alerts"], [{"code": "low", "credits": 6000,
                                           "state": "RESOLVED"}])

        # The same facts in the log, as ReadEvents streams the stored
        # events: one request, one crossing each way, one completion.
        effects = [e for event in setup.events(from_seq=1, timeout=30)
                   for e in event.get("effects", [])]

        def of(kind):
            return [e[kind] for e in effects if kind in e]

        self.assertEqual(of("top_up_requested"),
                         [{"request_id": "topup-1", "credits": 4000}])
        self.assertEqual(of("threshold_crossed"),
                         [{"code": "low", "credits": 6000, "state": "TRIGGERED"},
                          {"code": "low", "credits": 6000, "state": "RESOLVED"}])
        self.assertEqual(of("top_up_completed"),
                         [{"request_id": "topup-1", "purchase_id": "p2"}])

        # A card declined: the helper clears the request and turns automatic
        # top-up off, so going lower again makes no request.
        low = setup.submit({"key": "use-low", "customer": "c1", "at": AT,
                            "use": {"usage_id": "u-low",
                                    "category": "AUTOMATED_CALL",
                                    "credits": 5000}})
        self.assertEqual(low["top_up"], {"request_id": "topup-2",
                                         "credits": 4000})
        declined = setup.decline_top_up("topup-2-decline", "c1", AT,
                                        "topup-2", "card declined")
        self.assertEqual(declined["status"], "ACCEPTED")
        self.assertNotIn("top_up", declined)
        self.assertNotIn("auto_top_up", setup.balance("c1", AT))
        lower = setup.submit({"key": "use-lower", "customer": "c1", "at": AT,
                              "use": {"usage_id": "u-lower",
                                      "category": "AUTOMATED_CALL",
                                      "credits": 100}})
        self.assertEqual(lower["status"], "ACCEPTED")
        self.assertNotIn("top_up", lower)
        setup.close()
        server.terminate()


if __name__ == "__main__":
    unittest.main()

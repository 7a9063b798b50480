"""ledgerd --webhooks in a cluster (docs/cluster.md, "Webhooks"): 3 NATS +
3 ledgerd nodes, one endpoint served by clients/python/webhook_receiver.py
on loopback, customers on every partition. Each partition's events reach
the endpoint from the one node holding its lease, in the partition's order,
with ids evt_p<N>_<hash> and no repeat in normal running; kill -9 of the
node holding the leases mid-delivery: the others take over from the shared
cursors, every event still arrives, in order, and the repeats are at most
one per partition that changed hands (the event in flight); then a clean
stop of a holder hands its leases over at once, repeating nothing."""
import http.server
import os
import re
import signal
import threading
import time
import unittest
import urllib.request

import cluster_harness as ch
import webhook_receiver

SECRET = "cluster-test-secret-of-more-than-24-chars"
# The receiver takes this long to answer each event, so a backlog is in
# flight when the holder is killed.
HANDLE_S = 0.01
LEASES_S = 30       # every partition's lease taken after the start
DELIVERED_S = 45    # every event delivered (one takeover: ~8-9 s)
TOOK = re.compile(r"webhooks: partition (\d+): this node took the lease")
LOST = re.compile(r"webhooks: partition (\d+): this node lost the lease")


class CountingDeduplicator(webhook_receiver.Deduplicator):
    """The example's de-duplication, counting the repeats it absorbs."""

    def __init__(self):
        super().__init__()
        self.repeats = []

    def seen(self, webhook_id):
        repeat = super().seen(webhook_id)
        if repeat:
            with self._lock:
                self.repeats.append(webhook_id)
        return repeat


class WebhooksInACluster(ch.ClusterTestCase):
    PARTITIONS = 3

    def ledgerd_args(self):
        self.lock = threading.Lock()
        self.events = []  # first arrivals: (partition, seq, id, hash)
        self.dedup = CountingDeduplicator()

        def on_event(event, webhook_id):
            time.sleep(HANDLE_S)
            partition = int(re.match(r"evt_p(\d+)_", webhook_id).group(1))
            with self.lock:
                self.events.append((partition, event["seq"], webhook_id,
                                    event["hash"]))

        handler = webhook_receiver.make_handler(SECRET, on_event, self.dedup)
        handler.log_message = lambda *args: None
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        hooks = os.path.join(self.folder, "hooks.txt")
        with open(hooks, "w") as f:
            f.write(f"main http://127.0.0.1:{self.http.server_address[1]}/hook "
                    f"{SECRET}\n")
        return ["--webhooks", hooks, "--metrics", "127.0.0.1:0"]

    def tearDown(self):
        super().tearDown()
        self.http.shutdown()
        self.http.server_close()

    def node_log(self, node):
        with open(node.dir + ".log", errors="replace") as f:
            return f.read()

    def holders(self, nodes):
        """{partition: node index} of the leases each node says it holds."""
        held = {}
        for i, node in enumerate(nodes):
            log = self.node_log(node)
            for p in range(self.PARTITIONS):
                took = [m.start() for m in TOOK.finditer(log)
                        if int(m.group(1)) == p]
                lost = [m.start() for m in LOST.finditer(log)
                        if int(m.group(1)) == p]
                if took and (not lost or lost[-1] < took[-1]):
                    held[p] = i
        return held

    def wait_for_leases(self, nodes, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            held = self.holders(nodes)
            if len(held) == self.PARTITIONS:
                return held
            time.sleep(0.1)
        self.fail(f"leases held after {timeout_s}s: {self.holders(nodes)}")

    def submit(self, client, first, count):
        """Purchases for 12 customers (spread over the partitions); the
        last seq accepted per partition."""
        last = {}
        commands = [ch.purchase(f"k{i}", f"cust{i % 12}",
                                "2026-03-08T10:00:00Z", 10 + i)
                    for i in range(first, first + count)]
        for i in range(0, len(commands), 10):
            for r in client.submit_batch(commands[i:i + 10]):
                self.assertEqual(r["status"], "ACCEPTED", r)
                last[r["partition"]] = max(last.get(r["partition"], 0), r["seq"])
        return last

    def received(self):
        with self.lock:
            return list(self.events)

    def wait_delivered(self, last, timeout_s, what):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = {}
            for p, seq, _, _ in self.received():
                got[p] = max(got.get(p, 0), seq)
            if all(got.get(p, 0) >= s for p, s in last.items()):
                return
            time.sleep(0.05)
        self.fail(f"{what}: not delivered within {timeout_s}s; "
                  f"want {last}, got {got}")

    def metric(self, node, name, partition):
        port = re.search(r"metrics on port (\d+)", self.node_log(node)).group(1)
        text = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        m = re.search(name + r'\{endpoint="main",partition="' + str(partition)
                      + r'"\} ([0-9.e+]+)', text)
        return float(m.group(1)) if m else None

    def test_each_event_arrives_in_order_once_and_survives_the_holder_kill(self):
        nodes = self.cluster.nodes
        held = self.wait_for_leases(nodes, LEASES_S)
        victim = held[0]
        victim_partitions = {p for p, i in held.items() if i == victim}
        writer = self.client(nodes[(victim + 1) % 3].address)

        # Normal running: everything once, in order.
        last = self.submit(writer, 0, 60)
        self.assertEqual(set(last), set(range(self.PARTITIONS)),
                         "the customers should cover every partition")
        self.wait_delivered(last, DELIVERED_S, "before the kill")
        self.assertEqual(self.dedup.repeats, [], "repeats in normal running")

        # A backlog, and the holder killed while it is being delivered.
        before = len(self.received())
        last = self.submit(writer, 60, 90)
        deadline = time.monotonic() + 20
        while len(self.received()) < before + 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        killed_at = time.monotonic()
        os.kill(nodes[victim].proc.pid, signal.SIGKILL)
        nodes[victim].proc.wait()
        in_flight_at_kill = sum(s for s in last.values()) - len(self.received())
        self.assertGreater(in_flight_at_kill, 0,
                           "the kill should come mid-delivery")

        # Writing goes on; the survivors take the victim's leases over.
        survivors = [n for i, n in enumerate(nodes) if i != victim]
        last = self.submit(writer, 150, 30)
        deadline = time.monotonic() + LEASES_S
        while time.monotonic() < deadline:
            if len(self.holders(survivors)) == self.PARTITIONS:
                break
            time.sleep(0.05)
        takeover_s = time.monotonic() - killed_at
        self.assertEqual(len(self.holders(survivors)), self.PARTITIONS,
                         "the survivors did not take every lease")
        print(f"\nleases taken over {takeover_s:.1f}s after the kill",
              flush=True)
        self.wait_delivered(last, DELIVERED_S, "after the kill")

        events = self.received()
        for p in range(self.PARTITIONS):
            mine = [e for e in events if e[0] == p]
            self.assertEqual([e[1] for e in mine], list(range(1, last[p] + 1)),
                             f"partition {p}: every event once, in order")
            for _, _, webhook_id, event_hash in mine:
                self.assertEqual(webhook_id, f"evt_p{p}_{event_hash}")
        repeats = self.dedup.repeats
        print(f"repeats across the kill: {len(repeats)} "
              f"(partitions taken over: {len(victim_partitions)})", flush=True)
        self.assertLessEqual(len(repeats), len(victim_partitions), repeats)
        for webhook_id in repeats:
            p = int(re.match(r"evt_p(\d+)_", webhook_id).group(1))
            self.assertIn(p, victim_partitions,
                          "only a partition that changed hands repeats")

        # Metrics: each survivor counts what it sent of its partitions.
        survivors_held = self.holders(survivors)
        for p in victim_partitions:
            node = survivors[survivors_held[p]]
            delivered = self.metric(node, "ledgerd_webhook_delivered_total", p)
            self.assertIsNotNone(delivered)
            self.assertGreater(delivered, 0)
            # Sampled every 250 ms: caught up reads 0 soon after.
            deadline = time.monotonic() + 5
            age = None
            while time.monotonic() < deadline:
                age = self.metric(
                    node, "ledgerd_webhook_oldest_undelivered_seconds", p)
                if age == 0:
                    break
                time.sleep(0.1)
            self.assertEqual(age, 0)

        # A clean stop (SIGTERM) of a holder releases its leases: the last
        # node takes them within a second or two, and repeats nothing.
        leaving = survivors[survivors_held[0]]
        staying = [n for n in survivors if n is not leaving]
        repeats_before = len(self.dedup.repeats)
        leaving.proc.send_signal(signal.SIGTERM)
        self.assertEqual(leaving.proc.wait(timeout=30), 0)
        # From its exit (the drain before it varies with the machine's
        # load): the leases were released on the way out.
        stopped_at = time.monotonic()
        deadline = time.monotonic() + LEASES_S
        while len(self.holders(staying)) < self.PARTITIONS and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.holders(staying)), self.PARTITIONS)
        released_s = time.monotonic() - stopped_at
        print(f"leases taken over {released_s:.1f}s after a clean stop "
              "(from its exit)", flush=True)
        # An expired lease takes 8 s and more.
        self.assertLess(released_s, 4, "a released lease is taken at once")
        writer = self.client(staying[0].address)
        last = self.submit(writer, 180, 20)
        self.wait_delivered(last, DELIVERED_S, "after the clean stop")
        self.assertEqual(len(self.dedup.repeats), repeats_before,
                         "a clean stop when idle repeats nothing")
        events = self.received()
        for p in range(self.PARTITIONS):
            self.assertEqual([e[1] for e in events if e[0] == p],
                             list(range(1, last[p] + 1)))


if __name__ == "__main__":
    unittest.main()

"""--host-partitions, forwarding and min_seq (docs/contract.md section 10):
a node answers for customers of partitions it does not host, a read with
min_seq on another node sees the write, and a partition no running node
hosts is UNAVAILABLE."""
import itertools
import json
import os
import signal
import threading
import time
import unittest

import grpc

import cluster_harness as ch
from ledger_client import LedgerClient, LedgerError


def fnv1a64(data):
    h = 14695981039346656037
    for b in data:
        h ^= b
        h = (h * 1099511628211) % (1 << 64)
    return h


def customer_in(partition, partitions, prefix):
    return next(f"{prefix}{i}" for i in range(1000)
                if fnv1a64(f"{prefix}{i}".encode()) % partitions == partition)


class HostPartitionsAndForwarding(ch.ClusterTestCase):
    PARTITIONS = 2
    HOST_PARTITIONS = ["0", "1", None]  # node3 hosts both

    def test_fnv1a64_is_the_published_function(self):
        self.assertEqual(fnv1a64(b"a"), 0xaf63dc4c8601ec8c)
        self.assertEqual(fnv1a64(b""), 0xcbf29ce484222325)

    def test_a_node_answers_for_a_partition_it_does_not_host(self):
        node1, node2, node3 = self.cluster.nodes
        self.assertFalse(os.path.exists(os.path.join(node1.dir, "p1")))
        c1 = customer_in(1, 2, "c")
        c0 = customer_in(0, 2, "c")
        client1 = self.client(node1.address)
        r = client1.submit(ch.purchase("k1", c1, "2026-03-08T10:00:00Z", 100))
        self.assertEqual((r["status"], r["partition"]), ("ACCEPTED", 1), r)
        self.assertEqual(client1.balance(c1, min_seq=r["seq"])["available"], 100)
        # A batch over both partitions and a set_policy: results in order.
        policy = {"key": "pol", "at": "2026-03-08T09:00:00Z",
                  "set_policy": {"version": "v2", "refund_window_hours": 100,
                                 "inquiry_window_hours": 100}}
        batch = client1.submit_batch([
            policy, ch.purchase("k2", c0, "2026-03-08T10:00:00Z", 50),
            ch.use("k3", c1, "2026-03-08T11:00:00Z", 10)])
        self.assertEqual([(x["key"], x["status"], x["partition"]) for x in batch],
                         [("pol", "ACCEPTED", 0), ("k2", "ACCEPTED", 0),
                          ("k3", "ACCEPTED", 1)], batch)
        # Every node routes by the same function.
        self.assertEqual(batch[1]["partition"], fnv1a64(c0.encode()) % 2)

    def test_commands_without_at_are_stamped_before_the_log_alike_everywhere(self):
        """docs/contract.md section 15: the node that receives a command
        without `at` stamps it before the log, so every replica holds the
        same time; a set_policy without `at` gets one time in every
        partition; a retry without `at` on another node is a duplicate.
        Likewise its actor and recording time (section 16): set by the
        receiving node, the same bytes on every replica."""
        node1, node2, node3 = self.cluster.nodes
        c1 = customer_in(1, 2, "s")  # node1 does not host partition 1
        client1 = self.client(node1.address)
        self.assertEqual(client1.submit(
            ch.purchase("s1", c1, "2026-03-08T10:00:00Z", 100))["status"],
            "ACCEPTED")
        stamped = {"key": "s2", "customer": c1,
                   "use": {"usage_id": "u-s2", "category": "AI_PROCESSING",
                           "credits": 1}}
        first = client1.submit(stamped)
        self.assertEqual(first["status"], "ACCEPTED", first)
        self.assertIn("at", first)
        again = self.client(node3.address).submit(stamped)
        self.assertEqual((again["seq"], again.get("duplicate")),
                         (first["seq"], True), again)
        policy = client1.submit(
            {"key": "pol-s", "set_policy": {"version": "vs",
                                            "refund_window_hours": 168,
                                            "inquiry_window_hours": 168}})
        self.assertEqual(policy["status"], "ACCEPTED", policy)
        # Every replica of each partition, once it applied them (bounded).
        expected = {"p0": {"pol-s"}, "p1": {"s2", "pol-s"}}
        deadline = time.monotonic() + 30
        while True:
            times, complete = {}, True
            for node in (node1, node2, node3):
                for p, keys in expected.items():
                    folder = os.path.join(node.dir, p)
                    if not os.path.exists(folder):
                        continue
                    r = ch.harness.ledgerctl("export", "--format", "jsonl", "--db",
                                            folder, timeout=60)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    seen = {}
                    for line in r.stdout.splitlines():
                        e = json.loads(line)
                        if e["key"] in keys:
                            seen[e["key"]] = (e["at"], e.get("actor"),
                                              e.get("recorded_at"))
                    complete = complete and set(seen) == keys
                    for key, at in seen.items():
                        times.setdefault(key, set()).add(at)
            if complete or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertTrue(complete, times)
        self.assertEqual(len(times["s2"]), 1, times)
        at, actor, recorded_at = next(iter(times["s2"]))
        self.assertEqual((at, actor), (first["at"], "anonymous"))
        # Stamped with the receiving node's clock, which it also records.
        self.assertEqual(recorded_at, first["at"])
        self.assertEqual(len(times["pol-s"]), 1, times)
        self.assertEqual(next(iter(times["pol-s"]))[0], policy["at"])

    def test_a_read_with_min_seq_on_another_node_sees_the_write(self):
        node1, node2, node3 = self.cluster.nodes
        c1 = customer_in(1, 2, "m")
        writer = self.client(node2.address)
        reader = self.client(node3.address)
        r = writer.submit(ch.purchase("m1", c1, "2026-03-08T10:00:00Z", 100))
        for i in range(20):
            r = writer.submit(ch.use(f"m-use{i}", c1, "2026-03-08T11:00:00Z", 1))
            self.assertEqual(r["status"], "ACCEPTED", r)
            seen = reader.balance(c1, min_seq=r["seq"])
            self.assertEqual(seen["available"], 100 - (i + 1))
        # A seq not reached within the deadline is not waited for forever.
        impatient = self.client(node3.address, timeout=1.0, max_attempts=1)
        with self.assertRaises(LedgerError) as e:
            impatient.balance(c1, min_seq=r["seq"] + 1000)
        self.assertEqual(e.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_read_events_of_a_partition_not_hosted_here_come_from_a_hosting_node(self):
        node1, node2, node3 = self.cluster.nodes
        c1 = customer_in(1, 2, "e")  # node1 hosts partition 0 only
        writer = self.client(node3.address)
        for i in range(3):
            writer.submit(ch.purchase(f"e{i}", c1, "2026-03-08T10:00:00Z", 10))
        reader = self.client(node1.address, max_attempts=1)
        seen, failures = [], []

        def follow():
            try:
                for event in reader.events(partition=1, follow=True, timeout=30):
                    seen.append((event["header"]["seq"], event["header"]["key"],
                                 event["partition"]))
                    if len(seen) == 6:
                        return
            except LedgerError as e:
                failures.append(e)
        t = threading.Thread(target=follow)
        t.start()
        for i in range(3, 6):  # written while node1 follows partition 1
            writer.submit(ch.purchase(f"e{i}", c1, "2026-03-08T10:00:00Z", 10))
        t.join(40)
        self.assertFalse(t.is_alive())
        self.assertEqual(failures, [])
        self.assertEqual(seen, [(i + 1, f"e{i}", 1) for i in range(6)])
        # From a seq on, forwarded too, and the same events as a hosting
        # node's. Followed to a count, not read once: each page may come
        # from either hosting replica, and one may still be applying.
        def first(n, events):
            return list(itertools.islice(events, n))
        self.assertEqual([e["header"]["seq"] for e in first(
            2, reader.events(partition=1, from_seq=5, follow=True, timeout=20))],
            [5, 6])
        self.assertEqual(
            first(6, reader.events(partition=1, follow=True, timeout=20)),
            first(6, writer.events(partition=1, follow=True, timeout=20)))

    def test_a_partition_no_running_node_hosts_is_unavailable(self):
        node1, node2, node3 = self.cluster.nodes
        c1 = customer_in(1, 2, "u")
        client1 = self.client(node1.address, timeout=5.0, max_attempts=1)
        self.assertEqual(client1.submit(
            ch.purchase("u1", c1, "2026-03-08T10:00:00Z", 10))["status"], "ACCEPTED")
        for n in (node2, node3):
            os.kill(n.proc.pid, signal.SIGTERM)
            n.proc.wait(timeout=60)
        with self.assertRaises(LedgerError) as e:
            client1.balance(c1)
        self.assertEqual(e.exception.code, grpc.StatusCode.UNAVAILABLE)
        with self.assertRaises(LedgerError) as e:
            list(client1.events(partition=1))
        self.assertEqual(e.exception.code, grpc.StatusCode.UNAVAILABLE)
        # Partition 0, hosted here, still answers.
        c0 = customer_in(0, 2, "u")
        self.assertEqual(client1.submit(
            ch.purchase("u2", c0, "2026-03-08T10:00:00Z", 10))["status"], "ACCEPTED")


class ClusterFlags(unittest.TestCase):
    """The cluster flags (docs/contract.md section 10) are checked before
    anything starts."""

    def run_ledgerd(self, *args):
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            return subprocess.run(
                [ch.harness.LEDGERD, "--db", d, "--listen", "127.0.0.1:0",
                 *args], capture_output=True, text=True, timeout=60)

    def test_bad_cluster_flags_are_bad_usage(self):
        nats = ("--nats", "nats://127.0.0.1:1")
        for args in [(*nats, "--partitions", "2"),
                     (*nats, "--partitions", "0", "--node", "n1"),
                     (*nats, "--partitions", "2", "--node", "a.b"),
                     ("--partitions", "2", "--node", "n1"),
                     ("--host-partitions", "0"),
                     (*nats, "--partitions", "2", "--node", "n1",
                      "--host-partitions", "2"),
                     ("--stream-max-msgs", "5"),  # retention needs --nats
                     (*nats, "--partitions", "2", "--node", "n1",
                      "--stream-max-age", "a week"),
                     (*nats, "--partitions", "2", "--node", "n1",
                      "--stream-max-msgs", "-1")]:
            r = self.run_ledgerd(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))

    def test_an_unreachable_nats_fails_to_start(self):
        r = self.run_ledgerd("--nats", "nats://127.0.0.1:1", "--partitions",
                             "2", "--node", "n1")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("NATS", r.stderr)


if __name__ == "__main__":
    unittest.main()

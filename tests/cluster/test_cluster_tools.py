"""Tools that know the cluster (docs/cluster.md): ReadEvents per partition
while clients write, ledgerctl balance / statement / digest on a node's
folder, and the Python client failing over from a node killed by PID within
one deadline per call."""
import json
import threading
import time

import grpc

import cluster_harness as ch
import harness
from ledger_client import LedgerError
from test_forwarding import customer_in

WRITE_S = 30  # bound on the writing thread and on every wait below


class ClusterTools(ch.ClusterTestCase):
    PARTITIONS = 2
    NODES = 3

    def test_read_events_per_partition_while_writing_then_ledgerctl_on_a_node_folder(self):
        node1, node2, _ = self.cluster.nodes
        writer = self.client(node2.address, timeout=10)
        customers = [customer_in(p, 2, f"r{p}-") for p in (0, 1)]
        acked = {0: [], 1: []}
        failures = []

        def write():
            try:
                for i in range(20):
                    c = customers[i % 2]
                    command = (ch.purchase(f"w{i}", c, "2026-03-08T10:00:00Z", 100)
                               if i < 2 else
                               ch.use(f"w{i}", c, f"2026-03-08T11:00:{i:02d}Z", 3))
                    r = writer.submit(command)
                    acked[r["partition"]].append((r["seq"], r["key"]))
            except LedgerError as e:
                failures.append(e)
        thread = threading.Thread(target=write)
        # Follow streams on another node than the writer's, opened before
        # the first write, so events arrive while they are written.
        seen = {0: [], 1: []}
        reader = self.client(node1.address)
        followers = []
        for p in (0, 1):
            def follow(p=p):
                try:
                    for event in reader.events(partition=p, follow=True,
                                               timeout=WRITE_S):
                        seen[p].append((event["header"]["seq"],
                                        event["header"]["key"],
                                        event["partition"]))
                        if len(seen[p]) == 10:
                            return
                except LedgerError as e:
                    failures.append(e)
            followers.append(threading.Thread(target=follow))
        for t in followers:
            t.start()
        thread.start()
        thread.join(WRITE_S)
        for t in followers:
            t.join(WRITE_S)
        self.assertFalse(thread.is_alive() or any(t.is_alive() for t in followers))
        self.assertEqual(failures, [])
        for p in (0, 1):
            self.assertEqual([(s, k) for s, k, _ in seen[p]], sorted(acked[p]))
            self.assertEqual([s for s, _, _ in seen[p]], list(range(1, 11)))
            self.assertEqual({q for _, _, q in seen[p]}, {p})
            # A read from a seq on, without follow, ends at the head.
            tail = [e["header"]["seq"] for e in reader.events(partition=p, from_seq=8)]
            self.assertEqual(tail, [8, 9, 10])
        with self.assertRaises(LedgerError) as no_partition:
            list(reader.events())
        self.assertEqual(no_partition.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)

        # The node folders: every replica converged, then ledgerctl reads
        # each customer from its partition and digests every partition.
        digests = self.wait_converged([n.dir for n in self.cluster.nodes])
        r = harness.ledgerctl("digest", "--db", node1.dir, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([line.split(" ")[0] for line in r.stdout.splitlines()],
                         ["p0", "p1"])
        self.assertTrue(digests["p0"].startswith("10:"), digests)
        for c in customers:
            want = writer.balance(c)["available"]
            r = harness.ledgerctl("balance", "--db", node1.dir, "--customer", c,
                                  timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["available"], want)
            self.assertEqual(want, 100 - 9 * 3)
            r = harness.ledgerctl("statement", "--db", node1.dir, "--customer", c,
                                  timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"Statement of customer {c}", r.stdout)

    def test_the_client_fails_over_from_a_killed_node_within_one_deadline(self):
        nodes = self.cluster.nodes
        client = self.client([n.address for n in nodes], timeout=8)
        c = customer_in(0, 2, "f")
        first = client.submit(ch.purchase("f1", c, "2026-03-08T10:00:00Z", 100))
        self.assertEqual(first["status"], "ACCEPTED", first)
        victim = next(n for n in nodes if n.address == client.current_target)
        victim.proc.kill()  # by PID, no drain
        victim.proc.wait(timeout=10)
        started = time.monotonic()
        again = client.submit(ch.purchase("f1", c, "2026-03-08T10:00:00Z", 100))
        fresh = client.submit(ch.use("f2", c, "2026-03-08T11:00:00Z", 10))
        elapsed = time.monotonic() - started
        self.assertNotEqual(client.current_target, victim.address)
        self.assertEqual((again["seq"], again.get("duplicate")),
                         (first["seq"], True), again)
        self.assertEqual(fresh["status"], "ACCEPTED", fresh)
        self.assertLess(elapsed, 2 * 8, "two calls, each within its deadline")
        self.assertEqual(client.balance(c, min_seq=fresh["seq"])["available"], 90)
        # One deadline, not one per attempt: a read waiting for a seq that
        # never comes gives up once the call's 3 s are spent.
        short = self.client([victim.address] + [n.address for n in nodes
                                                if n is not victim], timeout=3)
        started = time.monotonic()
        with self.assertRaises(LedgerError) as late:
            short.balance(c, min_seq=10**6)
        waited = time.monotonic() - started
        self.assertEqual(late.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(waited, 3 + 1.5)


if __name__ == "__main__":
    import unittest
    unittest.main()

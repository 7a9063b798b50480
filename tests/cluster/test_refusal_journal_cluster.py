"""The refusal journal in a cluster (docs/audit.md, "What was refused";
docs/contract.md section 16): every replica of a partition keeps its own
journal of the rejections it judges, beside its log and never in it, each
with the actor and recording time the receiving node set; and `ledgerd
--rejection-retention` reaches each partition's ledger (here `off` on one
node: that replica keeps none, while the other keeps them all)."""
import json
import os
import unittest

import cluster_harness as ch
import harness

AT = "2026-03-08T10:00:00Z"


class ClusterRefusalJournal(ch.ClusterTestCase):
    PARTITIONS = 1
    NODES = 2

    def journal(self, node):
        r = harness.ledgerctl("rejections", "--db", os.path.join(node.dir, "p0"),
                              "--format", "jsonl", timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line]

    def test_each_replica_journals_the_rejections_unless_its_retention_is_off(self):
        node1, node2 = self.cluster.nodes
        # Node 2 starts again with the journal turned off.
        ch.local_cluster.stop_pid(node2.proc.pid)
        node2.proc.wait()
        node2.extra_args = ["--rejection-retention", "off"]
        node2.start()
        c1 = self.client(node1.address)
        c2 = self.client(node2.address)

        bought = c1.submit(ch.purchase("rj-1", "c1", AT, 100))
        self.assertEqual(bought["status"], "ACCEPTED", bought)
        # One rejection received by each node.
        for client, key in ((c1, "rj-2"), (c2, "rj-3")):
            refused = client.submit(ch.use(key, "c1", AT, 500))
            self.assertEqual((refused["status"], refused.get("code")),
                             ("REJECTED", "INSUFFICIENT_CREDITS"), refused)
        # An accepted command after them: once a replica applied it, it
        # had judged both rejections too (one stream, in order).
        last = c2.submit(ch.use("rj-4", "c1", AT, 10))
        self.assertEqual(last["status"], "ACCEPTED", last)
        for client in (c1, c2):
            self.assertEqual(
                client.balance("c1", min_seq=last["seq"])["available"], 90)

        kept = self.journal(node1)
        self.assertEqual([(r["key"], r["code"], r["actor"]) for r in kept],
                         [("rj-2", "INSUFFICIENT_CREDITS", "anonymous"),
                          ("rj-3", "INSUFFICIENT_CREDITS", "anonymous")])
        self.assertTrue(all(r["recorded_at"] for r in kept), kept)
        self.assertEqual(self.journal(node2), [])
        # Never in the log: both replicas still hold the same events.
        self.assertEqual(ch.digest_lines(node1.dir), ch.digest_lines(node2.dir))


if __name__ == "__main__":
    unittest.main()

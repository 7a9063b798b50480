"""An idempotency key is unique within its partition (docs/contract.md
section 10, docs/cluster.md): each partition is a ledger of its own, so a
key accepted for a customer of one partition and sent for a customer of
another is judged there afresh, not KEY_REUSED; a retry reaches the same
partition and is a duplicate, on any node."""
import unittest

import cluster_harness as ch
from test_forwarding import customer_in


class ClusterKeyScope(ch.ClusterTestCase):
    PARTITIONS = 2

    def test_a_key_is_unique_within_its_partition_only(self):
        node1, node2, _ = self.cluster.nodes
        c0 = customer_in(0, 2, "scope")
        c1 = customer_in(1, 2, "scope")
        first = self.client(node1.address)
        other = self.client(node2.address)

        accepted = first.submit(
            ch.purchase("shared-key", c0, "2026-03-08T10:00:00Z", 100))
        self.assertEqual((accepted["status"], accepted["partition"]),
                         ("ACCEPTED", 0), accepted)

        # The same key, different content, a customer of partition 1:
        # judged in partition 1 as a new command, not KEY_REUSED.
        elsewhere = other.submit(
            ch.purchase("shared-key", c1, "2026-03-08T10:00:00Z", 70))
        self.assertEqual((elsewhere["status"], elsewhere["partition"]),
                         ("ACCEPTED", 1), elsewhere)
        self.assertFalse(elsewhere.get("duplicate", False), elsewhere)
        self.assertEqual(
            other.balance(c1, min_seq=elsewhere["seq"])["available"], 70)

        # Within partition 0 the key keeps its meaning: other content is
        # KEY_REUSED, the same content a duplicate of the first acceptance,
        # whichever node is asked.
        reused = other.submit(
            ch.purchase("shared-key", c0, "2026-03-08T10:00:00Z", 999))
        self.assertEqual((reused["status"], reused.get("code")),
                         ("REJECTED", "KEY_REUSED"), reused)
        retry = other.submit(
            ch.purchase("shared-key", c0, "2026-03-08T10:00:00Z", 100))
        self.assertEqual((retry["status"], retry["seq"], retry.get("duplicate")),
                         ("ACCEPTED", accepted["seq"], True), retry)
        self.assertEqual(
            first.balance(c0, min_seq=accepted["seq"])["available"], 100)


if __name__ == "__main__":
    unittest.main()

"""Backups, re-seeding and stream retention (docs/cluster.md, "Re-seeding a
node" and "Stream retention"): a running node's Backup RPC writes a node
folder; the stream is then bounded (--stream-max-msgs) while node 3 is
down, so node 3 finds its next message trimmed away and refuses clearly
(stderr, UNAVAILABLE, health NOT_SERVING, the gauge), rather than serve
stale data; seeded from a fresh backup of node 1 it resumes from the
copy's applied position, agrees with the others and serves again."""
import os
import re
import shutil
import unittest

import grpc

import cluster_harness as ch
import harness
import nats_wire
import probes
from ledger_client import LedgerError
from probes import health

WAIT_S = 40
RETAINED = 5


def wait_for(what, predicate):
    probes.wait_for(what, predicate, timeout_s=WAIT_S, interval_s=0.2)


def log_text(node):
    with open(node.dir + ".log", errors="replace") as f:
        return f.read()


class ClusterBackupSeed(ch.ClusterTestCase):
    PARTITIONS = 1

    def write(self, client, first, count):
        for i in range(first, first + count):
            r = client.submit(ch.purchase(f"k{i}", f"c{i % 3}",
                                          "2026-03-08T10:00:00Z", 10))
            self.assertEqual(r["status"], "ACCEPTED", r)
        return r["seq"]

    def test_a_node_past_retention_refuses_until_seeded_from_a_backup(self):
        node1, node2, node3 = self.cluster.nodes
        c1 = self.client(node1.address)
        self.write(c1, 0, 20)
        digests = self.wait_converged([n.dir for n in self.cluster.nodes])

        # A backup of a running node: a node folder with its position.
        first_backup = os.path.join(self.folder, "backup-1")
        copies = c1.backup(first_backup)
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(copies[0]["partition"], 0)
        self.assertEqual(copies[0]["applied_position"],
                         self.stream_last_seqs()[0])
        self.assertEqual(f"{copies[0]['last_seq']}:{copies[0]['head_hash']}",
                         digests["p0"])
        self.assertEqual(ch.digest_lines(first_backup), digests)
        r = harness.ledgerctl("replay", "--db", os.path.join(first_backup, "p0"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with self.assertRaises(LedgerError) as taken:
            c1.backup(first_backup)
        self.assertEqual(taken.exception.code, grpc.StatusCode.ALREADY_EXISTS)

        # Node 3 stops; the others write on, and node 1 restarts with a
        # retention that keeps the last few messages only.
        ch.local_cluster.stop_pid(node3.proc.pid)
        node3.proc.wait()
        self.write(c1, 20, 20)
        ch.local_cluster.stop_pid(node1.proc.pid)
        node1.proc.wait()
        node1.extra_args = ["--stream-max-msgs", str(RETAINED)]
        node1.start()
        c1 = self.client(node1.address)  # a new port
        state = nats_wire.stream_info(self.nats_url(), "LEDGER_P0")["state"]
        self.assertEqual(state["last_seq"] - state["first_seq"] + 1, RETAINED,
                         state)

        # Node 3 comes back behind the retention: it says so and refuses.
        node3.extra_args = ["--metrics", "127.0.0.1:0"]
        node3.start()
        wait_for("node 3 says it cannot catch up",
                 lambda: "cannot catch up" in log_text(node3))
        self.assertIn("Re-seeding a node", log_text(node3))
        c3 = self.client(node3.address, max_attempts=1)
        with self.assertRaises(LedgerError) as refused:
            c3.balance("c1")
        self.assertEqual(refused.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertIn("seed this one from a backup", refused.exception.details)
        with self.assertRaises(LedgerError) as refused_write:
            c3.submit(ch.purchase("k-late", "c1", "2026-03-08T10:00:00Z", 1))
        self.assertEqual(refused_write.exception.code,
                         grpc.StatusCode.UNAVAILABLE)
        wait_for("p0 NOT_SERVING on node 3",
                 lambda: health(node3.address, "ledger.v1.LedgerService.p0") == 2)
        self.assertEqual(health(node1.address, "ledger.v1.LedgerService.p0"), 1)
        metrics = probes.metrics_text(probes.metrics_port(log_text(node3)))
        m = re.search(
            r'^ledgerd_partition_behind_retention\{partition="0"\} (\S+)$',
            metrics, re.M)
        self.assertIsNotNone(m, metrics)
        self.assertEqual(float(m.group(1)), 1)
        # The other nodes serve the partition meanwhile.
        self.assertEqual(self.client(node2.address).balance("c1")["available"],
                         130)

        # Re-seeded from a fresh backup of node 1, it resumes from the
        # copy's position and agrees with the others.
        second_backup = os.path.join(self.folder, "backup-2")
        self.assertEqual(len(c1.backup(second_backup)), 1)
        ch.local_cluster.stop_pid(node3.proc.pid)
        node3.proc.wait()
        shutil.rmtree(os.path.join(node3.dir, "p0"))
        shutil.copytree(os.path.join(second_backup, "p0"),
                        os.path.join(node3.dir, "p0"))
        node3.extra_args = []
        node3.start()
        self.write(c1, 40, 3)
        agreed = self.wait_converged([n.dir for n in self.cluster.nodes])
        self.assertNotEqual(agreed, digests)
        c3 = self.client(node3.address)
        self.assertEqual(c3.balance("c1")["available"], 140)
        self.assertEqual(
            health(node3.address, "ledger.v1.LedgerService.p0"), 1)


if __name__ == "__main__":
    unittest.main()

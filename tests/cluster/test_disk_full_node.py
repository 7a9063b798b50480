"""A cluster node whose disk is full (docs/operations.md, "A cluster node").

Node 3's folder is a small tmpfs, far under the default --min-free-disk
floor, so its partitions refuse to apply from the start: it answers its
clients UNAVAILABLE naming the full disk and says so on stderr, while the
other two nodes keep acknowledging. Once the tmpfs is grown, node 3
catches up from the stream without a restart, every replica's digest is
the same, and it takes writes again. Needs root to mount; skips elsewhere.
"""
import os
import shutil
import tempfile
import time
import unittest

import grpc

import cluster_harness as ch
import harness
import local_cluster
import probes
from ledger_client import LedgerError

TMPFS_BYTES = 8 << 20     # under the 256 MiB floor: full from the start
GROWN_BYTES = 512 << 20
AT = "2026-03-08T10:00:00Z"
WAIT_S = 40


class FullNodeTest(ch.ClusterTestCase):
    PARTITIONS = 2

    def setUp(self):
        # ClusterTestCase.setUp, with node 3's folder mounted before it starts.
        self.folder = tempfile.mkdtemp(prefix="ledger-cluster-test-")
        self.cluster = local_cluster.LocalCluster(
            self.folder, nodes=self.NODES, partitions=self.PARTITIONS,
            ledgerd=harness.LEDGERD)
        self.extra, self.clients = [], []
        self.full = self.cluster.nodes[2]
        os.makedirs(self.full.dir)
        refused = probes.mount_tmpfs(self.full.dir, TMPFS_BYTES)
        if refused:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.skipTest(refused)
        # Runs after tearDown, which stopped every process by PID.
        self.addCleanup(self.unmount)
        try:
            self.cluster.start()
        except Exception:
            self.cluster.stop()
            raise

    def unmount(self):
        probes.unmount(self.full.dir)
        shutil.rmtree(self.folder, ignore_errors=True)

    def full_log(self):
        with open(self.full.dir + ".log", errors="replace") as f:
            return f.read()

    def wait_for(self, what, predicate):
        probes.wait_for(what, predicate, timeout_s=WAIT_S, interval_s=0.2,
                        explain=self.full_log)

    def test_a_full_node_stops_acknowledging_the_others_go_on_and_it_catches_up(self):
        full = self.client(self.full.address, max_attempts=1)
        with self.assertRaises(LedgerError) as refused:
            full.submit(ch.purchase("on-full", "cf", AT, 10))
        self.assertEqual(refused.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertIn("is full", str(refused.exception))

        healthy = [self.client(n.address) for n in self.cluster.nodes[:2]]
        for i in range(40):
            r = healthy[i % 2].submit(ch.purchase(f"k{i}", f"c{i % 8}", AT, 10))
            self.assertEqual(r["status"], "ACCEPTED", r)
        self.wait_for("node 3 says it does not apply",
                      lambda: "not applying the stream here" in self.full_log())
        self.assertIsNone(self.full.proc.poll(), "the full node died")
        dirs = [n.dir for n in self.cluster.nodes]
        ahead = self.wait_converged(dirs[:2])
        self.assertNotEqual(ch.digest_lines(self.full.dir), ahead,
                            "the full node applied while under its floor")

        probes.grow_tmpfs(self.full.dir, GROWN_BYTES)
        digests = self.wait_converged(dirs)
        self.assertEqual(len(digests), self.PARTITIONS)
        self.assertIn("the disk has room again", self.full_log())

        after = None
        deadline = time.monotonic() + WAIT_S
        while after is None and time.monotonic() < deadline:
            try:
                after = full.submit(ch.purchase("after", "cf", AT, 10))
            except LedgerError:
                time.sleep(0.5)
        self.assertIsNotNone(after, "the grown node never took a write")
        self.assertEqual(after["status"], "ACCEPTED", after)
        self.assertEqual(len(self.wait_converged(dirs)), self.PARTITIONS)


if __name__ == "__main__":
    unittest.main()

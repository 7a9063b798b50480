"""ledgerd on a full disk (docs/operations.md, "What `ledgerd` does").

The ledger lives on a small tmpfs of the test's own; concurrent writers fill
it. Then writes get UNAVAILABLE with a message naming the full disk, reads
keep working, the health of writes is NOT_SERVING and ledgerd_disk_full is
1; the process never dies. Once the tmpfs is grown, writes are taken again
without a restart, and nothing acknowledged was lost. Needs root to mount
the tmpfs; skips (saying so) elsewhere.
"""
import os
import re
import tempfile
import threading
import unittest

import grpc

import probes
from harness import LedgerError, ServerTestCase, purchase
from probes import health

TMPFS_BYTES = 6 << 20
GROWN_BYTES = 96 << 20
WRITERS = 4
BATCH = 50
MAX_BATCHES_PER_WRITER = 200  # 40 000 commands: far more than 6 MiB holds
WAIT_SECONDS = 30
WRITES_HEALTH = "ledger.v1.LedgerService.Writes"


def wait_for(what, predicate):
    probes.wait_for(what, predicate, timeout_s=WAIT_SECONDS)


class DiskFullTest(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.mount = tempfile.mkdtemp(prefix="ledgerd-tmpfs-")
        refused = probes.mount_tmpfs(self.mount, TMPFS_BYTES)
        if refused:
            os.rmdir(self.mount)
            self.skipTest(refused)
        # Cleanups run after tearDown, which has stopped the servers.
        self.addCleanup(self.unmount)

    def unmount(self):
        probes.unmount(self.mount)
        os.rmdir(self.mount)

    def metric(self, server, name):
        port = probes.metrics_port(server.stderr())
        self.assertIsNotNone(port, server.stderr())
        m = re.search(rf"^{name} (\S+)$", probes.metrics_text(port), re.M)
        self.assertIsNotNone(m, f"{name} not in /metrics")
        return float(m.group(1))

    def fill(self, client):
        """Concurrent writers until the disk refuses; returns the keys
        acknowledged and the errors that stopped the writers."""
        acknowledged, refused, lock = {"seed"}, [], threading.Lock()

        def writer(w):
            for i in range(MAX_BATCHES_PER_WRITER):
                batch = [purchase(f"w{w}-{i}-{j}", customer=f"c{w}-{j % 20}")
                         for j in range(BATCH)]
                try:
                    results = client.submit_batch(batch)
                except LedgerError as e:
                    with lock:
                        refused.append(e)
                    return
                with lock:
                    for r in results:
                        self.assertEqual(r["status"], "ACCEPTED", r)
                        acknowledged.add(r["key"])

        threads = [threading.Thread(target=writer, args=(w,))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
            self.assertFalse(t.is_alive(), "a writer did not finish")
        return acknowledged, refused

    def test_a_full_disk_refuses_writes_keeps_reads_and_recovers_without_a_restart(self):
        server = self.start(db=os.path.join(self.mount, "db"), extra_args=[
            "--metrics", "127.0.0.1:0", "--min-free-disk", "0"])
        client = self.client(server, max_attempts=1, timeout=60)
        self.assertEqual(client.submit(purchase("seed", customer="reader"))
                         ["status"], "ACCEPTED")
        self.assertEqual(health(server.address, WRITES_HEALTH), 1)

        acknowledged, refused = self.fill(client)
        self.assertTrue(refused, "the disk never filled")
        for e in refused:
            self.assertEqual(e.code, grpc.StatusCode.UNAVAILABLE, str(e))
            self.assertIn("is full", str(e))
        self.assertIsNone(server.proc.poll(), "ledgerd died: " + server.stderr())

        # Reads go on; writes stay refused; health and metric say so.
        self.assertEqual(client.balance("reader")["available"], 100)
        with self.assertRaises(LedgerError) as still:
            client.submit(purchase("while-full"))
        self.assertEqual(still.exception.code, grpc.StatusCode.UNAVAILABLE)
        wait_for("writes NOT_SERVING in health",
                 lambda: health(server.address, WRITES_HEALTH) == 2)
        self.assertEqual(health(server.address), 1, "reads are served")
        wait_for("ledgerd_disk_full 1",
                 lambda: self.metric(server, "ledgerd_disk_full") == 1)
        self.assertIn("refusing writes", server.stderr())

        # Room again: writes come back by themselves, no restart.
        probes.grow_tmpfs(self.mount, GROWN_BYTES)
        wait_for("writes SERVING again in health",
                 lambda: health(server.address, WRITES_HEALTH) == 1)
        self.assertEqual(self.metric(server, "ledgerd_disk_full"), 0)
        after = client.submit(purchase("after", customer="reader"))
        self.assertEqual(after["status"], "ACCEPTED")
        acknowledged.add("after")

        keys = {e["header"]["key"] for e in client.events()}
        self.assertEqual(acknowledged - keys, set(),
                         "acknowledged commands missing from the log")
        self.assertNotIn("while-full", keys)
        self.assertEqual(server.terminate(), 0, server.stderr())

    def test_under_the_floor_writes_are_refused_before_the_disk_is_full(self):
        # Room for a floor of 4 MiB besides the WAL space RocksDB reserves.
        probes.grow_tmpfs(self.mount, 16 << 20)
        server = self.start(db=os.path.join(self.mount, "db"), extra_args=[
            "--min-free-disk", "4MiB"])
        client = self.client(server, max_attempts=1, timeout=60)
        self.assertEqual(client.submit(purchase("seed", customer="reader"))
                         ["status"], "ACCEPTED")
        acknowledged, refused = self.fill(client)
        self.assertTrue(refused, "the floor was never reached")
        for e in refused:
            self.assertEqual(e.code, grpc.StatusCode.UNAVAILABLE, str(e))
            self.assertIn("under the floor of 4.0 MiB", str(e))
        self.assertEqual(client.balance("reader")["available"], 100)
        keys = {e["header"]["key"] for e in client.events()}
        self.assertEqual(acknowledged - keys, set())
        self.assertEqual(server.terminate(), 0, server.stderr())


if __name__ == "__main__":
    unittest.main()

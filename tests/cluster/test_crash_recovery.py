"""3 NATS + 3 ledgerd, clients on every node, a mixed workload; kill -9 of a
ledgerd and then of the NATS node leading a partition's stream mid-run, both
restarted. Afterwards: every acknowledged command is in the log exactly
once, every replica of every partition has the same digest, and the same
decisions as a single-node ledger fed the same log in the same order (which
records its own actor and clock, docs/contract.md section 16), every acknowledged
result is that single node's result for its key, and a new node with an
empty folder catches up to the same digests."""
import os
import signal
import time
import unittest

import cluster_harness as ch
import local_cluster
import nats_wire

RUN_S = 120


class CrashesLoseNothingAcknowledged(ch.ClusterTestCase):
    PARTITIONS = 2

    def kill9_ledgerd_and_restart(self, index):
        node = self.cluster.nodes[index]
        os.kill(node.proc.pid, signal.SIGKILL)
        node.proc.wait()
        # Pacing, not a wait for a state: the node stays down for a moment
        # so that clients find it gone and fail over, which is part of what
        # this test exercises.
        time.sleep(0.5)
        node.start()

    def kill9_stream_leader_and_restart(self, stream):
        leader = nats_wire.stream_leader(self.nats_url(), stream)
        victim = next(n for n in self.cluster.nats if n.name == leader)
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait()
        # A new leader is elected among the two others (5-8 s with 2.9.10).
        new_leader = nats_wire.stream_leader(self.nats_url(), stream)
        self.assertNotEqual(new_leader, leader)
        victim.start()
        deadline = time.monotonic() + 60
        while not victim.healthy() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not victim.healthy():
            with open(os.path.join(victim.dir, "nats.log"), errors="replace") as f:
                tail = f.read()[-3000:]
            self.fail(f"the restarted NATS node is not healthy:\n{tail}")

    def wait_for_acks(self, workers, count):
        deadline = time.monotonic() + RUN_S
        while workers.count() < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def test_crashes_lose_nothing_acknowledged_and_replicas_agree(self):
        policy = {"key": "pol-1", "at": "2026-03-08T09:00:00Z",
                  "set_policy": {"version": "v2", "refund_window_hours": 100,
                                 "inquiry_window_hours": 100}}
        first = self.client(self.cluster.nodes[0].address)
        answer = first.submit(policy)
        self.assertEqual(answer["status"], "ACCEPTED", answer)
        self.assertEqual(answer["partition"], 0)

        workers = ch.Workers(self, workers=6)
        total = sum(len(ch.worker_commands(w)) for w in range(6))
        workers.start()
        self.wait_for_acks(workers, total // 4)
        self.assertLess(workers.count(), total, "the crash came after the run")
        self.kill9_ledgerd_and_restart(1)
        self.wait_for_acks(workers, total // 2)
        self.assertLess(workers.count(), total, "the crash came after the run")
        self.kill9_stream_leader_and_restart("LEDGER_P0")
        print(f"acknowledged {workers.count()} of {total} when the stream "
              "leader was back", flush=True)
        self.assertTrue(workers.join(RUN_S), "clients did not finish in time")
        self.assertEqual(workers.failures, [])
        acked = dict(workers.acked)
        acked["pol-1"] = answer
        self.assertEqual(len(acked), total + 1)

        dirs = [n.dir for n in self.cluster.nodes]
        digests = self.wait_converged(dirs)
        last_seqs = self.stream_last_seqs()

        # A new node with an empty folder catches up and agrees.
        fresh = local_cluster.LedgerdNode(
            self.folder, 4, ch.harness.LEDGERD,
            [n.url for n in self.cluster.nats], self.PARTITIONS)
        self.cluster.nodes.append(fresh)
        fresh.start()
        self.assertEqual(self.wait_converged(dirs + [fresh.dir]), digests)

        for p in range(self.PARTITIONS):
            single_decisions, single = self.single_node_replay(p, last_seqs[p])
            self.assertEqual(self.decisions(os.path.join(dirs[0], f"p{p}")),
                             single_decisions, f"partition {p}")
            keys = self.event_keys(os.path.join(dirs[0], f"p{p}"))
            self.assertEqual(len(keys), len(set(keys)), "a key logged twice")
            for key, result in acked.items():
                in_p = result["partition"] == p or (
                    key == "pol-1")  # set_policy is in every partition
                if not in_p:
                    continue
                if result["status"] == "ACCEPTED":
                    self.assertIn(key, keys, f"acknowledged {key} is not logged")
                if key == "pol-1" and p != 0:
                    continue
                expected = single.get(key, [])
                got = {k: v for k, v in result.items() if k != "partition"}
                self.assertIn(got, expected, f"{key} in partition {p}")

        # Each replica's ledger passes replay once its node stopped.
        self.cluster.stop()
        for d in dirs:
            for p in range(self.PARTITIONS):
                r = ch.harness.ledgerctl("replay", "--db", os.path.join(d, f"p{p}"))
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()

"""The local cluster's NATS servers start even when a port chosen free is
taken before a server binds it (another test on the machine may take it):
the servers are stopped and started again on new ports, and the ledgerd
nodes are given the new URLs. When every attempt fails, the error says why
and shows each server's log tail. Real nats-server, no ledgerd."""
import os
import shutil
import socket
import tempfile
import unittest

import local_cluster


class LocalClusterStart(unittest.TestCase):

    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="local-cluster-start-")
        self.cluster = local_cluster.LocalCluster(self.base, nodes=1)
        self.squatters = []

    def tearDown(self):
        self.cluster.stop()  # by PID, whatever the test left running
        for s in self.squatters:
            s.close()
        shutil.rmtree(self.base, ignore_errors=True)

    def take_port(self, port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        self.squatters.append(s)

    def test_a_client_port_taken_before_the_server_binds_it_is_chosen_again(self):
        taken = self.cluster.nats[1].port
        self.take_port(taken)
        self.cluster.start_nats(attempts=3)
        self.assertTrue(all(n.healthy() for n in self.cluster.nats))
        self.assertNotEqual(self.cluster.nats[1].port, taken)
        # The ledgerd node would be started with the servers' new URLs.
        self.assertEqual(self.cluster.nodes[0].nats_urls,
                         [n.url for n in self.cluster.nats])
        self.assertNotIn(f"127.0.0.1:{taken}",
                         ",".join(self.cluster.nodes[0].nats_urls))
        with open(os.path.join(self.cluster.nats[1].dir, "nats.log")) as f:
            self.assertIn("address already in use", f.read().lower())

    def test_a_port_taken_on_every_attempt_fails_with_the_servers_log_tails(self):
        # One attempt: the taken port is not chosen again before it fails.
        self.take_port(self.cluster.nats[0].cluster_port)
        with self.assertRaises(RuntimeError) as failed:
            self.cluster.start_nats(attempts=1)
        message = str(failed.exception)
        self.assertIn("a server exited", message)
        self.assertIn("--- n1 (", message)
        self.assertIn("address already in use", message.lower())
        self.assertTrue(all(n.proc is None for n in self.cluster.nats))


if __name__ == "__main__":
    unittest.main()

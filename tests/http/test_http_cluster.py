"""The HTTP API in a cluster (docs/http.md, "In a cluster"): a node answers
every path for customers of partitions it does not host, and a node
hosting every partition merges the lists across them."""
import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import cluster_harness as ch
import local_cluster
from test_forwarding import customer_in


def call(port, method, path, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class EveryNodeAnswersEveryPath(ch.ClusterTestCase):
    PARTITIONS = 2
    HOST_PARTITIONS = ["0", "1", None]  # node3 hosts both

    def setUp(self):
        # ClusterTestCase's, with an HTTP port of its own for each node.
        self.folder = tempfile.mkdtemp(prefix="ledger-http-cluster-test-")
        self.cluster = local_cluster.LocalCluster(
            self.folder, nodes=self.NODES, partitions=self.PARTITIONS,
            ledgerd=ch.harness.LEDGERD, host_partitions=self.HOST_PARTITIONS)
        self.extra, self.clients = [], []
        self.http_ports = []
        for node in self.cluster.nodes:
            port = local_cluster.free_port()
            node.extra_args += ["--http", f"127.0.0.1:{port}"]
            self.http_ports.append(port)
        try:
            self.cluster.start()
        except Exception:
            self.cluster.stop()
            raise

    def test_a_node_answers_for_a_partition_it_does_not_host(self):
        node1, node2, node3 = self.http_ports
        c0 = customer_in(0, 2, "c")
        c1 = customer_in(1, 2, "c")
        # Node 1 hosts partition 0 only: c1's commands are forwarded.
        status, answer = call(node1, "POST", "/v1/commands", [
            ch.purchase("k1", c1, "2026-03-08T10:00:00Z", 100),
            ch.purchase("k2", c0, "2026-03-08T10:00:00Z", 50),
            {"key": "r1", "customer": c1, "at": "2026-03-08T11:00:00Z",
             "request_refund": {"refund_id": "r1",
                                "purchase_id": "p-k1"}}])
        self.assertEqual(status, 200, answer)
        self.assertEqual([a["status"] for a in answer], ["ACCEPTED"] * 3,
                         answer)
        # Its balance, read on node 1 through the node that hosts it.
        for _ in range(100):
            status, balance = call(node1, "GET", f"/v1/customers/{c1}/balance")
            if status == 200 and balance["refund_pending"] == 100:
                break
            time.sleep(0.05)
        self.assertEqual((status, balance["customer"], balance["refund_pending"]),
                         (200, c1, 100), balance)
        # Node 3 hosts both: the lists merge its partitions.
        for _ in range(100):
            status, page = call(node3, "GET", "/v1/customers")
            if len(page.get("customers", [])) == 2:
                break
            time.sleep(0.05)
        self.assertEqual([c["customer"] for c in page["customers"]],
                         sorted([c0, c1]))
        status, page = call(node3, "GET", "/v1/customers?limit=1")
        self.assertEqual(page["next_after"], min(c0, c1))
        status, page = call(node3, "GET",
                            f"/v1/customers?limit=1&after={min(c0, c1)}")
        self.assertEqual(([c["customer"] for c in page["customers"]],
                          page["next_after"]), ([max(c0, c1)], None))
        status, queue = call(node3, "GET", "/v1/refunds?state=PENDING")
        self.assertEqual([(r["customer"], r["refund_id"]) for r in queue["refunds"]],
                         [(c1, "r1")], queue)
        # A node without every partition says where to ask for a list.
        status, answer = call(node1, "GET", "/v1/customers")
        self.assertEqual((status, answer["error"]["code"]), (503, "UNAVAILABLE"))
        self.assertIn("partition 1", answer["error"]["message"])


if __name__ == "__main__":
    unittest.main()

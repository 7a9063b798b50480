"""The HTTP API in a cluster (docs/http.md, "In a cluster"): every node
answers every path, for partitions it does not host too, with the same
bytes as a node hosting them all; the lists merge the partitions; a
partition no running node hosts is a quick 503, not a hang."""
import json
import os
import signal
import time
import unittest
import urllib.error
import urllib.request

import cluster_harness as ch
import local_cluster
from test_forwarding import customer_in


def raw(port, path):
    """(status, body bytes) of a GET."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                    timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


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

    def ledgerd_args(self):
        # An HTTP port of its own for each node: port 0, which the node
        # binds and prints (`http on HOST:PORT`), so no other process can
        # take it between a pick and the bind.
        return ["--http", "127.0.0.1:0"]

    def setUp(self):
        super().setUp()
        self.http_ports = [node.http_port for node in self.cluster.nodes]

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
        # Node 1 hosts partition 0 only: it merges the lists all the same.
        status, page = call(node1, "GET", "/v1/customers")
        self.assertEqual((status, [c["customer"] for c in page["customers"]]),
                         (200, sorted([c0, c1])), page)

    def test_a_customers_refusals_are_read_on_a_node_hosting_its_partition(self):
        node1, node2, node3 = self.http_ports
        c1 = customer_in(1, 2, "c")
        # Refused (no such customer yet), sent to node 1, which forwards it
        # to partition 1; each replica of partition 1 journals it.
        status, answer = call(node1, "POST", "/v1/commands", [
            ch.use("u1", c1, "2026-03-08T11:00:00Z", 5)])
        self.assertEqual((status, answer[0]["code"]),
                         (200, "UNKNOWN_CUSTOMER"), answer)
        path = f"/v1/customers/{c1}/rejections"
        # Node 1 hosts partition 0 only: 503 naming the partition.
        status, error = call(node1, "GET", path)
        self.assertEqual((status, error["error"]["code"]),
                         (503, "UNAVAILABLE"), error)
        self.assertIn("partition 1", error["error"]["message"])
        # Nodes 2 and 3 host it: the refusal, once their replica has it.
        for port in (node2, node3):
            for _ in range(100):
                status, page = call(port, "GET", path)
                if status == 200 and page["rejections"]:
                    break
                time.sleep(0.05)
            self.assertEqual((status, [r["key"] for r in page["rejections"]],
                              page["next_after"]), (200, ["u1"], None), page)
            self.assertEqual(page["rejections"][0]["code"], "UNKNOWN_CUSTOMER")

    def write_both_partitions(self):
        """Customers in both partitions with history, pending refunds and a
        used lot; returns ([customers of partition 0], [of partition 1])."""
        node1 = self.http_ports[0]
        ours = ([customer_in(0, 2, f"h{i}-") for i in range(3)],
                [customer_in(1, 2, f"h{i}-") for i in range(3)])
        commands = []
        for n, customer in enumerate(ours[0] + ours[1]):
            commands.append(ch.purchase(f"buy-{customer}", customer,
                                        "2026-03-08T10:00:00Z", 100 + n))
            for u in range(3):
                commands.append(ch.use(f"use-{customer}-{u}", customer,
                                       f"2026-03-09T1{u}:00:00Z", 5))
            if n % 2 == 0:
                commands.append(
                    {"key": f"ask-{customer}", "customer": customer,
                     "at": f"2026-03-10T1{n}:00:00Z",
                     "request_refund": {"refund_id": f"r-{customer}",
                                        "purchase_id": f"p-buy-{customer}"}})
        status, answer = call(node1, "POST", "/v1/commands", commands)
        self.assertEqual(status, 200, answer)
        self.assertEqual({a["status"] for a in answer}, {"ACCEPTED"}, answer)
        return ours

    def same_on_every_node(self, path):
        """The answer to GET `path`, once every node gives these same bytes
        (replicas apply a moment apart); fails if they never do."""
        answers = []
        for _ in range(100):  # 10 s at most
            answers = [raw(port, path) for port in self.http_ports]
            if all(a == answers[0] for a in answers) and answers[0][0] == 200:
                return answers[0][1]
            time.sleep(0.1)
        self.fail(f"the nodes answer {path} differently: {answers}")

    def walk(self, port, path, cursor_name, param):
        """Every page of a list from one node, following its cursor."""
        pages, after = [], None
        for _ in range(50):
            sep = "&" if "?" in path else "?"
            query = "" if after is None else f"{sep}{param}={after}"
            status, body = raw(port, path + query)
            self.assertEqual(status, 200, body)
            pages.append(body)
            after = json.loads(body)[cursor_name]
            if after is None:
                return pages
        self.fail(f"{path} did not end within 50 pages")

    def test_a_node_hosting_some_partitions_answers_every_path_with_the_same_bytes(self):
        node1, node2, node3 = self.http_ports
        p0, p1 = self.write_both_partitions()
        # A customer of partition 1 with a history page larger than one
        # forwarded answer (512 KiB): node 1 reads it in parts.
        heavy = customer_in(1, 2, "heavy-")
        long_ids = [ch.use(f"{n:04d}-".ljust(128, "k"), heavy,
                           "2026-03-09T12:00:00Z", 1) for n in range(1000)]
        for u in long_ids:
            u["use"]["usage_id"] = u["key"][:64]
        status, answer = call(node1, "POST", "/v1/commands",
                              [ch.purchase("heavy-buy", heavy,
                                           "2026-03-08T10:00:00Z", 5000)]
                              + long_ids)
        self.assertEqual((status, {a["status"] for a in answer}),
                         (200, {"ACCEPTED"}), answer[:2])
        big = json.loads(self.same_on_every_node(
            f"/v1/customers/{heavy}/events?limit=1000"))
        self.assertEqual(len(big["events"]), 1000)
        self.assertEqual(big["events"][-1]["key"], long_ids[-2]["key"])
        self.assertIsNotNone(big["next_from_seq"])
        # At a time of their own: by default a list is at the time asked.
        at = "at=2026-04-01T00:00:00Z"
        customers = self.same_on_every_node(f"/v1/customers?limit=1000&{at}")
        everyone = sorted(p0 + p1 + [heavy])
        self.assertEqual([c["customer"] for c in json.loads(customers)["customers"]],
                         everyone)
        # Paging: the same pages, in id order, each customer once.
        walks = [self.walk(port, f"/v1/customers?limit=2&{at}", "next_after",
                           "after")
                 for port in self.http_ports]
        self.assertEqual(walks[0], walks[1])
        self.assertEqual(walks[0], walks[2])
        paged = [c["customer"] for page in walks[0]
                 for c in json.loads(page)["customers"]]
        self.assertEqual(paged, everyone)
        # The queue: request order across partitions, paged alike.
        queue = json.loads(self.same_on_every_node("/v1/refunds?state=PENDING"))
        self.assertEqual([r["customer"] for r in queue["refunds"]],
                         [c for n, c in enumerate(p0 + p1) if n % 2 == 0])
        walks = [self.walk(port, "/v1/refunds?state=PENDING&limit=1",
                           "next_after", "after") for port in self.http_ports]
        self.assertEqual(walks[0], walks[1])
        self.assertEqual(walks[0], walks[2])
        # A customer's history, hashes and all, from every node, paged.
        # p0[0] asked for a refund (5 events), p1[0] did not (4).
        for customer, count in ((p0[0], 5), (p1[0], 4)):
            whole = self.same_on_every_node(f"/v1/customers/{customer}/events")
            events = json.loads(whole)["events"]
            self.assertEqual(len(events), count, whole)
            self.assertTrue(all(len(e["hash"]) == 64 for e in events), whole)
            walks = [self.walk(port, f"/v1/customers/{customer}/events?limit=2",
                               "next_from_seq", "from_seq")
                     for port in self.http_ports]
            self.assertEqual(walks[0], walks[1])
            self.assertEqual(walks[0], walks[2])
        status, body = raw(node1, "/v1/customers/nobody/events")
        self.assertEqual((status, json.loads(body)["error"]["code"]),
                         (404, "NOT_FOUND"), body)
        # The liability report sums every partition, as `ledgerctl
        # liability` does on a node's folder holding them all.
        period = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"
        report = self.same_on_every_node(f"/v1/liability?{period}")
        r = ch.harness.ledgerctl(
            "liability", "--db", self.cluster.nodes[2].dir,
            "--from", "2026-03-01T00:00:00Z", "--to", "2026-04-01T00:00:00Z",
            "--format", "json", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(report.decode(), r.stdout.rstrip("\n"))

    def test_a_partition_no_running_node_hosts_is_a_quick_503(self):
        node1 = self.http_ports[0]
        p0, p1 = self.write_both_partitions()
        self.same_on_every_node("/v1/customers?at=2026-04-01T00:00:00Z")
        # Nodes 2 and 3 host partition 1: both die at once, as a power cut.
        for node in self.cluster.nodes[1:]:
            os.kill(node.proc.pid, signal.SIGKILL)
            node.proc.wait(timeout=10)
        for path in ("/v1/customers", "/v1/refunds?state=PENDING",
                     f"/v1/customers/{p1[0]}/events",
                     f"/v1/customers/{p1[0]}/balance",
                     "/v1/liability?from=2026-03-01T00:00:00Z&"
                     "to=2026-04-01T00:00:00Z"):
            started = time.monotonic()
            status, body = raw(node1, path)
            took = time.monotonic() - started
            self.assertEqual((status, json.loads(body)["error"]["code"]),
                             (503, "UNAVAILABLE"), (path, body))
            self.assertIn("partition 1", json.loads(body)["error"]["message"])
            self.assertLess(took, 5, path)
        # What node 1 hosts it still answers.
        status, body = raw(node1, f"/v1/customers/{p0[0]}/events")
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main()

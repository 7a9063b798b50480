"""Shared pieces of the cluster tests (tests/cluster): a LocalCluster per
test in its own temp folder (tools/cluster/local_cluster.py), every process
stopped by PID in tearDown, the workload, and the checks that replicas agree
with each other and with a single-node ledger fed the same log."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import harness  # tests/service/harness.py: LEDGERD, LEDGERCTL, Server
import local_cluster
import nats_wire
from ledger_client import LedgerClient, LedgerError

CONVERGE_S = 40


def digest_lines(node_dir):
    """{partition name: SEQ:HASH} of a node folder, read beside the writer."""
    r = harness.ledgerctl("digest", "--db", node_dir, timeout=30)
    if r.returncode != 0:
        return None
    return dict(line.split(" ", 1) for line in r.stdout.split("\n") if line)


class ClusterTestCase(unittest.TestCase):
    PARTITIONS = 2
    NODES = 3
    HOST_PARTITIONS = None

    def ledgerd_args(self):
        """More arguments for every ledgerd node (self.folder exists)."""
        return []

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="ledger-cluster-test-")
        self.cluster = local_cluster.LocalCluster(
            self.folder, nodes=self.NODES, partitions=self.PARTITIONS,
            ledgerd=harness.LEDGERD, host_partitions=self.HOST_PARTITIONS,
            extra_args=self.ledgerd_args())
        self.extra = []
        self.clients = []
        try:
            self.cluster.start()
        except Exception:
            self.cluster.stop()
            raise

    def tearDown(self):
        for c in self.clients:
            c.close()
        for s in self.extra:
            s.kill()
        self.cluster.stop()
        if os.environ.get("LEDGER_KEEP_CLUSTER_TEST"):
            print("kept", self.folder)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def client(self, address, **kwargs):
        kwargs.setdefault("stubs_path", harness.STUBS)
        c = LedgerClient(address, **kwargs)
        self.clients.append(c)
        return c

    def nats_url(self):
        """A URL of a NATS node that runs."""
        for n in self.cluster.nats:
            if n.proc is not None and n.proc.poll() is None:
                return n.url
        raise AssertionError("no NATS node runs")

    def stream_last_seqs(self):
        url = self.nats_url()
        return [nats_wire.stream_info(url, f"LEDGER_P{p}")["state"]["last_seq"]
                for p in range(self.PARTITIONS)]

    def wait_converged(self, node_dirs):
        """Waits until every node folder has the same digest per partition;
        returns them."""
        deadline = time.monotonic() + CONVERGE_S
        seen = None
        while time.monotonic() < deadline:
            seen = [digest_lines(d) for d in node_dirs]
            if all(s is not None for s in seen) and \
                    all(s == seen[0] for s in seen) and \
                    len(seen[0]) == self.PARTITIONS:
                return seen[0]
            time.sleep(0.5)
        self.fail(f"replicas did not converge within {CONVERGE_S}s: {seen}")

    def single_node_replay(self, partition, last_seq):
        """Feeds the partition's log, message by message, to a plain
        single-node ledgerd: its decisions (decisions()) and {key:
        [results]}. Not its digest: the single node records its own token
        name and clock as each event's actor and recorded_at
        (docs/contract.md section 16), where the cluster's replicas
        record the receiving node's."""
        pb = harness.load_stubs(harness.STUBS)["service_pb2"]
        folder = os.path.join(self.folder, f"single-p{partition}")
        os.makedirs(folder)
        server = harness.Server(folder, name=f"single-p{partition}")
        self.extra.append(server)
        client = self.client(server.address)
        results = {}
        for _, payload in nats_wire.stream_messages(
                self.nats_url(), f"LEDGER_P{partition}", last_seq):
            request = pb.SubmitBatchRequest.FromString(payload)
            answer = client._call("SubmitBatch", request)
            for r in answer.results:
                d = client.result_to_dict(r)
                results.setdefault(d["key"], []).append(d)
        self.assertEqual(server.terminate(), 0)
        return self.decisions(server.db), results

    def decisions(self, ledger_dir):
        """The export of a ledger without what says who wrote it and when
        (actor, recorded_at) and the hashes that cover them: what the
        ledger decided, event by event."""
        r = harness.ledgerctl("export", "--format", "jsonl", "--db",
                              ledger_dir, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = []
        for line in r.stdout.splitlines():
            e = json.loads(line)
            for member in ("actor", "recorded_at", "prev_hash", "hash", "event"):
                e.pop(member, None)
            out.append(e)
        return out

    def event_keys(self, ledger_dir):
        r = harness.ledgerctl("tail", "--db", ledger_dir, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line)["key"] for line in r.stdout.splitlines() if line]


def purchase(key, customer, at, credits):
    return {"key": key, "customer": customer, "at": at,
            "purchase": {"purchase_id": f"p-{key}", "credits": credits,
                         "amount_minor": 100, "currency": "USD"}}


def use(key, customer, at, credits):
    return {"key": key, "customer": customer, "at": at,
            "use": {"usage_id": f"u-{key}", "category": "AI_PROCESSING",
                    "credits": credits}}


def worker_commands(worker, customers=4, uses=60):
    """A mixed workload for one client: purchases, then uses that run some
    customers out of credits (INSUFFICIENT_CREDITS rejections)."""
    out = []
    for c in range(customers):
        out.append(purchase(f"w{worker}-buy{c}", f"w{worker}c{c}",
                            "2026-03-08T10:00:00Z", 50 + 10 * c))
    for i in range(uses):
        c = i % customers
        out.append(use(f"w{worker}-use{i}", f"w{worker}c{c}",
                       f"2026-03-08T11:{i // 60:02d}:{i % 60:02d}Z", 9))
    return out


class Workers:
    """Clients submitting their commands, each to a node of its own and on
    to the next node on an error, with the same keys: every unit (one
    command, or a batch of up to 4) is tried at most `attempts` times, 0.3 s
    apart: more than a stream leader election (5-8 s with nats-server 2.9.10).
    `acked` collects every acknowledged result by key."""

    def __init__(self, test, workers, attempts=60, pause_s=0.1):
        self.pause_s = pause_s
        self.test = test
        self.lock = threading.Lock()
        self.acked = {}
        self.failures = []
        self.attempts = attempts
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True)
                        for w in range(workers)]

    def addresses(self):
        return [n.address for n in self.test.cluster.nodes[:3]]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def count(self):
        with self.lock:
            return len(self.acked)

    def _run(self, w):
        commands = worker_commands(w)
        units, i = [], 0
        while i < len(commands):
            size = 1 if (i // 4) % 2 == 0 else 4  # singles and batches
            units.append(commands[i:i + size])
            i += size
        node = w % 3
        for unit in units:
            for attempt in range(self.attempts):
                address = self.addresses()[node]
                try:
                    with LedgerClient(address, stubs_path=harness.STUBS,
                                      timeout=10, max_attempts=1) as c:
                        results = (c.submit_batch(unit) if len(unit) > 1
                                   else [c.submit(unit[0])])
                    with self.lock:
                        for r in results:
                            self.acked[r["key"]] = r
                    time.sleep(self.pause_s)  # keeps clients busy past the crashes
                    break
                except LedgerError:
                    node = (node + 1) % 3
                    time.sleep(0.3)  # a client's backoff before its retry
            else:
                with self.lock:
                    self.failures.append(unit[0]["key"])

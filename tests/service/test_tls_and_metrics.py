"""docs/contract.md section 9: TLS from --tls-cert/--tls-key (a client trusting
another CA is refused), health and reflection served, Prometheus text at
/metrics."""
import os
import re
import subprocess
import time
import unittest
import urllib.request

import grpc

from harness import LedgerError, ServerTestCase, purchase


def self_signed(folder, name):
    cert, key = (os.path.join(folder, f"{name}.{ext}") for ext in ("crt", "key"))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-days", "2", "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=60)
    return cert, key


class Tls(ServerTestCase):

    def test_a_client_trusting_the_cert_is_served_and_one_trusting_another_ca_is_refused(self):
        cert, key = self_signed(self.folder, "server")
        other, _ = self_signed(self.folder, "other")
        server = self.start(extra_args=["--tls-cert", cert, "--tls-key", key])
        with open(cert, "rb") as f:
            good = self.client(server, root_certificates=f.read(),
                               max_attempts=1)
        self.assertEqual(good.submit(purchase("k1"))["status"], "ACCEPTED")
        with open(other, "rb") as f:
            wrong = self.client(server, root_certificates=f.read(),
                                max_attempts=1, timeout=5)
        with self.assertRaises(LedgerError) as caught:
            wrong.submit(purchase("k2"))
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)
        plain = self.client(server, max_attempts=1, timeout=5)
        with self.assertRaises(LedgerError):
            plain.balance("c1")
        self.assertEqual(good.balance("c1")["available"], 100)  # k2 not applied


class HealthReflectionMetrics(ServerTestCase):

    def metrics_port(self, server):
        for _ in range(100):  # the line comes before `listening on`
            m = re.search(r"metrics on port (\d+)", server.stderr())
            if m:
                return int(m.group(1))
            time.sleep(0.05)
        self.fail("no metrics port in stderr: " + server.stderr())

    def test_metrics_count_commands_by_kind_and_outcome_and_time_submits(self):
        server = self.start(extra_args=["--metrics", "127.0.0.1:0"])
        c = self.client(server, max_attempts=1)
        c.submit(purchase("k1"))
        c.submit(purchase("k1"))
        c.submit({"key": "u", "customer": "nobody", "at": "2026-03-08T10:00:00Z",
                  "use": {"usage_id": "u", "category": "AI_PROCESSING", "credits": 1}})
        url = f"http://127.0.0.1:{self.metrics_port(server)}/metrics"
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        for wanted in (
                'ledgerd_commands_total{kind="purchase",outcome="ACCEPTED"} 1',
                'ledgerd_commands_total{kind="purchase",outcome="DUPLICATE"} 1',
                'ledgerd_commands_total{kind="use",outcome="UNKNOWN_CUSTOMER"} 1',
                'ledgerd_submit_seconds_count{rpc="Submit"} 3',
                'ledgerd_rpcs_total{code="OK",rpc="Submit"} 3',
                'ledgerd_rpcs_in_flight'):
            self.assertIn(wanted, text)

    def test_group_commits_are_counted_with_their_commands_and_sync_time(self):
        server = self.start(extra_args=["--metrics", "127.0.0.1:0"])
        c = self.client(server, max_attempts=1)
        c.submit(purchase("k1"))  # a group of 1
        c.submit(purchase("k1"))  # a duplicate: writes nothing, no group
        c.submit_batch([purchase(f"b{i}", customer=f"c{i}")
                        for i in range(5)])  # a group of 5
        url = f"http://127.0.0.1:{self.metrics_port(server)}/metrics"
        text = urllib.request.urlopen(url, timeout=10).read().decode()

        def value(name):
            m = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
            self.assertIsNotNone(m, f"{name} not in /metrics:\n{text}")
            return float(m.group(1))

        self.assertEqual(value("ledgerd_group_commit_commands_count"), 2)
        self.assertEqual(value("ledgerd_group_commit_commands_sum"), 6)
        self.assertEqual(
            value('ledgerd_group_commit_commands_bucket{le="1"}'), 1)
        self.assertEqual(value("ledgerd_group_commit_sync_seconds_count"), 2)
        self.assertGreater(value("ledgerd_group_commit_sync_seconds_sum"), 0)

    def test_health_says_serving_and_reflection_lists_the_ledger_service(self):
        server = self.start()
        with grpc.insecure_channel(server.address) as channel:
            check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=lambda b: b, response_deserializer=lambda b: b)
            self.assertEqual(check(b"", timeout=10), b"\x08\x01")  # SERVING
            reflect = channel.stream_stream(
                "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                request_serializer=lambda b: b, response_deserializer=lambda b: b)
            # ServerReflectionRequest{list_services: ""} is field 7.
            answers = list(reflect(iter([b"\x3a\x00"]), timeout=10))
        self.assertIn(b"ledger.v1.LedgerService", answers[0])


if __name__ == "__main__":
    unittest.main()

"""docs/contract.md section 9: the scenario files through the service give the
same result lines and the same balances as `ledgerctl apply` and `ledgerctl
balance`."""
import glob
import json
import os
import unittest

import grpc

from harness import LedgerError, SCENARIO_DIR, ServerTestCase, ledgerctl

COMPARED = ("status", "code", "seq", "duplicate", "available", "alerts",
            "top_up")


def lines_of(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


class ScenariosThroughTheService(ServerTestCase):

    def scenario_files(self):
        files = sorted(f for f in glob.glob(os.path.join(SCENARIO_DIR, "*.jsonl"))
                       if not f.endswith((".expected.jsonl", ".balances.jsonl")))
        self.assertGreater(len(files), 10, "no scenarios found")
        return files

    def apply_with_ledgerctl(self, path, db):
        done = ledgerctl("apply", "--db", db, path)
        self.assertEqual(done.returncode, 0, done.stderr)
        return [json.loads(l) for l in done.stdout.splitlines()]

    def balances(self, path):
        wanted = path[:-len(".jsonl")] + ".balances.jsonl"
        if not os.path.exists(wanted):
            return []
        return [(q["customer"], q["at"]) for q in map(json.loads, lines_of(wanted))]

    def check_scenario(self, path, batch):
        name = os.path.basename(path)
        cli_db = os.path.join(self.folder, f"{name}-{batch}-cli")
        expected = self.apply_with_ledgerctl(path, cli_db)
        server = self.start(db=os.path.join(self.folder, f"{name}-{batch}-svc"),
                            name=f"{name}-{batch}")
        client = self.client(server)
        lines = lines_of(path)
        got = (client.submit_batch(lines) if batch
               else [client.submit(l) for l in lines])
        self.assertEqual(len(got), len(expected), name)
        for number, (g, e) in enumerate(zip(got, expected), 1):
            self.assertEqual({k: g.get(k) for k in COMPARED + ("key",)},
                             {k: e.get(k) for k in COMPARED + ("key",)},
                             f"{name} line {number}")
        for customer, at in self.balances(path):
            done = ledgerctl("balance", "--db", cli_db, "--customer", customer,
                             "--at", at)
            if done.returncode != 0:  # an unknown customer: NOT_FOUND
                with self.assertRaises(LedgerError) as caught:
                    client.balance(customer, at)
                self.assertEqual(caught.exception.code,
                                 grpc.StatusCode.NOT_FOUND, done.stderr)
                continue
            self.assertEqual(client.balance(customer, at),
                             json.loads(done.stdout), f"{name} {customer}")
        server.terminate()

    def test_each_scenario_submitted_one_command_at_a_time_matches_ledgerctl(self):
        for path in self.scenario_files():
            with self.subTest(scenario=os.path.basename(path)):
                self.check_scenario(path, batch=False)

    def test_each_scenario_submitted_as_one_batch_matches_ledgerctl(self):
        for path in self.scenario_files():
            with self.subTest(scenario=os.path.basename(path)):
                self.check_scenario(path, batch=True)


if __name__ == "__main__":
    unittest.main()

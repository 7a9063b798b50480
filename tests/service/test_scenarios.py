"""docs/contract.md section 9: the scenario files through the service give the
same result lines and the same balances as `ledgerctl apply` and `ledgerctl
balance`."""
import concurrent.futures
import glob
import json
import os
import shutil
import tempfile
import unittest

import grpc

from harness import LedgerError, SCENARIO_DIR, ServerTestCase, ledgerctl

COMPARED = ("status", "code", "seq", "duplicate", "available", "alerts",
            "top_up")


def lines_of(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


# Scenarios run this many at a time, each on its own ledgerd and ledger.
# Within a scenario the commands go one after another as before (each
# depends on the ones before it); across scenarios nothing is shared, so
# their syncs overlap instead of adding up.
PARALLEL_SCENARIOS = 6


def scenario_files():
    return sorted(f for f in glob.glob(os.path.join(SCENARIO_DIR, "*.jsonl"))
                  if not f.endswith((".expected.jsonl", ".balances.jsonl")))


def balances_of(path):
    wanted = path[:-len(".jsonl")] + ".balances.jsonl"
    if not os.path.exists(wanted):
        return []
    return [(q["customer"], q["at"]) for q in map(json.loads, lines_of(wanted))]


class CliAnswers:
    """What `ledgerctl apply` and `ledgerctl balance` answer for one
    scenario: computed once, compared with both ways of submitting."""

    def __init__(self, path, folder):
        name = os.path.basename(path)
        db = os.path.join(folder, f"{name}-cli")
        done = ledgerctl("apply", "--db", db, path)
        self.error = None if done.returncode == 0 else done.stderr
        self.results = [json.loads(l) for l in done.stdout.splitlines()]
        self.balances = []  # (customer, at, balance or None when unknown)
        for customer, at in balances_of(path):
            answer = ledgerctl("balance", "--db", db, "--customer", customer,
                               "--at", at)
            self.balances.append(
                (customer, at,
                 json.loads(answer.stdout) if answer.returncode == 0 else None))


class ScenariosThroughTheService(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.cli_folder = tempfile.mkdtemp(prefix="ledgerd-scenarios-cli-")
        files = scenario_files()
        with concurrent.futures.ThreadPoolExecutor(PARALLEL_SCENARIOS) as pool:
            cls.cli = dict(zip(files, pool.map(
                lambda path: CliAnswers(path, cls.cli_folder), files)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cli_folder, ignore_errors=True)

    def differences(self, path, batch):
        """How the service's answers for one scenario differ from
        ledgerctl's: an empty list when they agree."""
        name = os.path.basename(path)
        cli = self.cli[path]
        if cli.error is not None:
            return [f"ledgerctl apply failed: {cli.error}"]
        server = self.start(db=os.path.join(self.folder, f"{name}-{batch}-svc"),
                            name=f"{name}-{batch}")
        client = self.client(server)
        lines = lines_of(path)
        got = (client.submit_batch(lines) if batch
               else [client.submit(l) for l in lines])
        problems = []
        if len(got) != len(cli.results):
            problems.append(f"{len(got)} results, ledgerctl gave "
                            f"{len(cli.results)}")
        for number, (g, e) in enumerate(zip(got, cli.results), 1):
            g = {k: g.get(k) for k in COMPARED + ("key",)}
            e = {k: e.get(k) for k in COMPARED + ("key",)}
            if g != e:
                problems.append(f"line {number}: service {g}, ledgerctl {e}")
        for customer, at, expected in cli.balances:
            try:
                answer = client.balance(customer, at)
            except LedgerError as error:
                if expected is not None or error.code != grpc.StatusCode.NOT_FOUND:
                    problems.append(f"balance of {customer} at {at}: {error}")
                continue
            if answer != expected:
                problems.append(f"balance of {customer} at {at}: service "
                                f"{answer}, ledgerctl {expected}")
        status = server.terminate()
        if status != 0:
            problems.append(f"ledgerd exited {status} after a drain")
        return problems

    def check_every_scenario(self, batch):
        files = scenario_files()
        self.assertGreater(len(files), 10, "no scenarios found")
        with concurrent.futures.ThreadPoolExecutor(PARALLEL_SCENARIOS) as pool:
            found = dict(zip(files, pool.map(
                lambda path: self.differences(path, batch), files)))
        for path in files:
            with self.subTest(scenario=os.path.basename(path)):
                self.assertEqual(found[path], [])

    def test_each_scenario_submitted_one_command_at_a_time_matches_ledgerctl(self):
        self.check_every_scenario(batch=False)

    def test_each_scenario_submitted_as_one_batch_matches_ledgerctl(self):
        self.check_every_scenario(batch=True)


if __name__ == "__main__":
    unittest.main()

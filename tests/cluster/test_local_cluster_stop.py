"""`local_cluster.py stop --base DIR` as an operator runs it
(docs/cluster.md, "Running a local cluster"): it says what it stops as it goes,
names and PIDs, stops each group at once rather than one process after
another, and leaves alone a PID that now runs another program.

The processes are stand-ins (sleep started under the names ledgerd and
nats-server), so the test needs no NATS and no ledgerd and takes a second.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "..", "..", "tools", "cluster", "local_cluster.py")
STOP_TIMEOUT_S = 30


class LocalClusterStop(unittest.TestCase):

    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="local-cluster-stop-")
        self.procs = []

    def tearDown(self):
        for proc in self.procs:  # by PID, whatever the test left running
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)

    def start_as(self, name):
        """A `sleep` whose argv[0] is BASE/bin/NAME, as `ps` and the stop's
        program check see it."""
        bin_dir = os.path.join(self.base, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        path = os.path.join(bin_dir, name)
        if not os.path.exists(path):
            os.symlink(shutil.which("sleep"), path)
        proc = subprocess.Popen([path, "60"])
        self.procs.append(proc)
        return proc

    def test_stop_names_each_process_it_stops_and_leaves_another_program_alone(self):
        ledgerd = [self.start_as("ledgerd") for _ in range(2)]
        nats = self.start_as("nats-server")
        other = self.start_as("something-else")  # a reused PID
        state = {
            "ledgerd": [{"name": f"l{i}", "pid": p.pid, "address": "",
                         "dir": ""} for i, p in enumerate(ledgerd, 1)],
            "nats": [{"name": "n1", "pid": nats.pid, "url": "",
                      "http_port": 0},
                     {"name": "n2", "pid": other.pid, "url": "",
                      "http_port": 0}],
        }
        with open(os.path.join(self.base, "cluster.json"), "w") as f:
            json.dump(state, f)
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, SCRIPT, "stop", "--base", self.base],
            capture_output=True, text=True, timeout=STOP_TIMEOUT_S)
        took = time.monotonic() - started
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        for i, p in enumerate(ledgerd, 1):
            self.assertIn(f"ledgerd l{i} (pid {p.pid}): sent SIGTERM", lines)
            self.assertTrue(any(line.startswith(f"ledgerd l{i} (pid {p.pid}): "
                                                "stopped in ")
                                for line in lines), out.stdout)
        self.assertIn(f"nats n1 (pid {nats.pid}): sent SIGTERM", lines)
        self.assertIn(f"nats n2 (pid {other.pid}): now runs something-else, "
                      "not nats-server: left alone", lines)
        self.assertIn("ledgerd: 2 of 2 stopped or already gone", lines)
        self.assertIn("nats: 1 of 2 stopped or already gone", lines)
        # ledgerd first, so no node sees NATS vanish while it drains.
        self.assertLess(lines.index(f"ledgerd l1 (pid {ledgerd[0].pid}): sent SIGTERM"),
                        lines.index(f"nats n1 (pid {nats.pid}): sent SIGTERM"))
        for p in ledgerd + [nats]:
            self.assertEqual(p.wait(timeout=10), -15)  # SIGTERM, not SIGKILL
        self.assertIsNone(other.poll(), "a PID of another program was signalled")
        # Each group at once: far less than one 10 s wait per process.
        self.assertLess(took, 10)

    def test_stop_of_processes_already_gone_says_so(self):
        gone = self.start_as("ledgerd")
        gone.kill()
        gone.wait(timeout=10)
        state = {"ledgerd": [{"name": "l1", "pid": gone.pid, "address": "",
                              "dir": ""}],
                 "nats": []}
        with open(os.path.join(self.base, "cluster.json"), "w") as f:
            json.dump(state, f)
        out = subprocess.run(
            [sys.executable, SCRIPT, "stop", "--base", self.base],
            capture_output=True, text=True, timeout=STOP_TIMEOUT_S)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"ledgerd l1 (pid {gone.pid}): not running",
                      out.stdout.splitlines())
        self.assertIn("ledgerd: 1 of 1 stopped or already gone",
                      out.stdout.splitlines())


if __name__ == "__main__":
    unittest.main()

"""The command line of docs/contract.md section 9: --version, the refusal to
serve a non-loopback address without --tokens, a bad tokens file, a unix
socket; and --grpc-nice, the priority of gRPC's threads."""
import os
import subprocess
import unittest

from harness import LEDGERD, LedgerClient, STUBS, Server, ServerTestCase, purchase


def run(*args):
    return subprocess.run([LEDGERD, *args], capture_output=True, text=True,
                          timeout=30)


def thread_nices(pid):
    """Nice value of each thread of process `pid`, by thread id."""
    nices = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            # Fields after the command name (which may hold spaces), from
            # field 3 (state): nice is field 19.
            fields = f.read().rsplit(")", 1)[1].split()
        nices[int(tid)] = int(fields[19 - 3])
    return nices


class CommandLine(ServerTestCase):

    def test_version_prints_the_cmake_project_version_and_exits_0(self):
        done = run("--version")
        self.assertEqual(done.returncode, 0)
        # project(... VERSION x.y.z) in CMakeLists.txt, as ctest passes it.
        self.assertEqual(done.stdout,
                         f"ledgerd {os.environ['LEDGER_PROJECT_VERSION']}\n")
        self.assertEqual(done.stderr, "")

    def test_a_non_loopback_address_without_tokens_is_refused_with_exit_2(self):
        for address in ("0.0.0.0:0", "[::]:0", "10.1.2.3:50051", "127.example.com:1"):
            with self.subTest(address=address):
                done = run("--db", os.path.join(self.folder, "db"),
                           "--listen", address)
                self.assertEqual(done.returncode, 2)
                self.assertIn("without --tokens", done.stderr)
                self.assertEqual(done.stdout, "")

    def test_a_malformed_tokens_file_is_refused_with_exit_2_naming_the_line(self):
        path = os.path.join(self.folder, "tokens")
        with open(path, "w") as f:
            f.write("# ok\nroot abcdef\n")
        done = run("--db", os.path.join(self.folder, "db"), "--listen",
                   "127.0.0.1:0", "--tokens", path)
        self.assertEqual(done.returncode, 2)
        self.assertIn(":2:", done.stderr)

    def test_max_future_refuses_far_future_commands_by_default(self):
        far = "2062-03-08T10:00:00Z"  # a typo for 2026: decades ahead
        guarded = self.start()
        c = self.client(guarded, max_attempts=1)
        refused = c.submit(purchase("f1", at=far))
        self.assertEqual(refused["status"], "REJECTED")
        self.assertEqual(refused["code"], "INVALID_COMMAND")
        self.assertIn("--max-future 24h (the default)", refused["message"])
        # In a batch, only the far one is refused; the others keep their
        # order and are applied.
        results = c.submit_batch([purchase("b1"), purchase("b2", at=far),
                                  purchase("b3", at="2026-03-08T11:00:00Z")])
        self.assertEqual([r["status"] for r in results],
                         ["ACCEPTED", "REJECTED", "ACCEPTED"])
        self.assertEqual([r.get("key") for r in results], ["b1", "b2", "b3"])
        self.assertEqual(results[1]["code"], "INVALID_COMMAND")
        self.assertEqual(results[2]["seq"], results[0]["seq"] + 1)
        # Nothing refused reached the log: the customer is not locked out.
        self.assertEqual(c.submit(purchase("f2", at="2026-03-08T12:00:00Z"))["status"],
                         "ACCEPTED")

    def test_max_future_with_a_duration_or_off(self):
        far = "2062-03-08T10:00:00Z"
        narrow = self.start(db=os.path.join(self.folder, "narrow"),
                            extra_args=("--max-future", "24h"))
        refused = self.client(narrow, max_attempts=1).submit(purchase("f1", at=far))
        self.assertEqual(refused["code"], "INVALID_COMMAND")
        self.assertIn("--max-future 24h", refused["message"])
        plain = self.start(db=os.path.join(self.folder, "plain"),
                           extra_args=("--max-future", "off"))
        p = self.client(plain, max_attempts=1)
        self.assertEqual(p.submit(purchase("f1", at=far))["status"], "ACCEPTED")

    def test_a_bad_max_future_is_bad_usage(self):
        for value in ("soon", "-1h", "0s"):
            with self.subTest(value=value):
                done = run("--db", os.path.join(self.folder, "db"), "--listen",
                           "127.0.0.1:0", "--max-future", value)
                self.assertEqual(done.returncode, 2)
                self.assertIn("--max-future", done.stderr)

    def test_grpc_threads_run_grpc_nice_levels_below_the_ledgers_own(self):
        base = os.getpriority(os.PRIO_PROCESS, 0)  # ledgerd inherits it
        for args, lowered in (((), min(19, base + 10)),
                              (("--grpc-nice", "3"), min(19, base + 3)),
                              (("--grpc-nice", "0"), base)):
            with self.subTest(args=args):
                server = self.start(db=os.path.join(self.folder, f"db{len(args)}{lowered}"),
                                    extra_args=args)
                c = self.client(server, max_attempts=1)
                # Served as ever, and the calls' threads have started.
                self.assertEqual(c.submit(purchase("k1"))["status"], "ACCEPTED")
                self.assertEqual(len(c.submit_batch([purchase("k2")])), 1)
                nices = thread_nices(server.proc.pid)
                # The main thread, which opened the ledger and started the
                # committer, keeps its priority; gRPC's threads are lowered.
                self.assertEqual(nices[server.proc.pid], base)
                self.assertIn(lowered, nices.values())
                if lowered == base:
                    self.assertEqual(set(nices.values()), {base})
                else:
                    # The ledger's threads keep it: more than the main one.
                    self.assertGreater(list(nices.values()).count(base), 1)
                server.terminate()

    def test_a_bad_grpc_nice_is_bad_usage(self):
        for value in ("-1", "20", "low"):
            with self.subTest(value=value):
                done = run("--db", os.path.join(self.folder, "db"), "--listen",
                           "127.0.0.1:0", "--grpc-nice", value)
                self.assertEqual(done.returncode, 2)
                self.assertIn("--grpc-nice", done.stderr)

    def test_a_unix_socket_is_served_and_named_in_the_listening_line(self):
        sock = os.path.join(self.folder, "ledgerd.sock")
        proc = subprocess.Popen(
            [LEDGERD, "--db", os.path.join(self.folder, "db"), "--listen",
             f"unix:{sock}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        try:
            line = proc.stdout.readline()  # bounded by the test's TIMEOUT
            self.assertEqual(line, f"listening on unix:{sock}\n")
            with LedgerClient(f"unix:{sock}", stubs_path=STUBS,
                              max_attempts=1) as c:
                self.assertEqual(c.submit(purchase("k1"))["status"], "ACCEPTED")
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)
        finally:
            proc.kill()
            proc.wait(timeout=30)
            proc.stdout.close()


if __name__ == "__main__":
    unittest.main()

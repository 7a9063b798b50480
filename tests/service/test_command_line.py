"""The command line of docs/contract.md section 9: --version, the refusal to
serve a non-loopback address without --tokens, a bad tokens file, a unix
socket."""
import os
import subprocess
import unittest

from harness import LEDGERD, LedgerClient, STUBS, Server, ServerTestCase, purchase


def run(*args):
    return subprocess.run([LEDGERD, *args], capture_output=True, text=True,
                          timeout=30)


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

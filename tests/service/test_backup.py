"""The Backup RPC (docs/operations.md, "Backup"): admin only; beside
clients that keep writing, it writes a copy whose digest the live ledger
extends and that `ledgerctl replay` and `verify` accept; a target that
exists is ALREADY_EXISTS and is left alone."""
import os
import threading
import unittest

import grpc

from harness import LedgerError, ServerTestCase, ledgerctl, purchase, token_line

TOKENS = {"reader": "tok-reader-b", "writer": "tok-writer-b",
          "admin": "tok-admin-b"}


class BackupRpc(ServerTestCase):

    def setUp(self):
        super().setUp()
        path = os.path.join(self.folder, "tokens")
        with open(path, "w") as f:
            for role, token in TOKENS.items():
                f.write(token_line(role, token, f"{role}-svc"))
        self.server = self.start(extra_args=["--tokens", path])

    def as_role(self, role):
        return self.client(self.server, token=TOKENS[role], max_attempts=1)

    def test_only_an_admin_may_back_up(self):
        to = os.path.join(self.folder, "copy")
        for role in ("reader", "writer"):
            with self.assertRaises(LedgerError) as denied:
                self.as_role(role).backup(to)
            self.assertEqual(denied.exception.code,
                             grpc.StatusCode.PERMISSION_DENIED)
        self.assertFalse(os.path.exists(to))

    def test_a_backup_beside_writers_is_a_prefix_the_ledger_extends(self):
        writer = self.as_role("writer")
        for i in range(20):
            writer.submit(purchase(f"before-{i}"))
        stop = threading.Event()
        errors = []

        def write_on():
            c = self.as_role("writer")
            i = 0
            while not stop.is_set() and i < 100000:
                try:
                    c.submit(purchase(f"during-{i}"))
                except LedgerError as e:  # pragma: no cover - reported below
                    errors.append(e)
                i += 1

        t = threading.Thread(target=write_on)
        t.start()
        to = os.path.join(self.folder, "copy")
        try:
            copies = self.as_role("admin").backup(to)
        finally:
            stop.set()
            t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(copies[0]["dir"], to)
        self.assertGreaterEqual(copies[0]["last_seq"], 20)
        digest = f"{copies[0]['last_seq']}:{copies[0]['head_hash']}"
        self.assertIn("backup written to " + to, self.server.stderr())

        r = ledgerctl("digest", "--db", to)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, digest), r.stderr)
        self.assertEqual(ledgerctl("replay", "--db", to).returncode, 0)
        self.assertEqual(self.server.terminate(), 0)
        r = ledgerctl("verify", "--db", self.server.db, "--digest", digest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_target_that_exists_is_already_exists_and_left_alone(self):
        to = os.path.join(self.folder, "taken")
        os.makedirs(to)
        with open(os.path.join(to, "mine"), "w") as f:
            f.write("mine\n")
        with self.assertRaises(LedgerError) as taken:
            self.as_role("admin").backup(to)
        self.assertEqual(taken.exception.code, grpc.StatusCode.ALREADY_EXISTS)
        self.assertEqual(os.listdir(to), ["mine"])
        with self.assertRaises(LedgerError) as empty:
            self.as_role("admin").backup("")
        self.assertEqual(empty.exception.code, grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()

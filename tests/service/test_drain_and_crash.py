"""docs/contract.md section 9: SIGTERM under load drains and exits 0; after it,
or after a kill -9 under load, every acknowledged command is in the ledger (a
retry answers duplicate with the same seq) and `ledgerctl replay` passes."""
import signal
import threading
import unittest

import probes
from harness import LedgerError, ServerTestCase, ledgerctl, purchase

WRITERS = 4
MAX_COMMANDS_PER_WRITER = 3000
# The stop comes once the writers have this many commands acknowledged
# (a load in full swing, with batches among them), not after a fixed time.
LOAD_ACKS = 300


class UnderLoad(ServerTestCase):

    def load(self, server):
        """Writers submit until the server goes away; returns what was
        acknowledged: {key: (command, seq)}."""
        acknowledged, lock, stop = {}, threading.Lock(), threading.Event()

        def writer(w):
            c = self.client(server, max_attempts=1, timeout=30)
            for i in range(MAX_COMMANDS_PER_WRITER):
                if stop.is_set():
                    return
                command = purchase(f"w{w}-{i}", customer=f"c{w}-{i % 50}",
                                   at=f"2026-03-08T10:{i // 60 % 60:02d}:{i % 60:02d}Z")
                try:
                    if i % 10 == 9:  # some batches too
                        batch = [dict(command, key=f"{command['key']}-b{j}",
                                      purchase=dict(command["purchase"],
                                                    purchase_id=f"pb{i}-{j}"))
                                 for j in range(20)]
                        results = c.submit_batch(batch)
                        pairs = zip(batch, results)
                    else:
                        pairs = [(command, c.submit(command))]
                except LedgerError:
                    return
                with lock:
                    for cmd, r in pairs:
                        if r["status"] == "ACCEPTED":
                            acknowledged[cmd["key"]] = (cmd, r["seq"])
        threads = [threading.Thread(target=writer, args=(w,))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        return threads, stop, acknowledged

    def check_everything_acknowledged_survived(self, db, acknowledged):
        self.assertGreater(len(acknowledged), 0, "the load acknowledged nothing")
        server = self.start(db=db, name="restarted")
        c = self.client(server, max_attempts=1, timeout=60)
        items = list(acknowledged.values())
        for start in range(0, len(items), 5000):
            chunk = items[start:start + 5000]
            results = c.submit_batch([cmd for cmd, _ in chunk])
            for (cmd, seq), r in zip(chunk, results):
                self.assertEqual((r["status"], r.get("duplicate"), r.get("seq")),
                                 ("ACCEPTED", True, seq), cmd["key"])
        self.assertEqual(server.terminate(), 0, server.stderr())
        replay = ledgerctl("replay", "--db", db, timeout=300)
        self.assertEqual(replay.returncode, 0, replay.stdout + replay.stderr)

    def run_load_then(self, stop_server):
        server = self.start()
        threads, stop, acknowledged = self.load(server)
        probes.wait_for(f"{LOAD_ACKS} commands acknowledged under load",
                        lambda: len(acknowledged) >= LOAD_ACKS, timeout_s=60,
                        interval_s=0.02)
        code = stop_server(server)
        stop.set()
        for t in threads:
            t.join(timeout=60)
            self.assertFalse(t.is_alive(), "a writer did not stop")
        return server, code, dict(acknowledged)

    def test_sigterm_under_load_exits_0_and_loses_nothing_acknowledged(self):
        server, code, acknowledged = self.run_load_then(lambda s: s.terminate())
        self.assertEqual(code, 0, server.stderr())
        self.assertIn("drained, ledger closed", server.stderr())
        self.check_everything_acknowledged_survived(server.db, acknowledged)

    def test_kill_9_under_load_loses_nothing_acknowledged(self):
        def kill(s):
            s.proc.send_signal(signal.SIGKILL)
            return s.proc.wait(timeout=30)
        server, code, acknowledged = self.run_load_then(kill)
        self.assertEqual(code, -signal.SIGKILL)
        self.check_everything_acknowledged_survived(server.db, acknowledged)


if __name__ == "__main__":
    unittest.main()

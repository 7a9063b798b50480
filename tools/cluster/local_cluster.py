#!/usr/bin/env python3
"""A local ledgerd cluster on loopback (docs/cluster.md): 3 NATS JetStream
servers and N ledgerd nodes, each with ports and folders of its own under
one base folder, and every process it starts stopped by its PID.

As a program:
  local_cluster.py start --base DIR [--nodes 3] [--partitions 1]
                   [--ledgerd PATH] [--nats-server PATH]
      starts everything, writes DIR/cluster.json (PIDs, ports, addresses)
      and prints the ledgerd addresses, one a line.
  local_cluster.py stop --base DIR
      stops every PID in DIR/cluster.json, the ledgerd nodes together then
      the NATS servers together (SIGTERM, then SIGKILL to any still running
      after 10 s), printing each name and PID as it is signalled and as it
      ends; a PID that now runs another program is left alone.

As a module (the tests): LocalCluster(base, ...).start(); .stop().
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

NATS_NODES = 3
START_TIMEOUT_S = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running(pid):
    """True while `pid` runs. A zombie (exited, not yet reaped by a parent
    that is not us) counts as gone: waiting on it would wait for nothing."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: started by an earlier `start`
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def command_name(pid):
    """The program `pid` runs (its argv[0]'s base name), or None when /proc
    does not say."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        return os.path.basename(argv0) or None
    except OSError:
        return None


def wait_pid_gone(pid, timeout_s):
    """True once `pid` (a child of ours or not) has exited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return not running(pid)


def stop_pid(pid, sig=signal.SIGTERM, timeout_s=10):
    """Stops one process by PID: `sig`, then SIGKILL if it outlives timeout."""
    return stop_processes([(str(pid), pid, None)], sig, timeout_s)[0][2]


def stop_processes(procs, sig=signal.SIGTERM, timeout_s=10, say=None):
    """Stops every (name, pid, program) in `procs` at once: `sig` to each,
    then one wait of at most `timeout_s` for all of them together, then
    SIGKILL to those still running. `program`, when given, is checked
    against /proc first, so a PID that a later process reuses is left alone.
    `say`, when given, is called with a line as each one is signalled and as
    each one ends. Returns [(name, pid, how)], `how` being "exited",
    "killed", "not running" or "not ours"."""
    say = say or (lambda line: None)
    outcome = {}
    started = time.monotonic()
    for name, pid, program in procs:
        if not running(pid):
            outcome[pid] = "not running"
            say(f"{name} (pid {pid}): not running")
            continue
        actual = command_name(pid)
        if program and actual and program not in actual:
            outcome[pid] = "not ours"
            say(f"{name} (pid {pid}): now runs {actual}, not {program}: left alone")
            continue
        try:
            os.kill(pid, sig)
            say(f"{name} (pid {pid}): sent {signal.Signals(sig).name}")
        except ProcessLookupError:
            outcome[pid] = "not running"
    deadline = started + timeout_s
    waiting = [(n, p) for n, p, _ in procs if p not in outcome]
    while waiting and time.monotonic() < deadline:
        still = []
        for name, pid in waiting:
            if running(pid):
                still.append((name, pid))
            else:
                outcome[pid] = "exited"
                say(f"{name} (pid {pid}): stopped in "
                    f"{time.monotonic() - started:.1f} s")
        waiting = still
        if waiting:
            time.sleep(0.05)
    for name, pid in waiting:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait_pid_gone(pid, 5)
        outcome[pid] = "killed"
        say(f"{name} (pid {pid}): still running after {timeout_s} s: "
            "sent SIGKILL")
    return [(n, p, outcome[p]) for n, p, _ in procs]


class NatsNode:
    def __init__(self, base, index, binary):
        self.name = f"n{index}"
        self.dir = os.path.join(base, "nats", self.name)
        self.choose_ports()
        self.binary = binary
        self.proc = None

    def choose_ports(self):
        self.port = free_port()
        self.cluster_port = free_port()
        self.http_port = free_port()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def write_config(self, routes):
        os.makedirs(self.dir, exist_ok=True)
        # max_payload above the 900 KiB cluster message (partition_replica.h).
        text = (
            f"server_name: {self.name}\n"
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.http_port}\n"
            f"max_payload: 2MB\n"
            f"jetstream {{ store_dir: \"{self.dir}/js\" }}\n"
            f"cluster {{\n  name: ledger\n  listen: 127.0.0.1:{self.cluster_port}\n"
            f"  routes: [{', '.join(routes)}]\n}}\n")
        with open(os.path.join(self.dir, "nats.conf"), "w") as f:
            f.write(text)

    def start(self):
        log = open(os.path.join(self.dir, "nats.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-c", os.path.join(self.dir, "nats.conf")],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def log_tail(self, lines=15):
        try:
            with open(os.path.join(self.dir, "nats.log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return f"(no log: {e})\n"

    def healthy(self):
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.http_port}/healthz", timeout=1) as r:
                return r.status == 200 and b"ok" in r.read()
        except OSError:
            return False


class LedgerdNode:
    def __init__(self, base, index, binary, nats_urls, partitions,
                 host_partitions=None, extra_args=()):
        self.name = f"node{index}"
        self.dir = os.path.join(base, "ledgerd", self.name)
        self.binary = binary
        self.nats_urls = nats_urls
        self.partitions = partitions
        self.host_partitions = host_partitions
        # More flags for every start (e.g. --webhooks FILE); a test may
        # change them before the next start (e.g. --stream-max-msgs N).
        self.extra_args = list(extra_args)
        self.proc = None
        self.address = None

    def start(self, timeout_s=START_TIMEOUT_S):
        os.makedirs(self.dir, exist_ok=True)
        args = [self.binary, "--db", self.dir, "--listen", "127.0.0.1:0",
                "--nats", ",".join(self.nats_urls),
                "--partitions", str(self.partitions), "--node", self.name]
        if self.host_partitions is not None:
            args += ["--host-partitions", self.host_partitions]
        args += self.extra_args
        err = open(self.dir + ".log", "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
        err.close()
        # With --http, ledgerd prints `http on HOST:PORT` after `listening
        # on`: the port it bound, which is how a test gives it port 0
        # rather than a port picked free that another process may take
        # first.
        wants_http = "--http" in args
        self.http_address = None
        deadline = time.monotonic() + timeout_s
        os.set_blocking(self.proc.stdout.fileno(), False)
        buf = b""
        while time.monotonic() < deadline:
            chunk = self.proc.stdout.read()
            if chunk:
                buf += chunk
            lines = [l.decode() for l in buf.split(b"\n")[:-1]]
            if lines and lines[0].startswith("listening on "):
                self.address = lines[0][len("listening on "):]
                if not wants_http:
                    return self.address
                if len(lines) > 1 and lines[1].startswith("http on "):
                    self.http_address = lines[1][len("http on "):]
                    return self.address
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start; see {self.dir}.log")

    @property
    def http_port(self):
        """The port of --http, once started with it."""
        return int(self.http_address.rsplit(":", 1)[1])


class LocalCluster:
    def __init__(self, base, nodes=3, partitions=1, ledgerd="ledgerd",
                 nats_server="/usr/sbin/nats-server", host_partitions=None,
                 extra_args=()):
        self.base = os.path.abspath(base)
        self.nats = [NatsNode(self.base, i + 1, nats_server)
                     for i in range(NATS_NODES)]
        urls = [n.url for n in self.nats]
        host_partitions = host_partitions or [None] * nodes
        self.nodes = [LedgerdNode(self.base, i + 1, ledgerd, urls, partitions,
                                  host_partitions[i], extra_args)
                      for i in range(nodes)]

    def start_nats(self, attempts=3):
        """Starts the NATS servers and waits until each says it is healthy.
        A port chosen free may be taken by another process before the server
        binds it (the machine runs other tests): a server that exits, or a
        cluster not healthy in time, is stopped and started again on new
        ports, at most `attempts` times. The last failure names each
        server's log tail."""
        for attempt in range(attempts):
            for n in self.nats:
                routes = [f"nats-route://127.0.0.1:{m.cluster_port}"
                          for m in self.nats if m is not n]
                n.write_config(routes)
                n.start()
            deadline = time.monotonic() + START_TIMEOUT_S
            exited = False
            while time.monotonic() < deadline and not exited:
                if all(n.healthy() for n in self.nats):
                    return
                exited = any(n.proc.poll() is not None for n in self.nats)
                if not exited:
                    time.sleep(0.1)
            tails = "".join(f"\n--- {n.name} ({n.dir}/nats.log) ---\n"
                            + n.log_tail() for n in self.nats)
            stop_processes([(n.name, n.proc.pid, None) for n in self.nats])
            for n in self.nats:
                n.proc.wait()
                n.proc = None
            if attempt + 1 == attempts:
                why = "a server exited" if exited else "not healthy in time"
                raise RuntimeError(
                    f"the NATS cluster did not become healthy ({why}, "
                    f"{attempts} attempts){tails}")
            for n in self.nats:
                n.choose_ports()
            urls = [n.url for n in self.nats]
            for node in self.nodes:
                node.nats_urls = urls

    def start(self):
        self.start_nats()
        for node in self.nodes:
            node.start()
        self.save()
        return [n.address for n in self.nodes]

    def pids(self):
        return [p.proc.pid for p in self.nodes + self.nats if p.proc]

    def save(self):
        state = {
            "nats": [{"name": n.name, "pid": n.proc.pid, "url": n.url,
                      "http_port": n.http_port} for n in self.nats if n.proc],
            "ledgerd": [{"name": n.name, "pid": n.proc.pid, "address": n.address,
                         "dir": n.dir} for n in self.nodes if n.proc],
        }
        with open(os.path.join(self.base, "cluster.json"), "w") as f:
            json.dump(state, f, indent=1)

    def stop(self, say=None):
        """Stops every process this object started, by PID: the ledgerd
        nodes first (all at once), then the NATS servers (all at once)."""
        for group in (self.nodes, self.nats):
            procs = [(p.name, p.proc.pid, None) for p in group
                     if p.proc is not None and p.proc.poll() is None]
            stop_processes(procs, say=say)
            for p in group:
                if p.proc is not None:
                    p.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--ledgerd", default="build/tools/ledgerd/ledgerd")
    ap.add_argument("--nats-server", default="/usr/sbin/nats-server")
    a = ap.parse_args()
    if a.action == "stop":
        with open(os.path.join(a.base, "cluster.json")) as f:
            state = json.load(f)
        def say(line):
            print(line, flush=True)
        # ledgerd first, so no node sees NATS vanish while it drains.
        for kind, program in (("ledgerd", "ledgerd"), ("nats", "nats-server")):
            procs = [(f"{kind} {p['name']}", p["pid"], program)
                     for p in state[kind]]
            results = stop_processes(procs, say=say)
            gone = sum(1 for _, _, how in results if how != "not ours")
            print(f"{kind}: {gone} of {len(results)} stopped or already gone",
                  flush=True)
        return 0
    os.makedirs(a.base, exist_ok=True)
    cluster = LocalCluster(a.base, a.nodes, a.partitions, a.ledgerd,
                           a.nats_server)
    try:
        for address in cluster.start():
            print(address)
    except Exception:
        cluster.stop()
        raise
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

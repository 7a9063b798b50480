"""Just enough of the NATS client protocol for the cluster tests, on a raw
socket (Debian's python has no NATS client): read every message of a
partition's stream through the JetStream API $JS.API.STREAM.MSG.GET, and
ask a server's monitoring port which node leads a stream."""
import base64
import json
import socket
import time
import urllib.request

TIMEOUT_S = 5


class Conn:
    def __init__(self, url):
        host, port = url.replace("nats://", "").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
        self.buf = b""
        self._line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,'
                          b'"headers":true,"no_responders":true}\r\n')
        self.sock.sendall(b"SUB _INBOX.test 1\r\n")
        self._sid = 1

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload):
        self.sock.sendall(b"PUB %s _INBOX.test %d\r\n%s\r\n"
                          % (subject.encode(), len(payload), payload))
        while True:
            line = self._line()
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
                continue
            if line.startswith(b"MSG "):
                return self._bytes(int(line.split()[-1]))
            if line.startswith(b"HMSG "):
                parts = line.split()
                data = self._bytes(int(parts[-1]))
                return data[int(parts[-2]):]
            if line.startswith(b"-ERR"):
                raise ConnectionError(line.decode())

    def close(self):
        self.sock.close()


def stream_messages(url, stream, last_seq):
    """[(seq, payload bytes)] of stream messages 1..last_seq."""
    conn = Conn(url)
    out = []
    try:
        for seq in range(1, last_seq + 1):
            reply = json.loads(conn.request(
                f"$JS.API.STREAM.MSG.GET.{stream}",
                json.dumps({"seq": seq}).encode()))
            if "message" not in reply:
                raise RuntimeError(f"{stream} seq {seq}: {reply}")
            out.append((seq, base64.b64decode(reply["message"].get("data", ""))))
    finally:
        conn.close()
    return out


def stream_info(url, stream):
    conn = Conn(url)
    try:
        return json.loads(conn.request(f"$JS.API.STREAM.INFO.{stream}", b""))
    finally:
        conn.close()


def stream_leader(url, stream, timeout_s=20):
    """The server_name of the stream's leader (waits for an election)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            leader = stream_info(url, stream).get("cluster", {}).get("leader")
            if leader:
                return leader
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no leader for {stream}")

#!/usr/bin/env python3
"""A receiver of ledgerd's webhooks (docs/webhooks.md), to copy.

ledgerd POSTs each event as the JSON object `ledgerctl export` writes for
it, with the Standard Webhooks headers `webhook-id`, `webhook-timestamp`
and `webhook-signature`. Delivery is at least once: after a failure or a
restart ledgerd sends an event again, with the same `webhook-id`. So a
receiver (1) checks the signature before it trusts anything, (2) refuses a
timestamp far from its own clock (a replayed old request), and (3) acts on
each `webhook-id` once. This file does all three with the standard library
only (hmac, hashlib, base64, http.server).

As a program it prints each new event as one JSON line:

    python3 webhook_receiver.py --port 8080 --secret-file /etc/ledger/hook.secret

and as a module it gives `verify`, `Deduplicator` and `make_handler`:

    from webhook_receiver import make_handler, Deduplicator
    handler = make_handler(secret, on_event=lambda event, webhook_id: ...,
                           deduplicator=Deduplicator())
    http.server.ThreadingHTTPServer(("", 8080), handler).serve_forever()

Answer 2xx only once the event is handled (stored, queued, acted on):
anything else, or no answer in 10 s, makes ledgerd send it again later.
"""
import argparse
import base64
import collections
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time

# Standard Webhooks' suggested tolerance between the sender's timestamp and
# the receiver's clock.
DEFAULT_TOLERANCE_SECONDS = 5 * 60
# Longest body accepted (ledgerd's largest events are far smaller).
MAX_BODY_BYTES = 16 * 1024 * 1024


class WebhookVerificationError(Exception):
    """The request is not one ledgerd signed with this secret (or too old)."""


def signing_key(secret):
    """The HMAC key of a SECRET as ledgerd's --webhooks file gives it: its
    bytes, except that `whsec_` + base64 means the decoded bytes."""
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    return secret.encode()


def sign(secret, webhook_id, timestamp, body):
    """`webhook-signature` for (id, timestamp, body): "v1," + base64 of
    HMAC-SHA256 over `id.timestamp.body`."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    mac = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify(secret, headers, body, tolerance_seconds=DEFAULT_TOLERANCE_SECONDS,
           now=None):
    """Checks a request; returns the parsed event (a dict).

    `headers` maps header names (any case) to values, `body` is the raw
    bytes. Raises WebhookVerificationError when a header is missing, the
    timestamp is further than `tolerance_seconds` from `now` (default: this
    machine's clock), or no `v1,` signature in `webhook-signature` (a list
    separated by spaces) matches. Compares in constant time."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        webhook_id = lower["webhook-id"]
        timestamp_text = lower["webhook-timestamp"]
        signatures = lower["webhook-signature"]
    except KeyError as missing:
        raise WebhookVerificationError(f"missing header {missing}") from None
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") \
            from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    expected = sign(secret, webhook_id, timestamp, body)
    for candidate in signatures.split(" "):
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return json.loads(body)
    raise WebhookVerificationError("no signature matches")


class Deduplicator:
    """Remembers the last `max_ids` webhook ids handled, so an event sent
    again (ledgerd repeats at most what was in flight at a crash, and
    retries what it got no 2xx for) is acted on once. Thread-safe. Keep the
    ids where the effect is kept (e.g. in the same database transaction)
    when a repeat must never act twice across the receiver's own restarts."""

    def __init__(self, max_ids=100000):
        self._ids = collections.OrderedDict()
        self._max = max_ids
        self._lock = threading.Lock()

    def seen(self, webhook_id):
        with self._lock:
            return webhook_id in self._ids

    def remember(self, webhook_id):
        with self._lock:
            self._ids[webhook_id] = True
            self._ids.move_to_end(webhook_id)
            while len(self._ids) > self._max:
                self._ids.popitem(last=False)


def make_handler(secret, on_event, deduplicator=None,
                 tolerance_seconds=DEFAULT_TOLERANCE_SECONDS):
    """An http.server request handler class: answers 401 to a request that
    fails `verify`, 200 to a repeat of a handled id without calling
    `on_event`, else calls `on_event(event, webhook_id)` and answers 200, or
    500 when it raised (so ledgerd sends the event again)."""
    dedup = deduplicator if deduplicator is not None else Deduplicator()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                return self._answer(413)
            body = self.rfile.read(length)
            try:
                event = verify(secret, dict(self.headers.items()), body,
                               tolerance_seconds)
            except (WebhookVerificationError, ValueError):
                return self._answer(401)
            webhook_id = self.headers["webhook-id"]
            if dedup.seen(webhook_id):
                return self._answer(200)
            try:
                on_event(event, webhook_id)
            except Exception as e:  # noqa: BLE001: any failure means "again"
                sys.stderr.write(f"webhook {webhook_id}: {e}\n")
                return self._answer(500)
            dedup.remember(webhook_id)
            return self._answer(200)

        def _answer(self, code):
            self.send_response(code)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--secret-file", required=True,
                        help="a file holding the SECRET of ledgerd's line")
    args = parser.parse_args()
    with open(args.secret_file, encoding="utf-8") as f:
        secret = f.read().strip()

    def print_event(event, webhook_id):
        print(json.dumps({"webhook_id": webhook_id, "event": event}),
              flush=True)

    server = http.server.ThreadingHTTPServer(
        (args.host, args.port), make_handler(secret, print_event))
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A small stand-in for `ledgerd --http`, for checking the console's pages.

It serves the console's files from the source tree and answers the paths of
docs/contract.md section 14 by running the real `ledgerctl` on a real ledger
folder (apply, balance, customers, export, refunds, liability), with the
tokens and roles of a ledgerd tokens file. So the numbers the pages show are
the ledger's own; only the HTTP layer is this script's. It exists so the
console's pages can be driven by a browser before, and independently of,
ledgerd's own HTTP server; test_console_browser.py runs the same checks
against ledgerd itself.

  ledgerctl_api_fixture.py --ledgerctl PATH --db DIR --files DIR
                           --tokens FILE [--port 0]

Prints `listening on 127.0.0.1:PORT` once it listens. Loopback only.
"""
import argparse
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

CONTENT_TYPES = {".html": "text/html; charset=utf-8",
                 ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8"}
# kConsoleContentSecurityPolicy of tools/ledgerd/console/console_assets.h,
# which ledgerd sends with the console's files.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")
ROLES = {"reader": 0, "writer": 1, "admin": 2}
MAX_LIMIT = 1000
SUBPROCESS_SECONDS = 30


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def read_tokens(path):
    tokens = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                tokens[line[1]] = (line[0], line[2] if len(line) > 2 else "")
    return tokens


class Ledger:
    def __init__(self, ledgerctl, db):
        self.ledgerctl, self.db = ledgerctl, db

    def run(self, *args, stdin=None):
        done = subprocess.run([self.ledgerctl, *args], input=stdin,
                              capture_output=True, text=True,
                              timeout=SUBPROCESS_SECONDS)
        return done.returncode, done.stdout, done.stderr

    def read(self, *args):
        code, out, err = self.run(*args)
        if code != 0:
            raise ApiError(500, "INTERNAL", err.strip())
        return out

    def events(self):
        if not os.path.exists(self.db):
            return []
        return [json.loads(l) for l in
                self.read("export", "--db", self.db, "--format", "jsonl")
                .splitlines() if l.strip()]

    def apply(self, commands, actor):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl",
                                         delete=False) as f:
            for c in commands:
                f.write(json.dumps(c) + "\n")
            name = f.name
        try:
            code, out, err = self.run("apply", "--db", self.db, "--actor",
                                      actor, name)
        finally:
            os.unlink(name)
        if code != 0:
            raise ApiError(500, "INTERNAL", err.strip())
        return [json.loads(l) for l in out.splitlines() if l.strip()]


def limit_of(params):
    raw = params.get("limit", ["100"])[0]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "INVALID_ARGUMENT", f"limit {raw!r} is not 1..1000")
    return int(raw)


def customers_page(ledger, params):
    after = params.get("after", [""])[0]
    limit = limit_of(params)
    if not os.path.exists(ledger.db):
        return {"customers": [], "next_after": None}
    listed = json.loads(ledger.read("customers", "--db", ledger.db,
                                    "--format", "json"))["customers"]
    rest = [c for c in listed if c["customer"].encode() > after.encode()]
    page = [{"customer": c["customer"], "status": c["status"],
             "available": c["available"]} for c in rest[:limit]]
    more = len(rest) > limit
    return {"customers": page,
            "next_after": page[-1]["customer"] if more else None}


def balance(ledger, customer, params):
    args = ["balance", "--db", ledger.db, "--customer", customer]
    if "at" in params:
        args += ["--at", params["at"][0]]
    code, out, err = ledger.run(*args)
    if code != 0:
        if "unknown customer" in err or "no customer" in err.lower():
            raise ApiError(404, "NOT_FOUND", err.strip())
        raise ApiError(400, "INVALID_ARGUMENT", err.strip())
    return json.loads(out)


def customer_events(ledger, customer, params):
    from_seq = int(params.get("from_seq", ["0"])[0] or 0)
    limit = limit_of(params)
    mine = [e for e in ledger.events() if e["customer"] == customer]
    if not mine:
        raise ApiError(404, "NOT_FOUND", f"unknown customer {customer}")
    rest = [e for e in mine if e["seq"] >= from_seq]
    return {"events": rest[:limit],
            "next_from_seq": rest[limit]["seq"] if len(rest) > limit else None}


def customer_rejections(ledger, customer, params):
    limit = limit_of(params)
    if not os.path.exists(ledger.db):
        return {"rejections": [], "next_after": None}
    args = ["rejections", "--db", ledger.db, "--customer", customer,
            "--limit", str(limit), "--format", "json"]
    after = params.get("after", [""])[0]
    if after:
        args += ["--after", after]
    code, out, err = ledger.run(*args)
    if code != 0:
        raise ApiError(400 if code == 2 else 500,
                       "INVALID_ARGUMENT" if code == 2 else "INTERNAL",
                       err.strip())
    return json.loads(out)


def pending_refunds(ledger, params):
    if params.get("state", ["PENDING"])[0] != "PENDING":
        raise ApiError(400, "INVALID_ARGUMENT", "state must be PENDING")
    if not os.path.exists(ledger.db):
        return {"refunds": [], "next_after": None}
    rows = json.loads(ledger.read("refunds", "--db", ledger.db, "--state",
                                  "PENDING", "--format", "json"))["refunds"]
    # The cash at stake: floor(amount_minor * frozen / granted) of the
    # purchase, read from the purchase's own event.
    purchases = {}
    for e in ledger.events():
        p = e["command"].get("purchase")
        if p:
            purchases[(e["customer"], p["purchase_id"])] = p
    out = []
    for r in rows:
        p = purchases[(r["customer"], r["purchase_id"])]
        out.append({"customer": r["customer"], "refund_id": r["refund_id"],
                    "purchase_id": r["purchase_id"], "credits": r["credits"],
                    "cash": {"currency": p["currency"],
                             "amount_minor": p["amount_minor"] * r["credits"]
                             // p["credits"]},
                    "requested_at": r["requested_at"],
                    "window_ends_at": r["window_ends"]})
    return {"refunds": out, "next_after": None}


def liability(ledger, params):
    if "from" not in params or "to" not in params:
        raise ApiError(400, "INVALID_ARGUMENT", "from and to are required")
    code, out, err = ledger.run("liability", "--db", ledger.db, "--from",
                                params["from"][0], "--to", params["to"][0],
                                "--format", "json")
    if code == 2:
        raise ApiError(400, "INVALID_ARGUMENT", err.strip())
    if code != 0:
        raise ApiError(500, "INTERNAL", err.strip())
    return json.loads(out)


def make_handler(ledger, files, tokens):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send_json(self, status, value):
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def caller(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                raise ApiError(401, "UNAUTHENTICATED", "no bearer token")
            digest = hashlib.sha256(header[7:].encode()).hexdigest()
            if digest not in tokens:
                raise ApiError(401, "UNAUTHENTICATED", "unknown token")
            return tokens[digest]

        def serve_file(self, path):
            name = path[len("/console/"):] or "index.html"
            full = os.path.join(files, name)
            if "/" in name or not os.path.isfile(full):
                return self.send_json(404, {"error": {
                    "code": "NOT_FOUND", "message": "no such file"}})
            with open(full, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES.get(
                os.path.splitext(name)[1], "application/octet-stream"))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def answer(self, method):
            url = urllib.parse.urlsplit(self.path)
            path, params = url.path, urllib.parse.parse_qs(url.query)
            if method == "GET" and path.startswith("/console/"):
                return self.serve_file(path)
            try:
                role, name = self.caller()
                parts = [urllib.parse.unquote(p) for p in path.split("/")[1:]]
                if method == "POST" and path == "/v1/commands":
                    return self.commands(role, name)
                if method != "GET":
                    raise ApiError(404, "NOT_FOUND", "no such path")
                if parts == ["v1", "customers"]:
                    return self.send_json(200, customers_page(ledger, params))
                if len(parts) == 4 and parts[:2] == ["v1", "customers"]:
                    if parts[3] == "balance":
                        return self.send_json(200, balance(ledger, parts[2], params))
                    if parts[3] == "events":
                        return self.send_json(200, customer_events(
                            ledger, parts[2], params))
                    if parts[3] == "rejections":
                        return self.send_json(200, customer_rejections(
                            ledger, parts[2], params))
                if parts == ["v1", "refunds"]:
                    return self.send_json(200, pending_refunds(ledger, params))
                if parts == ["v1", "liability"]:
                    return self.send_json(200, liability(ledger, params))
                raise ApiError(404, "NOT_FOUND", "no such path")
            except ApiError as e:
                self.send_json(e.status, {"error": {"code": e.code,
                                                    "message": e.message}})

        def commands(self, role, name):
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                raise ApiError(400, "INVALID_ARGUMENT", "body is not JSON")
            if ROLES[role] < ROLES["writer"]:
                raise ApiError(403, "PERMISSION_DENIED", f"{role} may not write")
            batch = body if isinstance(body, list) else [body]
            if ROLES[role] < ROLES["admin"] and any(
                    isinstance(c, dict) and "set_policy" in c for c in batch):
                raise ApiError(403, "PERMISSION_DENIED", "set_policy needs admin")
            results = ledger.apply(batch, name) if batch else []
            self.send_json(200, results if isinstance(body, list) else results[0])

        def do_GET(self):
            self.answer("GET")

        def do_POST(self):
            self.answer("POST")

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = http.server.HTTPServer(
        ("127.0.0.1", args.port),
        make_handler(Ledger(args.ledgerctl, args.db), args.files,
                     read_tokens(args.tokens)))
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

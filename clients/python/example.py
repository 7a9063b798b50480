#!/usr/bin/python3
"""Calls ledgerd from Python: buy credits, spend some, read the balance.

  make serve            # in another terminal: ledgerd on 127.0.0.1:50051
  LEDGER_PY_STUBS=build/proto/python PYTHONPATH=clients/python \\
      /usr/bin/python3 clients/python/example.py 127.0.0.1:50051

With tokens and TLS: LEDGER_TOKEN=... LEDGER_CA=ca.pem (the CA's PEM file).
"""
import json
import os
import sys
import uuid

from ledger_client import LedgerClient, LedgerError


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    ca = os.environ.get("LEDGER_CA")
    root = open(ca, "rb").read() if ca else None
    run = uuid.uuid4().hex[:8]  # fresh keys, so the example can run again
    customer = f"example-{run}"
    with LedgerClient(target, token=os.environ.get("LEDGER_TOKEN"),
                      root_certificates=root) as ledger:
        bought = ledger.submit({
            "key": f"{run}-buy", "customer": customer,
            "at": "2026-03-08T10:00:00Z",
            "purchase": {"purchase_id": "p1", "credits": 1000,
                         "amount_minor": 1999, "currency": "USD"}})
        print("purchase:", json.dumps(bought))
        # The platform keeps the key with its own record of the call: a
        # retry with the same key answers the same acceptance.
        used = ledger.submit({
            "key": f"{run}-use", "customer": customer,
            "at": "2026-03-08T10:05:00Z",
            "use": {"usage_id": "u1", "category": "AI_PROCESSING",
                    "credits": 60}})
        print("use:", json.dumps(used))
        if used["status"] == "REJECTED":
            print("rejected:", used["code"], used["message"])
        try:
            balance = ledger.balance(customer, at="2026-03-09T00:00:00Z")
            print("balance:", json.dumps(balance))
        except LedgerError as e:
            print("balance failed:", e, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks the include rules between the project's folders.

Each folder of the library is a CMake target with one responsibility, and
the direction of the dependencies between them is part of the design
(docs/architecture.md): the schema depends on nothing, projections are pure
folds, judging knows no storage, the library knows no command line. A
static library does not stop a file from including a header it should not,
so this script reads every `#include` and fails the build when one crosses a
boundary the wrong way.

  check_layering.py SOURCE_DIR        check the tree; exit 1 naming each
                                      include that breaks a rule
  check_layering.py --self-test       prove the check fails on a tree with
                                      a forbidden include (run by ctest)
  check_layering.py --markdown        print the rules as the Markdown table
                                      docs/architecture.md shows
  check_layering.py --check-doc FILE  exit 1 unless FILE shows that table,
                                      as printed, between its two markers
                                      (run by ctest)

This table is the only place the rules are written: docs/architecture.md
shows it as generated here, and a test fails when the two differ.
"""
import os
import re
import sys
import tempfile

# The public headers an embedder includes: ledger/*.h. The three plain
# vocabulary headers among them (data and helpers, no behaviour) may be used
# by the pure layers too.
VOCABULARY = {"ledger/balance.h", "ledger/options.h", "ledger/time_util.h"}

# Which modules each module may include. "third" modules are libraries.
ALLOWED = {
    "vocabulary": {"vocabulary", "schema", "absl", "protobuf"},
    "api": {"api", "vocabulary", "schema", "absl", "protobuf"},
    "base": {"base", "vocabulary", "schema", "absl", "protobuf", "openssl"},
    "projections": {"projections", "base", "vocabulary", "schema", "absl",
                    "protobuf"},
    "rules": {"rules", "projections", "base", "api", "vocabulary", "schema",
              "absl", "protobuf"},
    "storage": {"storage", "projections", "base", "api", "vocabulary",
                "schema", "absl", "protobuf", "rocksdb"},
    "write_path": {"write_path", "rules", "storage", "projections", "base",
                   "api", "vocabulary", "schema", "absl", "protobuf",
                   "rocksdb"},
    "audit": {"audit", "rules", "storage", "projections", "base", "api",
              "vocabulary", "schema", "absl", "protobuf", "rocksdb"},
    # ledgerctl is a thin driver over the public library: it parses
    # arguments, calls the public headers and prints.
    "tools": {"tools", "workload", "edge", "api", "vocabulary", "schema",
              "base", "absl", "protobuf"},
    # Guards at the edge (tools/edge): checks a driver runs on input before
    # it reaches the library; shared by ledgerctl and ledgerd.
    "edge": {"edge", "api", "vocabulary", "schema", "base", "absl",
             "protobuf"},
    # The workload simulator and command builders (tools/workload): shared
    # by ledgerctl, the benchmarks and the tests, so it knows no ledgerctl.
    "workload": {"workload", "api", "vocabulary", "schema", "base", "absl",
                 "protobuf"},
    # ledgerd, the gRPC service (docs/contract.md section 9): a driver over the
    # public API, like ledgerctl, plus the RPC stack. Nothing else may know the
    # service, and only ledgerd includes the service's generated schema.
    "ledgerd": {"ledgerd", "edge", "api", "vocabulary", "schema", "service_schema",
                "base", "absl", "protobuf", "grpc", "grpcpp", "prometheus",
                "openssl", "curl", "cluster"},
    # ledgerd's cluster mode (tools/ledgerd/cluster, docs/cluster.md): the
    # only code that knows NATS. The service sees it through cluster_api.h.
    "cluster": {"cluster", "ledgerd", "api", "vocabulary", "schema",
                "service_schema", "base", "absl", "protobuf", "nats"},
}

# Where each module lives, for the table docs/architecture.md shows; the
# order is the table's (the lower layers first).
WHERE = {
    "schema": "`proto/ledger/v1/` (but `service.proto`)",
    "service_schema": "`proto/ledger/v1/service.proto`",
    "vocabulary": ", ".join("`%s`" % h for h in sorted(VOCABULARY)),
    "base": "`ledger/base/`",
    "projections": "`projections/`",
    "api": "the other `ledger/*.h`",
    "rules": "`ledger/rules/`",
    "storage": "`ledger/storage/`",
    "write_path": "`ledger/write_path/`",
    "audit": "`ledger/audit/`",
    "workload": "`tools/workload/`",
    "edge": "`tools/edge/`",
    "tools": "`tools/` (ledgerctl)",
    "ledgerd": "`tools/ledgerd/` and `tools/ledgerd/webhooks/`",
    "cluster": "`tools/ledgerd/cluster/`",
}
# Libraries, named in the table as a reader knows them.
LIBRARIES = {"absl": "Abseil", "protobuf": "protobuf", "rocksdb": "RocksDB",
             "openssl": "libcrypto", "grpc": "gRPC", "grpcpp": "gRPC",
             "prometheus": "prometheus-cpp", "curl": "libcurl",
             "nats": "nats.c"}
DOC_BEGIN = ("<!-- generated by `cmake/check_layering.py --markdown`: "
             "edit the table there -->")
DOC_END = "<!-- end of the generated table -->"


def markdown_table():
    """The rules as a table: each module, where it lives, what it may
    include (its own module aside)."""
    lines = ["| module | where | may include |", "|---|---|---|"]
    for module, where in WHERE.items():
        allowed = ALLOWED.get(module, {"protobuf"} if module in
                              ("schema", "service_schema") else set())
        if module == "service_schema":
            allowed = {"schema", "protobuf"}
        ours = [m for m in WHERE if m in allowed and m != module]
        libraries = sorted({LIBRARIES[m] for m in allowed if m in LIBRARIES})
        lines.append("| %s | %s | %s |" % (
            module, where, ", ".join(ours + libraries) or "nothing"))
    return "\n".join(lines)


def check_doc(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if DOC_BEGIN not in text or DOC_END not in text:
        print(f"layering: {path} has no generated table (markers missing)",
              file=sys.stderr)
        return 1
    shown = text.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0].strip()
    if shown != markdown_table():
        print(f"layering: the table in {path} differs from the rules; "
              "paste the output of `cmake/check_layering.py --markdown` "
              "between its markers", file=sys.stderr)
        return 1
    print(f"layering: {path} shows the rules as they are checked")
    return 0


INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def module_of(path):
    """The module a header or source path belongs to, or None (std, tests)."""
    parts = path.split("/")
    if path.startswith("ledger/v1/service."):
        return "service_schema"
    if path.startswith("ledger/v1/"):
        return "schema"
    if path in VOCABULARY:
        return "vocabulary"
    if parts[0] == "ledger" and len(parts) == 2:
        return "api"
    if parts[0] == "ledger" and len(parts) > 2:
        return parts[1] if parts[1] in ALLOWED else "ledger/" + parts[1]
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "workload":
        return "workload"
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "edge":
        return "edge"
    if parts[:3] == ["tools", "ledgerd", "cluster"] and len(parts) > 3:
        return "cluster"
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "ledgerd":
        return "ledgerd"
    if parts[0] in ("projections", "tools"):
        return parts[0]
    if parts[0] == "absl":
        return "absl"
    if parts[0] == "google" and len(parts) > 1 and parts[1] == "protobuf":
        return "protobuf"
    if parts[0] == "rocksdb":
        return "rocksdb"
    if parts[0] == "openssl":
        return "openssl"
    if parts[0] in ("grpc", "grpcpp", "prometheus", "nats", "curl", "gtest",
                    "gmock", "benchmark"):
        return parts[0]
    return None  # the standard library and the system


def check(root):
    problems = []
    for top in ("ledger", "projections", "tools"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                own = module_of(rel)
                if own not in ALLOWED:
                    problems.append(f"{rel}: in no known module ({own})")
                    continue
                with open(full, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = module_of(m.group(1))
                        if target is None or target in ALLOWED[own]:
                            continue
                        problems.append(
                            f"{rel}:{number}: {own} may not include "
                            f"{m.group(1)} ({target})")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "projections"))
        os.makedirs(os.path.join(root, "ledger", "rules"))
        with open(os.path.join(root, "projections", "ok.cc"), "w") as f:
            f.write('#include "projections/ok.h"\n#include "ledger/base/x.h"\n')
        if check(root):
            print("self-test: a tree that keeps the rules was refused")
            return 1
        with open(os.path.join(root, "ledger", "rules", "bad.cc"), "w") as f:
            f.write('#include "ledger/storage/store.h"\n')
        problems = check(root)
        if len(problems) != 1 or "rules may not include" not in problems[0]:
            print("self-test: a forbidden include was not found:", problems)
            return 1
        os.remove(os.path.join(root, "ledger", "rules", "bad.cc"))
        # The library never knows the service.
        with open(os.path.join(root, "ledger", "rules", "bad.cc"), "w") as f:
            f.write('#include "grpcpp/grpcpp.h"\n'
                    '#include "ledger/v1/service.pb.h"\n')
        problems = check(root)
        if len(problems) != 2:
            print("self-test: the library may include the service:", problems)
            return 1
        os.remove(os.path.join(root, "ledger", "rules", "bad.cc"))
        os.makedirs(os.path.join(root, "tools", "workload"))
        with open(os.path.join(root, "tools", "workload", "bad.cc"), "w") as f:
            f.write('#include "tools/commands.h"\n')
        problems = check(root)
        if len(problems) != 1 or "workload may not include" not in problems[0]:
            print("self-test: the workload's include of ledgerctl was not "
                  "found:", problems)
            return 1
    print("self-test: OK")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) == 2 and argv[1] == "--markdown":
        print(markdown_table())
        return 0
    if len(argv) == 3 and argv[1] == "--check-doc":
        return check_doc(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print("layering:", p, file=sys.stderr)
    if problems:
        print(f"layering: {len(problems)} include(s) break the folder rules "
              "(cmake/check_layering.py, docs/architecture.md)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

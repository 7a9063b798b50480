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

# The public headers an embedder includes: ledger/*.h. The four plain
# vocabulary headers among them (data and helpers, no behaviour) may be used
# by the pure layers too.
VOCABULARY = {"ledger/balance.h", "ledger/limits.h", "ledger/options.h",
              "ledger/time_util.h"}

# Which modules each module may include. "third" modules are libraries.
ALLOWED = {
    "vocabulary": {"vocabulary", "schema", "absl", "protobuf"},
    "api": {"api", "vocabulary", "schema", "absl", "protobuf"},
    "base": {"base", "vocabulary", "schema", "absl", "protobuf", "openssl"},
    "projections": {"projections", "base", "vocabulary", "schema", "absl",
                    "protobuf"},
    # Rules are pure: not even the Ledger's API, only its vocabulary.
    "rules": {"rules", "projections", "base", "vocabulary", "schema", "absl",
              "protobuf"},
    "storage": {"storage", "layout", "projections", "base", "api",
                "vocabulary", "schema", "absl", "protobuf", "rocksdb"},
    "layout": {"layout", "projections", "api", "vocabulary", "schema",
               "base", "absl", "protobuf", "rocksdb"},
    # simdjson: the strict reader of the plain command form in front of
    # protobuf's JSON parser (ledger/write_path/command_json_reader.h).
    "write_path": {"write_path", "rules", "storage", "layout", "projections",
                   "base",
                   "api", "vocabulary", "schema", "absl", "protobuf",
                   "rocksdb", "simdjson"},
    "audit": {"audit", "rules", "storage", "layout", "projections", "base",
              "api",
              "vocabulary", "schema", "absl", "protobuf", "rocksdb"},
    # ledgerctl is a thin driver over the public library: it parses
    # arguments, calls the public headers and prints.
    "ledgerctl": {"ledgerctl", "workload", "edge", "render", "api",
                  "vocabulary", "schema", "base", "absl", "protobuf"},
    # The JSON a driver prints (tools/render): a result of apply, a
    # balance, the liability report, the pages; shared by ledgerctl and
    # ledgerd's HTTP API, so both print the same bytes from the same code.
    "render": {"render", "api", "vocabulary", "schema", "base", "absl",
               "protobuf"},
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
                "openssl", "curl", "cluster", "http"},
    # ledgerd's HTTP API (tools/ledgerd/http, docs/http.md): the only code
    # that knows the HTTP server library; the same tokens, roles, metrics
    # and cluster forwarding as the gRPC service, the JSON of tools/render.
    "http": {"http", "ledgerd", "cluster", "render", "edge", "api",
             "vocabulary", "schema", "service_schema", "base", "absl",
             "protobuf", "httplib", "prometheus", "openssl", "console"},
    # ledgerd's cluster mode (tools/ledgerd/cluster, docs/cluster.md): the
    # only code that knows NATS. The service sees it through cluster_api.h.
    "cluster": {"cluster", "ledgerd", "api", "vocabulary", "schema",
                "service_schema", "base", "absl", "protobuf", "nats"},
    # The web console's files compiled into ledgerd (tools/ledgerd/console,
    # docs/console.md): bytes and paths only, so it knows nothing of the
    # ledger or of HTTP; ledgerd's HTTP server serves them.
    "console": {"console"},
}

# Where each module lives, for the table docs/architecture.md shows; the
# order is the table's (the lower layers first).
WHERE = {
    "schema": "`proto/ledger/v1/` (but the service's two)",
    "service_schema": "`proto/ledger/v1/service.proto`, `cluster_pages.proto`",
    "vocabulary": ", ".join("`%s`" % h for h in sorted(VOCABULARY)),
    "base": "`ledger/base/`",
    "projections": "`projections/`",
    "api": "the other `ledger/*.h`",
    "rules": "`ledger/rules/`",
    "layout": "`ledger/storage/storage_layout.h`",
    "storage": "`ledger/storage/` (but the layout)",
    "write_path": "`ledger/write_path/`",
    "audit": "`ledger/audit/`",
    "workload": "`tools/workload/`",
    "edge": "`tools/edge/`",
    "render": "`tools/render/`",
    "ledgerctl": "`tools/ledgerctl/`",
    "ledgerd": "`tools/ledgerd/` and `tools/ledgerd/webhooks/`",
    "cluster": "`tools/ledgerd/cluster/`",
    "http": "`tools/ledgerd/http/`",
    "console": "`tools/ledgerd/console/`",
    "bench": "`bench/`",
    "tests": "`tests/`",
}
# Libraries, named in the table as a reader knows them.
LIBRARIES = {"absl": "Abseil", "protobuf": "protobuf", "rocksdb": "RocksDB",
             "openssl": "libcrypto", "grpc": "gRPC", "grpcpp": "gRPC",
             "prometheus": "prometheus-cpp", "curl": "libcurl",
             "nats": "nats.c", "benchmark": "Google Benchmark",
             "httplib": "cpp-httplib", "simdjson": "simdjson",
             "gtest": "GoogleTest", "gmock": "GoogleTest"}
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
        if module == "bench":
            allowed = BENCH_ALLOWED
        if module == "tests":
            ours = [m for m in WHERE if m in TEST_COMMON and m != module]
            libraries = sorted({LIBRARIES[m] for m in TEST_COMMON
                                if m in LIBRARIES})
            lines.append(
                "| tests | %s | under `tests/<folder>`, the module the folder "
                "mirrors and what it may include; everywhere %s; the whole "
                "library in the folders that test it as a whole |" % (
                    where, ", ".join(ours + libraries)))
            continue
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

# The stored layout (key families, key encodings): part of storage, but
# also what the raw RocksDB baseline of bench/ writes and what tests read
# and tamper with on disk, so it is a module of its own that they may use.
LAYOUT = "ledger/storage/storage_layout.h"

# The whole library, for the tests that check it as a whole.
LIBRARY = {"api", "vocabulary", "schema", "base", "projections", "rules",
           "storage", "layout", "write_path", "audit"}

# What bench/ may include: the public API and the workload, like any
# embedder, plus what a baseline needs: the stored layout and RocksDB (the
# raw baseline writes the ledger's own puts), SHA-256 (the hash's cost
# against libcrypto's), and ledgerd's service pieces with gRPC
# (bench/service serves the ledger in-process to compare the RPC with a
# direct call). Never the write path's, the rules' or the audit's
# internals: a benchmark measures what an embedder can call.
BENCH_ALLOWED = {"bench", "api", "vocabulary", "schema", "service_schema",
                 "workload", "base", "layout", "ledgerd", "absl", "protobuf",
                 "rocksdb", "openssl", "benchmark", "grpc", "grpcpp"}

# Tests mirror what they test: a test under tests/<folder> may include the
# internals of the module that folder mirrors and whatever that module may
# include, plus the public API, the workload, the test utilities, gtest and
# the stored layout with RocksDB (tests read and tamper with what is on
# disk). Folders that test the library as a whole (the public API's tests
# at the top of tests/ledger, reliability, fuzzing, scenarios, the shared
# utilities) may include any of the library.
TEST_FOLDERS = {
    "tests/ledger/base/": "base", "tests/ledger/rules/": "rules",
    "tests/ledger/storage/": "storage", "tests/ledger/write_path/": "write_path",
    "tests/ledger/audit/": "audit", "tests/projections/": "projections",
    "tests/tools/": "ledgerctl", "tests/service/": "ledgerd",
    "tests/cluster/": "cluster", "tests/http/": "http",
    "tests/console/": "console",
}
TEST_COMMON = {"tests", "api", "vocabulary", "schema", "base", "workload",
               "layout", "absl", "protobuf", "rocksdb", "gtest", "gmock"}
# Single tests whose subject is two modules agreeing, with why.
TEST_EXCEPTIONS = {
    # The write path and the audit use the one per-unit balance check.
    "tests/ledger/rules/postings_balance_test.cc": {"audit"},
    # apply's commit stage against a store that fails mid-file: the fault
    # file system reaches the ledger only through OpenLedgerWithEnv.
    "tests/tools/apply_pipeline_test.cc": {"write_path"},
}


def allowed_for(rel, own):
    """The modules the file at `rel` (of module `own`) may include."""
    if own == "bench":
        return BENCH_ALLOWED
    if own == "tests":
        for folder, module in TEST_FOLDERS.items():
            if rel.startswith(folder):
                return (TEST_COMMON | {module} | ALLOWED[module] |
                        TEST_EXCEPTIONS.get(rel, set()))
        return TEST_COMMON | LIBRARY
    return ALLOWED[own]


def module_of(path):
    """The module a header or source path belongs to, or None (std, tests)."""
    parts = path.split("/")
    if path == LAYOUT:
        return "layout"
    if parts[0] in ("bench", "tests") and len(parts) > 1:
        return parts[0]
    if path.startswith(("ledger/v1/service.", "ledger/v1/cluster_pages.")):
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
    if parts[:3] == ["tools", "ledgerd", "http"] and len(parts) > 3:
        return "http"
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "render":
        return "render"
    if path == "httplib.h":
        return "httplib"
    if path == "simdjson.h":
        return "simdjson"
    if parts[:3] == ["tools", "ledgerd", "console"] and len(parts) > 3:
        return "console"
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "ledgerd":
        return "ledgerd"
    if parts[0] == "tools" and len(parts) > 2 and parts[1] == "ledgerctl":
        return "ledgerctl"
    if parts[0] == "projections":
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
    for top in ("ledger", "projections", "tools", "bench", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                own = module_of(rel)
                if own not in ALLOWED and own not in ("bench", "tests"):
                    problems.append(f"{rel}: in no known module ({own})")
                    continue
                with open(full, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = module_of(m.group(1))
                        if target is None or target in allowed_for(rel, own):
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
            f.write('#include "tools/ledgerctl/commands.h"\n')
        problems = check(root)
        if len(problems) != 1 or "workload may not include" not in problems[0]:
            print("self-test: the workload's include of ledgerctl was not "
                  "found:", problems)
            return 1
        os.remove(os.path.join(root, "tools", "workload", "bad.cc"))
        # A benchmark measures what an embedder can call.
        os.makedirs(os.path.join(root, "bench"))
        with open(os.path.join(root, "bench", "bad_bench.cc"), "w") as f:
            f.write('#include "ledger/ledger.h"\n'
                    '#include "ledger/write_path/ledger_impl.h"\n')
        problems = check(root)
        if len(problems) != 1 or "bench may not include" not in problems[0]:
            print("self-test: a benchmark's include of the write path's "
                  "internals was not found:", problems)
            return 1
        os.remove(os.path.join(root, "bench", "bad_bench.cc"))
        # A test of the rules may use the rules' internals, not the write
        # path's.
        os.makedirs(os.path.join(root, "tests", "ledger", "rules"))
        with open(os.path.join(root, "tests", "ledger", "rules",
                               "bad_test.cc"), "w") as f:
            f.write('#include "ledger/rules/decide.h"\n'
                    '#include "ledger/write_path/ledger_impl.h"\n')
        problems = check(root)
        if len(problems) != 1 or "tests may not include" not in problems[0]:
            print("self-test: a rules test's include of the write path was "
                  "not found:", problems)
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

#!/usr/bin/env python3
"""Fails when the words around the code cite something that does not exist.

Docs rot quietly: a file moves and the paths that named it stay behind, a
heading is renamed and the "see ..." that pointed at it goes on pointing at
nothing, a flag is renamed and the example that used it stops running. This
check reads the README, docs/ and the comments of the source tree, and
reports every citation it cannot resolve:

  * repository paths (`ledger/storage/store.cc`, `tools/ledgerd/`,
    `ledger/storage/info_log.*`), looked up in the source tree;
  * `make TARGET`, looked up in the Makefile's targets;
  * `ledgerctl COMMAND --flag` and `ledgerd --flag` in code spans and code
    blocks, looked up in what the built binary's --help prints: the help is
    the reference a reader reaches first, so a flag missing from it is as
    much a defect as a flag that does not exist;
  * quoted section titles (`docs/storage.md, "Memory"`, `see "Write path"`,
    `section "Bytes per command"`), looked up in the headings of the file
    named (or, without a file, of the file that cites them) and in the bold
    lead-ins of its list items (`- **Rules are pure.** ...`).

Usage: check_doc_references.py SOURCE_DIR [--ledgerctl BIN] [--ledgerd BIN]
       check_doc_references.py --self-test
Without a binary its flags are not checked (a build without the service has
no ledgerd). Exit status 0 when everything resolves, 1 otherwise, with one
line per broken citation: FILE:LINE: what is wrong.
"""

import argparse
import glob
import os
import re
import subprocess
import sys

# Top-level folders whose paths the texts cite. A token must start with one
# of them to count as a path, so prose with slashes ("and/or") is left alone.
ROOTS = ("ledger", "projections", "tools", "bench", "tests", "proto", "docs",
         "cmake", "clients", ".ci")

# A path-like token: a root, then path characters. Preceded by nothing that
# continues a path, so `build/tools/ledgerctl` (a build output) is not read
# as the source path `tools/ledgerctl`.
PATH_RE = re.compile(
    r"(?<![\w./$-])((?:%s)/[A-Za-z0-9_.*{},/<>-]*)" %
    "|".join(re.escape(r) for r in ROOTS))

# Citations of a section: `NAME.md, "Title"`, `NAME.md "Title"`,
# `NAME.md section "Title"`, or `see/under/section "Title"` (same file).
SECTION_IN_FILE_RE = re.compile(
    r"([\w-]+\.md),?\s+(?:section\s+|under\s+)?\"([^\"]{2,80})\"")
SECTION_HERE_RE = re.compile(
    r"(?<![\w.])(?:[Ss]ee|under|[Ss]ection)\s+\"([^\"]{2,80})\"")

# `make TARGET` where a command starts: a code line, a span, or after
# `$ `, `&&`, `;` or `|` (not "make a token" in a comment).
MAKE_RE = re.compile(r"(?:^|&&|;|\||\$)\s*make\s+([a-z][a-z0-9-]*)")
TOOL_RE = re.compile(r"\b(ledgerctl|ledgerd)\b((?:[^|;&`\n])*)")
FLAG_RE = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")

# ledgerctl's subcommands take flags after their name; these words after
# `ledgerctl` are not subcommands.
NOT_SUBCOMMANDS = {"and", "or", "the", "is", "of", "to", "in", "on", "as"}

SOURCE_SUFFIXES = (".cc", ".h", ".py", ".proto", ".cmake", ".sh")
SKIP_DIRS = {".git", "build", "build-asan", "build-tsan", "build-fuzz",
             "node_modules", "__pycache__", "third_party", "vendor"}


def markdown_files(root):
    found = [os.path.join(root, "README.md")]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not d.startswith("build")]
        for name in filenames:
            if name.endswith(".md") and dirpath != root:
                found.append(os.path.join(dirpath, name))
    return [f for f in found if os.path.exists(f)]


def source_files(root):
    for top in ROOTS + ("",):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        walker = os.walk(base) if top else [(root, [], os.listdir(root))]
        for dirpath, dirnames, filenames in walker:
            dirnames[:] = [d for d in dirnames
                           if d not in SKIP_DIRS and not d.startswith("build")]
            for name in filenames:
                if name.endswith(SOURCE_SUFFIXES) or name in (
                        "CMakeLists.txt", "Makefile", "run"):
                    path = os.path.join(dirpath, name)
                    if os.path.isfile(path):
                        yield path


def comment_lines(path):
    """(line number, comment text) of a source file's comments."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    hash_comments = path.endswith((".py", ".cmake", ".sh", "CMakeLists.txt",
                                   "Makefile", "/run"))
    in_block = False
    in_docstring = False
    for number, line in enumerate(lines, 1):
        if hash_comments:
            stripped = line.strip()
            if path.endswith(".py"):
                # Docstrings are the comments of Python.
                quotes = stripped.count('"""')
                if in_docstring or stripped.startswith('"""'):
                    yield number, stripped
                    if quotes == 1 or (in_docstring and quotes):
                        in_docstring = not in_docstring
                    continue
            at = line.find("#")
            if at >= 0 and not line[:at].rstrip().endswith(("'", '"')):
                yield number, line[at + 1:]
            continue
        if in_block:
            yield number, line
            if "*/" in line:
                in_block = False
            continue
        at = line.find("//")
        if at >= 0 and not re.search(r"[\"']\S*$", line[:at]):
            yield number, line[at + 2:]
        elif "/*" in line and "*/" not in line[line.find("/*"):]:
            in_block = True
            yield number, line[line.find("/*") + 2:]


def code_texts(lines):
    """(line number, text) of a Markdown file's code: spans and blocks.

    A block line followed by the tool's own "unknown command" answer is an
    example of a mistake, shown on purpose, and is left out."""
    in_fence = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            following = lines[number] if number < len(lines) else ""
            if "unknown command" not in following:
                yield number, line.split(" #", 1)[0]
            continue
        for span in re.findall(r"`([^`]+)`", line):
            yield number, span


def path_exists(root, token):
    token = token.rstrip(".,:;)'\"")
    token = token.rstrip("/") or token
    if not token or token.endswith("/..."):
        return True
    # Generated and templated names are patterns, not files.
    if any(c in token for c in "<>"):
        return True
    # `ledger/storage/info_log.{h,cc}` and `ledger/storage/info_log.*`.
    brace = re.match(r"^(.*)\{([^}]*)\}(.*)$", token)
    if brace:
        return all(path_exists(root, brace.group(1) + part + brace.group(3))
                   for part in brace.group(2).split(","))
    if "*" in token:
        return bool(glob.glob(os.path.join(root, token)))
    full = os.path.join(root, token)
    if os.path.exists(full):
        return True
    # Generated protobuf headers name their .proto.
    if token.startswith("ledger/v1/") or token.startswith("proto/"):
        proto = re.sub(r"\.pb\.(h|cc)$|\.grpc\.pb\.(h|cc)$", ".proto", token)
        if not proto.startswith("proto/"):
            proto = "proto/" + proto
        return os.path.exists(os.path.join(root, proto))
    return False


def benchmark_names(root):
    """The names bench/ registers: `ledger/submit_batch/1000` is a
    benchmark, not a path."""
    names = set()
    for path in glob.glob(os.path.join(root, "bench", "**", "*.cc"),
                          recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        names.update(re.findall(r"RegisterBenchmark\(\s*\"([^\"]+)\"", text))
        names.update(re.findall(r"->Name\(\s*\"([^\"]+)\"", text))
        names.update(re.findall(r"BENCHMARK\((\w+)\)", text))
    return names


def names_a_benchmark(token, benchmarks):
    token = token.rstrip(".,:;)'\"/")
    stem = token.split("*")[0]
    return any(token == b or token.startswith(b + "/") or
               ("*" in token and b.startswith(stem)) for b in benchmarks)


def blocks(numbered_lines):
    """Joins consecutive non-blank lines (of a document, or of comments on
    consecutive lines) into (first line number, text) blocks."""
    start, texts, previous = None, [], None
    for number, text in numbered_lines:
        if not text.strip() or (previous is not None and number != previous + 1):
            if texts:
                yield start, "\n".join(texts)
            start, texts = None, []
        if text.strip():
            if start is None:
                start = number
            texts.append(text)
        previous = number
    if texts:
        yield start, "\n".join(texts)


def headings_of(path, cache):
    if path not in cache:
        titles = set()
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"^#+\s+(.*?)\s*#*\s*$", line)
                    if m:
                        titles.add(normalize_title(m.group(1)))
                    # A list item's bold lead-in ("- **Reading a
                    # partition's events.** ...") titles its paragraph.
                    m = re.match(r"^\s*[-*]\s+\*\*(.+?)\*\*", line)
                    if m:
                        titles.add(normalize_title(m.group(1).rstrip(".:")))
        cache[path] = titles
    return cache[path]


def normalize_title(title):
    title = " ".join(title.split()).strip("`*").lower()
    title = re.sub(r"^\d+(\.\d+)*\.?\s+", "", title)  # "5. Validation"
    return re.sub(r"[`*]", "", title)


def title_found(title, titles):
    wanted = normalize_title(title)
    # A citation may give a heading's beginning ("Memory" for
    # "Memory: what grows with what").
    return any(t == wanted or t.startswith(wanted + ":") or
               t.startswith(wanted + " (") for t in titles)


def find_doc(root, name, citing_file):
    for candidate in (os.path.join(os.path.dirname(citing_file), name),
                      os.path.join(root, "docs", name), os.path.join(root, name)):
        if os.path.exists(candidate):
            return candidate
    return None


def make_targets(root):
    targets = set()
    with open(os.path.join(root, "Makefile"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.-]+(?:\s+[A-Za-z0-9_.-]+)*)\s*:(?!=)",
                         line)
            if m:
                targets.update(m.group(1).split())
            m = re.match(r"^\.PHONY:\s*(.*)$", line)
            if m:
                targets.update(m.group(1).split())
    return targets


def help_flags(binary, args):
    done = subprocess.run([binary] + args + ["--help"], capture_output=True,
                          text=True, timeout=60)
    text = done.stdout + done.stderr
    return set(FLAG_RE.findall(text)), text


class Checker:
    def __init__(self, root, ledgerctl, ledgerd):
        self.root = root
        self.problems = []
        self.headings = {}
        self.targets = make_targets(root)
        self.benchmarks = benchmark_names(root)
        self.ledgerctl = ledgerctl
        self.ledgerd = ledgerd
        self.flag_cache = {}
        self.subcommands = None
        if ledgerctl:
            _, text = help_flags(ledgerctl, [])
            self.subcommands = set(re.findall(r"^\s{2}([a-z][a-z-]+)\s", text,
                                              re.M))
            # `ledgerctl help COMMAND` and `ledgerctl version` answer too.
            self.subcommands |= {"help", "version"}

    def report(self, path, number, message):
        rel = os.path.relpath(path, self.root)
        self.problems.append("%s:%d: %s" % (rel, number, message))

    def check_paths(self, path, number, text):
        for token in PATH_RE.findall(text):
            if names_a_benchmark(token, self.benchmarks):
                continue
            if not path_exists(self.root, token):
                self.report(path, number, "no such path: %s" % token.rstrip(".,:;)"))

    def check_sections(self, path, number, text):
        """Section citations in a paragraph or comment block starting at
        line `number` (a citation may wrap onto the next line)."""
        def line_of(match):
            return number + text[:match.start()].count("\n")
        for m in SECTION_IN_FILE_RE.finditer(text):
            name, title = m.group(1), " ".join(m.group(2).split())
            doc = find_doc(self.root, name, path)
            if doc is None:
                self.report(path, line_of(m), "no such document: %s" % name)
            elif not title_found(title, headings_of(doc, self.headings)):
                self.report(path, line_of(m), 'no heading "%s" in %s' % (
                    title, os.path.relpath(doc, self.root)))
        if path.endswith(".md"):
            cleaned = SECTION_IN_FILE_RE.sub(
                lambda m: "\n" * m.group(0).count("\n"), text)
            for m in SECTION_HERE_RE.finditer(cleaned):
                title = " ".join(m.group(1).split())
                if not title_found(title, headings_of(path, self.headings)):
                    self.report(path, number + cleaned[:m.start()].count("\n"),
                                'no heading "%s" in this file' % title)

    def flags_of(self, tool, subcommand):
        key = (tool, subcommand)
        if key not in self.flag_cache:
            binary = self.ledgerctl if tool == "ledgerctl" else self.ledgerd
            args = [subcommand] if subcommand else []
            self.flag_cache[key] = help_flags(binary, args)[0] | {"help"}
        return self.flag_cache[key]

    def check_code(self, path, number, text):
        for target in MAKE_RE.findall(text):
            if target not in self.targets:
                self.report(path, number, "no make target: make %s" % target)
        for tool, rest in TOOL_RE.findall(text):
            if tool == "ledgerctl" and self.ledgerctl:
                words = rest.split()
                if not words or words[0] in NOT_SUBCOMMANDS:
                    continue
                subcommand = words[0]
                if subcommand.startswith("-"):
                    continue
                if subcommand not in self.subcommands:
                    if re.fullmatch(r"[a-z][a-z-]+", subcommand):
                        self.report(path, number,
                                    "no ledgerctl command: %s" % subcommand)
                    continue
                known = self.flags_of("ledgerctl", subcommand)
            elif tool == "ledgerd" and self.ledgerd:
                known = self.flags_of("ledgerd", None)
            else:
                continue
            for flag in FLAG_RE.findall(rest):
                if flag not in known:
                    self.report(path, number, "%s%s does not take --%s" % (
                        tool, " " + rest.split()[0] if tool == "ledgerctl" else "",
                        flag))

    def run(self):
        for path in markdown_files(self.root):
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            for number, line in enumerate(lines, 1):
                self.check_paths(path, number, line)
            for number, paragraph in blocks(enumerate(lines, 1)):
                self.check_sections(path, number, paragraph)
            for number, text in code_texts(lines):
                self.check_code(path, number, text)
        for path in source_files(self.root):
            if os.path.abspath(path) == os.path.abspath(__file__):
                continue
            comments = list(comment_lines(path))
            for number, text in comments:
                self.check_paths(path, number, text)
            for number, block in blocks(comments):
                self.check_sections(path, number, block)
        return self.problems


FAKE_LEDGERCTL = """#!/bin/sh
if [ "$1" = "--help" ]; then
  printf 'Commands:\\n  balance  print a balance\\n'
else
  printf 'usage: ledgerctl balance --db DIR --customer ID [--at TIME]\\n'
fi
"""

SELF_TEST_FILES = {
    "Makefile": "test:\n\ttrue\n",
    "ledger/real.h": "// Cites docs/guide.md, \"Real heading\" and ledger/real.h.\n"
                     "// Cites ledger/moved.h and docs/guide.md, \"Gone\n"
                     "// heading\".\n",
    "bench/names_bench.cc": 'RegisterBenchmark("ledger/submit", nullptr);\n',
    "docs/guide.md": "# Guide\n\n## Real heading\n\n"
                     "Run `make test`, then `make tset`; see \"Real heading\"\n"
                     "and see \"No such\" too. Timed as `ledger/submit/100`.\n\n"
                     "```\nledgerctl balance --db d --customer c --at T\n"
                     "ledgerctl balance --db d --as-of 3\n"
                     "ledgerctl balanse --db d\n"
                     "ledgerctl: unknown command 'balanse'\n"
                     "ledgerctl blance --db d\n```\n",
    "README.md": "See tools/missing.cc and tools/ledgerctl/.\n",
}

SELF_TEST_EXPECTED = [
    "README.md:1: no such path: tools/ledgerctl/",
    "README.md:1: no such path: tools/missing.cc",
    'docs/guide.md:6: no heading "No such" in this file',
    "docs/guide.md:5: no make target: make tset",
    "docs/guide.md:10: ledgerctl balance does not take --as-of",
    "docs/guide.md:13: no ledgerctl command: blance",
    'ledger/real.h:2: no heading "Gone heading" in docs/guide.md',
    "ledger/real.h:2: no such path: ledger/moved.h",
]


def self_test():
    """Builds a small tree with one broken citation of each kind beside
    sound ones, and checks the checker names exactly the broken ones."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        for name, text in SELF_TEST_FILES.items():
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                f.write(text)
        os.makedirs(os.path.join(root, "tools"))
        fake = os.path.join(root, "fake-ledgerctl")
        with open(fake, "w", encoding="utf-8") as f:
            f.write(FAKE_LEDGERCTL)
        os.chmod(fake, 0o755)
        found = sorted(Checker(root, fake, None).run())
    if found != sorted(SELF_TEST_EXPECTED):
        print("self-test: expected\n  %s\nfound\n  %s" % (
            "\n  ".join(sorted(SELF_TEST_EXPECTED)), "\n  ".join(found)))
        return 1
    print("self-test: each kind of broken citation is found, sound ones pass")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source_dir")
    parser.add_argument("--ledgerctl")
    parser.add_argument("--ledgerd")
    args = parser.parse_args()
    problems = Checker(os.path.abspath(args.source_dir), args.ledgerctl,
                       args.ledgerd).run()
    for problem in problems:
        print(problem)
    if problems:
        print("%d citation(s) point at nothing: fix the text or the name" %
              len(problems), file=sys.stderr)
        return 1
    print("every cited path, target, flag and section exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())

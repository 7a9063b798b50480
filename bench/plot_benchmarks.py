#!/usr/bin/env python3
"""Reads ledger_bench's JSON output, prints markdown tables with the ratios of
the targets (each against the baseline measured in the same run), and draws the
throughput chart (commands per second against batch size and threads).

    python3 bench/plot_benchmarks.py build/bench.json \
        --png build/benchmarks-throughput.png --markdown build/benchmarks.md

The chart needs matplotlib (Debian: python3-matplotlib); without it the
tables are still printed.
"""

import argparse
import json
import re
import statistics
import sys

GIB = 1024.0


def arg(name, key):
    m = re.search(r"(?:^|/)%s:(\d+)" % key, name)
    return int(m.group(1)) if m else None


def load(path):
    """Benchmark runs by family, keyed by their argument; the median of
    repetitions when there are several."""
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b["name"]
        family = name.split("/")[0] + "/" + name.split("/")[1]
        runs.setdefault(family, {}).setdefault(_key(family, b), []).append(b)
    out = {}
    for family, by_key in runs.items():
        out[family] = {}
        for key, bs in by_key.items():
            merged = dict(bs[0])
            for field in ("items_per_second", "real_time", "p50_us", "p99_us",
                          "peak_rss_mib", "commands_per_group", "group_write_us"):
                values = [b[field] for b in bs if field in b]
                if values:
                    merged[field] = statistics.median(values)
            out[family][key] = merged
    return doc.get("context", {}), out


def _key(family, b):
    name = b["name"]
    if family == "ledger/submit_concurrent":
        return b.get("threads", 1)
    for key in ("batch", "events"):
        v = arg(name, key)
        if v is not None:
            return v
    return 0


def rate(b):
    return b.get("items_per_second") if b else None


def fmt_rate(v):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return "%.2f M/s" % (v / 1e6)
    if v >= 1e3:
        return "%.1f k/s" % (v / 1e3)
    return "%.0f /s" % v


def fmt_ratio(a, b):
    if a is None or b in (None, 0):
        return "n/a"
    return "%.2f" % (a / b)


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def tables(context, runs):
    lines = []
    raw = runs.get("raw/write_batch", {})
    batch = runs.get("ledger/submit_batch", {})
    conc = runs.get("ledger/submit_concurrent", {})
    disk = runs.get("disk/fdatasync_1KiB", {})
    scale_cost = runs.get("scale/cost_per_command", {})
    replay = runs.get("scale/replay", {})
    replay_threads = runs.get("scale/replay_threads", {})
    scan = runs.get("scale/raw_scan", {})
    scan_sha = runs.get("scale/raw_scan_sha256", {})
    scan_parse = runs.get("scale/raw_scan_parse", {})
    balance = runs.get("scale/balance_latency", {})
    balance_w = runs.get("scale/balance_latency_under_writes", {})
    rss = runs.get("scale/peak_rss", {})

    lines.append("Run %s on %s CPUs at %s MHz; log of %s events, %s customers "
                 "(Debian's libbenchmark calls itself a %s build: see the note)." % (
                     context.get("date", "?"), context.get("num_cpus", "?"),
                     context.get("mhz_per_cpu", "?"), context.get("replay_events", "?"),
                     context.get("customers", "?"), context.get("library_build_type", "?")))
    lines.append("")

    lines.append("| benchmark | commands/s | ratio to raw, same batch | ratio to raw batch 1 | ratio to raw batch 1000 |")
    lines.append("|---|---:|---:|---:|---:|")
    d = next(iter(disk.values()), None)
    if d:
        lines.append("| disk: 1 KiB append + fdatasync | %s syncs | | | |" % fmt_rate(rate(d)))
    raw1, raw1000 = rate(raw.get(1)), rate(raw.get(1000))
    for n in sorted(raw):
        lines.append("| raw RocksDB WriteBatch, batch %d, synced | %s | 1.00 | %s | %s |" % (
            n, fmt_rate(rate(raw[n])), fmt_ratio(rate(raw[n]), raw1),
            fmt_ratio(rate(raw[n]), raw1000)))
    for n in sorted(batch):
        lines.append("| ledger SubmitBatch(%d), synced | %s | %s | %s | %s |" % (
            n, fmt_rate(rate(batch[n])), fmt_ratio(rate(batch[n]), rate(raw.get(n))),
            fmt_ratio(rate(batch[n]), raw1), fmt_ratio(rate(batch[n]), raw1000)))
    for t in sorted(conc):
        lines.append("| ledger Submit from %d threads, synced | %s | | %s | %s |" % (
            t, fmt_rate(rate(conc[t])), fmt_ratio(rate(conc[t]), raw1),
            fmt_ratio(rate(conc[t]), raw1000)))
    lines.append("")
    groups = ["%d threads: %.1f commands a group, its write and sync %.0f us" % (
        t, conc[t]["commands_per_group"], conc[t].get("group_write_us", 0))
        for t in sorted(conc) if "commands_per_group" in conc[t]]
    if groups:
        lines.append("Group commits of the `Submit` threads: " + "; ".join(groups) + ".")
        lines.append("")

    if raw:
        r = next(iter(raw.values()))
        lines.append("Per accepted `use` (measured from a real ledger run): %.0f bytes in %d puts "
                     "(event %.0f, idempotency record %.0f, state %.0f), plus the head (%.0f bytes) "
                     "once per batch; WAL bytes per command at batch 1000: ledger %.0f, raw %.0f." % (
                         r.get("bytes_per_cmd", 0), r.get("puts_per_cmd", 0),
                         r.get("event_bytes", 0), r.get("key_record_bytes", 0),
                         r.get("state_bytes", 0), r.get("head_bytes", 0),
                         r.get("ledger_wal_bytes_per_cmd", 0), r.get("raw_wal_bytes_per_cmd", 0)))
        lines.append("")

    if scale_cost:
        lines.append("| events in the log | commands/s (SubmitBatch(1000), synced) | us per command | ratio to the first | log built in (s, cumulative) | Open took (s) |")
        lines.append("|---:|---:|---:|---:|---:|---:|")
        first = None
        for n in sorted(scale_cost):
            b = scale_cost[n]
            us = 1e6 / rate(b) if rate(b) else None
            first = first or us
            lines.append("| %s | %s | %.2f | %s | %.0f | %.1f |" % (
                "{:,}".format(int(b.get("events_in_log", n))), fmt_rate(rate(b)), us or 0,
                fmt_ratio(us, first), b.get("build_s", 0), b.get("open_s", 0)))
        lines.append("")

    if balance or rss:
        lines.append("| customers | events | GetBalance p50 (us) | p99 (us) | p99.9 (us) | p50 / p99 (us) while a thread writes | peak RSS (MiB) | Open took (s) |")
        lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        keys = sorted(set(balance) | set(rss))
        for n in keys:
            b, m, w = balance.get(n, {}), rss.get(n, {}), balance_w.get(n, {})
            lines.append("| %s | %s | %.2f | %.2f | %.2f | %s | %.0f | %.1f |" % (
                "{:,}".format(int(b.get("customers", m.get("customers", 0)))),
                "{:,}".format(int(b.get("events_in_log", m.get("events_in_log", n)))),
                b.get("p50_us", 0), b.get("p99_us", 0), b.get("p999_us", 0),
                ("%.1f / %.0f" % (w["p50_us"], w["p99_us"])) if w else "n/a",
                m.get("peak_rss_mib", 0), m.get("open_s", 0)))
        lines.append("")

    if replay or scan:
        lines.append("| log pass | events | events/s | seconds | ratio to raw scan |")
        lines.append("|---|---:|---:|---:|---:|")
        scan_rate = rate(next(iter(scan.values()), None))
        for label, fam in (("raw RocksDB scan of `events`", scan),
                           ("raw scan + SHA-256 chain", scan_sha),
                           ("raw scan + parse Event", scan_parse),
                           ("ReplayLedger (all checks)", replay)):
            b = next(iter(fam.values()), None)
            if not b:
                continue
            events = b.get("events", 0)
            lines.append("| %s | %s | %s | %.1f | %s |" % (
                label, "{:,}".format(int(events)), fmt_rate(rate(b)),
                events / rate(b) if rate(b) else 0, fmt_ratio(rate(b), scan_rate)))
        lines.append("")

    # The write and replay targets.
    lines.append("| target | measured | verdict |")
    lines.append("|---|---:|---|")

    def target(text, value, ok, unit=""):
        lines.append("| %s | %s%s | %s |" % (text, value, unit, verdict(ok)))

    def ratio_target(text, a, b, at_least):
        if a is None or not b:
            target(text, "n/a", None)
            return
        r = a / b
        target(text, "%.2f" % r, r >= at_least)

    # The write path's targets as docs/benchmarks.md's verdict table has
    # them ("Targets and verdicts").
    misses = runs.get("ledger/submit_batch_cache_misses", {})
    ratio_target("SubmitBatch(1000) >= 0.8 x raw batch 1000", rate(batch.get(1000)), raw1000, 0.8)
    ratio_target("SubmitBatch(1000), 9 in 10 miss the cache, >= 0.7 x raw batch 1000",
                 rate(misses.get(1000)), raw1000, 0.7)
    ratio_target("64 threads Submit >= 0.8 x SubmitBatch(1000)", rate(conc.get(64)),
                 rate(batch.get(1000)), 0.8)
    ratio_target("64 threads Submit >= 20 x raw batch 1", rate(conc.get(64)), raw1, 20)
    # docs/contract.md section 11 (bench/scoped_bench.cc): both sides in the
    # same run and the same iterations.
    scoped = next(iter(runs.get("scoped/submit_batch_uses", {}).values()), None)
    if scoped:
        r = scoped.get("scoped_over_unscoped", 0)
        target("SubmitBatch(1000) of uses, 8 scoped lots >= 0.8 x 1 unscoped lot",
               "%.2f (%s / %s)" % (r, fmt_rate(scoped.get("scoped_uses_per_s")),
                                   fmt_rate(scoped.get("unscoped_uses_per_s"))),
               r >= 0.8)
    rep = next(iter(replay.values()), None)
    sc = next(iter(scan.values()), None)
    ratio_target("replay >= 0.25 x raw scan", rate(rep), rate(sc), 0.25)
    if rep:
        target("replay >= 2 M events/s (%s events)" % "{:,}".format(int(rep.get("events", 0))),
               "%.2f M/s" % (rate(rep) / 1e6), rate(rep) >= 2e6)
    rt = next(iter(replay_threads.values()), None)
    if rt:
        target("replay 2 threads >= 1.6 x 1 thread (%s events, best of %d each, load %.1f)" % (
            "{:,}".format(int(rt.get("events", 0))), int(rt.get("rounds", 0)),
            rt.get("loadavg_1m", 0)),
            "%.2f (%.1f s / %.1f s)" % (rt.get("speedup_2_threads", 0),
                                        rt.get("seconds_1_thread", 0),
                                        rt.get("seconds_2_threads", 0)),
            rt.get("speedup_2_threads", 0) >= 1.6)
    one_m = [balance[n] for n in sorted(balance)]
    if one_m:
        b = one_m[0]
        target("balance p99 <= 20 us (%s customers, %s events)" % (
            "{:,}".format(int(b.get("customers", 0))), "{:,}".format(int(b.get("events_in_log", 0)))),
            "%.2f" % b.get("p99_us", 0), b.get("p99_us", 1e9) <= 20, " us")
    if len(scale_cost) >= 2:
        lo, hi = min(scale_cost), max(scale_cost)
        r = rate(scale_cost[lo]) / rate(scale_cost[hi])
        target("cost per command at %s events <= 1.3 x at %s" % (
            "{:,}".format(hi), "{:,}".format(lo)), "%.2f" % r, r <= 1.3, " x")
    rss_points = [rss[n] for n in sorted(rss)]
    if rss_points:
        m = rss_points[0]
        target("peak RSS <= 1 GiB with %s customers (%s events)" % (
            "{:,}".format(int(m.get("customers", 0))), "{:,}".format(int(m.get("events_in_log", 0)))),
            "%.0f" % m.get("peak_rss_mib", 0), m.get("peak_rss_mib", 1e9) <= 1024, " MiB")
        if len(rss_points) > 1:
            m = rss_points[-1]
            target("(same, %s events)" % "{:,}".format(int(m.get("events_in_log", 0))),
                   "%.0f" % m.get("peak_rss_mib", 0), m.get("peak_rss_mib", 1e9) <= 1024, " MiB")
    # The JSON path (bench/json_bench.cc).
    json_apply = next(iter(runs.get("json/apply_file", {}).values()), None)
    json_batch = runs.get("json/submit_batch", {}).get(1000)
    if json_apply or json_batch:
        ratio_target("ledgerctl apply (JSON file) >= 0.5 x SubmitBatch(1000) of the same commands",
                     rate(json_apply), rate(json_batch), 0.5)
    return "\n".join(lines) + "\n"


def chart(runs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_benchmarks: matplotlib is missing (apt-get install "
              "python3-matplotlib); no chart drawn", file=sys.stderr)
        return False
    raw = runs.get("raw/write_batch", {})
    batch = runs.get("ledger/submit_batch", {})
    conc = runs.get("ledger/submit_concurrent", {})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for data, label, style in ((raw, "raw RocksDB WriteBatch", "o--"),
                               (batch, "ledger SubmitBatch", "s-")):
        xs = sorted(data)
        left.plot(xs, [rate(data[x]) for x in xs], style, label=label)
    left.set_xscale("log")
    left.set_xticks([1, 10, 100, 1000])
    left.set_xticklabels(["1", "10", "100", "1000"])
    left.set_yscale("log")
    left.set_xlabel("commands per batch (one sync per batch)")
    left.set_ylabel("commands per second")
    left.set_title("Batch size, synced")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    xs = sorted(conc)
    right.plot(xs, [rate(conc[x]) for x in xs], "s-", label="ledger Submit, group commit")
    for n, style in ((1, ":"), (1000, "--")):
        if n in raw:
            right.axhline(rate(raw[n]), linestyle=style, color="gray",
                          label="raw batch %d" % n)
    right.set_xscale("log", base=2)
    right.set_xticks(xs)
    right.set_xticklabels([str(x) for x in xs])
    right.set_yscale("log")
    right.set_xlabel("threads, one command per Submit")
    right.set_ylabel("commands per second")
    right.set_title("Concurrent Submit, synced")
    right.grid(True, which="both", alpha=0.3)
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("json", help="ledger_bench --benchmark_out file (JSON)")
    p.add_argument("--png", help="where to draw the throughput chart")
    p.add_argument("--markdown", help="also write the tables to this file")
    a = p.parse_args()
    context, runs = load(a.json)
    text = tables(context, runs)
    sys.stdout.write(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if a.png and chart(runs, a.png):
        print("plot_benchmarks: chart written to %s" % a.png, file=sys.stderr)


if __name__ == "__main__":
    main()

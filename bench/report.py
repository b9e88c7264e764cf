#!/usr/bin/env python3
"""Summarize the measurements of bench/run.sh and check the targets.

  report.py RESULTS MEMORY     print the summary table and the targets
  report.py --line ROUND ID FIGURES
                               print one measurement as it finishes

RESULTS has one row per measurement: round, id (path/setup/users) and the
key=value figures of wrk-keys.lua or fcgi-load, plus CPU ticks of the
authorizer and of the machine. MEMORY has the authorizer's VmHWM in KiB
per id. Rates and latencies in the table are medians over the rounds.
Ratios are taken within each round, and the table shows their median.
The max column is the largest over all rounds.
"""

import statistics
import sys

PATHS = ("nginx", "lighttpd", "direct")
SETUPS = ("bare", "ceiling", "normal", "full")

# The targets, checked on the medians and never enforced by a test.
RATIO_TO_CEILING_MIN = 0.95     # Dripline req/s over the ceiling's
P99_OVER_CEILING_MAX_MS = 1.0   # Dripline p99 minus the ceiling's
MAX_LATENCY_MS = 50.0           # any single Dripline request
FULL_OVER_NORMAL_MIN = 0.8      # req/s at durability full over normal
USERS_SPREAD_MAX = 0.10         # req/s drop from the smallest user count
VMHWM_MAX_KIB = 16 * 1024       # authorizer VmHWM, largest user count


def parse_figures(text):
    figures = {}
    for field in text.split():
        name, _, value = field.partition("=")
        figures[name] = float(value)
    return figures


def failures(f):
    """Count the requests that were not allowed: errors, timeouts, statuses."""
    return int(f.get("errors", 0) + f.get("timeouts", 0) +
               f.get("not_2xx", 0) + f.get("not_200", 0))


def cpu_us_per_request(f):
    if f["requests"] == 0 or f.get("auth_cpu_ticks", 0) == 0:
        return None
    seconds = f["auth_cpu_ticks"] / f["ticks_per_second"]
    return seconds / f["requests"] * 1e6


def machine_percent(f, name):
    """Share of the machine's CPU time that was idle or stolen, in %."""
    total = (f["machine_busy_ticks"] + f["machine_idle_ticks"] +
             f["machine_steal_ticks"])
    return 100.0 * f["machine_%s_ticks" % name] / total if total else 0.0


# Process groups of run.sh's CPU breakdown, in the order printed, with
# short labels; command names are cut to 15 characters by the kernel.
CPU_GROUPS = (("wrk", "wrk"), ("fcgi-load", "load"), ("nginx", "nginx"),
              ("lighttpd", "lighttpd"), ("dripline-author", "authorizer"),
              ("ceiling-authori", "authorizer"),
              ("dripline-collec", "collector"), ("cat", "log consumer"),
              ("log-sink", "log consumer"),
              ("upstream", "upstream"))


def cpu_breakdown(f):
    """CPU us per request of each process group, as "label N" pairs."""
    if f["requests"] == 0:
        return ""
    parts = []
    for name, label in CPU_GROUPS:
        ticks = f.get("cpu_" + name, 0)
        us = ticks / f["ticks_per_second"] / f["requests"] * 1e6
        if us >= 0.5:
            parts.append("%s %.0f" % (label, us))
    return ", ".join(parts)


def print_line(round_, id_, text):
    f = parse_figures(text)
    cpu = cpu_us_per_request(f)
    print("round %s  %-22s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  "
          "max %7.2f ms  idle %2.0f%%  steal %2.0f%%%s%s" % (
              round_, id_, f["rate"], f["p50_ms"], f["p99_ms"],
              f["max_ms"], machine_percent(f, "idle"),
              machine_percent(f, "steal"),
              "  authorizer %.0f us CPU/req" % cpu if cpu else "",
              "  FAILED %d" % failures(f) if failures(f) else ""))
    breakdown = cpu_breakdown(f)
    if breakdown:
        print("        CPU us/req: %s" % breakdown)
    sys.stdout.flush()


def load(results_path, memory_path):
    rounds = {}     # id -> {round: figures}
    with open(results_path) as fp:
        next(fp)
        for line in fp:
            round_, id_, text = line.rstrip("\n").split("\t")
            rounds.setdefault(id_, {})[int(round_)] = parse_figures(text)
    memory = {}
    with open(memory_path) as fp:
        next(fp)
        for line in fp:
            id_, kib = line.split()
            memory[id_] = int(kib)
    return rounds, memory


def sort_key(id_):
    path, setup, users = id_.split("/")
    return (PATHS.index(path), 0 if users == "-" else int(users),
            SETUPS.index(setup))


class Summary:
    """Medians over the rounds of each measurement, and ratios within rounds."""

    def __init__(self, rounds, memory):
        self.rounds = rounds
        self.memory = memory

    def median(self, id_, name):
        return statistics.median(f[name] for f in self.rounds[id_].values())

    def worst(self, id_, name):
        return max(f[name] for f in self.rounds[id_].values())

    def ratio(self, id_, base_id, name="rate"):
        """Median over the rounds of id's figure over base's, or None."""
        if base_id not in self.rounds or id_ not in self.rounds:
            return None
        base = self.rounds[base_id]
        values = [f[name] / base[r][name]
                  for r, f in self.rounds[id_].items()
                  if r in base and base[r][name] > 0]
        return statistics.median(values) if values else None

    def cpu(self, id_):
        values = [cpu_us_per_request(f) for f in self.rounds[id_].values()]
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None


def print_table(s):
    header = ("path", "setup", "users", "req/s", "spread", "p50 ms",
              "p99 ms", "max ms", "x bare", "x ceiling", "CPU us/req",
              "VmHWM MiB", "failed")
    rows = []
    for id_ in sorted(s.rounds, key=sort_key):
        path, setup, users = id_.split("/")
        rates = [f["rate"] for f in s.rounds[id_].values()]
        rate = statistics.median(rates)
        to_bare = s.ratio(id_, "%s/bare/-" % path)
        to_ceiling = s.ratio(id_, "%s/ceiling/-" % path)
        cpu = s.cpu(id_)
        kib = s.memory.get(id_)
        failed = sum(failures(f) for f in s.rounds[id_].values())
        rows.append((
            path, setup, users, "%.0f" % rate,
            "%.0f%%" % ((max(rates) - min(rates)) / rate * 100),
            "%.2f" % s.median(id_, "p50_ms"),
            "%.2f" % s.median(id_, "p99_ms"),
            "%.1f" % s.worst(id_, "max_ms"),
            "%.2f" % to_bare if to_bare is not None else "-",
            "%.2f" % to_ceiling if to_ceiling is not None else "-",
            "%.0f" % cpu if cpu is not None else "-",
            "%.1f" % (kib / 1024) if kib is not None else "-",
            str(failed)))
    widths = [max(len(str(r[i])) for r in rows + [header])
              for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(v).rjust(w) if i > 2 else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(r, widths))))
    print()
    print("req/s and latencies: medians over rounds; spread: (max - min) / "
          "median of req/s; x bare, x ceiling: median of the ratios within "
          "each round; max: the slowest request of all rounds; CPU us/req: "
          "the authorizer's user + system time per request; failed: "
          "requests that were not answered 2xx (HTTP) or 200 (direct).")


def check(label, ok, text):
    print("  %-6s %-48s %s" % ("met" if ok else "MISSED", label, text))
    return ok


def print_targets(s):
    ids = set(s.rounds)
    user_counts = sorted({int(i.split("/")[2]) for i in ids
                          if i.split("/")[2] != "-"})
    paths = [p for p in PATHS if any(i.startswith(p + "/") for i in ids)]
    print()
    print("targets")
    missed = 0

    for path in paths:
        ceiling = "%s/ceiling/-" % path
        for n in user_counts:
            normal = "%s/normal/%d" % (path, n)
            full = "%s/full/%d" % (path, n)
            if path != "direct" and normal in ids and ceiling in ids:
                r = s.ratio(normal, ceiling)
                missed += not check(
                    "%s normal %d users: req/s x ceiling" % (path, n),
                    r >= RATIO_TO_CEILING_MIN,
                    "%.2f (target >= %.2f)" % (r, RATIO_TO_CEILING_MIN))
                d = s.median(normal, "p99_ms") - s.median(ceiling, "p99_ms")
                missed += not check(
                    "%s normal %d users: p99 over ceiling" % (path, n),
                    d <= P99_OVER_CEILING_MAX_MS,
                    "%+.2f ms (target <= %.1f ms)" % (
                        d, P99_OVER_CEILING_MAX_MS))
            if normal in ids and full in ids:
                r = s.ratio(full, normal)
                missed += not check(
                    "%s %d users: req/s full x normal" % (path, n),
                    r >= FULL_OVER_NORMAL_MIN,
                    "%.2f (target >= %.2f)" % (r, FULL_OVER_NORMAL_MIN))
        if len(user_counts) > 1:
            smallest, largest = user_counts[0], user_counts[-1]
            for d in ("normal", "full"):
                a = "%s/%s/%d" % (path, d, smallest)
                b = "%s/%s/%d" % (path, d, largest)
                if a in ids and b in ids:
                    r = s.median(b, "rate") / s.median(a, "rate")
                    missed += not check(
                        "%s %s: req/s %d users x %d users" % (
                            path, d, largest, smallest),
                        r >= 1 - USERS_SPREAD_MAX,
                        "%.2f (target >= %.2f)" % (r, 1 - USERS_SPREAD_MAX))
        worst = [(s.worst(i, "max_ms"), i) for i in ids
                 if i.startswith(path + "/")
                 and i.split("/")[1] in ("normal", "full")]
        if worst:
            ms, id_ = max(worst)
            # The setups without a database show what the machine adds.
            context = "".join(
                ", %s %.1f ms" % (setup, s.worst(other, "max_ms"))
                for setup in ("bare", "ceiling")
                for other in ["%s/%s/-" % (path, setup)] if other in ids)
            missed += not check(
                "%s: slowest Dripline request" % path,
                ms <= MAX_LATENCY_MS,
                "%.1f ms in %s%s (target <= %.0f ms)" % (
                    ms, id_, context, MAX_LATENCY_MS))

    largest = user_counts[-1] if user_counts else None
    for id_, kib in sorted(s.memory.items(), key=lambda x: sort_key(x[0])):
        path, setup, users = id_.split("/")
        if users != str(largest):
            continue
        # nginx loads the standalone authorizer that direct measures.
        if path == "direct" and "nginx/%s/%s" % (setup, users) in s.memory:
            continue
        missed += not check(
            "authorizer VmHWM, %s %s %s users" % (path, setup, users),
            kib <= VMHWM_MAX_KIB,
            "%.1f MiB (target <= %.0f MiB)" % (kib / 1024,
                                               VMHWM_MAX_KIB / 1024))
    print("  %d target(s) missed" % missed)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--line":
        print_line(*sys.argv[2:])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    s = Summary(*load(sys.argv[1], sys.argv[2]))
    print_table(s)
    print_targets(s)


if __name__ == "__main__":
    main()

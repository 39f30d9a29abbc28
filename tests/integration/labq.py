# SPDX-License-Identifier: GPL-2.0-or-later
"""labq.py - reading the lab's logs (imported by the check_py snippets of lib.sh and by demo.sh).

Standard library only. Every time is CLOCK_MONOTONIC seconds.

  load(path)                     -> list of dicts (JSON lines; a torn last line is skipped)
  summary(name)                  -> a deco summary, $LAB_TMP/NAME.json
  igmp(log, src=, type=)         -> the emulator's "igmp" lines, filtered
  groups_of(msg)                 -> the groups a report/leave is about
  reports(log, group, src=)      -> times of the reports (v1/v2/v3) that name group
  events(log, ev, group=)        -> membership events ("join", "refresh", "expire", "leave", ...)
  intervals(times)               -> consecutive differences
  stats(xs)                      -> dict(n, mean, min, max, median)
  fmt(st)                        -> "n=.. mean=.. min=.. max=.."
"""

import json
import os
import statistics
import sys

REPORT_TYPES = ("v1_report", "v2_report", "v3_report")


def tmp(name):
    return os.path.join(os.environ.get("LAB_TMP", "."), name)


def load(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return out


def upstream():
    return load(os.environ.get("LAB_UPSTREAM_LOG") or tmp("upstream.jsonl"))


def summary(name):
    with open(tmp(name + ".json")) as f:
        return json.load(f)


def igmp(log, src=None, type=None):
    out = []
    for e in log:
        if e.get("ev") != "igmp":
            continue
        if src is not None and e.get("src") != src:
            continue
        if type is not None:
            types = (type,) if isinstance(type, str) else tuple(type)
            if e.get("type") not in types:
                continue
        out.append(e)
    return out


def groups_of(m):
    if m.get("type") == "v3_report":
        return [r["group"] for r in m.get("records", [])]
    if "group" in m:
        return [m["group"]]
    return []


def reports(log, group, src=None):
    return [m["t"] for m in igmp(log, src=src, type=REPORT_TYPES) if group in groups_of(m)]


def events(log, ev, group=None):
    return [e for e in log if e.get("ev") == ev and (group is None or e.get("group") == group)]


def intervals(times):
    return [b - a for a, b in zip(times, times[1:])]


def stats(xs):
    if not xs:
        return {"n": 0, "mean": None, "min": None, "max": None, "median": None}
    return {"n": len(xs), "mean": statistics.fmean(xs), "min": min(xs), "max": max(xs),
            "median": statistics.median(xs)}


def fmt(st, unit="s"):
    if not st["n"]:
        return "n=0"
    return "n=%d mean=%.3f%s min=%.3f%s max=%.3f%s" % (
        st["n"], st["mean"], unit, st["min"], unit, st["max"], unit)


def fail(msg):
    print(msg)
    sys.exit(1)

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ssmq.py - tshark's reading of a link capture, for the source-list tests (test-ssm.sh,
test-compat.sh). Imported by their check_py snippets; also a command line:

  ssmq.py decode PCAP      one JSON line per IGMP message and per UDP datagram of the capture:
      all:   t (CLOCK_MONOTONIC s, like every lab log), src, dst, kind ("igmp" or "udp")
      igmp:  type ("query", "v1_report", "v2_report", "leave", "v3_report"), version (tshark's),
             ttl, ra (Router Alert present);
             queries: group, max_resp (raw code), and for v3: s, qrv, qqic, sources [..];
             v1/v2 reports and leaves: group;
             v3 reports: records [[RECORD, group, [sources...]], ...] in packet order, RECORD one
             of IS_IN IS_EX TO_IN TO_EX ALLOW BLOCK (RFC 3376 4.2.12)
      udp:   dport

Helpers (lists of those dicts in, plain data out):
  load(path)                          JSON lines of a decoded capture
  udp_times(msgs, group, src=None)    arrival times of the datagrams to group (from src)
  by_source(msgs, group, t0, t1)      {source: count} of datagrams to group within [t0, t1)
  records(msgs, src=, group=)         [(t, RECORD, group, sources)] of v3 reports
  queries(msgs, src=)                 the queries
  cap(NAME) / host(NAME)              $LAB_TMP/NAME.jsonl (a decoded capture) / NAME.json
                                      (an ssm-host.py summary)
  sock_counts(h, group, t0, t1)       {source: datagrams its socket for group got in [t0, t1)}
  step_t(h, action, group)            when the host did that step (monotonic s)
  max_gap(times, t0, t1)              the longest time without a packet in [t0, t1]

The dissection is tshark's: this file only regroups its fields (the per-record source lists
come from tshark's igmp.num_src, in record order). Standard library only.
"""

import json
import os
import subprocess
import sys
import time

FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ip.ttl", "ip.proto", "ip.opt.type",
          "udp.dstport", "igmp.type", "igmp.version", "igmp.max_resp", "igmp.s", "igmp.qrv",
          "igmp.qqic", "igmp.num_src", "igmp.saddr", "igmp.num_grp_recs", "igmp.record_type",
          "igmp.maddr"]
TYPES = {0x11: "query", 0x12: "v1_report", 0x16: "v2_report", 0x17: "leave", 0x22: "v3_report"}
RECORDS = {1: "IS_IN", 2: "IS_EX", 3: "TO_IN", 4: "TO_EX", 5: "ALLOW", 6: "BLOCK"}


def _num(s):
    s = s.strip()
    if not s:
        return None
    if s in ("True", "False"):
        return s == "True"
    return int(s, 0)


def _list(s):
    return [x for x in s.split(",") if x]


def decode_lines(path):
    offset = time.time() - time.monotonic()
    cmd = ["tshark", "-n", "-r", path, "-Y", "igmp or udp", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        m = {"t": round(float(v["frame.time_epoch"]) - offset, 6), "src": v["ip.src"],
             "dst": v["ip.dst"]}
        proto = _num(v["ip.proto"].split(",")[0])
        if proto == 17:
            m["kind"] = "udp"
            m["dport"] = _num(v["udp.dstport"])
            yield m
            continue
        if proto != 2:
            continue
        typ = _num(v["igmp.type"].split(",")[0])
        m.update({"kind": "igmp", "type": TYPES.get(typ, "0x%02x" % (typ or 0)),
                  "version": _num(v["igmp.version"]), "ttl": _num(v["ip.ttl"]),
                  "ra": 148 in [_num(x) for x in _list(v["ip.opt.type"])]})
        groups = _list(v["igmp.maddr"])
        srcs = _list(v["igmp.saddr"])
        if typ == 0x22:
            rtypes = [_num(x) for x in _list(v["igmp.record_type"])]
            nsrc = [_num(x) for x in _list(v["igmp.num_src"])]
            recs = []
            k = 0
            for i, (r, g) in enumerate(zip(rtypes, groups)):
                n = nsrc[i] if i < len(nsrc) else 0
                recs.append([RECORDS.get(r, str(r)), g, srcs[k:k + n]])
                k += n
            m["records"] = recs
        else:
            m["group"] = groups[0] if groups else None
        if typ == 0x11:
            m["max_resp"] = _num(v["igmp.max_resp"])
            if m["version"] == 3:
                m["s"] = _num(v["igmp.s"])
                m["qrv"] = _num(v["igmp.qrv"])
                m["qqic"] = _num(v["igmp.qqic"])
                m["sources"] = srcs
        yield m


def load(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def udp_times(msgs, group, src=None):
    return [m["t"] for m in msgs if m["kind"] == "udp" and m["dst"] == group and
            (src is None or m["src"] == src)]


def by_source(msgs, group, t0=float("-inf"), t1=float("inf")):
    n = {}
    for m in msgs:
        if m["kind"] == "udp" and m["dst"] == group and t0 <= m["t"] < t1:
            n[m["src"]] = n.get(m["src"], 0) + 1
    return n


def records(msgs, src=None, group=None):
    out = []
    for m in msgs:
        if m["kind"] != "igmp" or m["type"] != "v3_report" or (src and m["src"] != src):
            continue
        for r, g, s in m["records"]:
            if group is None or g == group:
                out.append((m["t"], r, g, sorted(s)))
    return out


def queries(msgs, src=None):
    return [m for m in msgs if m["kind"] == "igmp" and m["type"] == "query" and
            (src is None or m["src"] == src)]


def tmp(name):
    return os.path.join(os.environ.get("LAB_TMP", "."), name)


def cap(name):
    return load(tmp(name + ".jsonl"))


def host(name):
    with open(tmp(name + ".json")) as f:
        return json.load(f)


def sock_counts(h, group, t0=float("-inf"), t1=float("inf")):
    n = {}
    for f in h["flows"].values():
        if f["group"] == group:
            c = sum(1 for t in f["times"] if t0 <= t < t1)
            if c:
                n[f["source"]] = c
    return n


def step_t(h, action, group):
    for s in h["steps"]:
        if s["action"] == action and s["group"] == group:
            if not s.get("ok"):
                raise AssertionError("step %s %s failed: %s" % (action, group, s.get("error")))
            return s["t"]
    raise AssertionError("no step %s %s" % (action, group))


def max_gap(times, t0, t1):
    ts = [t0] + sorted(t for t in times if t0 <= t <= t1) + [t1]
    return max(b - a for a, b in zip(ts, ts[1:]))


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "decode":
        sys.exit("usage: ssmq.py decode PCAP")
    for m in decode_lines(sys.argv[2]):
        print(json.dumps(m, sort_keys=True, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

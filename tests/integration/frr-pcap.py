#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""frr-pcap.py - the independent parties' side of the FRR tests (frr-lib.sh).

  decode PCAP     tshark's reading of a capture, one JSON line per IGMP message:
                  t (CLOCK_MONOTONIC s, like every lab log), src, dst, ttl, ra (Router Alert
                  option present), type ("query", "v1_report", "v2_report", "leave",
                  "v3_report"), version (tshark's), group (v1/v2 messages and queries),
                  max_resp (tshark's raw code), qrv, qqic, s (v3 queries) and, for v3 reports,
                  records: [[record type, group], ...] in packet order.
  poll            samples FRR's "show ip igmp groups json" every --period s and appends
                  {"t": ..., "groups": {"G": "version", ...}} lines to --out, for --duration s
                  at most (a bounded loop).

The decoding is tshark's, not ours: this file only reshapes tshark's fields. Standard library
only.
"""

import argparse
import json
import subprocess
import sys
import time

FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ip.ttl", "ip.opt.type", "igmp.type",
          "igmp.version", "igmp.max_resp", "igmp.qrv", "igmp.qqic", "igmp.s",
          "igmp.num_grp_recs", "igmp.record_type", "igmp.maddr"]
TYPES = {0x11: "query", 0x12: "v1_report", 0x16: "v2_report", 0x17: "leave", 0x22: "v3_report"}
RECORD_NAMES = {1: "MODE_IS_INCLUDE", 2: "MODE_IS_EXCLUDE", 3: "CHANGE_TO_INCLUDE",
                4: "CHANGE_TO_EXCLUDE", 5: "ALLOW_NEW_SOURCES", 6: "BLOCK_OLD_SOURCES"}


def num(s):
    s = s.strip()
    if not s:
        return None
    if s in ("True", "False"):
        return s == "True"
    return int(s, 0)


def decode(path):
    # Wall clock and monotonic clock differ by a constant: tshark gives epoch times.
    offset = time.time() - time.monotonic()
    cmd = ["tshark", "-n", "-r", path, "-Y", "igmp", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        typ = num(v["igmp.type"].split(",")[0])
        opts = [num(x) for x in v["ip.opt.type"].split(",") if x]
        m = {
            "t": round(float(v["frame.time_epoch"]) - offset, 6),
            "src": v["ip.src"],
            "dst": v["ip.dst"],
            "ttl": num(v["ip.ttl"]),
            "ra": 148 in opts,
            "type": TYPES.get(typ, "0x%02x" % (typ or 0)),
            "version": num(v["igmp.version"]),
        }
        groups = [g for g in v["igmp.maddr"].split(",") if g]
        if typ == 0x22:
            rtypes = [num(x) for x in v["igmp.record_type"].split(",") if x]
            m["n_records"] = num(v["igmp.num_grp_recs"])
            m["records"] = [[RECORD_NAMES.get(r, str(r)), g] for r, g in zip(rtypes, groups)]
        else:
            m["group"] = groups[0] if groups else None
        if typ == 0x11:
            m["max_resp"] = num(v["igmp.max_resp"])
            if m["version"] == 3:
                m["qrv"] = num(v["igmp.qrv"])
                m["qqic"] = num(v["igmp.qqic"])
                m["s"] = num(v["igmp.s"])
        print(json.dumps(m, sort_keys=True))


def poll(a):
    end = time.monotonic() + min(a.duration, 600)
    with open(a.out, "a") as f:
        while time.monotonic() < end:
            t = time.monotonic()
            try:
                r = subprocess.run(["vtysh", "--vty_socket", a.vty_socket, "-c",
                                    "show ip igmp groups json"], capture_output=True, text=True,
                                   timeout=5)
                d = json.loads(r.stdout or "{}")
                groups = {g["group"]: g.get("version") for g in d.get(a.iface, {}).get("groups", [])}
                f.write(json.dumps({"t": round(t, 6), "groups": groups}) + "\n")
            except (subprocess.TimeoutExpired, ValueError) as e:
                f.write(json.dumps({"t": round(t, 6), "error": str(e)}) + "\n")
            f.flush()
            time.sleep(max(0.0, a.period - (time.monotonic() - t)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("decode")
    d.add_argument("pcap")
    q = sub.add_parser("poll")
    q.add_argument("--vty-socket", required=True)
    q.add_argument("--iface", default="up0")
    q.add_argument("--period", type=float, default=0.2)
    q.add_argument("--duration", type=float, default=300.0)
    q.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "decode":
        decode(a.pcap)
    else:
        if a.period < 0.05:
            p.error("--period >= 0.05")
        poll(a)


if __name__ == "__main__":
    sys.exit(main())

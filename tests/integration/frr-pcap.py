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
  gate            the same sampling, and a multicast stream (mcast-src.py's format, every
                  --interval-ms, TTL 16, from --source out of --iface) to each --group only
                  while FRR lists it: what a router forwards is what it has a membership for,
                  so a set-top box behind the proxy has a picture exactly while FRR keeps the
                  group. (FRR's own PIM forwarding would need an RP and a source network; the
                  membership is what these tests are about.)

  query           sends one IGMPv2 general query with a hand-made IP header (IP_HDRINCL) out
                  of --iface: --src, --ttl, --no-ra (no Router Alert option), for the
                  validation checks (RFC 2236 2, RFC 3376 4 and 9).

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


def groups_of_frr(a):
    r = subprocess.run(["vtysh", "--vty_socket", a.vty_socket, "-c", "show ip igmp groups json"],
                       capture_output=True, text=True, timeout=5)
    d = json.loads(r.stdout or "{}")
    return {g["group"]: g.get("version") for g in d.get(a.iface, {}).get("groups", [])}


def gate(a):
    import ipaddress
    import socket
    import struct
    for g in a.group:
        if ipaddress.ip_address(g) not in ipaddress.ip_network("239.0.0.0/8"):
            sys.exit("group %s outside 239.0.0.0/8" % g)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a.source, 0))
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 16)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(a.iface)))
    end = time.monotonic() + min(a.duration, 600)
    step = a.interval_ms / 1000.0
    seq = 0
    listed = {}
    next_poll = 0.0
    with open(a.out, "a") as f:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_poll:
                try:
                    listed = groups_of_frr(a)
                    f.write(json.dumps({"t": round(now, 6), "groups": listed}) + "\n")
                except (subprocess.TimeoutExpired, ValueError) as e:
                    f.write(json.dumps({"t": round(now, 6), "error": str(e)}) + "\n")
                f.flush()
                next_poll = now + a.period
            for g in a.group:
                if g in listed:
                    pl = ("IPX1 %d %s %s %.6f " % (seq, g, a.source, time.monotonic())).encode()
                    pl += b"." * max(0, 64 - len(pl))
                    try:
                        u.sendto(pl, (g, 5000))
                    except OSError:
                        pass
            seq += 1
            time.sleep(max(0.0, step - (time.monotonic() - now)))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def send_query(a):
    import ipaddress
    import socket
    import struct
    if ipaddress.ip_address(a.src) not in ipaddress.ip_network("198.18.0.0/15"):
        sys.exit("source outside 198.18.0.0/15")
    igmp = bytearray(struct.pack("!BBH4s", 0x11, 10, 0, socket.inet_aton("0.0.0.0")))
    struct.pack_into("!H", igmp, 2, csum(bytes(igmp)))
    opts = b"" if a.no_ra else bytes([0x94, 4, 0, 0])
    ihl = (20 + len(opts)) // 4
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xC0, 4 * ihl + len(igmp), 0, 0, a.ttl, 2, 0,
                                socket.inet_aton(a.src), socket.inet_aton("224.0.0.1")) + opts)
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.sendto(bytes(hdr + igmp), ("224.0.0.1", 0))


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
    g = sub.add_parser("gate")
    g.add_argument("--vty-socket", required=True)
    g.add_argument("--iface", default="up0")
    g.add_argument("--source", default="198.18.0.1")
    g.add_argument("--group", action="append", required=True)
    g.add_argument("--period", type=float, default=0.1)
    g.add_argument("--interval-ms", type=float, default=20.0)
    g.add_argument("--duration", type=float, default=300.0)
    g.add_argument("--out", required=True)
    q = sub.add_parser("query")
    q.add_argument("--iface", default="up0")
    q.add_argument("--src", required=True)
    q.add_argument("--ttl", type=int, default=1)
    q.add_argument("--no-ra", action="store_true")
    a = p.parse_args()
    if a.cmd == "query":
        send_query(a)
    elif a.cmd == "gate":
        if a.period < 0.05 or a.interval_ms < 5 or len(a.group) > 16:
            p.error("--period >= 0.05, --interval-ms >= 5, at most 16 groups")
        gate(a)
    elif a.cmd == "decode":
        decode(a.pcap)
    else:
        if a.period < 0.05:
            p.error("--period >= 0.05")
        poll(a)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hostile-gen.py - rate-bounded IGMP junk (and floods of valid reports) for the netns lab.

Run inside a lab namespace (a deco's, or the UP one). Builds every packet itself and sends it
with a raw IP_HDRINCL socket out of --iface (multicast: IP_MULTICAST_IF; TTL 1 and the Router
Alert option like a real host unless the category says otherwise); IGMP messages over the MTU
go through a raw IGMP socket so the kernel fragments them.

Modes:
  lan       a mix of categories (weights in LAN_MIX): random bytes, truncated messages, wrong
            checksums, IGMPv3 reports whose record/source counts overflow the packet, queries
            with absurd Max Resp Codes (from --src, never a lower address than the router's),
            well-formed reports for 224.0.0.x, well-formed reports from spoofed sources of
            --spoof-net (other subnets), unknown types, messages larger than 9000 bytes.
            Junk groups are random in 239.255.0.0/16 (never a group a deco watches).
  upstream  well-formed v2/v3 reports and leaves for junk groups from --src (as if a host on
            the upstream link reported), plus some junk: for sending from the UP namespace.
  groups    well-formed IGMPv2 reports from --src for --count distinct groups from
            --group-base on (the per-interface group cap).

Bounds: --count <= 200000 packets, --duration <= 60 s, paced evenly (count / duration per
second, in 2 ms steps); the run stops at count or at duration + 5 s, whichever comes first.
Addresses are checked: sources in 198.18.0.0/15, groups in 239.0.0.0/8 or 224.0.0.0/24.
Writes a JSON summary (--stats): sent and send errors per category, start/end (CLOCK_MONOTONIC).
Standard library only (/usr/bin/python3).
"""

import argparse
import ipaddress
import json
import random
import socket
import struct
import sys
import time

LAB_SRC = ipaddress.ip_network("198.18.0.0/15")
LAB_GROUPS = ipaddress.ip_network("239.0.0.0/8")
LINK_LOCAL = ipaddress.ip_network("224.0.0.0/24")
IPOPT_RA = bytes([0x94, 4, 0, 0])
MAX_COUNT = 200000
MAX_DURATION = 60.0

# category -> weight (lan mode)
LAN_MIX = [
    ("random", 16), ("truncated", 15), ("badcsum", 15), ("v3overflow", 15), ("query", 8),
    ("linklocal", 10), ("spoofed", 15), ("unknown", 5), ("oversized", 1),
]
UP_MIX = [("upreport", 80), ("upjunk", 20)]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def with_csum(msg, bad=False):
    """msg with its checksum field (octets 2-3) filled in (wrong on purpose if bad)."""
    if len(msg) < 4:
        return msg
    m = bytearray(msg)
    m[2:4] = b"\0\0"
    c = csum(bytes(m))
    if bad:
        c ^= random.choice((0x0001, 0x0100, 0x8000, 0xFFFF)) or 1
    m[2:4] = struct.pack("!H", c)
    return bytes(m)


def aton(a):
    return socket.inet_aton(a)


class Gen:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        random.seed(a.seed + 1)
        self.ifindex = socket.if_nametoindex(a.iface)
        self.src = a.src
        self.spoof = [ipaddress.ip_network(n) for n in a.spoof_net]
        self.avoid = set(a.avoid_group)
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, self.ifindex))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self.raw = s
        b = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
        b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, self.ifindex))
        b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        b.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, IPOPT_RA)
        b.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: fragment
        b.bind((a.src, 0))
        self.big = b
        self.sent = {}
        self.errors = {}
        self.last_error = {}

    # --- addresses ------------------------------------------------------------------
    def junk_group(self):
        while True:
            g = "239.255.%d.%d" % (self.rng.randrange(256), self.rng.randrange(1, 256))
            if g not in self.avoid:
                return g

    def ll_group(self):
        return "224.0.0.%d" % self.rng.choice((3, 4, 5, 6, 9, 13, 18, 100, 200, 251, 252, 255))

    def spoofed_src(self):
        n = self.rng.choice(self.spoof)
        return str(n.network_address + self.rng.randrange(1, n.num_addresses - 1))

    # --- IGMP messages -----------------------------------------------------------------
    def v2(self, t, group, code=0, bad=False):
        return with_csum(struct.pack("!BBH4s", t, code, 0, aton(group)), bad)

    def v3_report(self, recs, bad=False, nrec=None):
        body = b""
        for rtype, group, srcs, aux in recs:
            body += struct.pack("!BBH4s", rtype, len(aux) // 4, len(srcs), aton(group))
            body += b"".join(aton(x) for x in srcs) + aux
        n = len(recs) if nrec is None else nrec
        return with_csum(struct.pack("!BBHHH", 0x22, 0, 0, 0, n) + body, bad)

    def v3_query(self, group, code, qrv, qqic, srcs, nsrc=None):
        n = len(srcs) if nsrc is None else nsrc
        m = struct.pack("!BBH4sBBH", 0x11, code, 0, aton(group), qrv & 0x0F, qqic, n)
        return with_csum(m + b"".join(aton(x) for x in srcs))

    # --- sending -----------------------------------------------------------------------------
    def ip(self, src, dst, payload, ttl=1, ra=True):
        opts = IPOPT_RA if ra else b""
        ihl = 5 + len(opts) // 4
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xC0, 20 + len(opts) + len(payload),
                        self.rng.randrange(65536), 0, ttl, socket.IPPROTO_IGMP, 0, aton(src), aton(dst))
        h = h[:10] + struct.pack("!H", csum(h + opts)) + h[12:]
        return h + opts + payload

    def send(self, cat, src, dst, payload, ttl=1, ra=True):
        try:
            self.raw.sendto(self.ip(src, dst, payload, ttl, ra), (dst, 0))
            self.sent[cat] = self.sent.get(cat, 0) + 1
        except OSError as e:
            self.errors[cat] = self.errors.get(cat, 0) + 1
            self.last_error[cat] = str(e)

    def send_big(self, cat, dst, payload):
        try:
            self.big.sendto(payload, (dst, 0))
            self.sent[cat] = self.sent.get(cat, 0) + 1
        except OSError as e:
            self.errors[cat] = self.errors.get(cat, 0) + 1
            self.last_error[cat] = str(e)

    # --- categories --------------------------------------------------------------------------
    def any_dst(self):
        return self.rng.choice(("224.0.0.1", "224.0.0.2", "224.0.0.22", self.a.router))

    def c_random(self):
        n = self.rng.randrange(0, 65)
        b = bytearray(self.rng.randrange(256) for _ in range(n))
        if n >= 8 and csum(bytes(b)) == 0:
            b[2] ^= 0xFF          # never a valid message by chance
        self.send("random", self.src, self.any_dst(), bytes(b), ttl=self.rng.choice((1, 1, 2, 64)),
                  ra=self.rng.random() < 0.5)

    def c_truncated(self):
        k = self.rng.randrange(4)
        g = self.junk_group()
        if k == 0:        # v1/v2 message cut short
            m = self.v2(self.rng.choice((0x12, 0x16, 0x17, 0x11)), g)[:self.rng.randrange(1, 8)]
            m = with_csum(m) if len(m) >= 4 else m
        elif k == 1:      # v3 query of 9..11 octets
            m = with_csum(self.v3_query("0.0.0.0", 10, 2, 125, [])[:self.rng.randrange(9, 12)])
        elif k == 2:      # v3 report header only, records announced
            m = with_csum(struct.pack("!BBHHH", 0x22, 0, 0, 0, self.rng.randrange(1, 100)))
        else:             # v3 report cut inside its first record
            full = self.v3_report([(2, g, [], b"")])
            m = with_csum(full[:self.rng.randrange(9, len(full))])
        self.send("truncated", self.src, self.rng.choice(("224.0.0.22", "224.0.0.2", g)), m)

    def c_badcsum(self):
        g = self.junk_group()
        k = self.rng.randrange(4)
        if k == 0:
            m, dst = self.v2(0x16, g, bad=True), g
        elif k == 1:
            m, dst = self.v2(0x17, g, bad=True), "224.0.0.2"
        elif k == 2:
            m, dst = self.v3_report([(4, g, [], b"")], bad=True), "224.0.0.22"
        else:
            m, dst = self.v2(0x12, g, bad=True), g
        self.send("badcsum", self.src, dst, m)

    def c_v3overflow(self):
        g = self.junk_group()
        k = self.rng.randrange(4)
        if k == 0:      # many records announced, one partial
            m = self.v3_report([(2, g, [], b"")], nrec=self.rng.randrange(2, 65536))
            m = with_csum(m[:8 + self.rng.randrange(0, 8)])
        elif k == 1:    # a record announcing 65535 sources, carrying 3
            body = struct.pack("!BBH4s", 2, 0, 0xFFFF, aton(g)) + b"".join(
                aton("198.18.0.%d" % i) for i in (1, 2, 3))
            m = with_csum(struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + body)
        elif k == 2:    # aux data length 255 words, none present
            body = struct.pack("!BBH4s", 4, 255, 0, aton(g))
            m = with_csum(struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + body)
        else:           # nrec 65535 with 3 complete records of junk groups, then nothing
            m = self.v3_report([(4, self.junk_group(), [], b"") for _ in range(3)], nrec=0xFFFF)
        self.send("v3overflow", self.src, "224.0.0.22", m)

    def c_query(self):
        k = self.rng.randrange(5)
        if k == 0:      # v2 general query, absurd max resp
            m, dst = self.v2(0x11, "0.0.0.0", code=self.rng.choice((1, 255))), "224.0.0.1"
        elif k == 1:    # v3 general query, max codes everywhere
            m, dst = self.v3_query("0.0.0.0", 0xFF, 7, 0xFF, []), "224.0.0.1"
        elif k == 2:    # v3 query announcing 65535 sources, carrying none
            m, dst = self.v3_query("0.0.0.0", self.rng.choice((0, 1, 0x80, 0xFF)), 0, 0, [], nsrc=0xFFFF), "224.0.0.1"
        elif k == 3:    # group-specific queries for junk groups
            g = self.junk_group()
            m, dst = self.v3_query(g, self.rng.choice((0, 1, 0xFF)), 7, 0xFF, []), g
        else:           # a query whose group is not multicast
            m, dst = self.v2(0x11, "198.18.1.200", code=100), "224.0.0.1"
        self.send("query", self.src, dst, m)

    def c_linklocal(self):
        g = self.ll_group()
        k = self.rng.randrange(3)
        if k == 0:
            m, dst = self.v2(0x16, g), "224.0.0.2"
        elif k == 1:
            m, dst = self.v3_report([(4, g, [], b""), (4, self.ll_group(), [], b"")]), "224.0.0.22"
        else:
            m, dst = self.v2(0x16, g), self.a.router
        self.send("linklocal", self.src, dst, m)

    def c_spoofed(self):
        g = self.junk_group()
        if self.rng.random() < 0.5:
            m, dst = self.v2(0x16, g), g
        else:
            m, dst = self.v3_report([(4, g, [], b"")]), "224.0.0.22"
        self.send("spoofed", self.spoofed_src(), dst, m)

    def c_unknown(self):
        t = self.rng.choice((0x13, 0x14, 0x1E, 0x1F, 0x30, 0x31, 0x32, 0xFF))
        m = with_csum(struct.pack("!BBH4s", t, self.rng.randrange(256), 0, aton(self.junk_group()))
                      + bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(0, 16))))
        self.send("unknown", self.src, "224.0.0.1", m)

    def c_oversized(self):
        if self.rng.random() < 0.5:
            # a well-formed v3 report of ~1500 records for link-local groups (never joinable)
            recs = [(4, self.ll_group(), [], b"") for _ in range(1500)]
            m = self.v3_report(recs)
        else:
            m = with_csum(struct.pack("!BBH4s", 0x16, 0, 0, aton(self.junk_group()))
                          + bytes(12000), bad=True)
        self.send_big("oversized", "224.0.0.22", m)

    def c_upreport(self):
        g = self.junk_group()
        k = self.rng.randrange(3)
        if k == 0:
            m, dst = self.v2(0x16, g), g
        elif k == 1:
            m, dst = self.v3_report([(4, g, [], b"")]), "224.0.0.22"
        else:
            m, dst = self.v2(0x17, g), "224.0.0.2"
        self.send("upreport", self.src, dst, m)

    def c_upjunk(self):
        self.rng.choice((self.c_random, self.c_badcsum, self.c_v3overflow))()

    # --- the run ----------------------------------------------------------------------------
    def run(self):
        a = self.a
        if a.mode == "groups":
            base = int(ipaddress.ip_address(a.group_base))

            def one(i):
                g = str(ipaddress.ip_address(base + i))
                self.send("groupreport", self.src, g, self.v2(0x16, g))
        else:
            mix = LAN_MIX if a.mode == "lan" else UP_MIX
            cats = [getattr(self, "c_" + c) for c, _ in mix]
            weights = [w for _, w in mix]
            seq = self.rng.choices(cats, weights, k=a.count)

            def one(i):
                seq[i]()
        start = time.monotonic()
        hard_end = start + a.duration + 5
        i = 0
        while i < a.count:
            now = time.monotonic()
            if now >= hard_end:
                break
            due = min(a.count, int((now - start) / a.duration * a.count) + 1)
            while i < due:
                one(i)
                i += 1
            time.sleep(0.002)
        end = time.monotonic()
        return {"mode": a.mode, "iface": a.iface, "src": a.src, "count": a.count, "done": i,
                "start": round(start, 6), "end": round(end, 6), "sent": self.sent,
                "errors": self.errors, "last_error": self.last_error,
                "rate": round(i / max(end - start, 1e-6), 1)}


def main():
    p = argparse.ArgumentParser(description="Rate-bounded IGMP junk for the netns lab")
    p.add_argument("--mode", choices=("lan", "upstream", "groups"), required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--src", required=True, help="this host's address (198.18.0.0/15)")
    p.add_argument("--router", default="198.18.1.1", help="the router's address on this link")
    p.add_argument("--spoof-net", action="append", default=[], metavar="CIDR",
                   help="spoofed sources (inside 198.18.0.0/15), repeatable")
    p.add_argument("--avoid-group", action="append", default=[], metavar="G")
    p.add_argument("--group-base", default="239.16.0.0")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stats", metavar="FILE")
    a = p.parse_args()

    if not 1 <= a.count <= MAX_COUNT or not 0.1 <= a.duration <= MAX_DURATION:
        p.error("--count 1..%d, --duration 0.1..%g" % (MAX_COUNT, MAX_DURATION))
    for x in [a.src, a.router]:
        if ipaddress.ip_address(x) not in LAB_SRC:
            p.error("%s is outside 198.18.0.0/15" % x)
    for n in a.spoof_net:
        net = ipaddress.ip_network(n)
        if not net.subnet_of(LAB_SRC) or net.num_addresses < 4:
            p.error("--spoof-net %s: must be a /30 or larger inside 198.18.0.0/15" % n)
    if a.mode == "lan" and not a.spoof_net:
        p.error("--mode lan needs --spoof-net")
    if a.mode == "groups":
        first = ipaddress.ip_address(a.group_base)
        last = first + (a.count - 1)
        if first not in LAB_GROUPS or last not in LAB_GROUPS:
            p.error("groups %s..%s not inside 239.0.0.0/8" % (first, last))
    for g in a.avoid_group:
        ipaddress.ip_address(g)

    res = Gen(a).run()
    text = json.dumps(res, sort_keys=True)
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

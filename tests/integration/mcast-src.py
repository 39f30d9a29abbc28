#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mcast-src.py - a plain multicast source for the netns lab: sends the upstream emulator's test
stream format ("IPX1 seq group source t_send ...", what deco.py measures) to fixed groups every
--interval-ms, whether anyone asked for them or not. For scenarios where the emulator must only
track memberships (upstream-emu.py --no-stream), e.g. thousands of groups held upstream of which
only the decos' few must carry a stream.

Bounded: at most 16 groups, --interval-ms >= 5, --duration <= 600 s; groups in 239.0.0.0/8,
source in 198.18.0.0/15. TTL 16 (pitfall 1). Standard library only.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time


def main():
    p = argparse.ArgumentParser(description="Fixed multicast test stream for the netns lab")
    p.add_argument("--iface", default="up0")
    p.add_argument("--source", default="198.18.0.1")
    p.add_argument("--group", action="append", required=True, metavar="G")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--interval-ms", type=float, default=20.0)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--ttl", type=int, default=16)
    p.add_argument("--payload", type=int, default=64)
    a = p.parse_args()
    if len(a.group) > 16 or a.interval_ms < 5 or not 0 < a.duration <= 600:
        p.error("at most 16 groups, --interval-ms >= 5, --duration 0..600")
    if ipaddress.ip_address(a.source) not in ipaddress.ip_network("198.18.0.0/15"):
        p.error("source outside 198.18.0.0/15")
    for g in a.group:
        if ipaddress.ip_address(g) not in ipaddress.ip_network("239.0.0.0/8"):
            p.error("group %s outside 239.0.0.0/8" % g)
    ifindex = socket.if_nametoindex(a.iface)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a.source, 0))
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, ifindex))
    start = time.monotonic()
    end = start + a.duration
    step = a.interval_ms / 1000.0
    nxt = start
    seq = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now < nxt:
            time.sleep(min(nxt - now, end - now))
            continue
        for g in a.group:
            pl = ("IPX1 %d %s %s %.6f " % (seq, g, a.source, time.monotonic())).encode()
            pl += b"." * max(0, a.payload - len(pl))
            try:
                u.sendto(pl, (g, a.port))
            except OSError:
                pass
        seq += 1
        nxt += step
        if nxt < now:
            nxt = now + step
    return 0


if __name__ == "__main__":
    sys.exit(main())

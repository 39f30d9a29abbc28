#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""upstream.py - the benchmark's emulated ISP router: streams a group the instant it hears a
report for it, then keeps streaming. Runs in the UP namespace.

What it does:
  * hears every IGMP message on its links (a raw IGMP socket that is also a registered
    multicast router, MRT_INIT + one VIF per link, joined to 224.0.0.2 and 224.0.0.22:
    pitfall 5), stamped by the kernel on arrival (SO_TIMESTAMPNS);
  * on a report for a group it does not stream yet on that link: sends the first UDP packet
    at once, from the link's own address, then one every --interval-ms;
  * stops a group on a v2 leave or a v3 TO_IN{}/IS_IN{}, or --max-hold seconds after the
    last report for it (a safety bound: every stream ends);
  * logs one JSON line per membership change to --log:
      {"ev":"join","if","g","src","rx","tx"}   rx = report arrival (kernel), tx = just before the first send
      {"ev":"leave","if","g","src","rx"}        (every time: CLOCK_REALTIME nanoseconds)
      {"ev":"ready"} / {"ev":"exit","sent"}

What it does not: query, keep per-source state, forward anything, or log every report.
Links are given as --iface NAME:ADDRESS (the address streams are sent from). The several
links are independent: a report heard on up1 streams on up1 only.
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys

import bpkt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", action="append", required=True, metavar="NAME:ADDR")
    ap.add_argument("--interval-ms", type=float, default=20.0)
    ap.add_argument("--max-hold", type=float, default=5.0, metavar="S")
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--ttl", type=int, default=16)
    ap.add_argument("--payload", type=int, default=64)
    ap.add_argument("--duration", type=float, default=3600.0, metavar="S",
                    help="exit after S seconds at most (default 3600)")
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    logf = open(a.log, "a", buffering=1)

    def log(**kw):
        logf.write(json.dumps(kw, separators=(",", ":")) + "\n")

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append("term"))
    signal.signal(signal.SIGINT, lambda *_: stop.append("int"))
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)

    links = {}          # ifindex -> (name, udp socket)
    own = set()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, bpkt.MRT_INIT, struct.pack("i", 1))
    for vif, spec in enumerate(a.iface):
        name, addr = spec.split(":")
        ifindex = socket.if_nametoindex(name)
        s.setsockopt(socket.IPPROTO_IP, bpkt.MRT_ADD_VIF,
                     struct.pack("=HBBIi4s", vif, bpkt.VIFF_USE_IFINDEX, 1, 0, ifindex,
                                 b"\0\0\0\0"))
        for g in ("224.0.0.2", "224.0.0.22"):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         struct.pack("4s4si", socket.inet_aton(g), b"\0" * 4, ifindex))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((addr, 0))
        u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
        u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, ifindex))
        u.setblocking(False)
        links[ifindex] = (name, u)
        own.add(socket.inet_aton(addr))
    s.setsockopt(socket.IPPROTO_IP, bpkt.IP_PKTINFO, 1)
    bpkt.enable_timestamps(s)
    bpkt.big_rcvbuf(s)
    s.setblocking(False)

    held = {}           # (ifindex, group bytes) -> [deadline ns, seq]
    sent = 0
    interval = int(a.interval_ms * 1e6)
    max_hold = int(a.max_hold * 1e9)
    pad = b"." * max(0, a.payload - 32)

    def send(key):
        nonlocal sent
        ifindex, g = key
        st = held[key]
        t = bpkt.now_ns()
        try:
            links[ifindex][1].sendto(b"BNCH %d %s " % (st[1], socket.inet_ntoa(g).encode()) + pad,
                                     (socket.inet_ntoa(g), a.port))
            sent += 1
        except OSError:
            pass
        st[1] += 1
        return t

    start = bpkt.now_ns()
    end = start + int(a.duration * 1e9)
    next_send = start + interval
    log(ev="ready", pid=os.getpid(), t=start)
    while not stop:
        now = bpkt.now_ns()
        if now >= end:
            break
        timeout = (min(end, next_send) - now) / 1e9 if held else (end - now) / 1e9
        try:
            r, _, _ = select.select([s, wake_r], [], [], max(0.0, min(timeout, 1.0)))
        except InterruptedError:
            r = []
        if wake_r in r:
            try:
                os.read(wake_r, 64)
            except BlockingIOError:
                pass
        if s in r:
            for _ in range(1024):
                try:
                    pkt, anc, _, _ = s.recvmsg(2048, bpkt.CMSG_SPACE)
                except (BlockingIOError, InterruptedError):
                    break
                rx, ifindex = bpkt.ancillary(anc)
                d = bpkt.parse_ip(pkt)
                if d is None or d[0] != "igmp" or d[1] in own or ifindex not in links:
                    continue
                src = socket.inet_ntoa(d[1])
                for kind, g in d[3]:
                    key = (ifindex, g)
                    if kind == "join":
                        if key in held:
                            held[key][0] = rx + max_hold
                            continue
                        held[key] = [rx + max_hold, 0]
                        tx = send(key)
                        log(ev="join", rx=rx, tx=tx,
                            g=socket.inet_ntoa(g), src=src, **{"if": links[ifindex][0]})
                    elif kind == "leave" and key in held:
                        del held[key]
                        log(ev="leave", rx=rx, g=socket.inet_ntoa(g), src=src,
                            **{"if": links[ifindex][0]})
        now = bpkt.now_ns()
        if now >= next_send:
            for key in list(held):
                if held[key][0] <= now:
                    del held[key]
                    log(ev="expire", t=now, g=socket.inet_ntoa(key[1]), **{"if": links[key[0]][0]})
                else:
                    send(key)
            next_send += interval
            if next_send < now:
                next_send = now + interval
    log(ev="exit", sent=sent, reason=stop[0] if stop else "duration")
    try:
        s.setsockopt(socket.IPPROTO_IP, bpkt.MRT_DONE, struct.pack("i", 1))
    except OSError:
        pass
    logf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ssm-host.py - an IGMPv3 host with source filters in its netns, for the source-list tests.

What it does:
  * one UDP socket per group named in the script, each bound to --port with IP_MULTICAST_ALL
    off, so each receives only what its own membership and source filter let through (with
    the Linux default, IP_MULTICAST_ALL on, a socket gets every group any socket of the host
    joined): the filter of one group's socket is the kernel's per-socket filter under test;
  * follows a script of --step "T ACTION GROUP [SOURCE]" (T: seconds after its start), on
    --iface, with the kernel's own IGMP stack sending the reports:
        join     G       IP_ADD_MEMBERSHIP            (any source: EXCLUDE {})
        leave    G       IP_DROP_MEMBERSHIP
        join-src G S     IP_ADD_SOURCE_MEMBERSHIP     (INCLUDE, adds S)
        drop-src G S     IP_DROP_SOURCE_MEMBERSHIP    (INCLUDE, removes S)
        block    G S     IP_BLOCK_SOURCE              (EXCLUDE, adds S to the excluded)
        unblock  G S     IP_UNBLOCK_SOURCE
  * counts the datagrams of the lab's stream format ("IPX1 seq group source t_send ...", what
    upstream-emu.py and mcast-src.py send) per (socket's group, IP source address): count,
    first and last arrival, largest gap, and every arrival time (ms precision, at most
    --max-times a flow); a datagram whose payload names another group counts as "foreign";
  * at the end (--duration, SIGTERM or SIGINT) writes one JSON document to --out (default
    stdout): "start", "end", "steps" (each with its monotonic time "t", "ok" and "error"),
    "flows" {"GROUP SOURCE": {...}}.

What it does not: it never sends IGMP itself (the kernel does), never sends data, keeps no
wire view (capture the link for that). Bounded: --duration <= 300 s, at most 32 steps, groups in
239.0.0.0/8, sources in 198.18.0.0/15. Times are CLOCK_MONOTONIC seconds, like every lab log.
Standard library only.
"""

import argparse
import fcntl
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time

# linux/in.h
IP_UNBLOCK_SOURCE = 37
IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40
IP_MULTICAST_ALL = 49
SIOCGIFADDR = 0x8915

ACTIONS = {
    "join": (socket.IP_ADD_MEMBERSHIP, False),
    "leave": (socket.IP_DROP_MEMBERSHIP, False),
    "join-src": (IP_ADD_SOURCE_MEMBERSHIP, True),
    "drop-src": (IP_DROP_SOURCE_MEMBERSHIP, True),
    "block": (IP_BLOCK_SOURCE, True),
    "unblock": (IP_UNBLOCK_SOURCE, True),
}
GROUPS = ipaddress.ip_network("239.0.0.0/8")
SOURCES = ipaddress.ip_network("198.18.0.0/15")


def iface_addr(name):
    """The IPv4 address of an interface (SIOCGIFADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        r = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
    return socket.inet_ntoa(r[20:24])


def parse_step(text):
    w = text.split()
    if len(w) not in (3, 4):
        raise ValueError("a step is 'T ACTION GROUP [SOURCE]': %r" % text)
    t = float(w[0])
    act = w[1]
    if act not in ACTIONS:
        raise ValueError("unknown action %r (one of %s)" % (act, ", ".join(ACTIONS)))
    if not 0 <= t <= 300:
        raise ValueError("step time out of 0..300 s: %r" % text)
    g = w[2]
    if ipaddress.ip_address(g) not in GROUPS:
        raise ValueError("group %s outside 239.0.0.0/8" % g)
    needs_src = ACTIONS[act][1]
    if needs_src != (len(w) == 4):
        raise ValueError("%s %s a source: %r" % (act, "needs" if needs_src else "takes no", text))
    src = w[3] if needs_src else None
    if src is not None and ipaddress.ip_address(src) not in SOURCES:
        raise ValueError("source %s outside 198.18.0.0/15" % src)
    return {"at": t, "action": act, "group": g, "source": src}


class Flow:
    def __init__(self, group, source, max_times):
        self.group = group
        self.source = source
        self.count = 0
        self.first = None
        self.last = None
        self.max_gap = 0.0
        self.times = []
        self.max_times = max_times

    def add(self, now):
        if self.last is not None and now - self.last > self.max_gap:
            self.max_gap = now - self.last
        if self.first is None:
            self.first = now
        self.last = now
        self.count += 1
        if len(self.times) < self.max_times:
            self.times.append(round(now, 3))

    def summary(self):
        return {"group": self.group, "source": self.source, "count": self.count,
                "first": self.first and round(self.first, 6),
                "last": self.last and round(self.last, 6), "max_gap": round(self.max_gap, 6),
                "times": self.times, "times_truncated": self.count > len(self.times)}


def main():
    p = argparse.ArgumentParser(description="IGMPv3 host with source filters for the netns lab")
    p.add_argument("--iface", default="eth0")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--step", action="append", default=[], metavar="'T ACTION GROUP [SOURCE]'")
    p.add_argument("--duration", type=float, default=10.0, metavar="S")
    p.add_argument("--max-times", type=int, default=20000)
    p.add_argument("--out", metavar="FILE")
    a = p.parse_args()
    if not 0 < a.duration <= 300:
        p.error("--duration must be in (0, 300]")
    if len(a.step) > 32:
        p.error("at most 32 steps")
    try:
        steps = sorted((parse_step(s) for s in a.step), key=lambda s: s["at"])
    except ValueError as e:
        p.error(str(e))
    local = iface_addr(a.iface)
    ifindex = socket.if_nametoindex(a.iface)

    stop = {"reason": None}
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)

    def on_sig(signum, frame):
        stop["reason"] = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)

    socks = {}                         # group -> its socket

    def sock_of(group):
        if group not in socks:
            rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            # Only this socket's own membership and filter (the default delivers every group
            # that any socket of the host joined).
            rx.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
            rx.bind(("0.0.0.0", a.port))
            rx.setblocking(False)
            socks[group] = rx
        return socks[group]

    def do(step):
        opt, with_src = ACTIONS[step["action"]]
        g = socket.inet_aton(step["group"])
        if with_src:
            # struct ip_mreq_source: multiaddr, interface, sourceaddr (this order on Linux).
            arg = g + socket.inet_aton(local) + socket.inet_aton(step["source"])
        else:
            arg = struct.pack("4s4si", g, b"\0" * 4, ifindex)     # struct ip_mreqn
        rx = sock_of(step["group"])
        step["t"] = round(time.monotonic(), 6)
        try:
            rx.setsockopt(socket.IPPROTO_IP, opt, arg)
            step["ok"] = True
            step["error"] = None
        except OSError as e:
            step["ok"] = False
            step["error"] = str(e)

    flows = {}
    other = 0
    foreign = 0
    start = time.monotonic()
    end = start + a.duration
    pending = list(steps)
    while stop["reason"] is None:
        now = time.monotonic()
        while pending and now >= start + pending[0]["at"]:
            do(pending.pop(0))
        if now >= end:
            stop["reason"] = "duration"
            break
        deadline = min([end] + [start + s["at"] for s in pending[:1]])
        try:
            r, _, _ = select.select(list(socks.values()) + [wake_r], [], [],
                                    max(0.0, deadline - now))
        except InterruptedError:
            r = []
        if wake_r in r:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass
        for g, rx in socks.items():
            if rx not in r:
                continue
            for _ in range(4096):
                try:
                    data, addr = rx.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                t = time.monotonic()
                w = data[:80].split(b" ")
                if len(w) < 5 or w[0] != b"IPX1":
                    other += 1
                    continue
                if w[2].decode(errors="replace") != g:
                    foreign += 1
                    continue
                k = "%s %s" % (g, addr[0])
                if k not in flows:
                    flows[k] = Flow(g, addr[0], a.max_times)
                flows[k].add(t)
    now = time.monotonic()
    for rx in socks.values():
        rx.close()
    out = {"start": round(start, 6), "end": round(now, 6), "stop": stop["reason"],
           "iface": a.iface, "local": local, "steps": steps, "other_datagrams": other,
           "foreign_datagrams": foreign,
           "flows": {k: f.summary() for k, f in sorted(flows.items())}}
    text = json.dumps(out, sort_keys=True)
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(a.out + ".tmp", a.out)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""zap.py - a set-top box that zaps: joins groups one after the other and times them on its
own wire. Runs in a host namespace (the deco behind the proxy, or the direct host on the
upstream segment).

Modes:
  zap    for each of --count distinct groups: join (IP_ADD_MEMBERSHIP; the host's own kernel
         sends the report), wait for the first packet of the group, leave at once, then
         --settle-ms of quiet before the next group;
  leave  for each group: join, let the stream run --hold-ms, leave, and watch the wire
         --tail-ms more for the packets that still arrive.

Every time is taken on the host's interface by an AF_PACKET socket (ETH_P_ALL, so the host's
own outgoing IGMP is seen too: pitfall 12) with kernel timestamps, CLOCK_REALTIME ns:
  join   the join call (user space, just before setsockopt)
  rep    the host's report for the group leaving the interface
  first  the first UDP packet to the group arriving on the interface
  drop   the leave call (user space)
  leave  the host's leave (v2 leave or v3 TO_IN{}) leaving the interface
  last   the last UDP packet to the group arriving, before or after the leave (leave
         mode); n_after how many arrived after "leave"
Missing events are null. The JSON summary goes to --out. Bounded: every wait has a timeout.
"""

import argparse
import json
import select
import socket
import struct
import sys
import time

import bpkt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--mode", choices=("zap", "leave"), default="zap")
    ap.add_argument("--base", required=True, help="first group; group i is base + i")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--timeout-ms", type=float, default=1000.0,
                    help="longest wait for the report and the first packet")
    ap.add_argument("--settle-ms", type=float, default=50.0)
    ap.add_argument("--hold-ms", type=float, default=100.0)
    ap.add_argument("--tail-ms", type=float, default=150.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    ifindex = socket.if_nametoindex(a.iface)
    pk = bpkt.packet_socket(a.iface)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind(("0.0.0.0", a.port))
    u.setblocking(False)
    base = bpkt.ip2int(a.base)

    def drain_udp():
        for _ in range(10000):
            try:
                u.recv(2048)
            except (BlockingIOError, InterruptedError):
                return

    def frames(until_ns):
        """Yields (ts, outgoing, parsed) until until_ns; the caller breaks out early."""
        while True:
            now = bpkt.now_ns()
            if now >= until_ns:
                return
            r, _, _ = select.select([pk, u], [], [], (until_ns - now) / 1e9)
            if u in r:
                drain_udp()
            if pk not in r:
                continue
            for _ in range(4096):
                try:
                    data, anc, _, addr = pk.recvmsg(2048, bpkt.CMSG_SPACE)
                except (BlockingIOError, InterruptedError):
                    break
                d = bpkt.parse_frame(data)
                if d is None:
                    continue
                ts, _ = bpkt.ancillary(anc)
                yield ts, addr[2] == bpkt.PACKET_OUTGOING, d

    def mreq(g):
        return struct.pack("4s4si", g, b"\0" * 4, ifindex)

    samples = []
    t_start = time.monotonic()
    for i in range(a.count):
        g = struct.pack("!I", base + i)
        smp = {"g": socket.inet_ntoa(g), "join": None, "rep": None, "first": None,
               "drop": None, "leave": None}
        # Quiet wire: forget whatever is queued from the previous group.
        for _ in frames(bpkt.now_ns()):
            pass
        smp["join"] = bpkt.now_ns()
        u.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq(g))
        deadline = smp["join"] + int(a.timeout_ms * 1e6)
        for ts, out, d in frames(deadline):
            if d[0] == "igmp" and out and smp["rep"] is None and ("join", g) in d[3]:
                smp["rep"] = ts
            elif d[0] == "udp" and not out and d[2] == g and smp["first"] is None:
                smp["first"] = ts
            if smp["rep"] is not None and smp["first"] is not None:
                break
        last = smp["first"]
        if a.mode == "leave" and smp["first"] is not None:
            n = 0
            for ts, out, d in frames(bpkt.now_ns() + int(a.hold_ms * 1e6)):
                if d[0] == "udp" and not out and d[2] == g:
                    n += 1
                    last = ts
            smp["n_before"] = n
        smp["drop"] = bpkt.now_ns()
        u.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq(g))
        wait = a.tail_ms if a.mode == "leave" else a.settle_ms
        n_after = 0
        for ts, out, d in frames(smp["drop"] + int(wait * 1e6)):
            if d[0] == "igmp" and out and smp["leave"] is None and ("leave", g) in d[3]:
                smp["leave"] = ts
            elif d[0] == "udp" and not out and d[2] == g:
                last = ts
                if smp["leave"] is not None and ts >= smp["leave"]:
                    n_after += 1
        if a.mode == "leave":
            smp["last"] = last
            smp["n_after"] = n_after
        samples.append(smp)
        if time.monotonic() - t_start > 600:      # hard bound on the whole run
            break
    with open(a.out, "w") as f:
        json.dump({"mode": a.mode, "iface": a.iface, "samples": samples}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""igmpgen.py - IGMP report generator: many simulated hosts on one downstream link.

Sends ready-made Ethernet frames through an AF_PACKET socket on --iface (no IP stack, no
routing: any host address of the link can be simulated). Group i (base + i, i < --groups)
is always reported by the same host, --host-base + (i mod --hosts), with its own MAC, so
every group has one listener, as with one set-top box per channel.

It sends --count reports (default: one per group), round robin over the groups starting at
--offset, at a fixed --rate per second in slices every --slice-ms (rate x slice per slice).
With --chunk C --idle-pid PID it is closed-loop instead: after every C reports it waits until
the daemon PID is idle (its CPU time stops growing), so a slow daemon is filled without
losing reports to a full socket buffer.
Bounded: it stops after 2 x count/rate + 5 seconds (+120 s closed-loop) whatever happened.
Prints one JSON line:
{"sent", "t0", "t1", "rate"} (CLOCK_REALTIME ns, achieved rate per second).

Only 239.0.0.0/8 groups and 198.18.0.0/15 hosts are accepted.
"""

import argparse
import json
import socket
import sys
import time

import bpkt


def cpu_ns(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def wait_idle(pid, until):
    """Until pid has used < 0.1 ms of CPU in 20 ms (or until 'until', monotonic)."""
    last = cpu_ns(pid)
    while time.monotonic() < until:
        time.sleep(0.02)
        c = cpu_ns(pid)
        if c - last < 100000:
            return
        last = c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--groups", type=int, required=True)
    ap.add_argument("--base", default="239.20.0.0")
    ap.add_argument("--version", type=int, choices=(2, 3), default=2)
    ap.add_argument("--leave", action="store_true", help="send leaves (v2) / TO_IN{} (v3)")
    ap.add_argument("--rate", type=float, default=5000.0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--host-base", default="198.18.1.100")
    ap.add_argument("--slice-ms", type=float, default=1.0)
    ap.add_argument("--chunk", type=int, default=0,
                    help="closed loop: after every CHUNK reports wait until --idle-pid is idle")
    ap.add_argument("--idle-pid", type=int, default=0,
                    help="the daemon whose CPU time (schedstat) --chunk watches")
    a = ap.parse_args()

    base = bpkt.ip2int(a.base)
    hbase = bpkt.ip2int(a.host_base)
    if base >> 24 != 239 or (base + a.groups - 1) >> 24 != 239:
        sys.exit("igmpgen: groups must stay inside 239.0.0.0/8")
    if (hbase >> 17) != (bpkt.ip2int("198.18.0.0") >> 17) or \
            ((hbase + a.hosts - 1) >> 17) != (hbase >> 17):
        sys.exit("igmpgen: hosts must stay inside 198.18.0.0/15")
    kind = "leave" if a.leave else "report"
    frames = []
    for i in range(a.groups):
        h = i % a.hosts
        mac = bytes([0x02, 0x42, 0x00, 0x00, (h >> 8) & 0xFF, h & 0xFF])
        frames.append(bpkt.igmp_frame(mac, hbase + h, a.version, base + i, kind))
    count = a.count or a.groups

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(bpkt.ETH_P_IP))
    s.bind((a.iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)

    slice_s = a.slice_ms / 1000.0
    per_slice = a.rate * slice_s
    bound = time.monotonic() + 2.0 * count / a.rate + 5.0
    sent = 0
    credit = 0.0
    idx = a.offset % a.groups
    t0 = bpkt.now_ns()
    start = time.monotonic()
    k = 0
    if a.chunk and a.idle_pid:
        bound += 120.0
    next_pause = a.chunk
    while sent < count:
        now = time.monotonic()
        if now > bound:
            break
        if a.chunk and a.idle_pid and sent >= next_pause:
            wait_idle(a.idle_pid, min(bound, now + 20.0))
            next_pause = sent + a.chunk
            start = time.monotonic()
            k = 0
            continue
        due = start + k * slice_s
        if due > now:
            time.sleep(due - now)
        k += 1
        credit += per_slice
        while credit >= 1.0 and sent < count:
            try:
                s.send(frames[idx])
            except BlockingIOError:
                break
            idx += 1
            if idx == a.groups:
                idx = 0
            sent += 1
            credit -= 1.0
    t1 = bpkt.now_ns()
    rate = sent / ((t1 - t0) / 1e9) if t1 > t0 else 0.0
    print(json.dumps({"sent": sent, "t0": t0, "t1": t1, "rate": round(rate, 1)}))
    return 0 if sent == count else 1


if __name__ == "__main__":
    sys.exit(main())

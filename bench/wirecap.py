#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""wirecap.py - a plain IGMP sink/recorder for one link: an AF_PACKET socket (kernel
timestamps) that records every IGMP record arriving on --iface until SIGTERM/SIGINT or
--duration, then writes {"ready","events":[[ts_ns, kind, group], ...]} to --out, kind being
"join" (any report that asks for traffic), "leave", "query" or "other". Prints "ready" on
stdout once the socket is open. Used at the upstream end to see how a proxy's reports are
spread in time, and how many leaves it sends on shutdown. Records only incoming frames.
"""

import argparse
import json
import os
import select
import signal
import socket
import sys

import bpkt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--duration", type=float, default=600.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    pk = bpkt.packet_socket(a.iface)
    events = []
    t_ready = bpkt.now_ns()
    print("ready", flush=True)
    end = t_ready + int(a.duration * 1e9)
    while not stop and bpkt.now_ns() < end and len(events) < 5_000_000:
        r, _, _ = select.select([pk, wake_r], [], [], 0.5)
        if pk not in r:
            continue
        for _ in range(4096):
            try:
                data, anc, _, addr = pk.recvmsg(2048, bpkt.CMSG_SPACE)
            except (BlockingIOError, InterruptedError):
                break
            if addr[2] == bpkt.PACKET_OUTGOING:
                continue
            d = bpkt.parse_frame(data)
            if d is None or d[0] != "igmp":
                continue
            ts, _ = bpkt.ancillary(anc)
            for kind, g in d[3]:
                events.append([ts, kind, socket.inet_ntoa(g)])
    with open(a.out, "w") as f:
        json.dump({"ready": t_ready, "events": events}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""answerer.py - the simulated set-top boxes of the idle benchmark answer general queries,
as real ones do. Runs in the HOST namespace of the idle lab.

  answerer.py --link IFACE:FIRST_GROUP:COUNT [--link ...] [--spread S] --duration S

For each --link it listens for IGMP general queries arriving on IFACE (AF_PACKET) and answers
each one with a v2 report for every group FIRST_GROUP .. FIRST_GROUP+COUNT-1, from the same
simulated hosts as igmpgen.py (198.18.1.100 + i mod 100, their own MACs), sent evenly over
--spread seconds or 80 % of the query's Max Resp Time, whichever is shorter. Group-specific
queries are not answered (the benchmark sends no leave). Without answers a router that ages
its memberships by queries (igmpproxy) drops every group after two unanswered ones.

Prints {"ev":"ready"}, and on exit (SIGTERM/SIGINT or --duration: bounded)
{"ev":"exit","queries":{IFACE:[CLOCK_REALTIME ns of each query]},"answers":{IFACE: n}}.
Only 239.0.0.0/8 groups are accepted.
"""

import argparse
import json
import select
import signal
import sys
import time

import bpkt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--link", action="append", required=True, metavar="IFACE:FIRST_GROUP:COUNT")
    ap.add_argument("--spread", type=float, default=8.0)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--host-base", default="198.18.1.100")
    ap.add_argument("--duration", type=float, default=600.0)
    a = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append("term"))
    signal.signal(signal.SIGINT, lambda *_: stop.append("int"))
    hbase = bpkt.ip2int(a.host_base)
    links = {}          # fd -> [iface, socket, frames, queries, answers]
    for spec in a.link:
        try:
            iface, first, count = spec.split(":")
            first, count = bpkt.ip2int(first), int(count)
        except (ValueError, OSError):
            sys.exit("answerer: bad --link %r (IFACE:FIRST_GROUP:COUNT)" % spec)
        if count < 0 or (count and ((first >> 24) != 239 or ((first + count - 1) >> 24) != 239)):
            sys.exit("answerer: groups must stay inside 239.0.0.0/8")
        frames = []
        for i in range(count):
            h = i % a.hosts
            mac = bytes([0x02, 0x42, 0x00, 0x00, (h >> 8) & 0xFF, h & 0xFF])
            frames.append(bpkt.igmp_frame(mac, hbase + h, 2, first + i))
        s = bpkt.packet_socket(iface)
        bpkt.igmp_only(s)
        links[s.fileno()] = [iface, s, frames, [], 0]
    print(json.dumps({"ev": "ready"}), flush=True)

    due = []            # pending answers: [start (monotonic), fd, next index, count, step]
    end = time.monotonic() + a.duration
    while not stop and time.monotonic() < end:
        now = time.monotonic()
        for job in due:
            t0, fd, i, n, step = job
            link = links[fd]
            while i < n and t0 + i * step <= now:
                try:
                    link[1].send(link[2][i])
                    link[4] += 1
                except OSError:
                    pass
                i += 1
            job[2] = i
        due = [j for j in due if j[2] < j[3]]
        timeout = min([0.5] + [max(0.0, j[0] + j[2] * j[4] - now) for j in due])
        try:
            r, _, _ = select.select(list(links), [], [], timeout)
        except InterruptedError:
            continue
        for fd in r:
            link = links[fd]
            while True:
                try:
                    data, anc, _, addr = link[1].recvmsg(2048, bpkt.CMSG_SPACE)
                except BlockingIOError:
                    break
                if addr[2] == bpkt.PACKET_OUTGOING:
                    continue
                p = bpkt.parse_frame(data)
                if not p or p[0] != "igmp" or p[3][0] != ("query", b"\0\0\0\0"):
                    continue
                ts, _ = bpkt.ancillary(anc)
                link[3].append(ts or bpkt.now_ns())
                ihl = (data[14] & 0x0F) * 4
                code = data[14 + ihl + 1]
                # Max Resp Code in 1/10 s (v3 codes >= 128 are floating point: long enough).
                mrt = code / 10.0 if code < 128 else 25.0
                window = min(a.spread, 0.8 * mrt)
                if link[2]:
                    step = window / len(link[2])
                    due.append([time.monotonic(), fd, 0, len(link[2]), step])
    print(json.dumps({"ev": "exit", "queries": {l[0]: l[3] for l in links.values()},
                      "answers": {l[0]: l[4] for l in links.values()}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

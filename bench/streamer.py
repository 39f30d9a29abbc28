#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""streamer.py - steady multicast streams for the idle and cpu benchmarks: the upstream
sends every joined group all the time, as an IPTV head-end does. Runs in the UP namespace.

  streamer.py --stream IFACE:SOURCE:FIRST_GROUP:COUNT [--stream ...] --pps N --duration S

For each --stream, groups FIRST_GROUP .. FIRST_GROUP+COUNT-1 get N UDP packets a second each,
sent as ready-made Ethernet frames through an AF_PACKET socket on IFACE (no IP stack: several
links of one namespace may carry the same source address, and no route is needed), from
SOURCE (the upstream subnet, so the router's reverse-path check passes), TTL 64. The packets of
all streams are interleaved evenly, in slices every --slice-ms, so no group goes longer than
about 1/N s without a packet.

Prints {"ev":"ready"} once the sockets are open, and on exit (SIGTERM/SIGINT, or --duration
reached: every run is bounded) {"ev":"exit","sent":{IFACE: packets},"late_max_ms"} where
late_max_ms is the worst lateness of a slice (a loaded machine shows up there).

Only 239.0.0.0/8 groups and 198.18.0.0/15 sources are accepted.
"""

import argparse
import json
import signal
import socket
import struct
import sys
import time

import bpkt


def udp_frame(src_mac, src, group, sport, dport, payload, ttl):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload   # checksum 0: none
    hdr = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(udp), 0, 0x4000, ttl, socket.IPPROTO_UDP,
                      0, src, group)
    hdr = hdr[:10] + struct.pack("!H", bpkt.inet_checksum(hdr)) + hdr[12:]
    return bpkt.mcast_mac(group) + src_mac + struct.pack("!H", bpkt.ETH_P_IP) + hdr + udp


def in_range(addr, net, bits):
    return (addr >> (32 - bits)) == (bpkt.ip2int(net) >> (32 - bits))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stream", action="append", required=True,
                    metavar="IFACE:SOURCE:FIRST_GROUP:COUNT")
    ap.add_argument("--pps", type=float, default=5.0, help="packets a second per group")
    ap.add_argument("--slice-ms", type=float, default=10.0)
    ap.add_argument("--payload", type=int, default=188)
    ap.add_argument("--duration", type=float, default=600.0, metavar="S",
                    help="exit after S seconds at most (default 600)")
    a = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append("term"))
    signal.signal(signal.SIGINT, lambda *_: stop.append("int"))

    socks, frames = {}, []          # frames: (iface, frame), interleaved across the streams
    per = []
    payload = bytes(a.payload)
    for spec in a.stream:
        try:
            iface, src, first, count = spec.split(":")
            src, first, count = bpkt.ip2int(src), bpkt.ip2int(first), int(count)
        except (ValueError, OSError):
            sys.exit("streamer: bad --stream %r (IFACE:SOURCE:FIRST_GROUP:COUNT)" % spec)
        if not in_range(src, "198.18.0.0", 15):
            sys.exit("streamer: the source must be inside 198.18.0.0/15")
        if count < 1 or not in_range(first, "239.0.0.0", 8) or \
                not in_range(first + count - 1, "239.0.0.0", 8):
            sys.exit("streamer: groups must stay inside 239.0.0.0/8")
        if iface not in socks:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(bpkt.ETH_P_IP))
            s.bind((iface, 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # we never read
            socks[iface] = s
        mac = bytes([0x02, 0x42, 0xC6, 0x12] + list(struct.pack("!H", len(per) + 1)))
        per.append([(iface, udp_frame(mac, src, first + i, 5000, 5001, payload, 64))
                    for i in range(count)])
    # Interleave: stream k's i-th frame at position i/len(stream k) of the period.
    frames = [f for _, f in sorted(((i + 0.5) / len(fs), f) for fs in per
                                    for i, f in enumerate(fs))]
    sent = {i: 0 for i in socks}
    print(json.dumps({"ev": "ready", "frames_per_period": len(frames)}), flush=True)

    slice_s = a.slice_ms / 1000.0
    per_slice = len(frames) * a.pps * slice_s
    start = time.monotonic()
    end = start + a.duration
    k = 0
    idx = 0
    credit = 0.0
    late = 0.0
    while not stop:
        now = time.monotonic()
        if now >= end:
            break
        due = start + k * slice_s
        if due > now:
            time.sleep(due - now)
            continue
        late = max(late, now - due)
        k += 1
        credit += per_slice
        while credit >= 1.0:
            iface, f = frames[idx]
            try:
                socks[iface].send(f)
                sent[iface] += 1
            except OSError:
                pass            # a full queue or a link going away: the next packet will do
            idx = idx + 1 if idx + 1 < len(frames) else 0
            credit -= 1.0
    print(json.dumps({"ev": "exit", "sent": sent, "late_max_ms": round(late * 1000, 1),
                      "seconds": round(time.monotonic() - start, 2)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

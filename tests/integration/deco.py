#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""deco.py - a set-top box ("deco") in its own netns: joins groups, watches the stream.

What it does:
  * joins groups with IP_ADD_MEMBERSHIP on --iface (the kernel's own IGMP stack sends the
    reports, in the version set by net.ipv4.conf.IF.force_igmp_version), --per-socket groups
    per socket (igmp_max_memberships is 20 by default, pitfall 9);
  * receives the UDP stream of upstream-emu.py on one socket bound to the port, and measures
    per group and per (group, source): first/last arrival, count, lost sequence numbers,
    max gap and every gap above --gap-ms;
  * --leave-after S drops every membership at S and keeps watching; since the kernel no longer
    delivers a group it left, it also counts the packets on the wire (AF_PACKET, incoming
    only) so "what still arrives after the leave" is measured ("wire" in the summary);
  * --sniff-queries FILE logs every IGMP query seen on --iface (raw IGMP socket) as a JSON
    line: time, src, dst, version, group, max resp time (s), and for v3 QRV/QQIC/S-flag
    (--sniff-all logs every IGMP message, not only queries). Works without any --group;
  * --progress FILE appends one JSON line per second (for live displays);
  * at the end (duration, SIGTERM or SIGINT) writes a JSON summary to --out (default stdout).

What it does not: it never sends IGMP itself, never sends data. Standard library only;
works with /usr/bin/python3. Times are CLOCK_MONOTONIC seconds, comparable with the
upstream emulator's log and with the send time carried in each packet.
"""

import argparse
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
IPOPT_RA = 0x94


def decode_v3_code(code):
    if code < 128:
        return code
    return ((code & 0x0F) | 0x10) << (((code >> 4) & 0x07) + 3)


class Stream:
    """Arrival statistics for one flow (a group, or a group from one source)."""

    def __init__(self, gap_s):
        self.gap_s = gap_s
        self.first = None
        self.last = None
        self.count = 0
        self.max_gap = 0.0
        self.gaps = []          # [start (last packet before the gap), length]
        self.last_seq = None
        self.lost = 0
        self.max_delay = 0.0    # receive time - send time in the payload
        self.after_leave = 0
        self.last_before_leave = None
        self.before_join = 0            # wire only: packets seen before this host joined
        self.last_before_join = None

    def add(self, now, seq=None, sent=None, leave_time=None, joined=True):
        if not joined:
            self.before_join += 1
            self.last_before_join = now
        if self.first is None:
            self.first = now
        else:
            gap = now - self.last
            if gap > self.max_gap:
                self.max_gap = gap
            if gap > self.gap_s:
                self.gaps.append([round(self.last, 6), round(gap, 6)])
        self.last = now
        self.count += 1
        if leave_time is not None:
            if now >= leave_time:
                self.after_leave += 1
            else:
                self.last_before_leave = now
        if seq is not None:
            if self.last_seq is not None and seq > self.last_seq + 1:
                self.lost += seq - self.last_seq - 1
            if self.last_seq is None or seq > self.last_seq:
                self.last_seq = seq
        if sent is not None:
            d = now - sent
            if d > self.max_delay:
                self.max_delay = d

    def summary(self, end, leave_time=None):
        d = {
            "first": self.first, "last": self.last, "count": self.count,
            "max_gap": round(self.max_gap, 6), "gaps": self.gaps[:200],
            "n_gaps": len(self.gaps), "lost": self.lost,
            "max_delay": round(self.max_delay, 6),
            "tail": round(end - self.last, 6) if self.last is not None else None,
        }
        if leave_time is not None:
            d["after_leave"] = self.after_leave
        d["before_join"] = self.before_join
        d["last_before_join"] = self.last_before_join
        return d


def parse_payload(data):
    """'IPX1 seq group source t_send ...' -> (seq, group, source, t_send) or None."""
    try:
        f = data[:96].split(b" ")
        if f[0] != b"IPX1":
            return None
        return int(f[1]), f[2].decode(), f[3].decode(), float(f[4])
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


def group_list(a):
    groups = list(a.group)
    if a.groups_from:
        with open(a.groups_from) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    groups.append(line)
    if a.group_range:
        start = ipaddress.IPv4Address(a.group_range[0])
        n = int(a.group_range[1])
        groups += [str(start + i) for i in range(n)]
    seen = set()
    out = []
    for g in groups:
        ip = ipaddress.IPv4Address(g)
        if not ip.is_multicast:
            raise SystemExit("deco.py: %s is not a multicast group" % g)
        if g not in seen:
            seen.add(g)
            out.append(g)
    return out


def parse_igmp_query(pkt):
    """IP packet from a raw IGMP socket -> dict for the sniff log (None if not IGMP)."""
    if len(pkt) < 20 or pkt[9] != socket.IPPROTO_IGMP:
        return None
    ihl = (pkt[0] & 0x0F) * 4
    igmp = pkt[ihl:]
    if len(igmp) < 8:
        return None
    ra = False
    i, opts = 0, pkt[20:ihl]
    while i + 1 < len(opts) and opts[i] != 0:
        if opts[i] == 1:
            i += 1
            continue
        if opts[i] == IPOPT_RA:
            ra = True
        i += max(2, opts[i + 1])
    d = {"src": socket.inet_ntoa(pkt[12:16]), "dst": socket.inet_ntoa(pkt[16:20]),
         "ttl": pkt[8], "ra": ra, "len": len(igmp), "code": igmp[0]}
    t = igmp[0]
    if t == 0x11:
        d["type"] = "query"
        d["group"] = socket.inet_ntoa(igmp[4:8])
        if len(igmp) >= 12:
            d["version"] = 3
            d["max_resp"] = decode_v3_code(igmp[1]) / 10.0
            d["s_flag"] = bool(igmp[8] & 0x08)
            d["qrv"] = igmp[8] & 0x07
            d["qqic"] = decode_v3_code(igmp[9])
            d["nsrc"] = struct.unpack("!H", igmp[10:12])[0]
        elif igmp[1] == 0:
            d["version"] = 1
            d["max_resp"] = 10.0
        else:
            d["version"] = 2
            d["max_resp"] = igmp[1] / 10.0
        d["general"] = d["group"] == "0.0.0.0"
    else:
        d["type"] = {0x12: "v1_report", 0x16: "v2_report", 0x17: "leave",
                     0x22: "v3_report"}.get(t, "0x%02x" % t)
        if t in (0x12, 0x16, 0x17):
            d["group"] = socket.inet_ntoa(igmp[4:8])
    return d


def main():
    p = argparse.ArgumentParser(description="Emulated set-top box for the netns lab")
    p.add_argument("--iface", default="eth0")
    p.add_argument("--group", action="append", default=[], metavar="G")
    p.add_argument("--groups-from", metavar="FILE", help="one group a line")
    p.add_argument("--group-range", nargs=2, metavar=("FIRST", "COUNT"))
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--per-socket", type=int, default=20,
                   help="memberships per socket (default 20 = igmp_max_memberships default)")
    p.add_argument("--duration", type=float, default=10.0, metavar="S")
    p.add_argument("--join-after", type=float, default=0.0, metavar="S",
                   help="join S seconds after start (the sniffer runs from the start)")
    p.add_argument("--leave-after", type=float, default=None, metavar="S",
                   help="drop every membership S seconds after start")
    p.add_argument("--gap-ms", type=float, default=500.0)
    p.add_argument("--wire", action="store_true",
                   help="also count packets on the wire (AF_PACKET); implied by --leave-after")
    p.add_argument("--sniff-queries", metavar="FILE", help="log IGMP queries seen as JSON lines")
    p.add_argument("--sniff-all", action="store_true", help="log all IGMP messages, not only queries")
    p.add_argument("--progress", metavar="FILE", help="append a JSON status line every second")
    p.add_argument("--out", metavar="FILE", help="JSON summary (default stdout)")
    a = p.parse_args()

    groups = group_list(a)
    if a.duration <= 0 or a.per_socket < 1:
        p.error("bad --duration / --per-socket")
    if not groups and not a.sniff_queries:
        p.error("nothing to do: give --group/--group-range/--groups-from or --sniff-queries")
    gap_s = a.gap_ms / 1000.0
    ifindex = socket.if_nametoindex(a.iface)
    wire_on = a.wire or a.leave_after is not None

    stop = {"reason": None}
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)

    def on_sig(signum, frame):
        stop["reason"] = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)

    rx = None
    if groups:
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        rx.bind(("0.0.0.0", a.port))
        rx.setblocking(False)

    wire = None
    if wire_on and groups:
        wire = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        wire.bind((a.iface, ETH_P_IP))
        wire.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        wire.setblocking(False)

    sniff = None
    sniff_f = None
    if a.sniff_queries:
        sniff = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
        sniff.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sniff.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
        sniff.setblocking(False)
        sniff_f = open(a.sniff_queries, "a", buffering=1)

    prog_f = open(a.progress, "a", buffering=1) if a.progress else None

    gset = set(groups)
    per_group = {g: Stream(gap_s) for g in groups}
    per_src = {}                       # (group, source) -> Stream
    wire_group = {g: Stream(gap_s) for g in groups} if wire else {}
    other = 0                          # datagrams that were not ours
    msock = []                         # membership sockets
    join_errors = []

    start = time.monotonic()
    end = start + a.duration
    join_at = start + a.join_after
    leave_at = start + a.leave_after if a.leave_after is not None else None
    join_time = None
    leave_time = None
    next_prog = start + 1.0
    prog_count = 0
    sniffed = 0

    def do_join():
        nonlocal join_time
        join_time = time.monotonic()
        for i in range(0, len(groups), a.per_socket):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            msock.append(s)
            for g in groups[i:i + a.per_socket]:
                mreqn = struct.pack("4s4si", socket.inet_aton(g), socket.inet_aton("0.0.0.0"),
                                    ifindex)
                try:
                    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
                except OSError as e:
                    join_errors.append("%s: %s" % (g, e))

    def do_leave():
        nonlocal leave_time
        leave_time = time.monotonic()
        for s in msock:
            s.close()       # drops every membership of the socket at once
        msock.clear()

    def progress(now):
        nonlocal prog_count
        total = sum(st.count for st in per_group.values())
        maxgap = max([st.max_gap for st in per_group.values()] or [0.0])
        lasts = [st.last for st in per_group.values() if st.last is not None]
        cur_gap = now - max(lasts) if lasts else None
        if cur_gap is not None and cur_gap > maxgap:
            maxgap = cur_gap
        d = {"t": round(now, 6), "elapsed": round(now - start, 3), "count": total,
             "count_1s": total - prog_count, "max_gap": round(maxgap, 3),
             "cur_gap": round(cur_gap, 3) if cur_gap is not None else None,
             "joined": join_time is not None and leave_time is None}
        prog_count = total
        prog_f.write(json.dumps(d, separators=(",", ":")) + "\n")

    while stop["reason"] is None:
        now = time.monotonic()
        if now >= end:
            stop["reason"] = "duration"
            break
        if join_time is None and groups and now >= join_at:
            do_join()
        if leave_at is not None and leave_time is None and join_time is not None and now >= leave_at:
            do_leave()
        dl = [end]
        if join_time is None and groups:
            dl.append(join_at)
        if leave_at is not None and leave_time is None:
            dl.append(leave_at)
        if prog_f:
            dl.append(next_prog)
        rl = [wake_r] + [s for s in (rx, wire, sniff) if s is not None]
        try:
            r, _, _ = select.select(rl, [], [], max(0.0, min(dl) - now))
        except InterruptedError:
            r = []
        if wake_r in r:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass
        if rx is not None and rx in r:
            for _ in range(4096):
                try:
                    data, _addr = rx.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                t = time.monotonic()
                pl = parse_payload(data)
                if pl is None or pl[1] not in gset:
                    other += 1
                    continue
                seq, g, src, sent = pl
                per_group[g].add(t, leave_time=leave_time)
                k = (g, src)
                if k not in per_src:
                    per_src[k] = Stream(gap_s)
                per_src[k].add(t, seq, sent, leave_time)
        if wire is not None and wire in r:
            for _ in range(4096):
                try:
                    pkt = wire.recv(2048)
                except (BlockingIOError, InterruptedError):
                    break
                t = time.monotonic()
                if len(pkt) < 28 or pkt[9] != socket.IPPROTO_UDP:
                    continue
                ihl = (pkt[0] & 0x0F) * 4
                dst = socket.inet_ntoa(pkt[16:20])
                if dst not in wire_group or len(pkt) < ihl + 8:
                    continue
                if struct.unpack("!H", pkt[ihl + 2:ihl + 4])[0] != a.port:
                    continue
                wire_group[dst].add(t, leave_time=leave_time, joined=join_time is not None)
        if sniff is not None and sniff in r:
            for _ in range(1024):
                try:
                    pkt = sniff.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break
                t = time.monotonic()
                d = parse_igmp_query(pkt)
                if d is None or (d["type"] != "query" and not a.sniff_all):
                    continue
                sniffed += 1
                out = {"t": round(t, 6)}
                out.update(d)
                sniff_f.write(json.dumps(out, separators=(",", ":")) + "\n")
        now = time.monotonic()
        if prog_f and now >= next_prog:
            progress(now)
            next_prog += 1.0
            if next_prog < now:
                next_prog = now + 1.0

    now = time.monotonic()
    for s in msock:
        s.close()
    summ = {
        "start": round(start, 6), "end": round(now, 6), "stop": stop["reason"],
        "iface": a.iface, "join_time": join_time, "leave_time": leave_time,
        "join_errors": join_errors[:20], "n_join_errors": len(join_errors),
        "other_datagrams": other, "queries_sniffed": sniffed if sniff else None,
        "groups": {}, "sources": {}, "wire": {},
    }
    for g in groups:
        summ["groups"][g] = per_group[g].summary(now, leave_time)
        if per_group[g].first is not None and join_time is not None:
            summ["groups"][g]["join_latency"] = round(per_group[g].first - join_time, 6)
    for (g, src), st in per_src.items():
        summ["sources"].setdefault(g, {})[src] = st.summary(now, leave_time)
    for g, st in wire_group.items():
        summ["wire"][g] = st.summary(now, leave_time)
        if leave_time is not None:
            summ["wire"][g]["last_after_leave"] = (
                round(st.last - leave_time, 6) if st.last is not None and st.last >= leave_time
                else None)
    if len(groups) > 50:
        # Keep big summaries small: full detail only for groups with gaps or no packets.
        summ["groups_received"] = sum(1 for g in groups if per_group[g].count > 0)
    text = json.dumps(summ, indent=1, sort_keys=True)
    if a.out:
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, a.out)
    else:
        print(text)
    if prog_f:
        prog_f.close()
    if sniff_f:
        sniff_f.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

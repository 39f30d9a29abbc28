#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""upstream-emu.py - the emulated Movistar+ upstream router (the "ISP"), run in the UP netns.

What it does:
  * hears every IGMP message on its link: a raw IPPROTO_IGMP socket that is also a registered
    multicast router (MRT_INIT + a VIF for the link), joined to 224.0.0.2 and 224.0.0.22
    (pitfall 5: a plain raw socket misses v2 reports for groups the host has not joined);
  * never queries (unless --query-interval), like Movistar's router;
  * holds a group for --forget-after seconds after the last report that asked for it, drops it
    at once on a v2 leave or a v3 TO_IN{}/IS_IN{};
  * streams UDP to every held group in 239.0.0.0/8 (and every --static-group) from every
    --source (a report for any other group is logged and held, never streamed to);
  * ignores, for membership, the reports its own kernel sends (for 224.0.0.2/22);
  * logs every IGMP message and every membership event as one JSON line to --log.

What it does not: it is not a querier state machine, it keeps no per-source state, it never
forwards anything. Python standard library only; works with /usr/bin/python3.

Log lines (all carry "t", seconds of CLOCK_MONOTONIC, comparable across namespaces):
  {"ev":"ready", ...config...}
  {"ev":"igmp","src","dst","ttl","ra","len","type","version","csum_ok","group",
   "max_resp","records":[{"type","group","sources"}]}
  {"ev":"join"|"refresh","group","src","until"}     a report (re)started the hold
  {"ev":"leave","group","src","how"}                v2 leave / v3 TO_IN{} / IS_IN{}
  {"ev":"expire","group","due","reason"}            the hold ran out (or SIGUSR1 "forced")
  {"ev":"query_sent","dst","max_resp_ds"}
  {"ev":"status","held":N,"groups":[...]}           every --status-interval (groups if <= 16)
  {"ev":"exit","reason","sent":N,"igmp":N}
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

# linux/mroute.h
MRT_INIT = 200
MRT_DONE = 201
MRT_ADD_VIF = 202
VIFF_USE_IFINDEX = 0x8
IGMP_TYPES = {
    0x11: "query",
    0x12: "v1_report",
    0x16: "v2_report",
    0x17: "leave",
    0x22: "v3_report",
}
# RFC 3376 4.2.12
V3_RECORD_TYPES = {1: "IS_IN", 2: "IS_EX", 3: "TO_IN", 4: "TO_EX", 5: "ALLOW", 6: "BLOCK"}
IPOPT_RA = 0x94
SO_RCVBUFFORCE = 33


def inet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def decode_v3_code(code: int) -> float:
    """RFC 3376 4.1.1/4.1.7 floating point code -> value (same units as code)."""
    if code < 128:
        return code
    mant = code & 0x0F
    exp = (code >> 4) & 0x07
    return (mant | 0x10) << (exp + 3)


def parse_ip_igmp(pkt: bytes):
    """Parses IPv4 header + IGMP. Returns a dict, or None if it is not an IGMP packet
    (e.g. an IGMPMSG_* upcall from the multicast routing code, protocol 0)."""
    if len(pkt) < 20:
        return None
    vihl = pkt[0]
    if vihl >> 4 != 4:
        return None
    ihl = (vihl & 0x0F) * 4
    if ihl < 20 or len(pkt) < ihl:
        return None
    if pkt[9] != socket.IPPROTO_IGMP:
        return None
    ttl = pkt[8]
    src = socket.inet_ntoa(pkt[12:16])
    dst = socket.inet_ntoa(pkt[16:20])
    ra = False
    opts = pkt[20:ihl]
    i = 0
    while i < len(opts):
        o = opts[i]
        if o == 0:
            break
        if o == 1:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        olen = opts[i + 1]
        if o == IPOPT_RA:
            ra = True
        if olen < 2:
            break
        i += olen
    igmp = pkt[ihl:]
    d = {"src": src, "dst": dst, "ttl": ttl, "ra": ra, "len": len(igmp)}
    if len(igmp) < 8:
        d["type"] = "short"
        return d
    t = igmp[0]
    d["type"] = IGMP_TYPES.get(t, "0x%02x" % t)
    d["csum_ok"] = inet_checksum(igmp) == 0
    if t == 0x11:
        d["group"] = socket.inet_ntoa(igmp[4:8])
        if len(igmp) >= 12:
            d["version"] = 3
            d["max_resp"] = decode_v3_code(igmp[1]) / 10.0
            d["qrv"] = igmp[8] & 7
            d["qqic"] = decode_v3_code(igmp[9])
            d["nsrc"] = struct.unpack("!H", igmp[10:12])[0]
        elif igmp[1] == 0:
            d["version"] = 1
        else:
            d["version"] = 2
            d["max_resp"] = igmp[1] / 10.0
    elif t in (0x12, 0x16, 0x17):
        d["version"] = 1 if t == 0x12 else 2
        d["group"] = socket.inet_ntoa(igmp[4:8])
    elif t == 0x22:
        d["version"] = 3
        nrec = struct.unpack("!H", igmp[6:8])[0]
        recs = []
        off = 8
        for _ in range(nrec):
            if off + 8 > len(igmp):
                d["truncated"] = True
                break
            rtype, auxlen, nsrc = struct.unpack("!BBH", igmp[off:off + 4])
            group = socket.inet_ntoa(igmp[off + 4:off + 8])
            off += 8
            if off + 4 * nsrc + 4 * auxlen > len(igmp):
                d["truncated"] = True
                break
            srcs = [socket.inet_ntoa(igmp[off + 4 * k:off + 4 * k + 4]) for k in range(nsrc)]
            off += 4 * nsrc + 4 * auxlen
            recs.append({"type": V3_RECORD_TYPES.get(rtype, str(rtype)), "group": group,
                         "sources": srcs})
        d["records"] = recs
    return d


def build_query(version: int, max_resp_ds: int, group: str = "0.0.0.0") -> bytes:
    """General (or group-specific) query; v3 with QRV 2, QQIC 125, no sources, S=0."""
    b = struct.pack("!BBH4s", 0x11, max_resp_ds & 0xFF, 0, socket.inet_aton(group))
    if version == 3:
        b += struct.pack("!BBH", 2, 125, 0)
    c = inet_checksum(b)
    return b[:2] + struct.pack("!H", c) + b[4:]


class Emulator:
    def __init__(self, a):
        self.a = a
        self.logf = open(a.log, "a", buffering=1) if a.log else sys.stdout
        self.held = {}            # group -> deadline (monotonic)
        self.seq = {}             # (source, group) -> next sequence number
        self.sent = 0
        self.igmp_count = 0
        self.stop_reason = None
        self.self_cache = {}
        self.forget_all = False
        self.ifindex = socket.if_nametoindex(a.iface)
        # Signals wake the select loop at once (PEP 475 would otherwise resume it).
        self.wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)

        # The IGMP socket: raw + multicast router.
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
        s.setsockopt(socket.IPPROTO_IP, MRT_INIT, struct.pack("i", 1))
        vif = struct.pack("=HBBIi4s", 0, VIFF_USE_IFINDEX, 1, 0, self.ifindex,
                          socket.inet_aton("0.0.0.0"))
        s.setsockopt(socket.IPPROTO_IP, MRT_ADD_VIF, vif)
        for g in ("224.0.0.2", "224.0.0.22"):
            mreqn = struct.pack("4s4si", socket.inet_aton(g), socket.inet_aton("0.0.0.0"),
                                self.ifindex)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        try:
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        # For our own queries: TTL 1, Router Alert, out of the link.
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, self.ifindex))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([IPOPT_RA, 4, 0, 0]))
        s.setblocking(False)
        self.igmp = s

        # One UDP sender per source address.
        self.senders = []
        for src in a.source:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind((src, 0))
            u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
            u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                         struct.pack("4s4si", b"\0" * 4, b"\0" * 4, self.ifindex))
            u.setblocking(False)
            self.senders.append((src, u))

    def log(self, ev, **kw):
        d = {"t": round(time.monotonic(), 6), "ev": ev}
        d.update(kw)
        self.logf.write(json.dumps(d, separators=(",", ":")) + "\n")

    # --- membership -------------------------------------------------------------
    def hold(self, group, src, now):
        until = now + self.a.forget_after
        ev = "refresh" if group in self.held else "join"
        self.held[group] = until
        self.log(ev, group=group, src=src, until=round(until, 6))

    def drop(self, group, src, how):
        if group in self.held:
            del self.held[group]
            self.log("leave", group=group, src=src, how=how)

    def is_self(self, addr):
        """Our own kernel's reports (for 224.0.0.2/22) come back to us: not a subscriber."""
        if addr not in self.self_cache:
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as t:
                    t.bind((addr, 0))
                self.self_cache[addr] = True
            except OSError:
                self.self_cache[addr] = False
        return self.self_cache[addr]

    def handle_igmp(self, d, now):
        t = d.get("type")
        if not d.get("csum_ok", False):
            return
        src = d["src"]
        if self.is_self(src):
            return
        if t in ("v1_report", "v2_report"):
            self.hold(d["group"], src, now)
        elif t == "leave":
            self.drop(d["group"], src, "v2_leave")
        elif t == "v3_report":
            for r in d.get("records", []):
                g, rt, ns = r["group"], r["type"], len(r["sources"])
                if rt in ("IS_EX", "TO_EX"):
                    self.hold(g, src, now)
                elif rt in ("IS_IN", "TO_IN") and ns == 0:
                    self.drop(g, src, "v3_" + rt)
                elif rt in ("IS_IN", "TO_IN", "ALLOW") and ns > 0:
                    self.hold(g, src, now)
                # BLOCK: no per-source state here, ignored.

    def expire(self, now):
        for g, dl in list(self.held.items()):
            if dl <= now:
                del self.held[g]
                self.log("expire", group=g, due=round(dl, 6), reason="timeout")
        if self.forget_all:
            self.forget_all = False
            self.log("forget_all", held=len(self.held))
            for g in list(self.held):
                del self.held[g]
                self.log("expire", group=g, due=round(now, 6), reason="forced")

    # --- traffic ----------------------------------------------------------------
    def send_streams(self, now):
        # Data only ever goes to 239.0.0.0/8, whatever was reported.
        groups = [g for g in self.held if g.startswith("239.")]
        groups += [g for g in self.a.static_group if g not in self.held]
        for g in groups:
            for src, u in self.senders:
                k = (src, g)
                n = self.seq.get(k, 0)
                self.seq[k] = n + 1
                payload = ("IPX1 %d %s %s %.6f " % (n, g, src, time.monotonic())).encode()
                payload += b"." * max(0, self.a.payload - len(payload))
                try:
                    u.sendto(payload, (g, self.a.port))
                    self.sent += 1
                except OSError:
                    pass

    def send_query(self):
        q = build_query(self.a.query_version, self.a.query_max_resp_ds)
        try:
            self.igmp.sendto(q, ("224.0.0.1", 0))
            self.log("query_sent", dst="224.0.0.1", version=self.a.query_version,
                     max_resp_ds=self.a.query_max_resp_ds)
        except OSError as e:
            self.log("query_error", error=str(e))

    def status(self):
        held = sorted(self.held)
        kw = {"held": len(held)}
        if len(held) <= 16:
            kw["groups"] = held
        self.log("status", **kw)

    def run(self):
        a = self.a
        start = time.monotonic()
        end = start + a.duration
        interval = a.interval_ms / 1000.0
        next_send = start
        next_status = start + a.status_interval
        next_query = start + 0.5 if a.query_interval > 0 else None
        self.log("ready", pid=os.getpid(), iface=a.iface, forget_after=a.forget_after,
                 sources=a.source, static_groups=a.static_group, interval_ms=a.interval_ms,
                 stream=not a.no_stream, query_interval=a.query_interval)
        while self.stop_reason is None:
            now = time.monotonic()
            if now >= end:
                self.stop_reason = "duration"
                break
            deadlines = [end, next_status]
            if not a.no_stream:
                deadlines.append(next_send)
            if next_query is not None:
                deadlines.append(next_query)
            if self.held:
                deadlines.append(min(self.held.values()))
            timeout = max(0.0, min(deadlines) - now)
            try:
                r, _, _ = select.select([self.igmp, self.wake_r], [], [], timeout)
            except InterruptedError:
                r = []
            now = time.monotonic()
            if self.wake_r in r:
                try:
                    os.read(self.wake_r, 512)
                except BlockingIOError:
                    pass
            if self.igmp in r:
                for _ in range(4096):   # bounded drain
                    try:
                        pkt = self.igmp.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    d = parse_ip_igmp(pkt)
                    if d is None:
                        continue
                    self.igmp_count += 1
                    self.log("igmp", **d)
                    self.handle_igmp(d, now)
            self.expire(now)
            if not a.no_stream and now >= next_send:
                self.send_streams(now)
                next_send += interval
                if next_send < now:      # we fell behind: resynchronise, do not burst
                    next_send = now + interval
            if next_query is not None and now >= next_query:
                self.send_query()
                next_query += a.query_interval
            if now >= next_status:
                self.status()
                next_status += a.status_interval
                if next_status < now:
                    next_status = now + a.status_interval
        self.log("exit", reason=self.stop_reason, sent=self.sent, igmp=self.igmp_count,
                 held=len(self.held))
        try:
            self.igmp.setsockopt(socket.IPPROTO_IP, MRT_DONE, struct.pack("i", 1))
        except OSError:
            pass
        self.igmp.close()
        for _, u in self.senders:
            u.close()
        if self.logf is not sys.stdout:
            self.logf.close()


def main():
    p = argparse.ArgumentParser(description="Emulated Movistar+ upstream router for the netns lab")
    p.add_argument("--iface", default="up0")
    p.add_argument("--forget-after", type=float, default=4.0, metavar="T",
                   help="seconds a group is held after the last report (default 4)")
    p.add_argument("--source", action="append", default=[], metavar="ADDR",
                   help="stream source address (repeatable, default 198.18.0.1)")
    p.add_argument("--static-group", action="append", default=[], metavar="G",
                   help="stream this group whether held or not (repeatable)")
    p.add_argument("--interval-ms", type=float, default=20.0)
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--ttl", type=int, default=16)
    p.add_argument("--payload", type=int, default=64, help="UDP payload size (min: header text)")
    p.add_argument("--no-stream", action="store_true", help="track memberships only")
    p.add_argument("--query-interval", type=float, default=0.0, metavar="S",
                   help="send IGMPv2 general queries every S seconds (default: never)")
    p.add_argument("--query-version", type=int, choices=(2, 3), default=2,
                   help="version of those queries (default 2; a v2 query turns Linux hosts to v2,"
                        " even forced-v3 ones)")
    p.add_argument("--query-max-resp-ds", type=int, default=100,
                   help="max response time of those queries, in 1/10 s (default 100)")
    p.add_argument("--status-interval", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=300.0, metavar="S",
                   help="exit after S seconds (default 300)")
    p.add_argument("--log", default=None, help="JSON lines log (default stdout)")
    a = p.parse_args()
    if not a.source:
        a.source = ["198.18.0.1"]
    if a.interval_ms <= 0 or a.duration <= 0 or a.forget_after <= 0 or a.status_interval <= 0:
        p.error("intervals and durations must be positive")
    for g in a.static_group:
        if not g.startswith("239."):
            p.error("static groups must be in 239.0.0.0/8")

    emu = Emulator(a)

    def on_term(signum, frame):
        emu.stop_reason = signal.Signals(signum).name

    def on_usr1(signum, frame):
        emu.forget_all = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGUSR1, on_usr1)
    emu.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""bpkt.py - small helpers shared by the benchmark tools (imported, never run).

What it holds: Linux socket constants Python does not export, kernel receive timestamps
(SO_TIMESTAMPNS, CLOCK_REALTIME nanoseconds) from recvmsg ancillary data, an AF_PACKET
socket opener, IGMP frame builders (for the report generator) and a parser of IPv4/IGMP and
IPv4/UDP frames (for the sniffers). Standard library only; works with /usr/bin/python3.

Every time in the benchmark is CLOCK_REALTIME in integer nanoseconds: the kernel stamps
packets with it, and namespaces share it, so stamps taken in different namespaces compare.
"""

import socket
import struct
import time

SO_TIMESTAMPNS = 35          # asm-generic/socket.h (SO_TIMESTAMPNS_OLD)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
SO_RCVBUFFORCE = 33
SO_ATTACH_FILTER = 26
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
MRT_INIT = 200
MRT_DONE = 201
MRT_ADD_VIF = 202
VIFF_USE_IFINDEX = 0x8
IPOPT_RA = 0x94

CMSG_SPACE = socket.CMSG_SPACE(16) + socket.CMSG_SPACE(12) + 64


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


def enable_timestamps(s):
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)


def big_rcvbuf(s, size=8 << 20):
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


def ancillary(anc):
    """recvmsg ancillary list -> (timestamp ns or None, ifindex or None)."""
    ts = ifindex = None
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == SCM_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            ts = sec * 1000000000 + nsec
        elif level == socket.IPPROTO_IP and typ == IP_PKTINFO and len(data) >= 4:
            ifindex = struct.unpack("i", data[:4])[0]
    return ts, ifindex


def packet_socket(iface):
    """AF_PACKET socket on iface seeing both directions (pitfall 12: ETH_P_ALL), stamped."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    enable_timestamps(s)
    big_rcvbuf(s)
    s.setblocking(False)
    return s


def igmp_only(s):
    """Attach a classic BPF filter to an AF_PACKET socket: IPv4 IGMP frames only (a link that
    also carries streams would otherwise wake the reader for every packet)."""
    import ctypes
    insns = [(0x28, 0, 0, 12),              # ldh [12]            (EtherType)
             (0x15, 0, 3, ETH_P_IP),        # jeq IPv4, else drop
             (0x30, 0, 0, 23),              # ldb [23]            (IP protocol)
             (0x15, 0, 1, socket.IPPROTO_IGMP),
             (0x06, 0, 0, 0xFFFF),          # ret: accept
             (0x06, 0, 0, 0)]               # ret: drop
    prog = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in insns))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                 struct.pack("HL", len(insns), ctypes.addressof(prog)))
    while True:                             # what arrived before the filter
        try:
            s.recv(65536)
        except BlockingIOError:
            return


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip2int(a):
    return struct.unpack("!I", socket.inet_aton(a))[0]


def int2ip(n):
    return socket.inet_ntoa(struct.pack("!I", n & 0xFFFFFFFF))


def mcast_mac(group_int):
    return bytes([0x01, 0x00, 0x5E, (group_int >> 16) & 0x7F, (group_int >> 8) & 0xFF,
                  group_int & 0xFF])


def igmp_frame(src_mac, src_ip, version, group, kind="report"):
    """An Ethernet frame carrying one IGMP message from src_ip (ints), TTL 1, Router Alert.
    version 2: a v2 report (kind="report") or leave (kind="leave");
    version 3: a v3 report with one record, IS_EX{} (report) or TO_IN{} (leave)."""
    if version == 2:
        typ = 0x16 if kind == "report" else 0x17
        dst = group if kind == "report" else ip2int("224.0.0.2")
        igmp = struct.pack("!BBHI", typ, 0, 0, group)
    else:
        rtype = 2 if kind == "report" else 3
        dst = ip2int("224.0.0.22")
        igmp = struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + struct.pack("!BBHI", rtype, 0, 0, group)
    igmp = igmp[:2] + struct.pack("!H", inet_checksum(igmp)) + igmp[4:]
    opts = bytes([IPOPT_RA, 4, 0, 0])
    total = 24 + len(igmp)
    hdr = struct.pack("!BBHHHBBHII", 0x46, 0xC0, total, 0, 0, 1, socket.IPPROTO_IGMP, 0,
                      src_ip, dst) + opts
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    eth = mcast_mac(dst) + src_mac + struct.pack("!H", ETH_P_IP)
    return eth + hdr + igmp


def parse_frame(frame):
    """Ethernet frame -> None, or ("igmp", src, dst, [(kind, group), ...]) or
    ("udp", src, dst, payload). kind: "join" (v1/v2 report, v3 IS_EX/TO_EX or a record
    with sources), "leave" (v2 leave, v3 TO_IN{}/IS_IN{}), "query", "other"."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    return parse_ip(frame[14:])


def parse_ip(ip):
    """An IPv4 packet (no link header), same result as parse_frame."""
    if len(ip) < 28:
        return None
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl + 8:
        return None
    proto = ip[9]
    src = ip[12:16]
    dst = ip[16:20]
    body = ip[ihl:]
    if proto == 17:
        return ("udp", src, dst, body[8:])
    if proto != socket.IPPROTO_IGMP:
        return None
    t = body[0]
    if t in (0x12, 0x16):
        return ("igmp", src, dst, [("join", body[4:8])])
    if t == 0x17:
        return ("igmp", src, dst, [("leave", body[4:8])])
    if t == 0x11:
        return ("igmp", src, dst, [("query", body[4:8])])
    if t == 0x22 and len(body) >= 8:
        nrec = struct.unpack("!H", body[6:8])[0]
        recs = []
        off = 8
        for _ in range(nrec):
            if off + 8 > len(body):
                break
            rtype, aux, nsrc = struct.unpack("!BBH", body[off:off + 4])
            g = body[off + 4:off + 8]
            off += 8 + 4 * nsrc + 4 * aux
            if rtype in (2, 4) or (rtype in (1, 3, 5) and nsrc > 0):
                recs.append(("join", g))
            elif rtype in (1, 3) and nsrc == 0:
                recs.append(("leave", g))
            else:
                recs.append(("other", g))
        return ("igmp", src, dst, recs)
    return ("igmp", src, dst, [("other", body[4:8])])

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test-igmp-wire.py GEN - an independent reading of the codec's packets.

GEN (igmp-wire-gen, built for the tests) writes the IGMP messages our builders make into a pcap
file (LINKTYPE_IPV4); tshark dissects them (-T pdml) and every field is compared with what is
written down below, from RFC 3376 4.1 / 4.2 and RFC 2236 2 (never from our code): type, the
version tshark decides, Max Resp (tshark shows it in tenths of a second, decoded by its own
reading of RFC 3376 4.1.1), the S flag, QRV, QQIC, Number of Sources and each source, the
records' types, groups and source lists, the lengths, and that tshark finds every checksum good
and nothing malformed.

Exit 0 if all agree, 1 otherwise (each mismatch printed), 77 (meson: SKIP) without tshark.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def rfc3376_code(code):
    """RFC 3376 4.1.1 / 4.1.7: the value of a Max Resp Code or QQIC."""
    if code < 128:
        return code
    exp = (code >> 4) & 0x7
    mant = code & 0xF
    return (mant | 0x10) << (exp + 3)


def ips(prefix_last, n, start=0):
    """n addresses 198.18.<x>.<y> counting up from 198.18.prefix_last.start."""
    out = []
    for i in range(n):
        v = prefix_last * 256 + start + i
        out.append("198.18.%d.%d" % (v // 256, v % 256))
    return out


# What each frame of igmp-wire-gen must dissect to (see igmp-wire-gen.c for how it is built).
# max_resp: tenths of a second; qqic: the raw code (tshark shows QQIC undecoded).
Q = "0x11"
EXPECT = [
    # 1: group-and-source-specific query, S flag (RFC 3376 4.1.5), 2 sources (4.1.8, 4.1.9)
    dict(dst="232.1.2.3", version="3", type=Q, max_resp=100, s="1", qrv="2", qqic=125,
         group="232.1.2.3", sources=["198.18.0.1", "198.18.0.2"], size=20),
    # 2: general query; max resp 20 s and QQIC 200 s both as code 0x89 (exponential form)
    dict(dst="224.0.0.1", version="3", type=Q, max_resp=200, max_resp_code="89", s="0", qrv="7",
         qqic=0x89, qqi_seconds=200, group="0.0.0.0", sources=[], size=12),
    # 3: group-specific query with the S flag and no source (RFC 3376 6.6.3.1)
    dict(dst="239.1.1.1", version="3", type=Q, max_resp=10, s="1", qrv="2", qqic=125,
         group="239.1.1.1", sources=[], size=12),
    # 4: 366 sources: a 1500-byte datagram (24 bytes of IP header with Router Alert)
    dict(dst="232.9.9.9", version="3", type=Q, max_resp=10, s="1", qrv="2", qqic=125,
         group="232.9.9.9", sources=ips(1, 366), size=12 + 4 * 366, ip_len=1500),
    # 5: report, records IS_IN (1), BLOCK (6), TO_EX (4) (RFC 3376 4.2.12)
    dict(dst="224.0.0.22", version="3", type="0x22",
         records=[(1, "232.1.1.1", ["198.18.0.1", "198.18.0.2"]), (6, "232.1.1.2", ["198.18.0.3"]),
                  (4, "239.1.2.3", [])], size=8 + 16 + 12 + 8),
    # 6: report, ALLOW (5), TO_IN (3)
    dict(dst="224.0.0.22", version="3", type="0x22",
         records=[(5, "232.1.1.3", ["198.18.0.4"]), (3, "239.0.0.1", [])], size=8 + 12 + 8),
    # 7: the v3 leave: one TO_IN({}) record (RFC 3376 5.1)
    dict(dst="224.0.0.22", version="3", type="0x22", records=[(3, "239.0.0.1", [])], size=16),
    # 8-10: IGMPv2 (RFC 2236 2): group-specific query 1 s, report, leave to 224.0.0.2
    dict(dst="239.1.1.1", version="2", type=Q, max_resp=10, group="239.1.1.1", size=8),
    dict(dst="239.0.0.1", version="2", type="0x16", group="239.0.0.1", size=8),
    dict(dst="224.0.0.2", version="2", type="0x17", group="239.0.0.1", size=8),
]

failures = []


def check(frame, what, got, want):
    if got != want:
        failures.append("frame %d: %s: tshark says %r, expected %r" % (frame, what, got, want))


def fields(elem, name):
    """The direct child fields of elem called name."""
    return [f for f in elem.findall("field") if f.get("name") == name]


def show(elem, name):
    f = fields(elem, name)
    return f[0].get("show") if len(f) == 1 else ("<%d fields>" % len(f))


def main():
    if len(sys.argv) != 2:
        print("usage: test-igmp-wire.py IGMP-WIRE-GEN", file=sys.stderr)
        return 2
    tshark = shutil.which("tshark")
    if not tshark:
        print("SKIP: no tshark (apt install tshark)")
        return 77
    tmp = tempfile.mkdtemp(prefix="igmp-wire.")
    try:
        pcap = os.path.join(tmp, "wire.pcap")
        subprocess.run([sys.argv[1], pcap], check=True, timeout=30)
        # -o: never look up names; HOME in tmp so no profile of the machine's is read.
        env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp)
        out = subprocess.run([tshark, "-n", "-r", pcap, "-T", "pdml"], check=True, timeout=60,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env).stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    packets = ET.fromstring(out).findall("packet")
    check(0, "number of frames", len(packets), len(EXPECT))
    for n, (pkt, want) in enumerate(zip(packets, EXPECT), start=1):
        protos = {p.get("name"): p for p in pkt.findall("proto")}
        check(n, "malformed", "_ws.malformed" in protos or pkt.find(".//field[@name='_ws.malformed']") is not None,
              False)
        ip = protos.get("ip")
        igmp = protos.get("igmp")
        if ip is None or igmp is None:
            failures.append("frame %d: no IP or IGMP layer" % n)
            continue
        check(n, "ip.dst", show(ip, "ip.dst"), want["dst"])
        check(n, "ip.ttl", show(ip, "ip.ttl"), "1")
        check(n, "ip.proto", show(ip, "ip.proto"), "2")
        check(n, "Router Alert", ip.find(".//field[@name='ip.opt.ra']") is not None, True)
        check(n, "ip.len", int(show(ip, "ip.len")), want.get("ip_len", 24 + want["size"]))
        check(n, "IGMP length", int(igmp.get("size")), want["size"])
        check(n, "igmp.version", show(igmp, "igmp.version"), want["version"])
        check(n, "igmp.type", show(igmp, "igmp.type"), want["type"])
        check(n, "igmp.checksum.status (1 = Good)", show(igmp, "igmp.checksum.status"), "1")
        if "max_resp" in want:
            check(n, "igmp.max_resp (1/10 s)", int(show(igmp, "igmp.max_resp")), want["max_resp"])
        if "max_resp_code" in want:
            code = fields(igmp, "igmp.max_resp")[0].get("value")
            check(n, "max resp code", code, want["max_resp_code"])
            check(n, "max resp code decoded (RFC 3376 4.1.1)", rfc3376_code(int(code, 16)), want["max_resp"])
        if "group" in want:
            check(n, "igmp.maddr", show(igmp, "igmp.maddr"), want["group"])
        if "s" in want:
            check(n, "igmp.s", show(igmp, "igmp.s"), want["s"])
            check(n, "igmp.qrv", show(igmp, "igmp.qrv"), want["qrv"])
            check(n, "igmp.qqic", int(show(igmp, "igmp.qqic")), want["qqic"])
            if "qqi_seconds" in want:
                check(n, "QQIC decoded (RFC 3376 4.1.7)", rfc3376_code(want["qqic"]), want["qqi_seconds"])
            check(n, "igmp.num_src", int(show(igmp, "igmp.num_src")), len(want["sources"]))
            check(n, "igmp.saddr", [f.get("show") for f in fields(igmp, "igmp.saddr")], want["sources"])
        if "records" in want:
            check(n, "igmp.num_grp_recs", int(show(igmp, "igmp.num_grp_recs")), len(want["records"]))
            recs = [f for f in igmp.findall("field") if f.find("field[@name='igmp.record_type']") is not None]
            got = []
            for r in recs:
                check(n, "aux_data_len", show(r, "igmp.aux_data_len"), "0")
                srcs = [f.get("show") for f in fields(r, "igmp.saddr")]
                check(n, "record num_src", int(show(r, "igmp.num_src")), len(srcs))
                got.append((int(show(r, "igmp.record_type")), show(r, "igmp.maddr"), srcs))
            check(n, "records (type, group, sources)", got, want["records"])

    for f in failures:
        print("FAIL " + f)
    print("%d frames dissected by %s, %d mismatch(es)" % (len(packets), tshark, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

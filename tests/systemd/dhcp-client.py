#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dhcp-client.py - a set-top box asking for its lease (RFC 2131), for tests/systemd/test-router.sh.

One DISCOVER/OFFER/REQUEST/ACK exchange on --iface (which has no address yet), with the
broadcast flag set so that the server's answers reach a plain UDP socket; sends the vendor
class --vendor-class (option 60) and asks for the options the test reads. Prints the ACK as one
JSON line: {"address", "mask", "router", "dns": [...], "server", "opt240"} and exits 0;
exits 1 if no ACK arrives within --timeout seconds (every step retried each second).
It configures nothing: the test adds the address and the route itself.
Standard library only.
"""

import argparse
import json
import os
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"


def packet(xid, mac, msgtype, extra):
    opts = bytes([53, 1, msgtype]) + extra + bytes([55, 4, 1, 3, 6, 240, 255])
    return (struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4, mac.ljust(16, b"\0"),
                        b"\0" * 64, b"\0" * 128) + MAGIC + opts)


def parse(data, xid):
    if len(data) < 240 or data[236:240] != MAGIC or struct.unpack("!I", data[4:8])[0] != xid:
        return None
    opts, i = {}, 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        code, n = data[i], data[i + 1]
        opts[code] = data[i + 2:i + 2 + n]
        i += 2 + n
    return socket.inet_ntoa(data[16:20]), opts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iface", default="eth0")
    p.add_argument("--vendor-class", default="")
    p.add_argument("--timeout", type=float, default=10.0)
    a = p.parse_args()
    mac = bytes.fromhex(open("/sys/class/net/%s/address" % a.iface).read().strip().replace(":", ""))
    xid = struct.unpack("!I", os.urandom(4))[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("", 68))
    vc = a.vendor_class.encode()
    vendor = bytes([60, len(vc)]) + vc if vc else b""
    deadline = time.monotonic() + a.timeout
    offer = None
    while time.monotonic() < deadline:
        if offer is None:
            s.sendto(packet(xid, mac, 1, vendor), ("255.255.255.255", 67))
        else:
            s.sendto(packet(xid, mac, 3, vendor + bytes([50, 4]) + socket.inet_aton(offer[0])
                            + bytes([54, 4]) + offer[1][54]), ("255.255.255.255", 67))
        s.settimeout(1.0)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            try:
                data = s.recv(2048)
            except socket.timeout:
                break
            r = parse(data, xid)
            if not r or 53 not in r[1]:
                continue
            kind = r[1][53][0]
            if kind == 2 and offer is None and 54 in r[1]:
                offer = r
                break
            if kind == 5 and offer is not None:
                o = r[1]
                dns = o.get(6, b"")
                print(json.dumps({
                    "address": r[0],
                    "mask": socket.inet_ntoa(o[1]) if 1 in o else None,
                    "router": socket.inet_ntoa(o[3][:4]) if 3 in o else None,
                    "dns": [socket.inet_ntoa(dns[i:i + 4]) for i in range(0, len(dns) - 3, 4)],
                    "server": socket.inet_ntoa(o[54]) if 54 in o else None,
                    "opt240": o[240].decode("latin-1") if 240 in o else None}))
                return 0
            if kind == 6:
                offer = None
                break
    print("no lease on %s within %.0f s (offer: %s)" % (a.iface, a.timeout, "yes" if offer else "no"),
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""source-host.py - a host in its netns that asks for multicast by source (IGMPv3, RFC 3376 3):
the kernel's own IGMP stack sends the reports (set net.ipv4.conf.IF.force_igmp_version=3 first,
or the kernel falls back to an any-source join in its v2 mode).

  --include G S   joins G from source S only (IP_ADD_SOURCE_MEMBERSHIP: INCLUDE {S});
  --block G S     joins G from any source, then (after --block-delay) blocks S
                  (IP_ADD_MEMBERSHIP, then IP_BLOCK_SOURCE: EXCLUDE {S});
both may be repeated. Prints "ready" once every option is in force, then holds the sockets for
--duration seconds (bounded; SIGTERM ends it earlier) and exits: the kernel leaves then.

Linux's struct ip_mreq_source is imr_multiaddr, imr_interface, imr_sourceaddr (in that order,
unlike the BSDs); the option numbers are Linux's (<linux/in.h>), which Python does not export.
Standard library only.
"""

import argparse
import signal
import socket
import sys
import time

IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39


def mreq_source(group, iface_addr, source):
    return socket.inet_aton(group) + socket.inet_aton(iface_addr) + socket.inet_aton(source)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr", required=True, help="the address of the host's interface")
    p.add_argument("--include", nargs=2, action="append", default=[], metavar=("G", "S"))
    p.add_argument("--block", nargs=2, action="append", default=[], metavar=("G", "S"))
    p.add_argument("--block-delay", type=float, default=0.5, metavar="S")
    p.add_argument("--duration", type=float, default=30.0, metavar="S")
    a = p.parse_args()
    if not 0 < a.duration <= 600:
        p.error("--duration must be in (0, 600]")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    socks = []
    for g, s in a.include:
        so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        so.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, mreq_source(g, a.addr, s))
        socks.append(so)
    blocks = []
    for g, s in a.block:
        so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        so.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                      socket.inet_aton(g) + socket.inet_aton(a.addr))
        socks.append(so)
        blocks.append((so, g, s))
    if blocks:
        time.sleep(min(a.block_delay, 5.0))
    for so, g, s in blocks:
        so.setsockopt(socket.IPPROTO_IP, IP_BLOCK_SOURCE, mreq_source(g, a.addr, s))
    print("ready", flush=True)
    time.sleep(a.duration)


if __name__ == "__main__":
    main()

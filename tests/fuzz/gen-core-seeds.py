#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-core-seeds.py [DIR] - writes the seed programs of fuzz-core into DIR/corpus-core (DIR: this
script's folder by default), the reproducers of the bugs it found among them. Each seed is a
scenario of the unit tests (tests/unit/test-*.c) or of the RFCs,
written in the program format that fuzz-core.c documents; FUZZ_CORE_TRACE=1 ./fuzz-core SEED
prints what it does. The format is fuzz-core.c's: keep both in step."""
import os
import sys

# slots (fuzz-core-model.c slot_defs)
VLAN2, VLAN10, VLAN20, VLAN30, VLAN99, ETH5 = range(6)
# configs (fuzz-core.c config_text)
A, B, C, D, E, F = range(6)
# opcodes (fuzz-core.c op_table)
LINK_UP, LINK_DOWN, V12, V3, QUERY, ADVANCE = 0, 1, 2, 4, 6, 8
NOCACHE, KERNEL, RELOAD, MISC, BULK = 11, 12, 13, 14, 15
# group_table indexes
G1, G2, G3, G_WL, G_SSDP, G_LL, G_LL22, G_224_0_1_1, G_SSM, G_238 = range(10)
G_GENERAL = 13
def GN(k):  # the ordinary groups 239.1.2.k
    return 16 + k
# senders (fuzz-core.c sender()): hosts below our address, above it, 0.0.0.0, ours, off-link
LOW0, LOW1, LOW2, LOW3, HIGH0, HIGH1, ZERO, OWN, OWN_OTHER, OFFLINK, OFFLINK2, ROUTER1 = \
    0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13
# sources (fuzz-core-model.c source_table)
S_UP0, S_UP1, S_UP2 = 0, 1, 2
S_ALT, S_OUT, S_VLAN99 = 8, 9, 10
# packet flags
NO_RA, BAD_TTL = 0x80, 0x40
# v3 record types
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6


class Prog:
    def __init__(self, config=A, present=(VLAN2, VLAN10), seed=42):
        mask = 0
        for s in present:
            mask |= 1 << s
        self.b = bytearray([config, mask, seed])

    def op(self, code, *args):
        self.b += bytes([code] + list(args))
        return self

    def link_up(self, s): return self.op(LINK_UP, s)
    def link_down(self, s): return self.op(LINK_DOWN, s)
    def v1(self, s, src, g, flags=0): return self.op(V12, s, src, flags | 0, g)
    def v2(self, s, src, g, flags=0): return self.op(V12, s, src, flags | 1, g)
    def leave(self, s, src, g, flags=0): return self.op(V12, s, src, flags | 2, g)

    def v3(self, s, src, records, flags=0):
        """records: [(type, group, [sources])] with type 1..6, or a raw type 0xf0 | t."""
        out = [s, src, flags, len(records)]
        for t, g, srcs in records:
            out += [(t - 1) if t <= 6 else t, g, len(srcs)] + list(srcs)
        return self.op(V3, *out)

    def query(self, s, src, version, g=G_GENERAL, code=100, qrv=2, qqic=125, sources=(), s_flag=False, flags=0):
        ver = {1: 0, 2: 1, 3: 2}[version]
        return self.op(QUERY, s, src, flags, ver, g, code, qrv | (8 if s_flag else 0), qqic, len(sources),
                       *sources)

    def ms10(self, n): return self.op(ADVANCE, 0, n)
    def sec(self, n):
        while n > 0:
            self.op(ADVANCE, 1, min(n, 255))
            n -= min(n, 255)
        return self
    def to_next(self): return self.op(ADVANCE, 2, 0)
    def before_next(self): return self.op(ADVANCE, 3, 0)
    def late(self, n10ms): return self.op(ADVANCE, 4, n10ms)
    def ms(self, n): return self.op(ADVANCE, 5, n)
    def nocache(self, src, g, vifsel=0): return self.op(NOCACHE, vifsel, src, g)
    def kernel(self, flow_mask=0xf, idle_unknown=False, hide=False, incomplete=False):
        return self.op(KERNEL, (flow_mask << 4) | (2 if idle_unknown else 0) | (4 if hide else 0) |
                       (8 if incomplete else 0))
    def reload(self, c): return self.op(RELOAD, c)
    def refresh_now(self): return self.op(MISC, 0)
    def shutdown(self): return self.op(MISC, 3)
    def mtu(self, mtu): return self.op(MISC, 4, max(0, (mtu - 68) // 6))
    def bulk(self, s, src, kind, first, count, flags=0):
        return self.op(BULK, s, src, flags | kind, first, count)


def seeds():
    S = {}
    # test-proxy: the first report joins upstream, repeats follow Robustness; more listeners,
    # no more joins; the last listener leaves -> leave upstream
    S["join-leave-v2"] = (Prog(A, (VLAN2, VLAN10, VLAN20)).v2(VLAN10, LOW0, G1).sec(3)
                          .v2(VLAN20, LOW0, G1).sec(5).leave(VLAN10, LOW0, G1).sec(4)
                          .leave(VLAN20, LOW0, G1).sec(5))
    # membership timeout: GMI (QI 20 s x 2 + 2 s) without a report
    S["gmi-timeout"] = Prog(A).v2(VLAN10, HIGH0, G2).sec(45).sec(5)
    # test-upstream: report versions, ReportVersion=3 batches, v1 and v2 querier upstream
    S["upstream-v3-answers"] = (Prog(B, (VLAN2, VLAN10, VLAN20)).bulk(VLAN10, LOW0, 1, GN(0), 6).sec(2)
                                .query(VLAN2, ROUTER1, 3, code=50).sec(6)
                                .query(VLAN2, ROUTER1, 3, g=GN(1), code=20).sec(3).sec(9))
    S["upstream-older-querier"] = (Prog(B).v2(VLAN10, LOW0, G1).sec(2).query(VLAN2, ROUTER1, 2, code=100)
                                   .sec(11).query(VLAN2, ROUTER1, 1).sec(20).sec(250).sec(30))
    S["upstream-v3-qrv-qqic"] = (Prog(D, (VLAN99, VLAN10)).v2(VLAN10, LOW0, G3).sec(1)
                                 .query(VLAN99, ROUTER1, 3, qrv=1, qqic=10, code=10).sec(1)
                                 .query(VLAN99, ROUTER1, 2, code=10).sec(15).sec(20))
    # upstream filters and link-local groups never joined
    S["filters-link-local"] = (Prog(B, (VLAN2, VLAN10, VLAN20)).v2(VLAN10, LOW0, G_SSDP).v2(VLAN10, LOW0, G_LL)
                               .v2(VLAN10, LOW0, G_238).v2(VLAN20, LOW0, G2).v2(VLAN20, LOW1, G1)
                               .v3(VLAN10, LOW1, [(IS_EX, G_LL22, []), (TO_EX, G_224_0_1_1, [])]).sec(3)
                               .reload(A).sec(3).reload(B).sec(10))
    # the refresh: schedule, spread, auto per group, refresh now, disabled
    S["refresh-yes-cycles"] = (Prog(A, (VLAN2, VLAN10)).bulk(VLAN10, LOW0, 0, GN(0), 40).sec(9).to_next()
                               .sec(30).bulk(VLAN10, LOW0, 0, GN(0), 40).sec(35).refresh_now().sec(5))
    S["refresh-spread-d"] = (Prog(D, (VLAN99, VLAN10, VLAN20)).bulk(VLAN10, LOW1, 1, GN(0), 38).ms(1).to_next()
                             .to_next().to_next().sec(6).bulk(VLAN20, LOW1, 1, GN(8), 38).sec(12))
    S["refresh-auto-querier"] = (Prog(B).v3(VLAN10, LOW0, [(IS_EX, G1, [])]).sec(5)
                                 .query(VLAN2, ROUTER1, 3, code=20, qqic=10).sec(4)
                                 .query(VLAN2, ROUTER1, 3, code=20, qqic=10).sec(7).sec(10))
    S["refresh-auto-long"] = Prog(E).v2(VLAN10, LOW0, G1).sec(200).v2(VLAN10, LOW0, G1).sec(120).sec(10)
    S["refresh-modes-reload"] = (Prog(A, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).sec(15).reload(B).sec(5)
                                 .v2(VLAN10, LOW0, G1).reload(E).sec(30).reload(F).sec(3).reload(C).sec(4)
                                 .reload(D).sec(3).reload(A).sec(10))
    # Enabled=yes with InitialDelaySec (30 s) longer than IntervalSec (5 s): a group joined
    # before the first cycle is reported again within IntervalSec + SpreadSec, not at 30 s
    S["refresh-yes-initial-delay"] = Prog(D, (VLAN99, VLAN10)).v2(VLAN10, LOW0, G1).sec(10).sec(10).sec(15)
    S["refresh-late-wakeup"] = Prog(F).v2(VLAN10, LOW0, G1).late(50).late(3).to_next().late(120).sec(1).ms10(30)
    # downstream querier: startup queries, election, a lower querier leaves, leaves ignored as non-querier
    S["querier-election"] = (Prog(A, (VLAN2, VLAN10)).v2(VLAN10, LOW1, G1).query(VLAN10, LOW0, 3, code=20)
                             .sec(2).leave(VLAN10, LOW1, G1).sec(5).query(VLAN10, HIGH0, 3, g=G1, code=10)
                             .sec(60).v2(VLAN10, LOW1, G1).leave(VLAN10, LOW1, G1).sec(3))
    S["querier-bad-queries"] = (Prog(A).v2(VLAN10, LOW1, G1).query(VLAN10, LOW0, 2, flags=NO_RA)
                                .query(VLAN10, OFFLINK, 3).query(VLAN10, LOW0, 3, flags=BAD_TTL)
                                .query(VLAN10, ZERO, 3).query(VLAN10, OWN, 3).leave(VLAN10, LOW1, G1).sec(3))
    # leaves: quickleave, LMQ round, v1 host present ignores leaves (RFC 3376 7.3.2)
    S["quickleave"] = (Prog(B, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).v2(VLAN10, LOW1, G1).leave(VLAN10, LOW0, G1)
                       .ms10(50).leave(VLAN10, LOW1, G1).ms10(10).sec(2))
    S["lmq-round"] = (Prog(A).v2(VLAN10, LOW0, G1).sec(1).leave(VLAN10, LOW0, G1).ms10(50).ms10(60)
                      .sec(2).v2(VLAN10, LOW0, G2).leave(VLAN10, LOW0, G2).ms10(90).v2(VLAN10, LOW1, G2).sec(3))
    S["v1-host-present"] = (Prog(A).v1(VLAN10, LOW0, G1).sec(1).leave(VLAN10, LOW1, G1).sec(3)
                            .v3(VLAN10, LOW1, [(TO_IN, G1, [])]).sec(45))
    # IGMPv3 records: source lists, ALLOW/BLOCK, unknown types, aux data
    S["v3-source-lists"] = (Prog(B, (VLAN2, VLAN10, VLAN20)).v3(VLAN10, LOW0, [(IS_IN, G1, [S_UP0, S_UP1])])
                            .v3(VLAN20, LOW0, [(TO_EX, G1, [S_UP1])]).nocache(S_UP0, G1).nocache(S_UP1, G1)
                            .v3(VLAN10, LOW0, [(ALLOW, G1, [S_UP2]), (BLOCK, G1, [S_UP0])]).nocache(S_UP2, G1)
                            .sec(2).v3(VLAN10, LOW0, [(TO_IN, G1, [])]).sec(3)
                            .v3(VLAN20, LOW0, [(IS_IN, G1, [])]).sec(25))
    S["v3-unknown-record"] = (Prog(A).v3(VLAN10, LOW0, [(IS_EX, G1, []), (0xf7, G2, [])])
                              .v3(VLAN10, LOW0, [(IS_EX, G2, [S_UP0])]).op(V3, VLAN10, LOW0, 0, 1, 1, G3, 0x13, 0, 1, 2)
                              .sec(3))
    # forwarding: upcalls on the subnet, AltNet, rejected, before a join, routes follow listeners,
    # idle routes, lost routes, stall
    S["routes"] = (Prog(A, (VLAN2, VLAN10, VLAN20)).nocache(S_UP0, G1).sec(2).v2(VLAN10, LOW0, G1)
                   .nocache(S_ALT, G1).nocache(S_OUT, G1).nocache(S_UP1, G1, vifsel=5).v2(VLAN20, LOW0, G1)
                   .sec(2).leave(VLAN10, LOW0, G1).sec(3).kernel(0xf).sec(70).kernel(0).sec(70)
                   .kernel(0xf, hide=True).sec(10))
    S["stall"] = (Prog(B, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).nocache(S_UP0, G1).kernel(0xf).sec(3).kernel(0)
                  .sec(3).sec(5).kernel(0xf, idle_unknown=True).sec(2).kernel(0, idle_unknown=True).sec(4)
                  .kernel(0xf, incomplete=True).sec(4))
    # links: the upstream goes and comes back, a downstream goes, roles change on reload
    S["links"] = (Prog(A, (VLAN2, VLAN10, VLAN20)).v2(VLAN10, LOW0, G1).v2(VLAN20, LOW0, G2).nocache(S_UP0, G1)
                  .sec(2).link_down(VLAN2).sec(5).link_up(VLAN2).sec(2).link_down(VLAN20).sec(1)
                  .link_up(VLAN99).link_up(VLAN30).v2(VLAN99, LOW0, G3).reload(D).sec(2).reload(A).sec(5))
    S["default-role-eth5"] = (Prog(B, (VLAN2, ETH5)).v2(ETH5, LOW0, G1).sec(1).reload(A).sec(1).reload(B)
                              .v2(ETH5, LOW0, G2).sec(20))
    # quickleave with many hosts: 70 reporters of one group (over the 64 tracked), then leaves
    S["quickleave-many-hosts"] = (Prog(B, (VLAN2, VLAN10)).bulk(VLAN10, 0x80, 0 | 4, G1, 63)
                                  .bulk(VLAN10, 0x80, 3 | 4, 64 + G1, 7).leave(VLAN10, 0x80, G1)
                                  .leave(VLAN10, 0x82, G1).sec(3))
    # caps: MaxGroupsPerInterface 8
    S["max-groups"] = Prog(B).bulk(VLAN10, LOW0, 0, GN(0), 20).bulk(VLAN10, LOW1, 1, GN(20), 20).sec(25)
    # MTU and batching of v3 current-state records
    S["mtu-batches"] = (Prog(D, (VLAN99, VLAN10)).mtu(68).bulk(VLAN10, LOW0, 1, GN(0), 30).sec(6)
                        .query(VLAN99, ROUTER1, 3, code=10).sec(2).mtu(100).sec(6))
    # shutdown with groups joined and routes
    S["shutdown"] = (Prog(A, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).v2(VLAN10, LOW0, G2).nocache(S_UP0, G1)
                     .sec(2).shutdown())
    S["shutdown-v1"] = Prog(C, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).sec(1).shutdown()
    # packets that must not count: bad TTL, no Router Alert with AcceptReportsWithoutRouterAlert=no,
    # off-link, own address
    S["bad-reports"] = (Prog(C, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1, flags=BAD_TTL)
                        .v2(VLAN10, LOW0, G2, flags=NO_RA).v2(VLAN10, OFFLINK, G3).v2(VLAN10, OWN, G1)
                        .v2(VLAN10, ZERO, G_SSM).sec(5))
    return S


def fixed_bugs():
    """Reproducers of the core's bugs fuzz-core found, all fixed: seeds like the others, so a
    regression fails the CI run at once."""
    K = {}
    # 1: the upstream goes while the leave of G1 (its last listener's link went) is
    # still being repeated: the group is never freed
    K["upstream-gone-during-leave"] = Prog(A, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).leave(VLAN10, LOW0, G1) \
        .sec(2).link_down(VLAN2).sec(5)
    # 2: the downstream link of G1's only listener goes: the leave and its repeat go
    # out in the same instant
    K["downstream-gone-double-leave"] = Prog(A, (VLAN2, VLAN10)).v2(VLAN10, LOW0, G1).sec(3) \
        .link_down(VLAN10).sec(5)
    # 3: a route from the AltNet= source stays (and is updated) after a reload to a
    # config without that AltNet=
    K["altnet-removed-route-kept"] = (Prog(A, (VLAN2, VLAN10, VLAN99)).v2(VLAN10, LOW0, G1).nocache(S_ALT, G1)
                                      .reload(C).v2(VLAN99, LOW0, G1).sec(1))
    # ... and a source offered before such a reload gets its route at the next join
    K["altnet-removed-pending-source"] = Prog(B, (VLAN2, VLAN10)).nocache(S_ALT, G2).reload(C).v2(VLAN10, LOW0, G2)
    # 4: INCLUDE {S} joined under ReportVersion=2, left under 3
    K["leave-by-block-after-v2"] = (Prog(A, (VLAN2, VLAN10)).v3(VLAN10, LOW0, [(IS_IN, G1, [S_UP0])]).sec(1)
                                    .reload(B).v3(VLAN10, LOW0, [(TO_IN, G1, [])]).sec(5))
    return K


def write(out, progs):
    os.makedirs(out, exist_ok=True)
    for name, prog in sorted(progs.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(prog.b))
    print("%d programs in %s" % (len(progs), out))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else here
    progs = seeds()
    progs.update(fixed_bugs())
    write(os.path.join(out, "corpus-core"), progs)


if __name__ == "__main__":
    main()

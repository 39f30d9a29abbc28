#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-lab-selftest.sh - checks the lab's own tools against the real Linux IGMP stack, without
# the daemon: the router namespace itself acts as a host on the upstream link (deco.py with
# --iface vlan2), so upstream-emu.py must hear its kernel's v2/v3 reports, hold, forget after T,
# stream, and deco.py must measure the gaps the emulator's log predicts. The query sniffer is
# checked with hand-crafted queries sent from RTR onto the LAN.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G=239.0.5.185
lab_setup
lab_sysctl rtr net.ipv4.conf.vlan2.igmpv2_unsolicited_report_interval=100 \
        net.ipv4.conf.vlan2.igmpv3_unsolicited_report_interval=100 \
        net.ipv4.conf.vlan2.force_igmp_version=2

# ---- A: a v2 host, no queries: held from the report, forgotten T=2 s after the last one.
lab_start_upstream --forget-after 2
lab_bg rtr "$LAB_TMP/hostA.stderr" "$PYTHON" "$LAB_DIR/deco.py" --iface vlan2 --group "$G" \
        --duration 5 --out "$LAB_TMP/hostA.json"
lab_wait_pid "$LAB_LAST_PID" 15
lab_stop_upstream
cp "$LAB_UPSTREAM_LOG" "$LAB_TMP/upstreamA.jsonl"

check_py "A: v2 reports from the host heard, TTL 1, Router Alert" <<'EOF'
import labq
log = labq.load(labq.tmp("upstreamA.jsonl"))
m = labq.igmp(log, src="198.18.0.2", type=labq.REPORT_TYPES)
print("reports:", [(x["type"], x["group"], x["ttl"], x["ra"]) for x in m])
assert m, "no report heard"
assert all(x["type"] == "v2_report" and x["group"] == "239.0.5.185" for x in m)
assert all(x["ttl"] == 1 and x["ra"] for x in m)
EOF

check_py "A: held from the first report, expired T after the last one, stream stopped then" <<'EOF'
import labq
log = labq.load(labq.tmp("upstreamA.jsonl"))
G = "239.0.5.185"
rep = labq.reports(log, G, "198.18.0.2")
join = labq.events(log, "join", G)
exp = labq.events(log, "expire", G)
s = labq.summary("hostA")
g = s["groups"][G]
print("reports at", ["%.3f" % (t - s["join_time"]) for t in rep], "s after the join")
print("expire due %.3f s after the last report, deco: first packet %.3f s after the join, "
      "last packet %.3f s before the expiry, %d packets, max gap %.3f s"
      % (exp[0]["due"] - rep[-1], g["join_latency"], exp[0]["t"] - g["last"], g["count"],
         g["max_gap"]))
assert len(join) == 1 and len(exp) == 1
assert abs(exp[0]["due"] - rep[-1] - 2.0) < 0.01
assert 0 <= exp[0]["t"] - g["last"] < 0.1, "packets after the expiry?"
expected = (exp[0]["t"] - join[0]["t"]) / 0.02
assert abs(g["count"] - expected) <= max(3, 0.05 * expected), "count %d vs %.0f" % (g["count"], expected)
assert g["max_gap"] < 0.1 and g["lost"] == 0
assert g["join_latency"] < 0.1
EOF

# ---- B: a v3 host answering v3 queries (every 3 s, max resp 0.5 s), T=1.5 s: the stream
# comes and goes; every gap deco.py measures must match an expire/join pair of the emulator.
lab_sysctl rtr net.ipv4.conf.vlan2.force_igmp_version=3
lab_start_upstream --forget-after 1.5 --query-interval 3 --query-version 3 --query-max-resp-ds 5
lab_bg rtr "$LAB_TMP/hostB.stderr" "$PYTHON" "$LAB_DIR/deco.py" --iface vlan2 --group "$G" \
        --duration 11 --leave-after 10 --out "$LAB_TMP/hostB.json"
lab_wait_pid "$LAB_LAST_PID" 20
sleep 0.5
lab_stop_upstream
cp "$LAB_UPSTREAM_LOG" "$LAB_TMP/upstreamB.jsonl"

check_py "B: v3 reports (TO_EX on join, IS_EX to queries, TO_IN{} on leave) heard" <<'EOF'
import labq
log = labq.load(labq.tmp("upstreamB.jsonl"))
m = labq.igmp(log, src="198.18.0.2", type=labq.REPORT_TYPES)
kinds = sorted({r["type"] for x in m for r in x.get("records", []) if r["group"] == "239.0.5.185"})
print("v3 record types for the group:", kinds, "; queries sent:", len(labq.events(log, "query_sent")))
assert all(x["type"] == "v3_report" and x["ttl"] == 1 and x["ra"] for x in m)
assert {"TO_EX", "IS_EX", "TO_IN"} <= set(kinds)
assert labq.events(log, "leave", "239.0.5.185"), "no leave event"
EOF

check_py "B: every gap deco.py measured matches an expire -> re-join of the emulator (+-60 ms)" <<'EOF'
import labq
G = "239.0.5.185"
log = labq.load(labq.tmp("upstreamB.jsonl"))
s = labq.summary("hostB")
g = s["groups"][G]
exp = [e["t"] for e in labq.events(log, "expire", G)]
joins = [e["t"] for e in labq.events(log, "join", G)]
pred = []
for e in exp:
    nxt = [j for j in joins if j > e]
    if nxt and nxt[0] < s["leave_time"]:
        pred.append((e, nxt[0] - e))
print("emulator: expire->join outages", ["%.3f" % d for _, d in pred])
print("deco.py:  gaps > 500 ms        ", ["%.3f" % gl for _, gl in g["gaps"]], "max gap %.3f" % g["max_gap"])
assert len(pred) >= 2, "expected at least two outages"
assert len(pred) == len(g["gaps"]), "outage count differs"
for (e, d), (gs, gl) in zip(pred, g["gaps"]):
    # gap = last packet before the expiry -> first packet after the re-join (<= 1 send interval more)
    assert abs(gs - e) < 0.06, "gap start %.3f vs expire %.3f" % (gs, e)
    assert -0.01 < gl - d < 0.06, "gap %.3f vs outage %.3f" % (gl, d)
EOF

check_py "B: after the leave the emulator stops at once and nothing more reaches the wire" <<'EOF'
import labq
s = labq.summary("hostB")
w = s["wire"]["239.0.5.185"]
print("leave at %.3f, wire packets after the leave: %d, last one %s s after"
      % (s["leave_time"], w["after_leave"], w["last_after_leave"]))
assert w["after_leave"] <= 2
assert w["count"] >= s["groups"]["239.0.5.185"]["count"]
EOF

# ---- C: the query sniffer, with hand-crafted queries sent from RTR onto vlan10 every 0.5 s.
deco_version deco1 3
deco_join deco1 sniff --group "$G" --duration 5 --sniff-queries "$LAB_TMP/sniff.jsonl"
sleep 0.5
lab_exec rtr "$PYTHON" - <<'EOF'
import socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF
def q(mrc, group, v3=False, qrv=2, qqic=125):
    b = struct.pack("!BBH4s", 0x11, mrc, 0, socket.inet_aton(group))
    if v3:
        b += struct.pack("!BBH", qrv, qqic, 0)
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.18.1.1"))
s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([0x94, 4, 0, 0]))
pk = [("224.0.0.1", q(10, "0.0.0.0")), ("224.0.0.1", q(25, "0.0.0.0", v3=True)),
      ("224.0.0.1", q(25, "0.0.0.0", v3=True)), ("239.0.5.185", q(2, "239.0.5.185", v3=True)),
      ("224.0.0.1", q(0x8c, "0.0.0.0", v3=True, qqic=0x8c)), ("224.0.0.1", q(25, "0.0.0.0", v3=True))]
t0 = time.monotonic()
for i, (dst, b) in enumerate(pk):
    while time.monotonic() < t0 + 0.5 * i:
        time.sleep(0.001)
    s.sendto(b, (dst, 0))
EOF
deco_wait deco1 10

check_py "C: sniffer logs each query: version, group, max resp, QQIC, spacing 0.5 s" <<'EOF'
import labq
q = labq.load(labq.tmp("sniff.jsonl"))
print([(x["version"], x["group"], x["max_resp"], x.get("qqic")) for x in q])
iv = labq.intervals([x["t"] for x in q])
print("intervals", labq.fmt(labq.stats(iv)))
want = [(2, "0.0.0.0", 1.0, None), (3, "0.0.0.0", 2.5, 125), (3, "0.0.0.0", 2.5, 125),
        (3, "239.0.5.185", 0.2, 125), (3, "0.0.0.0", 22.4, 224), (3, "0.0.0.0", 2.5, 125)]
assert [(x["version"], x["group"], x["max_resp"], x.get("qqic")) for x in q] == want
assert all(x["ttl"] == 1 and x["ra"] and x["src"] == "198.18.1.1" for x in q)
assert all(abs(i - 0.5) < 0.02 for i in iv)
EOF

# ---- D: many groups through the kernel: 1000 joins (20 per socket), all held upstream.
lab_sysctl rtr net.ipv4.conf.vlan2.force_igmp_version=2
lab_start_upstream --forget-after 30 --no-stream
lab_bg rtr "$LAB_TMP/hostD.stderr" "$PYTHON" "$LAB_DIR/deco.py" --iface vlan2 \
        --group-range 239.1.0.1 1000 --duration 4 --out "$LAB_TMP/hostD.json"
lab_wait_pid "$LAB_LAST_PID" 15
lab_stop_upstream
cp "$LAB_UPSTREAM_LOG" "$LAB_TMP/upstreamD.jsonl"
check_py "D: 1000 groups joined by one host are all held by the emulator" <<'EOF'
import labq
log = labq.load(labq.tmp("upstreamD.jsonl"))
s = labq.summary("hostD")
held = max([e["held"] for e in labq.events(log, "status")] or [0])
joins = {e["group"] for e in labq.events(log, "join")}
first = min(e["t"] for e in labq.events(log, "join"))
last = max(e["t"] for e in labq.events(log, "join"))
print("join errors %d, groups held %d, distinct joins %d, all within %.3f s"
      % (s["n_join_errors"], held, len(joins), last - first))
assert s["n_join_errors"] == 0 and held == 1000 and len(joins) == 1000
EOF

lab_done

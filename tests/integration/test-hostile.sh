#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-hostile.sh - hostile IGMP traffic. While deco1 watches 239.0.5.185, a LAN host (deco2's
# namespace) sends 18,000 junk packets over 10 s (hostile-gen.py --mode lan: random bytes,
# truncated and oversized messages, wrong checksums, IGMPv3 reports whose record/source counts
# overflow the packet, queries with absurd Max Resp Codes, reports for 224.0.0.x, reports from
# spoofed sources of other subnets, unknown types) and a host on the upstream link (the UP
# namespace) 2,000 reports and junk (--mode upstream). Checks: deco1 sees no gap over 500 ms;
# the daemon's RSS grows by at most 512 KiB (see RSS_BOUND_KIB); its D-Bus counters
# (PacketsMalformed, PacketsDropped) account for the junk; nothing but 239.0.5.185 is ever
# reported upstream; the log stays quiet (no line per bad packet at -v).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.5.185
# RSS bound: +512 KiB. A leak of even 26 bytes per junk packet (20,000 of them) would exceed it,
# while one-off growth (glibc's 128 KiB heap top pad, a hash table resize, stdio buffers) fits.
RSS_BOUND_KIB=512
N_LAN=18000
N_UP=2000
DUR=10
export G RSS_BOUND_KIB N_LAN N_UP DUR
bus_start
lab_setup
deco_version deco1 2
deco_version deco2 2
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
bus_wait_name 5 || diag "bus name not acquired within 5 s"
deco_join deco1 deco1 --group "$G" --gap-ms 100 --duration 30

# counters TAG: the daemon's D-Bus counters, its RSS and fd count, the raw socket drops in RTR.
counters() {
        local p
        {
                for p in PacketsReceived PacketsMalformed PacketsDropped; do
                        printf '%s %s\n' "$p" "$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" "$p" | awk '{ print $2 }')"
                done
                printf 'RSS %s\nFDS %s\nLOGLINES %s\n' "$(lab_rss "$LAB_PROXY_PID")" "$(lab_nfds "$LAB_PROXY_PID")" \
                        "$(wc -l <"$LAB_PROXY_LOG")"
                # shellcheck disable=SC2016  # awk's $NF
                printf 'RAWDROPS %s\n' "$(lab_exec rtr awk 'NR > 1 { s += $NF } END { print s + 0 }' /proc/net/raw)"
                printf 'T %s\n' "$(lab_now)"
        } >"$LAB_TMP/counters.$1"
}

sleep 5
counters before
lab_bg deco2 "$LAB_TMP/gen-lan.stderr" "$PYTHON" "$LAB_DIR/hostile-gen.py" --mode lan --iface eth0 \
        --src 198.18.1.12 --router 198.18.1.1 --spoof-net 198.18.7.0/24 --spoof-net 198.19.33.0/24 \
        --spoof-net 198.18.0.0/28 --avoid-group "$G" --count "$N_LAN" --duration "$DUR" --seed 7 \
        --stats "$LAB_TMP/gen-lan.json"
GEN_LAN=$LAB_LAST_PID
lab_bg up "$LAB_TMP/gen-up.stderr" "$PYTHON" "$LAB_DIR/hostile-gen.py" --mode upstream --iface up0 \
        --src 198.18.0.1 --router 198.18.0.2 --avoid-group "$G" --count "$N_UP" --duration "$DUR" \
        --seed 11 --stats "$LAB_TMP/gen-up.json"
GEN_UP=$LAB_LAST_PID
lab_wait_pid "$GEN_LAN" $((DUR + 10)) || fail "the LAN generator ended (status $?)"
lab_wait_pid "$GEN_UP" 5 || fail "the upstream generator ended (status $?)"
sleep 2
counters after
sleep 6
counters later
deco_wait deco1 30
check "the daemon survived" kill -0 "$LAB_PROXY_PID"
lab_stop_proxy
lab_stop_upstream
for f in gen-lan gen-up; do
        [ -s "$LAB_TMP/$f.stderr" ] && diag "$f stderr: $(head -c 600 "$LAB_TMP/$f.stderr")"
done

check_py "the generators sent 18,000 + 2,000 packets in about 10 s, every category" <<'PY'
import json, labq
ok = True
for f, n in (("gen-lan", 18000), ("gen-up", 2000)):
    s = json.load(open(labq.tmp(f + ".json")))
    dur = s["end"] - s["start"]
    print("%s: %d of %d sent in %.1f s (%.0f/s); by category: %s; send errors: %s %s"
          % (f, sum(s["sent"].values()), n, dur, s["rate"], s["sent"], s["errors"], s["last_error"]))
    ok = ok and sum(s["sent"].values()) >= 0.99 * n and 9 <= dur <= 12
lan = json.load(open(labq.tmp("gen-lan.json")))["sent"]
assert ok
assert set(lan) == {"random", "truncated", "badcsum", "v3overflow", "query", "linklocal", "spoofed",
                    "unknown", "oversized"}
PY

check_py "deco1 watched $G throughout: no gap over 500 ms" <<'PY'
import labq, labx
g = labq.summary("deco1")["groups"]["239.0.5.185"]
c = {k: v for k, v in (l.split() for l in open(labq.tmp("counters.before")))}
t0 = float(c["T"])
print("first packet %.3f s after the join, %d packets, max gap %.3f s, gaps > 100 ms (start, length): %s; "
      "tail %.3f s" % (g["join_latency"], g["count"], g["max_gap"],
                      [(round(s - t0, 2), l) for s, l in g["gaps"][:8]], g["tail"]))
assert g["count"] > 0 and g["max_gap"] < 0.5 and g["tail"] < 0.5 and g["join_latency"] < 1.0
PY

check_py "daemon RSS before vs after the junk: growth <= 512 KiB; fd count unchanged" <<'PY'
import labq, os
def rd(n):
    return {k: v for k, v in (l.split() for l in open(labq.tmp("counters." + n)))}
b, a, l = rd("before"), rd("after"), rd("later")
bound = int(os.environ["RSS_BOUND_KIB"])
print("VmRSS: before %s KiB, 2 s after the junk %s KiB (%+d), 8 s after %s KiB (%+d); bound +%d KiB; "
      "fds %s -> %s -> %s" % (b["RSS"], a["RSS"], int(a["RSS"]) - int(b["RSS"]), l["RSS"],
                              int(l["RSS"]) - int(b["RSS"]), bound, b["FDS"], a["FDS"], l["FDS"]))
assert int(a["RSS"]) - int(b["RSS"]) <= bound and int(l["RSS"]) - int(b["RSS"]) <= bound
assert b["FDS"] == a["FDS"] == l["FDS"]
PY

check_py "the daemon's counters account for the junk (PacketsMalformed, PacketsDropped)" <<'PY'
import json, labq
def rd(n):
    return {k: v for k, v in (l.split() for l in open(labq.tmp("counters." + n)))}
b, a = rd("before"), rd("after")
d = {k: int(a[k]) - int(b[k]) for k in ("PacketsReceived", "PacketsMalformed", "PacketsDropped", "RAWDROPS")}
lan = json.load(open(labq.tmp("gen-lan.json")))["sent"]
up = json.load(open(labq.tmp("gen-up.json")))["sent"]
bad = sum(lan.get(k, 0) + up.get(k, 0) for k in ("random", "truncated", "badcsum", "v3overflow", "oversized"))
drop = sum(lan.get(k, 0) for k in ("linklocal", "spoofed", "unknown")) + up.get("upreport", 0)
print("deltas over the junk: %s" % d)
print("junk sent: malformed kind %d (random, truncated, bad checksum, v3 overflow, oversized, upstream junk), "
      "well-formed but not for us %d (224.0.0.x, spoofed sources, unknown types, reports upstream), "
      "queries %d" % (bad, drop, lan.get("query", 0)))
print("malformed+dropped %d of %d junk messages (%.1f %%); kernel drops at the raw socket: %d"
      % (d["PacketsMalformed"] + d["PacketsDropped"], bad + drop,
         100.0 * (d["PacketsMalformed"] + d["PacketsDropped"]) / (bad + drop), d["RAWDROPS"]))
assert d["PacketsMalformed"] >= 0.5 * bad
assert d["PacketsDropped"] >= 0.5 * drop
assert d["PacketsMalformed"] + d["PacketsDropped"] >= 0.95 * (bad + drop) - d["RAWDROPS"]
PY

check_py "nothing but $G was ever reported or joined upstream (no junk group)" <<'PY'
import labq
log = labq.upstream()
m = labq.igmp(log, src="198.18.0.2")
groups = sorted({g for x in m for g in labq.groups_of(x)})
joins = sorted({e["group"] for e in log if e.get("ev") in ("join", "refresh") and e.get("src") == "198.18.0.2"})
kinds = {}
for x in m:
    kinds[x["type"]] = kinds.get(x["type"], 0) + 1
print("IGMP from the daemon upstream: %s, about groups %s; held for the daemon: %s" % (kinds, groups, joins))
assert groups == ["239.0.5.185"] and joins == ["239.0.5.185"]
PY

check_py "the log stayed quiet during the junk (no line per bad packet), the daemon stayed querier" <<'PY'
import labq, labx
def rd(n):
    return {k: v for k, v in (l.split() for l in open(labq.tmp("counters." + n)))}
b, a = rd("before"), rd("after")
lines = labx.log_lines()[int(b["LOGLINES"]):int(a["LOGLINES"])]
ql = [l for l in labx.log_lines() if "is the querier now" in l]
print("%d log lines during the junk; first ones: %s; querier changes: %s" % (len(lines), lines[:4], ql[:2]))
assert len(lines) <= 20
assert not ql
PY

lab_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-group-cap.sh - MaxGroupsPerInterface= (left at its default, 4096). deco1 watches
# 239.0.5.185 on vlan10; then a host on the same LAN (deco2's namespace, hostile-gen.py --mode
# groups) reports 100,000 distinct groups (239.16.0.0 on, well-formed IGMPv2 reports) over 15 s.
#  - vlan10 holds at the cap: the emulated upstream never holds more than 4096 groups for the
#    daemon (the flood's plus deco1's), and holds about that many (the cap is reached, not less);
#  - the warning is rate-limited: at most one line per second of flood (plus 5);
#  - deco1's stream has no gap over 500 ms;
#  - the daemon's RSS stops growing once the cap is reached: growth over the second half of the
#    flood (~48,000 reports dropped) <= 1 MiB, i.e. less than ~20 bytes per dropped report, while
#    one-off growth (the first refresh cycles over 4096 groups) fits; total growth <= 6 MiB
#    (4096 groups cost ~2.5 MiB here; keeping state for the 100,000 would cost far more);
#  - the cap is per interface: after the flood, deco3 on vlan20 joins a group and gets it.
# The emulator only tracks memberships (--no-stream); mcast-src.py sends the two watched groups.
# Query interval 60 s: no membership of the flood times out during the run.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G=239.0.5.185
G3=239.0.5.187
N=100000
DUR=15
CAP=4096
export G G3 N DUR CAP
lab_setup --second-downstream
deco_version deco1 2
deco_version deco3 2
lab_start_upstream --forget-after 30 --no-stream --duration 200
lab_bg up "$LAB_TMP/src.stderr" "$PYTHON" "$LAB_DIR/mcast-src.py" --iface up0 --group "$G" --group "$G3" \
        --duration 120
cfg=$(CFG_QI=60 CFG_QRI=10 CFG_REFRESH_INTERVAL=5 CFG_SECOND_DOWNSTREAM=1 lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group "$G" --gap-ms 100 --duration 40
sleep 4
lab_snap "$LAB_TMP/rss.txt"
lab_now >"$LAB_TMP/t.flood"
wc -l <"$LAB_PROXY_LOG" >"$LAB_TMP/n.flood"
lab_bg deco2 "$LAB_TMP/gen.stderr" "$PYTHON" "$LAB_DIR/hostile-gen.py" --mode groups --iface eth0 \
        --src 198.18.1.12 --group-base 239.16.0.0 --count "$N" --duration "$DUR" --stats "$LAB_TMP/gen.json"
GEN=$LAB_LAST_PID
for ((i = 0; i < (DUR + 10) * 2; i++)); do
        kill -0 "$GEN" 2>/dev/null || break
        lab_snap "$LAB_TMP/rss.txt"
        sleep 0.4
done
lab_wait_pid "$GEN" 5 || fail "the generator ended (status $?)"
lab_now >"$LAB_TMP/t.flood.end"
sleep 3
lab_snap "$LAB_TMP/rss.txt"
lab_now >"$LAB_TMP/t.deco3"
deco_join deco3 deco3 --group "$G3" --gap-ms 100 --duration 5
deco_wait deco3 15
lab_snap "$LAB_TMP/rss.txt"
deco_wait deco1 40
check "the daemon survived" kill -0 "$LAB_PROXY_PID"
cp "$LAB_PROXY_LOG" "$LAB_TMP/daemon.log"
lab_stop_proxy
lab_stop_upstream
[ -s "$LAB_TMP/gen.stderr" ] && diag "generator stderr: $(head -c 600 "$LAB_TMP/gen.stderr")"

check_py "the generator reported 100,000 distinct groups in about 15 s" <<'PY'
import json, labq
s = json.load(open(labq.tmp("gen.json")))
print("%d reports in %.1f s (%.0f/s), send errors %s %s" % (s["sent"].get("groupreport", 0),
      s["end"] - s["start"], s["rate"], s["errors"], s["last_error"]))
assert s["sent"].get("groupreport", 0) == 100000 and s["end"] - s["start"] <= 18
PY

check_py "vlan10 holds at the cap: upstream never holds more than 4096 groups for the daemon, and reaches it" <<'PY'
import labq, labx
log = labq.upstream()
t0 = labx.tfile("t.flood")
t3 = labx.tfile("t.deco3")
st = [e for e in labq.events(log, "status") if t0 - 1 <= e["t"] < t3]
held = [e["held"] for e in st]
joined = {e["group"] for e in labq.events(log, "join") if e.get("src") == "198.18.0.2" and e["t"] < t3}
flood = [g for g in joined if g.startswith("239.16.") or g.startswith("239.17.")]
print("upstream groups held, one figure a second from the flood on until deco3 joins on vlan20: max %d, last %s; %s"
      % (max(held), held[-1] if held else None, held[:25]))
print("distinct groups the daemon joined upstream: %d (%d of the flood, deco1's: %s)"
      % (len(joined), len(flood), "239.0.5.185" in joined))
assert max(held) <= 4096 and max(held) >= 4000
assert len(joined) <= 4097 and len(flood) <= 4095 and "239.0.5.185" in joined
PY

check_py "the group-cap warning is logged, rate-limited (<= 1 line per second of flood + 5)" <<'PY'
import labq, labx
L = labx.log_lines(labq.tmp("daemon.log"))
w = [l for l in L if "MaxGroupsPerInterface" in l]
dur = labx.tfile("t.flood.end") - labx.tfile("t.flood")
print("%d warning lines over a %.1f s flood (95,905 reports dropped); first: %s; last: %s"
      % (len(w), dur, w[0][:160] if w else None, w[-1][:160] if w else None))
assert w and all(l.startswith("<4>") for l in w)
assert len(w) <= dur + 5
PY

check_py "deco1 (vlan10) watched 239.0.5.185 throughout: no gap over 500 ms" <<'PY'
import labq, labx
g = labq.summary("deco1")["groups"]["239.0.5.185"]
t0 = labx.tfile("t.flood")
print("first packet %.3f s after the join, %d packets, max gap %.3f s, gaps > 100 ms (s after the flood "
      "began, length): %s, tail %.3f s" % (g["join_latency"], g["count"], g["max_gap"],
                                          [(round(s - t0, 2), l) for s, l in g["gaps"][:8]], g["tail"]))
assert g["count"] > 0 and g["max_gap"] < 0.5 and g["tail"] < 0.5
PY

check_py "RSS: no growth once the cap is reached (<= 1 MiB over the second half of the flood), total <= 6 MiB" <<'PY'
import labq, labx
s = labx.snaps("rss.txt")
t0 = labx.tfile("t.flood"); t1 = labx.tfile("t.flood.end")
q = t0 + (t1 - t0) / 2
base = s[0][1]
at_q = [x for x in s if x[0] >= q][0][1]
end = [x for x in s if x[0] <= t1][-1][1]
print("VmRSS KiB: before %d; half-way through the flood %d; at its end %d (%+d); after %d (deco3 joined); "
      "series (s after the flood began, KiB) where it changed: %s"
      % (base, at_q, end, end - at_q, s[-1][1],
         [(round(x[0] - t0, 1), x[1]) for i, x in enumerate(s) if i == 0 or x[1] != s[i - 1][1]]))
print("fds: %s" % sorted({x[2] for x in s}))
assert end - at_q <= 1024
assert max(x[1] for x in s) - base <= 6144
assert len({x[2] for x in s}) == 1
PY

check_py "the cap is per interface: deco3 on vlan20 joins after the flood and gets its stream within 1 s" <<'PY'
import labq
d = labq.summary("deco3"); g = d["groups"]["239.0.5.187"]
print("deco3: first packet %s s after the join, %d packets, max gap %.3f s"
      % (g.get("join_latency"), g["count"], g["max_gap"]))
assert g["count"] > 0 and g["join_latency"] <= 1.0 and g["max_gap"] < 0.5
PY

lab_done

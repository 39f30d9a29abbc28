#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-stall.sh - stall self-healing ([Proxy] StallTimeoutSec=). The emulated upstream forgets
# every group on its own (lab_upstream_forget, SIGUSR1) while decos watch; the refresh is made
# useless for recovery (IntervalSec=60, the emulator holds a group 120 s), so only the stall
# watch can bring the stream back: a joined group with listeners whose kernel packet counter
# stays still for StallTimeoutSec is reported upstream at once, a warning is logged (with the
# GROUP= field), the StreamStalls counter grows and the D-Bus signal StreamStalled(s) is sent.
#  P1. default (5 s), v2 deco, three forgets 9 s apart: back within 5 + 1 s each time;
#  P2. StallTimeoutSec=2, a v2 and a v3 deco on two groups, two forgets: both back within 3 s;
#  P3. StallTimeoutSec=0 (off): after a forget the stream stays down (12 s watched) and nothing
#      is reported: it is the stall watch that recovers the stream in P1/P2.
# No stall is reported while the stream flows. Figures: recovery time (forget -> first packet
# at the deco) and report time (forget -> the daemon's report at the upstream).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G1=239.0.5.185
G2=239.0.5.186
export G1 G2
bus_start
lab_setup
deco_version deco1 2
deco_version deco2 3
lab_start_upstream --forget-after 120 --duration 400
timeout 300 busctl --system monitor --json=short >"$LAB_TMP/monitor.jsonl" 2>"$LAB_TMP/monitor.stderr" &
LAB_PIDS+=("$!")
sleep 0.3

# phase_start NAME [StallTimeoutSec]: the lab's configuration with refresh every 60 s, the
# daemon at debug level (the console then shows the GROUP= field).
phase_start() {
        local name=$1 stall=${2:-}
        if [ -n "$stall" ]; then
                CFG_PROXY_EXTRA="StallTimeoutSec=$stall" CFG_REFRESH_INTERVAL=60 \
                        lab_std_config "$name.ini" >/dev/null
        else
                CFG_REFRESH_INTERVAL=60 lab_std_config "$name.ini" >/dev/null
        fi
        wc -l <"$LAB_TMP/monitor.jsonl" >"$LAB_TMP/mon.$name.start"
        lab_start_proxy "$LAB_TMP/$name.ini" -v
        bus_wait_name 5 || diag "bus name not acquired within 5 s"
}

# forget TAG: the upstream forgets everything; the time and the daemon's log length go to
# $LAB_TMP/t.TAG and $LAB_TMP/n.TAG.
forget() {
        wc -l <"$LAB_PROXY_LOG" >"$LAB_TMP/n.$1"
        lab_now >"$LAB_TMP/t.$1"
        lab_upstream_forget
}

phase_end() {
        local name=$1
        B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" StreamStalls >"$LAB_TMP/stalls.$name" 2>&1
        lab_stop_proxy
        lab_proxy_keep_log "$name.log"
        wc -l <"$LAB_TMP/monitor.jsonl" >"$LAB_TMP/mon.$name.end"
}

# ---- P1: default StallTimeoutSec (5 s)
phase_start p1
deco_join deco1 p1-deco1 --group "$G1" --gap-ms 100 --duration 33
sleep 4
forget p1.1
sleep 9
forget p1.2
sleep 9
forget p1.3
sleep 9
deco_wait deco1 20
phase_end p1

# ---- P2: StallTimeoutSec=2, a v2 and a v3 deco
phase_start p2 2
deco_join deco1 p2-deco1 --group "$G1" --gap-ms 100 --duration 18
deco_join deco2 p2-deco2 --group "$G2" --gap-ms 100 --duration 18
sleep 4
forget p2.1
sleep 7
forget p2.2
sleep 6
deco_wait deco1 20
deco_wait deco2 10
phase_end p2

# ---- P3: StallTimeoutSec=0
phase_start p3 0
deco_join deco1 p3-deco1 --group "$G1" --gap-ms 100 --duration 17
sleep 4
forget p3.1
sleep 13
deco_wait deco1 20
phase_end p3
lab_stop_upstream
sleep 0.5

# ---- checks
export STALL_P1=5 STALL_P2=2
for spec in p1:1:deco1:G1:5 p1:2:deco1:G1:5 p1:3:deco1:G1:5 p2:1:deco1:G1:2 p2:1:deco2:G2:2 \
        p2:2:deco1:G1:2 p2:2:deco2:G2:2; do
        IFS=: read -r PH K DECO GV ST <<<"$spec"
        export PH K DECO ST GROUP=${!GV}
        check_py "$PH forget $K: $DECO's $GROUP back within StallTimeoutSec ($ST s) + 1 s, by a report sent after the stall" <<'PY'
import os, labq, labx
ph, k, st = os.environ["PH"], os.environ["K"], float(os.environ["ST"])
G = os.environ["GROUP"]
tf = labx.tfile("t.%s.%s" % (ph, k))
g = labq.summary("%s-%s" % (ph, os.environ["DECO"]))["groups"][G]
o = labx.outage(g, tf)
log = labq.upstream()
rep = [t - tf for t in labq.reports(log, G, "198.18.0.2") if t > tf]
print("stream stopped %.3f s after the forget, back %s s after it (outage %s s); first report "
      "from the daemon after the forget: %s s"
      % ((o[0] - tf) if o else float("nan"), "%.3f" % (o[1] - tf) if o and o[1] else "never",
         "%.3f" % (o[1] - o[0]) if o and o[1] else "-", "%.3f" % rep[0] if rep else "none"))
assert o is not None, "the forget did not interrupt the stream (was the group held by a report?)"
assert o[1] is not None, "the stream never came back"
assert rep and st - 0.3 <= rep[0], "reported before StallTimeoutSec: not the stall watch"
assert o[1] - tf <= st + 1.0, "back later than StallTimeoutSec + 1 s"
PY
done

check_py "P1/P2: the stream had no gap over 500 ms except the forced outages" <<'PY'
import labq, labx
bad = {}
for ph, forgets, decos in (("p1", 3, [("deco1", "239.0.5.185")]),
                           ("p2", 2, [("deco1", "239.0.5.185"), ("deco2", "239.0.5.186")])):
    win = []
    for k in range(1, forgets + 1):
        tf = labx.tfile("t.%s.%d" % (ph, k))
        win.append((tf - 0.1, tf + 8))
    for d, G in decos:
        g = labq.summary("%s-%s" % (ph, d))["groups"][G]
        x = labx.gaps_outside(g, win)
        print("%s %s: first packet %.3f s after the join, %d packets, gaps > 500 ms outside the outages: %s"
              % (ph, d, g["join_latency"], g["count"], x))
        if x or g["join_latency"] > 1.0:
            bad[ph + d] = x
assert not bad
PY

check_py "P3 (StallTimeoutSec=0): after the forget the stream stays down for 12 s and nothing is reported" <<'PY'
import labq, labx
tf = labx.tfile("t.p3.1")
d = labq.summary("p3-deco1"); g = d["groups"]["239.0.5.185"]
rep = [t - tf for t in labq.reports(labq.upstream(), "239.0.5.185", "198.18.0.2") if t > tf]
late = g["last"] - tf if g["last"] else None
print("stream before the forget: %d packets, max gap %.3f s; last packet %s s after the forget, "
      "watched until %.1f s after it; reports after the forget: %s"
      % (g["count"], g["max_gap"], "%.3f" % late if late is not None else "-", d["end"] - tf,
         [round(x, 3) for x in rep]))
assert g["count"] > 0 and g["join_latency"] < 1.0
assert late is not None and late < 0.3
assert d["end"] - tf > 12
assert not [x for x in rep if x < d["end"] - tf]
PY

check_py "stall warnings: one per stall and group, level warning, with GROUP=, none while the stream flowed, none with StallTimeoutSec=0" <<'PY'
import os, re, labq, labx
rx = re.compile(r"No packet of \S+ for StallTimeoutSec=")
ok = True
for ph, expect, forgets in (("p1", {"239.0.5.185": 3}, 3),
                            ("p2", {"239.0.5.185": 2, "239.0.5.186": 2}, 2),
                            ("p3", {}, 1)):
    lines = labx.log_lines(labq.tmp(ph + ".log"))
    st = [l for l in lines if rx.search(l)]
    first = int(open(labq.tmp("n.%s.1" % ph)).read())
    early = [l for l in lines[:first] if l in st]
    per = {}
    for l in st:
        m = re.search(r"GROUP=(\d+\.\d+\.\d+\.\d+)", l)
        per[m.group(1) if m else "?"] = per.get(m.group(1) if m else "?", 0) + 1
    bad_level = [l for l in st if not l.startswith("<4>")]
    print("%s: %d stall line(s), by GROUP=: %s; before the first forget: %d; not at warning level: %d"
          % (ph, len(st), per, len(early), len(bad_level)))
    for l in st[:2]:
        print("   ", l[:200])
    if per != expect or early or bad_level:
        ok = False
assert ok
PY

check_py "StreamStalls counter (D-Bus property) counts the stalls of each run: 3, 4, 0" <<'PY'
import labq
got = {}
for ph in ("p1", "p2", "p3"):
    got[ph] = open(labq.tmp("stalls." + ph)).read().strip()
print("StreamStalls at the end of each run:", got)
assert got == {"p1": "t 3", "p2": "t 4", "p3": "t 0"}
PY

check_py "D-Bus signal StreamStalled(s group) once per stall and group, in each run" <<'PY'
import json, labq
lines = open(labq.tmp("monitor.jsonl")).read().splitlines()
ok = True
for ph, expect in (("p1", {"239.0.5.185": 3}), ("p2", {"239.0.5.185": 2, "239.0.5.186": 2}), ("p3", {})):
    a = int(open(labq.tmp("mon.%s.start" % ph)).read()); b = int(open(labq.tmp("mon.%s.end" % ph)).read())
    per = {}
    for l in lines[a:b]:
        try:
            m = json.loads(l)
        except ValueError:
            continue
        if m.get("type") == "signal" and m.get("member") == "StreamStalled":
            g = m["payload"]["data"][0]
            per[g] = per.get(g, 0) + 1
    print("%s: StreamStalled signals by group: %s (expected %s)" % (ph, per, expect))
    ok = ok and per == expect
assert ok
PY

lab_done

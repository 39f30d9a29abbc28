#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-silent-group.sh - a group the upstream never streams cannot stall (igmpproxy.conf(5),
# StallTimeoutSec=). A LAN host joins a group (as a TV joins SSDP's 239.255.255.250; here a
# 239.x group) that the emulated upstream tracks but never sends (--no-stream). With
# StallTimeoutSec=1 and IntervalSec=1, 12 s of compressed time are 12 refresh intervals and 12
# stall timeouts: no stall warning, no StreamStalled signal, StreamStalls stays 0, the debug line
# "No stream of G" comes once, and the group is still refreshed upstream every interval (the
# emulator never forgets it). Before this rule the watch warned and signalled at +1, +3, +7 s...
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.7.250
export G
bus_start
lab_setup
lab_start_upstream --forget-after "$LAB_T" --no-stream
timeout 60 busctl --system monitor --json=short >"$LAB_TMP/monitor.jsonl" 2>"$LAB_TMP/monitor.stderr" &
LAB_PIDS+=("$!")
sleep 0.3
CFG_PROXY_EXTRA="StallTimeoutSec=1" lab_std_config igmpproxy.ini >/dev/null
lab_start_proxy "$LAB_TMP/igmpproxy.ini" -v --log-target=console
bus_wait_name 5 || diag "bus name not acquired within 5 s"
lab_now >"$LAB_TMP/t.join"
deco_join deco1 deco1 --group "$G" --duration 12
deco_wait deco1 30
B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" StreamStalls >"$LAB_TMP/stalls" 2>&1
lab_stop_proxy
lab_stop_upstream

check "no stall warning in the daemon's log" sh -c "! grep -q 'No packet of' '$LAB_PROXY_LOG'"
check "StreamStalls stays 0 ($(cat "$LAB_TMP/stalls"))" grep -qx 't 0' "$LAB_TMP/stalls"
check "the debug line 'No stream of $G' exactly once" \
        test "$(grep -c "No stream of $G since it was joined" "$LAB_PROXY_LOG")" = 1
check_py "no StreamStalled signal" <<'PY'
import json, labq
n = 0
for l in open(labq.tmp("monitor.jsonl")).read().splitlines():
    try:
        m = json.loads(l)
    except ValueError:
        continue
    n += m.get("type") == "signal" and m.get("member") == "StreamStalled"
print("StreamStalled signals: %d" % n)
assert n == 0
PY
check_py "the group is still refreshed upstream every IntervalSec (1 s) and never forgotten" <<'PY'
import os, labq
log = labq.upstream(); G = os.environ["G"]
t0 = float(open(labq.tmp("t.join")).read())
rep = [t for t in labq.reports(log, G, "198.18.0.2") if t > t0 + 2]
gaps = labq.intervals(rep)
exp = [e for e in labq.events(log, "expire", G)]
print("reports after the first 2 s: %d, gaps %s; expiries: %d" % (len(rep), labq.fmt(labq.stats(gaps)), len(exp)))
assert len(rep) >= 8 and max(gaps) <= 1.5 and not exp
PY
lab_done

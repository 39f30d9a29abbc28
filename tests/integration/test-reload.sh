#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-reload.sh - configuration reloads (SIGHUP) under a running stream. deco1 watches
# 239.0.5.185 for the whole run while the file is changed and reloaded:
#  1. IntervalSec 1 s -> 2 s: the spacing of the refresh reports the emulated upstream hears
#     for 239.0.5.185 changes from ~1 s to ~2 s;
#  2. a second downstream interface (vlan20) is added: its VIF appears and deco3, on that LAN,
#     hears its startup general query at once;
#  3. 239.0.5.186, joined by deco2, is blacklisted upstream: the upstream hears a leave for it
#     and no report after, deco2's stream of it stops;
#  4. a broken file: the daemon keeps running with the old configuration (reports still ~2 s
#     apart, 239.0.5.186 still blacklisted) and says why.
# Throughout, deco1's stream has no gap over 500 ms and the upstream never forgets the group.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G=239.0.5.185
B=239.0.5.186
RUN=30
lab_setup --second-downstream
deco_version deco1 2
deco_version deco2 2
lab_start_upstream --forget-after "$LAB_T"
export CFG_REFRESH_EXTRA="SpreadSec=0"
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"

# write_config [VAR=VALUE...]: the lab's usual file with these tunables, replaced atomically.
write_config() {
        (
                for kv in "$@"; do export "${kv?}"; done
                lab_std_config igmpproxy.ini.new >/dev/null
        )
        mv "$LAB_TMP/igmpproxy.ini.new" "$cfg"
}

# reload NAME: SIGHUP, then waits (bounded, 5 s) until the daemon logged the outcome; the
# CLOCK_MONOTONIC time of the signal goes to $LAB_TMP/t.NAME.
reload() {
        local name=$1 n i
        n=$(grep -cE 'Configuration reloaded|Configuration not reloaded' "$LAB_PROXY_LOG")
        lab_now >"$LAB_TMP/t.$name"
        kill -HUP "$LAB_PROXY_PID"
        for ((i = 0; i < 50; i++)); do
                [ "$(grep -cE 'Configuration reloaded|Configuration not reloaded' "$LAB_PROXY_LOG")" -gt "$n" ] &&
                        return 0
                sleep 0.1
        done
        fail "reload $name: the daemon logged no outcome within 5 s"
        return 1
}

deco_join deco3 deco3 --sniff-queries "$LAB_TMP/vlan20-queries.jsonl" --duration "$RUN"
deco_join deco1 deco1 --group "$G" --duration "$RUN"
deco_join deco2 deco2 --group "$B" --duration "$RUN"
sleep 6

# 1. refresh every 2 s
write_config CFG_REFRESH_INTERVAL=2
reload interval
sleep 9

# 2. + vlan20
write_config CFG_REFRESH_INTERVAL=2 CFG_SECOND_DOWNSTREAM=1
reload vlan20
sleep 0.5
vifs=$(lab_vifs | tr '\n' ' ')
check "reload 2: a VIF for vlan20 (VIFs: $vifs)" grep -qw vlan20 <<<"$vifs"
sleep 2.5

# 3. 239.0.5.186 blacklisted upstream
write_config CFG_REFRESH_INTERVAL=2 CFG_SECOND_DOWNSTREAM=1 CFG_UP_EXTRA="Blacklist=$B/32"
reload blacklist
sleep 3

# 4. broken file
printf '[Interface vlan2]\nRole=upstream\nThreshold=0\n' >"$LAB_TMP/igmpproxy.ini.new"
mv "$LAB_TMP/igmpproxy.ini.new" "$cfg"
reload broken
check "reload 4: the broken file is rejected and the reason logged" \
        grep -E "Configuration not reloaded.*igmpproxy.ini:[0-9]+" "$LAB_PROXY_LOG"
deco_wait deco1 $((RUN + 10))
deco_wait deco2 10
deco_wait deco3 10
check "reload 4: the daemon is still running" kill -0 "$LAB_PROXY_PID"
lab_stop_proxy
lab_stop_upstream

check_py "deco1 watched $G through 4 reloads: no gap over 500 ms" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
print("first packet %.3f s after the join, %d packets over %.1f s, max gap %.3f s, gaps > 500 ms: %s, "
      "tail %.3f s" % (g["join_latency"], g["count"], g["last"] - g["first"], g["max_gap"], g["gaps"], g["tail"]))
assert g["count"] and g["n_gaps"] == 0 and g["max_gap"] < 0.5 and g["tail"] < 0.5
assert g["last"] - g["first"] > 20
PY

check_py "the upstream never forgot or left $G" <<'PY'
import labq
log = labq.upstream()
bad = labq.events(log, "expire", "239.0.5.185") + labq.events(log, "leave", "239.0.5.185")
print("expire/leave events for 239.0.5.185 before the daemon stopped:",
      [e for e in bad if e["t"] < labq.summary("deco1")["end"]])
assert not [e for e in bad if e["t"] < labq.summary("deco1")["end"]]
PY

check_py "reload 1: refresh reports for $G ~1 s apart before, ~2 s after" <<'PY'
import labq
log = labq.upstream(); d = labq.summary("deco1")
t1 = float(open(labq.tmp("t.interval")).read()); t2 = float(open(labq.tmp("t.vlan20")).read())
r = labq.reports(log, "239.0.5.185", "198.18.0.2")
before = labq.stats(labq.intervals([t for t in r if d["join_time"] + 2 < t < t1]))
after = labq.stats(labq.intervals([t for t in r if t1 + 2.5 < t < t2]))
print("before:", labq.fmt(before)); print("after: ", labq.fmt(after))
assert before["n"] >= 3 and 0.9 <= before["mean"] <= 1.1
assert after["n"] >= 2 and 1.8 <= after["mean"] <= 2.2
PY

check_py "reload 2: deco3 on vlan20 hears the proxy's startup general query within 1 s" <<'PY'
import labq
t = float(open(labq.tmp("t.vlan20")).read())
q = [x for x in labq.load(labq.tmp("vlan20-queries.jsonl")) if x.get("general") and x["src"] == "198.18.2.1"]
early = [x for x in q if x["t"] < t]
late = [x["t"] - t for x in q if x["t"] >= t]
print("general queries from 198.18.2.1 before the reload: %d; after it at %s s"
      % (len(early), [round(x, 3) for x in late[:6]]))
assert not early and late and late[0] < 1.0
PY

check_py "reload 3: blacklisting $B upstream sends a leave for it at once, and no report after" <<'PY'
import labq
log = labq.upstream()
t = float(open(labq.tmp("t.blacklist")).read())
lv = [x["t"] - t for x in labq.igmp(log, src="198.18.0.2", type="leave") if x["group"] == "239.0.5.186" and x["t"] >= t]
rep_before = [x for x in labq.reports(log, "239.0.5.186", "198.18.0.2") if x < t]
rep_after = [x - t for x in labq.reports(log, "239.0.5.186", "198.18.0.2") if x > t]
print("reports for 239.0.5.186 before: %d; leave %s s after the reload; reports after: %s"
      % (len(rep_before), [round(x, 3) for x in lv], [round(x, 3) for x in rep_after]))
assert rep_before and lv and lv[0] < 1.0 and not rep_after
PY

check_py "reload 3: deco2's stream of $B stops" <<'PY'
import labq
t = float(open(labq.tmp("t.blacklist")).read())
g = labq.summary("deco2")["groups"]["239.0.5.186"]
print("deco2: %d packets, the last %.3f s after the reload" % (g["count"], g["last"] - t))
assert g["count"] > 0 and g["last"] - t < 1.0
PY

check_py "reload 4 (rejected): the old settings stay: reports for $G still ~2 s apart, $B still not reported" <<'PY'
import labq
log = labq.upstream(); d = labq.summary("deco1")
t = float(open(labq.tmp("t.broken")).read())
r = [x for x in labq.reports(log, "239.0.5.185", "198.18.0.2") if t < x < d["end"]]
st = labq.stats(labq.intervals(r))
print("after the rejected reload:", labq.fmt(st),
      "; reports for 239.0.5.186:", len([x for x in labq.reports(log, "239.0.5.186", "198.18.0.2") if x > t]))
assert st["n"] >= 2 and 1.8 <= st["mean"] <= 2.2
assert not [x for x in labq.reports(log, "239.0.5.186", "198.18.0.2") if x > t]
PY

lab_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-monitor.sh - igmpproxyctl monitor (--json=short and text, side by side) against a scripted
# sequence of events on the netns lab and a private system-like bus: the daemon appears on the bus
# (DaemonStarted) and takes vlan2 and vlan10 into service (InterfaceChanged), a deco joins
# (GroupJoined on vlan10 and upstream on vlan2), refresh cycles run (RefreshCompleted), the
# emulated ISP router queries (QuerierChanged heard), a stream from a source outside AltNet= is
# refused (StreamRejected), the ISP goes silent (StreamStalled, then QuerierChanged gone), vlan10
# loses its address (InterfaceChanged out of service, GroupLeft) and gets it back (InterfaceChanged
# in service after a rescan), a runtime change (PropertiesChanged RefreshIntervalUSec) and the
# daemon stops (DaemonStopped), then starts and stops again, the monitors still listening. The interfaces taken into service at start come before the bus
# name: DaemonStarted stands for them. Checks every event
# with its arguments, their order where it is causal, timestamps that never go back, and that the
# text output has the same events.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.8.10
G2=239.0.8.20
CTL=$IGMPPROXYCTL
export G G2
[ -x "$CTL" ] || lab_bail "igmpproxyctl not found: $CTL"

bus_start
lab_setup
lab_start_upstream --forget-after "$LAB_T" --query-interval 1 --query-version 2
cfg=$(CFG_PROXY_EXTRA=StallTimeoutSec=1 lab_std_config igmpproxy.ini)

# Both monitors start before the daemon; stderr says when they listen.
lab_bg rtr "$LAB_TMP/mon.err" sh -c "exec '$CTL' monitor --json=short >'$LAB_TMP/mon.json'"
MON_JSON=$LAB_LAST_PID
lab_bg rtr "$LAB_TMP/mont.err" sh -c "exec '$CTL' monitor >'$LAB_TMP/mon.txt'"
MON_TXT=$LAB_LAST_PID
for ((i = 0; i < 50; i++)); do
        grep -q Monitoring "$LAB_TMP/mon.err" && grep -q Monitoring "$LAB_TMP/mont.err" && break
        sleep 0.1
done
check "both monitors listen, the daemon not running yet" grep -q "not running now" "$LAB_TMP/mon.err"

lab_start_proxy "$cfg"
check "bus name acquired" bus_wait_name 5
deco_join deco1 deco1 --group "$G" --duration 60
sleep 3
lab_bg up "$LAB_TMP/src.stderr" "$PYTHON" "$LAB_DIR/mcast-src.py" --iface up0 --source 198.19.200.1 \
        --group "$G2" --duration 3
sleep 1
lab_stop_upstream           # the stream stops (a stall) and the queries stop (querier gone)
sleep 7
check "runtime change: interval 3s" timeout 10 "$CTL" interval 3s
ip -n "$(lab_ns rtr)" addr flush dev vlan10
sleep 1
ip -n "$(lab_ns rtr)" addr add 198.18.1.1/24 dev vlan10
check "rescan after vlan10 got its address back" timeout 10 "$CTL" rescan
sleep 0.5
lab_stop_proxy
sleep 0.3
lab_start_proxy_vifs "vlan2 vlan10" "$cfg"   # the monitors stay: a second start, a second stop
check "bus name acquired again" bus_wait_name 5
lab_stop_proxy
sleep 0.5
lab_kill "$MON_JSON"
lab_kill "$MON_TXT"
diag "$(head -c 3000 "$LAB_TMP/mon.txt")"

check_py "monitor --json: the scripted events, in causal order, with their arguments" <<'PY'
import json, os
t = os.environ["LAB_TMP"]; G = os.environ["G"]; G2 = os.environ["G2"]
ev = [json.loads(l) for l in open(t + "/mon.json")]
print("%d events: %s" % (len(ev), sorted(set(e["Event"] for e in ev))))
def first(pred, what):
    for i, e in enumerate(ev):
        if pred(e):
            return i
    raise AssertionError("missing: " + what)
E = lambda ev_name, **kw: (lambda e: e["Event"] == ev_name and all(e.get(k) == v for k, v in kw.items()))
start = first(E("DaemonStarted", name="org.igmpproxy.Movistar"), "DaemonStarted")
j10 = first(E("GroupJoined", group=G, interface="vlan10"), "GroupJoined vlan10")
j2 = first(E("GroupJoined", group=G, interface="vlan2"), "GroupJoined upstream")
rc = first(lambda e: e["Event"] == "RefreshCompleted" and e["groups"] >= 1, "RefreshCompleted with a group")
heard = first(E("QuerierChanged", interface="vlan2", querier="", state="heard"), "querier heard")
rej = first(E("StreamRejected", source="198.19.200.1", group=G2), "StreamRejected")
stall = first(E("StreamStalled", group=G), "StreamStalled")
gone = first(E("QuerierChanged", interface="vlan2", state="gone"), "querier gone")
pc = first(lambda e: e["Event"] == "PropertiesChanged" and e.get("RefreshIntervalUSec") == 3000000, "PropertiesChanged")
out = first(lambda e: e["Event"] == "InterfaceChanged" and e["interface"] == "vlan10" and not e["in_service"]
            and e["reason"], "vlan10 out of service")
left = first(E("GroupLeft", group=G, interface="vlan10"), "GroupLeft vlan10")
back = first(lambda e: e["Event"] == "InterfaceChanged" and e["interface"] == "vlan10" and e["in_service"]
             and e["role"] == "downstream" and e["reason"] == "", "vlan10 back in service")
stop = first(E("DaemonStopped"), "DaemonStopped")
again = [i for i, e in enumerate(ev) if e["Event"] in ("DaemonStarted", "DaemonStopped")]
print("daemon events at", again)
assert [ev[i]["Event"] for i in again] == ["DaemonStarted", "DaemonStopped"] * 2, "restart not followed"
stop = again[-1]
print("order:", dict(start=start, back=back, j10=j10, j2=j2, rc=rc, heard=heard, rej=rej, stall=stall,
                     gone=gone, pc=pc, out=out, left=left, stop=stop))
print("vlan10 out:", ev[out])
assert start < j10 and start < j2 < rc
assert heard < gone and rej < stall < gone < pc < out < back and pc < left < back and stop == len(ev) - 1
ts = [e["RealtimeUSec"] for e in ev]
assert ts == sorted(ts), "timestamps go back"
assert all(e["Timestamp"][:4].isdigit() and "T" in e["Timestamp"] for e in ev)
PY
check_py "monitor (text): the same events, one line each, time first" <<'PY'
import json, os, re
t = os.environ["LAB_TMP"]
js = [json.loads(l)["Event"] for l in open(t + "/mon.json")]
tx = open(t + "/mon.txt").read().splitlines()
pat = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (\w+)( \w+=("[^"]*"|[^ "]+))*$')
bad = [l for l in tx if not pat.match(l)]
print("%d json, %d text lines; odd lines: %s" % (len(js), len(tx), bad[:3]))
assert not bad
names = [pat.match(l).group(1) for l in tx]
# The two monitors are two bus connections: they see the same signals, in the same order.
assert names == js, (names[:10], js[:10])
PY
lab_done

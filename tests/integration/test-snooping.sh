#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-snooping.sh - the LAN as it ships: IGMP snooping bridges (igmpproxy(8), SNOOPING BRIDGES).
# A Linux bridge is created with snooping on and its own querier off. It takes the general
# queries of the link's querier - this daemon - as its reason to forward each group only to the
# ports that reported it (net/bridge/br_multicast.c: a general query starts its "other querier
# present" timer; until the query's Max Resp Time has passed it still floods). Two topologies:
#   A. --lan-bridge: the daemon's downstream interface is itself a default bridge (a home router's
#      br-lan) with deco1 and deco2 on its ports; the queries leave through the bridge device;
#   B. --snooping: a default bridge in its own namespace (a snooping switch) between the
#      router's vlan10 and the decos; the queries arrive on one of its ports.
# The argument picks one: lan-bridge (A) or switch (B); meson runs both (snooping-bridge,
# snooping-switch). In each: the daemon starts and deco1 joins G at once and watches for 12 s; deco2, on another
# port, joins nothing for 4 s (it counts what reaches its wire), then joins G, then leaves at 8 s
# while deco1 keeps G. Checks: deco1 without a gap; deco2's wire saw at most the flooding before
# the bridge knew a querier (bound: the first query's Max Resp Time, 1 s, plus the daemon's
# start-up; measured) and nothing after it; deco2 got G while joined; after its leave its port
# stopped receiving within the last-member query time (2 x 200 ms here) + 0.6 s; the daemon said
# in the journal what the bridge will do (A only: in B the bridge is another box). The other
# integration tests keep snooping off (the lab's default) and still pass.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G=239.0.5.185
export G
case ${1:-lan-bridge} in
lan-bridge) name=A opt=--lan-bridge ;;
switch) name=B opt=--snooping ;;
*) lab_bail "usage: $0 lan-bridge|switch" ;;
esac
export PHASE=$name

lab_setup "$opt"
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config "$name.ini")
lab_now >"$LAB_TMP/t.$name.start"
lab_start_proxy "$cfg" --log-target=console
deco_join deco1 "$name-deco1" --group "$G" --duration 12
deco_join deco2 "$name-deco2" --group "$G" --wire --join-after 4 --leave-after 8 --duration 11
deco_wait deco1 30
deco_wait deco2 30
lab_stop_proxy
lab_proxy_keep_log "$name.log"
lab_stop_upstream

check_py "$name: deco1 watched $G without a gap for 12 s" <<'PY'
import os, labq
g = labq.summary(os.environ["PHASE"] + "-deco1")["groups"][os.environ["G"]]
print("%d packets, first %s s after the join, max gap %s s" % (g["count"], g.get("join_latency"), g["max_gap"]))
assert g["count"] > 400 and g["n_gaps"] == 0
PY
check_py "$name: deco2, not joined, saw at most the flooding of the bridge's first second, nothing after" <<'PY'
import os, labq
P = os.environ["PHASE"]
t0 = float(open(labq.tmp("t.%s.start" % P)).read())
d = labq.summary(P + "-deco2"); w = d["wire"][os.environ["G"]]
last = w["last_before_join"]
print("before its join (%.1f s after the daemon's start): %d packets on its wire, the last %s s after the "
      "daemon's start" % (d["join_time"] - t0, w["before_join"], "%.3f" % (last - t0) if last else "-"))
assert last is None or last - t0 <= 1.5
PY
check_py "$name: deco2 got $G while joined, and its port stopped receiving within LMQT + 0.6 s of its leave" <<'PY'
import os, labq
d = labq.summary(os.environ["PHASE"] + "-deco2"); G = os.environ["G"]
g = d["groups"][G]; w = d["wire"][G]
print("joined: %d packets, first %s s after the join; after the leave: %d on the wire, the last %s s after it"
      % (g["count"], g.get("join_latency"), w["after_leave"], w["last_after_leave"]))
assert g["count"] > 100
assert w["last_after_leave"] is None or w["last_after_leave"] <= 0.4 + 0.6
PY
if [ "$name" = A ]; then
        check "A: the daemon said the LAN bridge snoops and follows its queries" \
                grep -q "vlan10: a bridge with IGMP snooping: it takes our queries as the link's querier" \
                "$LAB_TMP/A.log"
        # The settings that make a snooping bridge flood anyway are named with their fix: the
        # bridge believing a querier for less than our query interval (2 s here), and no snooping.
        lab_start_upstream --forget-after "$LAB_T"
        # start_and_stop LOG: one short run of the daemon, its log kept as LOG.
        start_and_stop() {
                lab_start_proxy "$cfg" --log-target=console
                lab_stop_proxy
                lab_proxy_keep_log "$1"
        }
        lab_exec rtr ip link set vlan10 type bridge mcast_querier_interval 100
        start_and_stop short.log
        check "A: querier interval 1 s < QueryIntervalSec=2s: a warning naming the bridge setting" \
                grep -q "believes a querier for 1s after its last query, but QueryIntervalSec=2s.*ip link set vlan10 type bridge mcast_querier_interval 500" \
                "$LAB_TMP/short.log"
        lab_exec rtr ip link set vlan10 type bridge mcast_snooping 0
        start_and_stop nosnoop.log
        check "A: snooping off: a notice naming the setting" \
                grep -q "vlan10: a bridge without IGMP snooping.*ip link set vlan10 type bridge mcast_snooping 1" \
                "$LAB_TMP/nosnoop.log"
        lab_stop_upstream
fi
lab_done

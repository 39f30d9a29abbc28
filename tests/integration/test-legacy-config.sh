#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-legacy-config.sh (h) - a legacy igmpproxy.conf, as Movistar+ users have it (interface
# names as in the lab; phyint lines for interfaces the lab does not have). The altnet is
# 172.0.0.0/8, but the stream source 198.18.0.1 is in the upstream subnet, so it is forwarded.
# Threshold 3: the stream's TTL (16) exceeds it. The legacy format has no refresh settings, so
# the defaults apply (InitialDelaySec=10, IntervalSec=60): the emulated upstream forgets after
# 30 s here, the deco must get the stream and keep it, and the first refresh report must come
# about 10 s after the start.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WATCH=16
lab_setup
deco_version deco1 2
lab_start_upstream --forget-after 30
cfg=$(lab_config igmpproxy.conf <<'CONF'
quickleave
phyint vlan2 upstream ratelimit 0 threshold 3
    altnet 172.0.0.0/8
phyint vlan10 downstream ratelimit 0 threshold 3
phyint lo disabled
phyint ppp0 disabled
phyint vlan3 disabled
phyint vlan6 disabled
CONF
)
T_START=$(lab_now)
export T_START
lab_start_proxy "$cfg"
check "only vlan2 and vlan10 are VIFs" test "$(lab_vifs | sort | tr '\n' ' ')" = "vlan10 vlan2 "
deco_join deco1 deco1 --group 239.0.5.185 --duration "$WATCH"
deco_wait deco1 $((WATCH + 20))
lab_stop_proxy
lab_stop_upstream

check_py "the deco gets the stream and keeps it (no gap > 500 ms)" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
if not g["count"]:
    labq.fail("no packet at all")
print("%d packets, first %s s after the join, max gap %.3f s, last packet %s s before the end"
      % (g["count"], g.get("join_latency"), g["max_gap"], g["tail"]))
assert g["count"] > 0 and g["join_latency"] < 1.0
assert g["n_gaps"] == 0 and g["tail"] < 0.5
PY

check_py "first refresh report about 10 s (InitialDelaySec default) after the start" <<'PY'
import os, labq
t0 = float(os.environ["T_START"])
log = labq.upstream(); d = labq.summary("deco1")
r = labq.reports(log, "239.0.5.185", "198.18.0.2")
print("daemon started at 0; deco joined at %.3f s; reports upstream at %s s"
      % (d["join_time"] - t0, [round(x - t0, 3) for x in r]))
later = [x for x in r if x > d["join_time"] + 2]
assert r and r[0] - d["join_time"] < 1.0, "no report on the join"
assert later, "no refresh report"
assert 8.5 <= later[0] - t0 <= 11.5, "first refresh %.3f s after the start" % (later[0] - t0)
PY

lab_done

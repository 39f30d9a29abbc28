#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-refresh-off.sh (b) - the fault itself, for comparison: with [Refresh] Enabled=no and a
# query interval far beyond the test (so the deco does not re-report), the stream flows after
# the deco's join and stops T (+1 s) after the last report the emulated upstream heard.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WATCH=$((5 * LAB_T))
lab_setup
deco_version deco1 2
lab_start_upstream --forget-after "$LAB_T"
# The stall watch (StallTimeoutSec) would heal the freeze this test must see: off here.
cfg=$(CFG_REFRESH=no CFG_PROXY_EXTRA="StallTimeoutSec=0" CFG_QI=125 CFG_QRI=10 lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group 239.0.5.185 --duration "$WATCH"
deco_wait deco1 $((WATCH + 20))
lab_stop_proxy
lab_stop_upstream

check_py "the stream flowed after the join" <<'PY'
import labq
g = labq.summary("deco1")["groups"]["239.0.5.185"]
print("first packet %s s after the join, %d packets" % (g.get("join_latency"), g["count"]))
assert g["count"] > 0 and g["join_latency"] < 1.0
PY

check_py "the stream stopped T..T+1 s after the last report the upstream heard, for good" <<'PY'
import os, labq
T = float(os.environ["LAB_T"])
log = labq.upstream(); d = labq.summary("deco1"); G = "239.0.5.185"
g = d["groups"][G]
r = [t for t in labq.reports(log, G, "198.18.0.2") if t <= d["end"]]
if not r:
    labq.fail("the upstream heard no report for the group")
if not g["count"]:
    labq.fail("no packet at all")
stop = g["last"]
print("reports heard %s s after the join; last packet %.3f s after the last report; "
      "then silence for %.3f s; upstream expiries: %d"
      % ([round(t - d["join_time"], 3) for t in r], stop - r[-1], g["tail"],
         len(labq.events(log, "expire", G))))
assert g["n_gaps"] == 0, "the stream stopped and came back: %s" % g["gaps"]
assert T - 0.5 <= stop - r[-1] <= T + 1.0
assert g["tail"] >= 2.0, "the stream was still flowing near the end (reports until the end?)"
assert labq.events(log, "expire", G)
PY

lab_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-timers.sh (g) - the daemon's clocks, measured on the wire:
#  * general queries seen by a deco are QueryIntervalSec apart within 5 % (the startup queries,
#    StartupQueryInterval = QueryInterval/4 apart, are left out);
#  * refresh reports for one group seen by the emulated upstream are IntervalSec apart within
#    5 % (SpreadSec=0: no spreading of one cycle's reports).
# Prints the measured mean, min and max intervals.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

QI=2
RI=1
RUN=24
lab_setup
deco_version deco1 2
lab_start_upstream --forget-after "$LAB_T"
cfg=$(CFG_QI=$QI CFG_REFRESH_INTERVAL=$RI CFG_REFRESH_EXTRA="SpreadSec=0" lab_std_config igmpproxy.ini)
# The sniffer runs before the daemon starts, so it sees the startup queries too.
deco_join deco1 deco1 --sniff-queries "$LAB_TMP/queries.jsonl" --group 239.0.5.185 \
        --join-after 1.5 --duration "$RUN"
sleep 0.5
lab_start_proxy "$cfg"
deco_wait deco1 $((RUN + 20))
lab_stop_proxy
lab_stop_upstream
export QI RI

check_py "general queries QueryIntervalSec=$QI s apart within 5 %" <<'PY'
import os, labq
qi = float(os.environ["QI"])
q = [x for x in labq.load(labq.tmp("queries.jsonl")) if x.get("general")]
t = [x["t"] for x in q]
iv = labq.intervals(t)
# Leave out the startup phase: every interval before the first one longer than 3/4 QI.
k = next((i for i, x in enumerate(iv) if x > 0.75 * qi), len(iv))
startup, steady = iv[:k], iv[k:]
print("general queries seen: %d (versions %s, from %s)"
      % (len(q), sorted({x["version"] for x in q}), sorted({x["src"] for x in q})))
print("startup intervals (expect QI/4 = %.2f s): %s" % (qi / 4, [round(x, 3) for x in startup]))
st = labq.stats(steady)
print("steady intervals:", labq.fmt(st))
assert st["n"] >= 6, "too few general queries"
assert all(abs(x - qi) <= 0.05 * qi for x in steady), "an interval off by more than 5 %"
PY

check_py "refresh reports IntervalSec=$RI s apart within 5 %" <<'PY'
import os, labq
ri = float(os.environ["RI"])
log = labq.upstream(); d = labq.summary("deco1")
r = labq.reports(log, "239.0.5.185", "198.18.0.2")
print("reports heard %s s after the deco's join" % [round(x - d["join_time"], 3) for x in r[:6]], "...")
# Leave out the join's own reports (the first and its robustness repeats) and the initial
# delay: only reports from 3 s after the join on.
steady = labq.intervals([t for t in r if t > d["join_time"] + 3])
st = labq.stats(steady)
print("refresh intervals:", labq.fmt(st))
assert st["n"] >= 15, "too few refresh reports"
assert all(abs(x - ri) <= 0.05 * ri for x in steady), "an interval off by more than 5 %"
PY

lab_done

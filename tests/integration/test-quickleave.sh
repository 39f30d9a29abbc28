#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-quickleave.sh (c) - QuickLeave: a deco that was the only listener leaves; the daemon
# leaves upstream at once and the stream stops reaching the LAN within 1 s of the leave.
# deco1 is an IGMPv2 host (Leave) on 239.0.5.185, deco2 an IGMPv3 host (TO_IN{}) on
# 239.0.5.186, at the same time. The decos count what still reaches the wire (AF_PACKET), since
# their own kernel stops delivering a group once they left it.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LEAVE=$((LAB_T + 1))
lab_setup
deco_version deco1 2
deco_version deco2 3
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group 239.0.5.185 --leave-after "$LEAVE" --duration $((LEAVE + 4))
deco_join deco2 deco2 --group 239.0.5.186 --leave-after "$LEAVE" --duration $((LEAVE + 4))
deco_wait deco1 30
deco_wait deco2 10
lab_stop_proxy
lab_stop_upstream

for d in deco1:239.0.5.185:v2 deco2:239.0.5.186:v3; do
        IFS=: read -r DECO GROUP VER <<<"$d"
        export DECO GROUP
        check_py "$VER deco ($DECO) had $GROUP without a gap until it left" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); g = d["groups"][os.environ["GROUP"]]
print("%d packets, first %s s after the join, max gap %s s"
      % (g["count"], g.get("join_latency"), g["max_gap"]))
assert g["count"] > 0 and g["n_gaps"] == 0
PY
        check_py "$VER: upstream membership of $GROUP gone within 1 s of the leave, no report after" <<'PY'
import os, labq
log = labq.upstream(); d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
lt = d["leave_time"]
gone = [e for e in log if e.get("group") == G and e.get("ev") in ("leave", "expire") and e["t"] >= lt]
late = [t - lt for t in labq.reports(log, G, "198.18.0.2") if t > lt + 0.5]
lv = [x["t"] - lt for x in labq.igmp(log, src="198.18.0.2", type="leave")
      if x["group"] == G and x["t"] >= lt]
print("upstream: %s %.3f s after the deco's leave; daemon's leave(s) at %s s; reports after: %s"
      % (gone[0]["ev"] if gone else "nothing", (gone[0]["t"] - lt) if gone else -1,
         [round(x, 3) for x in lv], [round(x, 3) for x in late]))
assert gone and gone[0]["t"] - lt <= 1.0
assert not late
PY
        check_py "$VER: last packet of $GROUP on the deco's wire within 1 s after the leave" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); w = d["wire"][os.environ["GROUP"]]
print("packets on the wire after the leave: %d, the last one %s s after it"
      % (w["after_leave"], w["last_after_leave"]))
assert w["count"] > 0
assert w["last_after_leave"] is None or w["last_after_leave"] <= 1.0
PY
done

lab_done

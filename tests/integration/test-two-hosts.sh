#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-two-hosts.sh (d) - two decos on one group, one leaves: QuickLeave must not cut the other.
# Round 1: both IGMPv2 (report suppression: after the first queries only one of them reports,
# and a v2 Leave is sent only by the host that reported last - pitfall 8) on 239.0.5.185.
# Round 2: both IGMPv3 (explicit TO_IN{} leave) on 239.0.5.186.
# deco1 leaves after 3 s; deco2 must see no gap > 500 ms over the following 10 s, and the group
# must stay joined upstream (no leave, no expiry at the emulated upstream).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LEAVE=3
AFTER=10
lab_setup
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"

for round in 2:239.0.5.185 3:239.0.5.186; do
        IFS=: read -r VER GROUP <<<"$round"
        deco_version deco1 "$VER"
        deco_version deco2 "$VER"
        deco_join deco2 "deco2-v$VER" --group "$GROUP" --duration $((LEAVE + AFTER + 2))
        sleep 0.3
        deco_join deco1 "deco1-v$VER" --group "$GROUP" --leave-after "$LEAVE" --duration $((LEAVE + 1))
        deco_wait deco1 20
        deco_wait deco2 30
        export VER GROUP AFTER
        check_py "v$VER: deco1 received $GROUP, then left" <<'PY'
import os, labq
d = labq.summary("deco1-v" + os.environ["VER"]); g = d["groups"][os.environ["GROUP"]]
print("deco1: %d packets, left %.3f s after its join" % (g["count"], d["leave_time"] - d["join_time"]))
assert g["count"] > 0 and d["leave_time"]
PY
        check_py "v$VER: deco2 saw no gap > 500 ms on $GROUP in the $AFTER s after deco1 left" <<'PY'
import os, labq
v = os.environ["VER"]; G = os.environ["GROUP"]; after = float(os.environ["AFTER"])
d1 = labq.summary("deco1-v" + v); d2 = labq.summary("deco2-v" + v)
g = d2["groups"][G]
lt = d1["leave_time"]
if not g["count"]:
    labq.fail("deco2 received nothing")
print("deco2: %d packets, max gap %.3f s, gaps > 500 ms (start rel. to deco1's leave, length): %s, "
      "watched until %.3f s after the leave, last packet %.3f s before its end"
      % (g["count"], g["max_gap"], [(round(s - lt, 3), l) for s, l in g["gaps"]],
         d2["end"] - lt, g["tail"]))
assert g["count"] > 0
assert d2["end"] - lt >= after, "deco2 did not watch long enough"
assert g["n_gaps"] == 0 and g["tail"] < 0.5
PY
        check_py "v$VER: $GROUP stayed joined upstream (no leave, no expiry)" <<'PY'
import os, labq
v = os.environ["VER"]; G = os.environ["GROUP"]
log = labq.upstream(); d2 = labq.summary("deco2-v" + v)
bad = [e for e in log if e.get("group") == G and e.get("ev") in ("leave", "expire")
       and d2["join_time"] < e["t"] < d2["end"]]
lv = [round(x["t"] - d2["join_time"], 3) for x in labq.igmp(log, src="198.18.0.2", type="leave")
      if x["group"] == G and d2["join_time"] < x["t"] < d2["end"]]
print("upstream leave/expire events while deco2 watched: %s; daemon's leaves: %s"
      % ([(e["ev"], round(e["t"] - d2["join_time"], 3)) for e in bad], lv))
assert not bad and not lv
PY
done

lab_stop_proxy
lab_stop_upstream
lab_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-many-groups.sh (f) - one deco joins 1,000 groups (239.1.0.1 ... 239.1.3.232); within a
# bounded time all 1,000 are held by the emulated upstream, and the refresh keeps them held
# (T=4 s, IntervalSec=1). The deco namespace raises its own igmp_max_memberships (a host-side
# setting); the router namespace's stays at the kernel default: the daemon must not need it.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=1000
WITHIN=15     # all N held within this many seconds of the join
KEEP=8        # ... and then held for this long
lab_setup
deco_version deco1 2
deco_sysctl deco1 net.ipv4.igmp_max_memberships=$((N + 100))
RTR_MAX_BEFORE=$(lab_exec rtr sysctl -n net.ipv4.igmp_max_memberships)
lab_start_upstream --forget-after "$LAB_T" --no-stream
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group-range 239.1.0.1 "$N" --per-socket "$N" --duration $((WITHIN + KEEP + 2))
deco_wait deco1 $((WITHIN + KEEP + 30))
RTR_MAX_AFTER=$(lab_exec rtr sysctl -n net.ipv4.igmp_max_memberships)
lab_stop_proxy
lab_stop_upstream
export N WITHIN KEEP

check_py "the deco joined all $N groups" <<'PY'
import labq
d = labq.summary("deco1")
print("join errors:", d["n_join_errors"], d["join_errors"][:3])
assert d["n_join_errors"] == 0
PY

check_py "all $N groups held upstream within $WITHIN s of the join, then for $KEEP s" <<'PY'
import os, labq
n = int(os.environ["N"]); within = float(os.environ["WITHIN"]); keep = float(os.environ["KEEP"])
log = labq.upstream(); d = labq.summary("deco1")
st = [e for e in labq.events(log, "status") if d["join_time"] <= e["t"] <= d["end"]]
full = [e["t"] for e in st if e["held"] >= n]
print("held, one figure a second after the join:", [e["held"] for e in st])
if not full:
    labq.fail("never all %d held" % n)
t_full = full[0] - d["join_time"]
after = [e["held"] for e in st if full[0] <= e["t"] <= full[0] + keep]
print("all held %.1f s after the join; then held: min %d over %d s" % (t_full, min(after), len(after)))
assert t_full <= within
assert min(after) >= n and len(after) >= keep
joined = {e["group"] for e in labq.events(log, "join") if e.get("src") == "198.18.0.2"}
assert len([g for g in joined if g.startswith("239.1.")]) == n
PY

check "router namespace igmp_max_memberships untouched ($RTR_MAX_BEFORE -> $RTR_MAX_AFTER, default 20)" \
        test "$RTR_MAX_BEFORE" = 20 -a "$RTR_MAX_AFTER" = 20

lab_done
